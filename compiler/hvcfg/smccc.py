# SPDX-License-Identifier: Apache-2.0
"""SMCCC and PSCI constants (function ids, results), read from their one place: the hypervisor's
headers hyp/include/hv/psci.h and spectre.h, transcribed from Arm DEN0022 and DEN0028, and
the channel calls' results and flags (hv/channel.h, written as HV_CHANNEL_*, read here as
CHANNEL_*).

Partitions get them as HVCFG_<NAME> in their generated partition_config.h; `hvcfg surface`
names PSCI functions by macro and takes the ids from here.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .hypbuild import HYP_DIR

HEADERS = ("include/hv/psci.h", "include/hv/spectre.h", "include/hv/channel.h")
_DEFINE = re.compile(
    r"^#define[ \t]+(?:HV_)?((?:PSCI|SMCCC|CHANNEL)_\w+)[ \t]+(.+?)[ \t]*(?:/\*.*)?$", re.M)
_TERM = re.compile(r"\s*(-?0x[0-9a-fA-F]+|-?\d+|[A-Za-z_]\w*)u?\s*", re.A)


class HeaderError(ValueError):
    """A constant in the headers that this reader cannot evaluate: a bug in the tree."""


def evaluate(expr: str, known: dict[str, int]) -> int:
    """A constant expression of the headers: terms (numbers, earlier names) joined by `|`,
    optionally in parentheses."""
    text = expr.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    value = 0
    for term in text.split("|"):
        m = _TERM.fullmatch(term)
        if not m:
            raise HeaderError(f"cannot evaluate {expr!r}")
        t = m.group(1)
        if t[0].isalpha() or t[0] == "_":
            if t not in known:
                raise HeaderError(f"{t} is not defined before {expr!r}")
            v = known[t]
        else:
            v = int(t, 0)
        value |= v
    return value


@cache
def constants(hyp_dir: Path = HYP_DIR) -> dict[str, int]:
    """Every PSCI_*, SMCCC_* and HV_CHANNEL_* (as CHANNEL_*) constant of the headers, in the
    order they are written."""
    out: dict[str, int] = {}
    for header in HEADERS:
        for name, expr in _DEFINE.findall((hyp_dir / header).read_text(encoding="utf-8")):
            out[name] = evaluate(expr, out)
    return out
