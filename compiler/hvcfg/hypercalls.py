# SPDX-License-Identifier: Apache-2.0
"""hvcfg's own hypercalls, read from their one table, hyp/hypercalls.yaml.

Everything else about a hypercall is generated from that table: the C ids, grant bits and
dispatch (templates/hvcfg_config.h.j2), the ids partitions see (partition_config.h.j2), the
check of a partition's `hypercalls:` words, `hvcfg surface`'s rows and docs/hypercalls.md's table
(tests/test_hypercalls.py keeps the document equal to `doc_table()`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .hypbuild import HYP_DIR

TABLE = HYP_DIR / "hypercalls.yaml"
FIRST_FID = 0xc6000001          # grant bit 0; SMCCC vendor hypervisor range, fast call, SMC64
MAX_CALLS = 32                  # bits of hv_partition.hypercalls
_KEYS = {"fid", "handler", "source", "reaches", "arguments", "result"}


@dataclass(frozen=True)
class Hypercall:
    name: str                   # the configuration word
    fid: int                    # SMCCC function id
    handler: str                # C handler, void (struct hv_regs *)
    source: str                 # its file under hyp/
    reaches: tuple[str, ...]    # further functions `hvcfg surface` counts for it
    arguments: str
    result: str

    @property
    def bit(self) -> int:
        """Grant bit in hv_partition.hypercalls (HV_HC_<NAME>)."""
        return self.fid - FIRST_FID

    @property
    def macro(self) -> str:
        return self.name.upper()


class TableError(ValueError):
    """hyp/hypercalls.yaml is malformed: a bug in the tree, not in a user's configuration."""


def table(path: Path | None = None) -> tuple[Hypercall, ...]:
    """The hypercalls of `path` (default TABLE), in function-id order; TableError if the table
    is malformed."""
    return _read(path or TABLE)


@cache
def _read(path: Path) -> tuple[Hypercall, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise TableError(f"{path}: expected a mapping of hypercall names")
    calls = []
    for name, row in raw.items():
        if not isinstance(row, dict) or set(row) != _KEYS:
            raise TableError(f"{path}: {name}: keys must be exactly {', '.join(sorted(_KEYS))}")
        hc = Hypercall(str(name), row["fid"], row["handler"], row["source"],
                       tuple(row["reaches"]), row["arguments"], row["result"])
        if not isinstance(hc.fid, int) or not 0 <= hc.bit < MAX_CALLS:
            raise TableError(f"{path}: {name}: fid must be in {FIRST_FID:#x}.."
                             f"{FIRST_FID + MAX_CALLS - 1:#x}")
        calls.append(hc)
    fids = [c.fid for c in calls]
    if len(set(fids)) != len(fids):
        raise TableError(f"{path}: two hypercalls share a function id")
    return tuple(sorted(calls, key=lambda c: c.fid))


def by_name(path: Path | None = None) -> dict[str, Hypercall]:
    return {c.name: c for c in table(path)}


def doc_table(path: Path | None = None) -> str:
    """docs/hypercalls.md's table of hvcfg calls."""
    rows = ["| name | id | arguments | result |", "|---|---|---|---|"]
    rows += [f"| `{c.name}` | {c.fid:#x} | {c.arguments} | {c.result} |" for c in table(path)]
    return "\n".join(rows) + "\n"
