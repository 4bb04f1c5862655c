# SPDX-License-Identifier: Apache-2.0
"""Docs that match the tool (issue 18).

- Every YAML example in docs/ is checked: a whole board is written into a copy of the
  repository's layout and must pass `check`; an example whose first line names a file
  (`# boards/x.yaml`) must be what that file holds; `# + boards/x.yaml` means "these partitions
  added to that board", which must pass `check` too.
- Every command line shown in a code block of README.md, docs/ or xsa/README.md runs from the
  repository root as written (`./hvcfg ...`) and parses with the real argument parser.
- What docs say the tool prints is what it prints: documented diagnostics that name a file of
  the repository, and attack-surface.md's account of the indirect branches and row kinds.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hvcfg import cli, pipeline, rules, scaffold
from hvcfg.diagnostics import ConfigError
from hvcfg.load import BOARD_SCHEMA, SCHEMA_DIR
from hvcfg.scaffold import MODELINE

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PROSE = [ROOT / "README.md", ROOT / "xsa" / "README.md", *DOCS]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks(files: list[Path], lang: str | None) -> list[tuple[str, str]]:
    """(id, text) of every fenced block (of one language, or all)."""
    out = []
    for f in files:
        text = f.read_text()
        for m in BLOCK.finditer(text):
            if lang is None or m.group(1) == lang:
                line = text[:m.start()].count("\n") + 1
                out.append((f"{f.relative_to(ROOT)}:{line}", m.group(2)))
    return out


YAML_EXAMPLES = blocks(DOCS, "yaml")


def contains(whole: Any, part: Any) -> bool:
    """`part` is in `whole`: a mapping's keys with contained values, a list's items each
    contained in some item, anywhere below (so that a partition entry's keys are found)."""
    def at(w: Any, p: Any) -> bool:
        if isinstance(p, dict):
            return isinstance(w, dict) and all(k in w and at(w[k], v) for k, v in p.items())
        if isinstance(p, list):
            return isinstance(w, list) and all(any(at(x, y) for x in w) for y in p)
        return bool(w == p)
    if at(whole, part):
        return True
    children = whole.values() if isinstance(whole, dict) else whole \
        if isinstance(whole, list) else ()
    return any(contains(c, part) for c in children)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's layout for examples to live in: boards/ (empty), partitions/ (the
    real ones, plus `blinky` as `hvcfg new partition blinky` writes it), build/guests."""
    root = tmp_path_factory.mktemp("docs-tree")
    (root / "boards").mkdir()
    (root / "partitions").mkdir()
    for p in (ROOT / "partitions").iterdir():
        (root / "partitions" / p.name).symlink_to(p)
    new = scaffold.new_partition("blinky", root / "partitions" / "blinky")
    new.directory.mkdir()
    for name, text in new.files.items():
        (new.directory / name).write_text(text)
    (root / "build").mkdir()
    (root / "build" / "guests").symlink_to(ROOT / "build" / "guests")
    return root


def check(board: Path, build: Path) -> None:
    try:
        pipeline.analyse(board, build)
    except ConfigError as exc:
        pytest.fail("\n".join(d.render() for d in exc.diagnostics))


def test_there_are_examples() -> None:
    assert len(YAML_EXAMPLES) >= 5


@pytest.mark.parametrize("where, text", YAML_EXAMPLES, ids=[w for w, _ in YAML_EXAMPLES])
def test_yaml_example(where: str, text: str, tree: Path) -> None:
    first = text.splitlines()[0]
    data = yaml.safe_load(text)
    if data is None:                              # a modeline alone, for a board file
        assert first.startswith(MODELINE), where
        target = (ROOT / "boards" / first[len(MODELINE):]).resolve()
        assert target == (SCHEMA_DIR / BOARD_SCHEMA).resolve(), where
        return
    named = re.match(r"# (\+ )?(\S+\.yaml)$", first)
    if named and named.group(1):                  # partitions added to a board
        board = yaml.safe_load((ROOT / named.group(2)).read_text())
        board["partitions"] += data["partitions"]
        path = tree / named.group(2)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(board))
        check(path, tree / "build")
    elif named:                                   # what a file of the repository holds
        real = tree / named.group(2)
        real = real if real.exists() else ROOT / named.group(2)
        assert real.is_file(), f"{where}: names {named.group(2)}, which does not exist"
        assert contains(yaml.safe_load(real.read_text()), data), \
            f"{where}: the example is not what {named.group(2)} holds"
        if "board" in data:
            check(real, tree / "build")
    else:                                         # a whole board, as if in boards/
        assert isinstance(data, dict) and {"board", "hypervisor", "partitions"} <= set(data), \
            f"{where}: a fragment: start it with `# <file it is from>` (or `# + <board>`)"
        path = tree / "boards" / f"example-{where.replace('/', '-').replace(':', '-')}.yaml"
        path.write_text(text)
        check(path, tree / "build")


# ------------------------------------------------------------------ command lines

PLACEHOLDERS = {"DIR": "DIR", "REPORT.yaml": "r.yaml", "SUPPORT.yaml": "s.yaml"}


def command_lines() -> list[tuple[str, str]]:
    out = []
    for where, text in blocks(PROSE, None):
        for line in text.splitlines():
            if re.match(r"(\./)?hvcfg\s", line):
                out.append((where, line.split("#")[0].strip()))
    return out


COMMANDS = command_lines()


@pytest.mark.parametrize("where, line", COMMANDS, ids=[f"{w} {c}" for w, c in COMMANDS])
def test_documented_command_runs_as_written(where: str, line: str) -> None:
    """`./hvcfg`, not `hvcfg` (not on PATH unless .venv is activated), and arguments the
    parser takes, optional [parts] included."""
    assert line.startswith("./hvcfg "), f"{where}: write `./hvcfg`, runnable from the root"
    words = [PLACEHOLDERS.get(w, w) for w in shlex.split(re.sub(r"[\[\]]", "", line))[1:]]
    assert callable(cli.build_parser().parse_args(words).func)


def test_every_documented_command_is_collected() -> None:
    assert any("surface" in c for _, c in COMMANDS) and any("new partition" in c
                                                              for _, c in COMMANDS)


# ------------------------------------------------------------------ what the tool prints

DOCUMENTED_DIAGNOSTIC = re.compile(r"^`((?:boards|partitions|tests/boards)/\S+\.yaml:\d+:\d+: "
                                   r"(?:error|warning) [EW]\d{3} [^`]*)`$", re.M)


CHECK_CODES = {r.code for r in rules.RULES}    # what `check` reports (not a command's codes)


@pytest.mark.parametrize("line", [
    d for d in DOCUMENTED_DIAGNOSTIC.findall((ROOT / "docs" / "errors.md").read_text())
    if (ROOT / d.split(":")[0]).is_file()       # others are made-up files of an example
    and d.split(" ")[2] in CHECK_CODES])
def test_documented_diagnostic_of_a_repository_file_is_what_check_prints(line: str) -> None:
    board = line.split(":")[0]
    r = subprocess.run(["./hvcfg", "check", board], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    guests = str((ROOT / "build" / "guests").resolve())
    printed = r.stderr.replace(guests, "build/guests").splitlines()
    assert line in printed, f"docs/errors.md shows:\n{line}\ncheck prints:\n{r.stderr}"


@pytest.fixture(scope="module")
def surfaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    build = tmp_path_factory.mktemp("surface")
    out = {}
    for board in ("boards/qemu-virt.yaml", "boards/qemu-virt-linux.yaml"):
        r = subprocess.run(["./hvcfg", "--build-dir", str(build), "surface", board, "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        out[board] = json.loads(r.stdout)
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_attack_surface_doc_names_every_indirect_branch(surfaces: dict[str, Any]) -> None:
    doc = (ROOT / "docs" / "attack-surface.md").read_text()
    indirect = set()
    for s in surfaces.values():
        found = s.get("indirect_branches", s.get("totals", {}).get("indirect_branches"))
        assert found is not None, sorted(s)
        indirect |= {f["function"] if isinstance(f, dict) else f for f in found}
    missing = sorted(f for f in indirect if f"`{f}`" not in doc)
    assert not missing, f"docs/attack-surface.md does not account for {missing}"


def test_attack_surface_doc_rows_are_what_the_tool_lists(surfaces: dict[str, Any]) -> None:
    """Every kind of the doc's model table but `shared` (channels: no board has one yet) is
    listed for some board; every kind the tool lists has a row."""
    doc = (ROOT / "docs" / "attack-surface.md").read_text()
    table = doc.split("## The model")[1].split("\n\n")[1]
    kinds = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    listed = {e["kind"] for s in surfaces.values() for p in s["partitions"]
              for e in p.get("entries", p.get("entry_points", []))}
    assert listed, "no entry points found in the JSON"
    assert listed <= kinds and kinds - {"shared"} <= listed, (kinds, listed)
