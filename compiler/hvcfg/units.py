# SPDX-License-Identifier: Apache-2.0
"""Sizes as written in configuration files ("64K", "2M", "1G") and back again for messages."""
from __future__ import annotations

import re

UNITS: dict[str, int] = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

# Kept in sync with $defs/size in schema/board.schema.json and schema/partition.schema.json.
SIZE_RE = re.compile(r"^([1-9][0-9]*)([KMGT]?)$")


def parse_size(value: int | str) -> int:
    """Return a size in bytes: an int as is, or a string "<digits>[K|M|G|T]" (binary units).

    Raises ValueError for anything else (including bool, zero and negative sizes).
    """
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"size must be positive: {value}")
        return value
    if isinstance(value, str):
        m = SIZE_RE.match(value.strip())
        if m:
            return int(m.group(1)) * UNITS[m.group(2)]
    raise ValueError(f"not a size: {value!r} (write e.g. 4096, \"64K\", \"2M\" or \"1G\")")


def format_size(n: int) -> str:
    """The shortest exact spelling of a size: 2097152 -> "2M", 0x1800 -> "6K", 100 -> "100"."""
    for unit in ("T", "G", "M", "K"):
        if n and n % UNITS[unit] == 0:
            return f"{n // UNITS[unit]}{unit}"
    return str(n)


def hexaddr(n: int) -> str:
    """An address for messages: 0x60000000."""
    return f"{n:#x}"


def format_range(base: int, size: int) -> str:
    """A half-open address range for messages: [0x60000000, 0x60200000) (2M)."""
    return f"[{base:#x}, {base + size:#x}) ({format_size(size)})"


def align_up(value: int, align: int) -> int:
    """`value` rounded up to a multiple of `align`."""
    return (value + align - 1) // align * align


def align_down(value: int, align: int) -> int:
    """`value` rounded down to a multiple of `align`."""
    return value // align * align


def overlaps(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> bool:
    """Whether the half-open ranges [a_lo, a_hi) and [b_lo, b_hi) share a byte."""
    return a_lo < b_hi and b_lo < a_hi
