# SPDX-License-Identifier: Apache-2.0
"""The verified stamp: the one thing that makes a build directory usable.

`hvcfg build` writes <out>/verified last, after `verify` passed on the staged outputs and just
before they are moved into build/<board>/. It records the fingerprint of every input and the
SHA-256 of every file a consumer reads. Every consumer (run, flash, surface) goes through
pipeline.ensure_built, which uses a build only when its stamp matches both; anything else
(no stamp, other inputs, a file changed after the build) means "build again", and a build
that fails verification is never moved into place, so it is never used.
"""
from __future__ import annotations

import json
from pathlib import Path

from .bootfolder import BOOT_DIR
from .digest import sha256

STAMP = "verified"
CONSUMED = ("hyp.bin", "hyp.elf", "manifest.json")      # plus every file under BOOT_DIR


def consumed_files(out: Path) -> list[str]:
    """Names (relative to out) of the files consumers read: what the stamp covers."""
    names = [n for n in CONSUMED if (out / n).is_file()]
    boot = out / BOOT_DIR
    if boot.is_dir():
        names += sorted(f"{BOOT_DIR}/{p.name}" for p in boot.iterdir() if p.is_file())
    return names


def write(out: Path, fingerprint: str) -> None:
    """Stamp `out` as verified for `fingerprint`: the last file a successful build writes."""
    files = {name: sha256(out / name) for name in consumed_files(out)}
    text = json.dumps({"fingerprint": fingerprint, "files": files}, indent=1, sort_keys=True)
    (out / STAMP).write_text(text + "\n")


def problem(out: Path, fingerprint: str) -> str | None:
    """Why `out` is not a usable build of `fingerprint`, or None when it is."""
    path = out / STAMP
    if not path.is_file():
        return f"{out} has no verified build"
    try:
        data = json.loads(path.read_text())
        recorded, files = str(data["fingerprint"]), dict(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"{path} is unreadable"
    if recorded != fingerprint:
        return f"{out} was built from other inputs"
    if sorted(files) != consumed_files(out) or not {"hyp.bin", "hyp.elf"} <= set(files):
        return f"{out} does not hold the files that were verified"
    for name, digest in files.items():
        if sha256(out / name) != digest:
            return f"{out / name} changed after it was verified"
    return None
