# SPDX-License-Identifier: Apache-2.0
"""One word per permission, from the configuration through layout, the table generator, verify
and the docs: the letters r, w, x in that order, read-only spelt "ro" as a partition's
`perm:` writes it. The configuration's words are the schema's (region.perm's enum)."""
from __future__ import annotations

from .load import definition

PERMS: tuple[str, ...] = tuple(definition("region")["properties"]["perm"]["enum"])


def word(read: bool, write: bool, execute: bool) -> str:
    """The word for a set of permissions ("none" when there are none)."""
    letters = ("r" if read else "") + ("w" if write else "") + ("x" if execute else "")
    return "ro" if letters == "r" else letters or "none"
