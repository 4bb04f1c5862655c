# SPDX-License-Identifier: Apache-2.0
"""One word per permission, from the configuration through layout, the table generator, verify
and the docs: the letters r, w, x in that order, read-only spelt "ro" as a partition's
`perm:` writes it. The configuration's words are the schema's (region.perm's enum)."""
from __future__ import annotations

from .load import definition

PERMS: tuple[str, ...] = tuple(definition("region")["properties"]["perm"]["enum"])


EL0_ONLY = "el0"        # a stage-2 page with FEAT_XNX's XN[1:0] = 0b01: executes at EL0 only
EL1_ONLY = "el1"        # XN[1:0] = 0b11: executes at EL1 only


def word(read: bool, write: bool, execute: bool, only: str = "") -> str:
    """The word for a set of permissions ("none" when there are none); an executable page
    whose execution is limited to one exception level (FEAT_XNX, sealed-strict) says which:
    "rwx(el0)"."""
    letters = ("r" if read else "") + ("w" if write else "") + ("x" if execute else "")
    if execute and only:
        return f"{letters}({only})"
    return "ro" if letters == "r" else letters or "none"
