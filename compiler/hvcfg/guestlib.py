# SPDX-License-Identifier: Apache-2.0
"""Guest libraries a bare-metal partition names by key (`image.lib`) instead of by relative
paths into this checkout: which sources each adds to the partition's build and which directory
goes on its include path. The names are the enum of partition.schema.json's `lib`
(tests/test_partition_sdk.py holds the two together).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The checkout's partitions/ (HVCFG_PARTITIONS_DIR points elsewhere, as HVCFG_HYP_DIR does).
PARTITIONS_DIR = Path(os.environ.get("HVCFG_PARTITIONS_DIR",
                                     Path(__file__).resolve().parents[2] / "partitions"))


@dataclass(frozen=True)
class GuestLib:
    name: str
    include_dir: Path
    sources: tuple[Path, ...]    # built before the partition's own sources


def _hvcfg() -> GuestLib:
    lib = PARTITIONS_DIR / "lib"
    # start.S first: _start in section .text.start is the image's first byte (E058).
    return GuestLib("hvcfg", lib, tuple(lib / f for f in ("start.S", "vectors.S", "guest.c")))


def get(name: str) -> GuestLib:
    """The library `image.lib` names (the schema admits only known names)."""
    return {"hvcfg": _hvcfg}[name]()


NAMES = ("hvcfg",)
