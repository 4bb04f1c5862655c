# SPDX-License-Identifier: Apache-2.0
"""`hvcfg new partition NAME`: the files of a bare-metal partition that builds, prints and
blinks out of the box (templates/new-*.j2), and the yaml-language-server modeline every board
and partition file starts with. Pure: returns file names and texts; cli.py writes them.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .checks import RESERVED_NAME
from .diagnostics import ConfigError, error
from .load import BOARD_SCHEMA, PARTITION_SCHEMA, SCHEMA_DIR

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")   # partition.schema.json's partitionName
MODELINE = "# yaml-language-server: $schema="

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("hvcfg", "templates"),
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                          autoescape=False)


def modeline(yaml_file: Path, schema: str) -> str:
    """The line that points editors (yaml-language-server: VS Code's YAML extension, Neovim,
    ...) at the schema of `yaml_file`: relative to where that file is inside this checkout,
    absolute for a file outside it."""
    target, where = (SCHEMA_DIR / schema).resolve(), yaml_file.resolve().parent
    if SCHEMA_DIR.resolve().parents[2] not in (where, *where.parents):
        return MODELINE + target.as_posix()
    return MODELINE + Path(os.path.relpath(target, where)).as_posix()


@dataclass(frozen=True)
class NewPartition:
    directory: Path
    files: dict[str, str]      # file name in `directory` -> text
    board: str                 # the file name of the board that runs it alone


def new_partition(name: str, directory: Path) -> NewPartition:
    """The files of partition `name` in `directory`; E095 for a name that is not a partition
    name or a directory that exists (nothing of the user's is overwritten)."""
    if not NAME.fullmatch(name):    # fullmatch: NAME.match also took "foo\n"
        raise ConfigError(error("E095", f"{name!r} is not a partition name", None))
    if RESERVED_NAME.fullmatch(name):
        raise ConfigError(error("E095", f"'{name}' is reserved (check refuses it, E060)", None))
    if directory.exists() or directory.is_symlink():
        raise ConfigError(error("E095", f"{directory} exists: hvcfg new writes only a new "
                                        "directory", None))
    board = f"{name}-board.yaml"
    context = {"name": name,
               "partition_modeline": modeline(directory / "partition.yaml", PARTITION_SCHEMA),
               "board_modeline": modeline(directory / board, BOARD_SCHEMA)}
    files = {"partition.yaml": "new-partition.yaml.j2", "main.c": "new-main.c.j2",
             board: "new-board.yaml.j2"}
    return NewPartition(directory, {f: _ENV.get_template(t).render(context)
                                    for f, t in files.items()}, board)
