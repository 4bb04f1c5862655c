# SPDX-License-Identifier: Apache-2.0
"""Unit tests of the verifier's MMU walker against hand-built tables (no build, no QEMU)."""
from __future__ import annotations

import ast
import struct
from pathlib import Path

import pytest

from hvcfg.verify import FINDINGS
from hvcfg.verify.report import Report
from hvcfg.verify.walker import (
    EL2,
    STAGE2,
    RegimeError,
    el2_regime,
    mair_memtype,
    s2_memtype,
    stage2_regime,
    walk,
)

VTCR = 0x80023558          # T0SZ 24, SL0 1, 4K, PS 40 bits, inner shareable WB walks
TCR = 0x80823519           # T0SZ 25, 4K, PS 40 bits
MAIR = 0x04FF              # attr0 normal WB, attr1 device nGnRE

S2_NORMAL_RW_XN = (1 << 54) | (1 << 10) | (3 << 8) | (3 << 6) | (0xF << 2)
S2_NORMAL_RX = (1 << 10) | (3 << 8) | (1 << 6) | (0xF << 2)
S2_DEVICE_RW_XN = (1 << 54) | (1 << 10) | (3 << 6) | (0x1 << 2)
EL2_NORMAL_RW_XN = (1 << 54) | (1 << 10) | (3 << 8) | (1 << 6)
EL2_NORMAL_RX = (1 << 10) | (3 << 8) | (1 << 7) | (1 << 6)
PAGE, TABLE, BLOCK = 3, 3, 1


class Mem:
    """Sparse physical memory made of table pages: pa -> list of 512 descriptors."""

    def __init__(self) -> None:
        self.pages: dict[int, list[int]] = {}

    def table(self, pa: int, pages: int = 1) -> list[int]:
        for k in range(pages):
            self.pages.setdefault(pa + k * 0x1000, [0] * 512)
        return self.pages[pa]

    def set(self, pa: int, index: int, desc: int) -> None:
        self.pages[pa + (index // 512) * 0x1000][index % 512] = desc

    def read(self, pa: int, n: int) -> bytes | None:
        out = b""
        while n > 0:
            page = pa & ~0xFFF
            if page not in self.pages:
                return None
            blob = struct.pack("<512Q", *self.pages[page])
            chunk = blob[pa - page: pa - page + n]
            out += chunk
            pa += len(chunk)
            n -= len(chunk)
        return out


# ------------------------------------------------------------------ control registers

def test_stage2_regime_of_the_generated_vtcr():
    r = stage2_regime(VTCR)
    assert (r.kind, r.input_bits, r.start_level, r.root_entries, r.oa_bits) == \
        (STAGE2, 40, 1, 1024, 40)
    assert r.root_pages == 2 and r.root_align == 0x2000


def test_el2_regime_of_the_generated_tcr():
    r = el2_regime(TCR)
    assert (r.kind, r.input_bits, r.start_level, r.root_entries, r.oa_bits) == (EL2, 39, 1, 512, 40)


@pytest.mark.parametrize("vtcr", [
    (VTCR & ~0x3F) | 16,            # 48-bit IPA from level 1: 512 concatenated tables
    VTCR & ~(3 << 6),               # SL0 0 (level 2) with a 40-bit IPA
    VTCR | (3 << 6),                # SL0 3: reserved
    VTCR | (1 << 14),               # 64K granule
    VTCR & ~(7 << 16),              # PS 32 bits < 40-bit IPA
])
def test_invalid_vtcr(vtcr):
    with pytest.raises(RegimeError):
        stage2_regime(vtcr)


def test_start_levels_follow_t0sz():
    assert el2_regime((TCR & ~0x3F) | 16).start_level == 0          # 48 bits
    assert el2_regime((TCR & ~0x3F) | 34).start_level == 2          # 30 bits
    r = stage2_regime((VTCR & ~0xFF) | (2 << 6) | 24)                # 40 bits from level 0
    assert (r.start_level, r.root_entries) == (0, 2)


# ------------------------------------------------------------------ attributes

def test_memtype_decoding():
    assert s2_memtype(0xF) == "normal-wb"
    assert s2_memtype(0x5) == "normal-nc"
    assert s2_memtype(0xD) == "normal-inc-owb"     # MemAttr[3:2] outer, [1:0] inner
    assert s2_memtype(0x1) == "device-nGnRE"
    assert s2_memtype(0x0) == "device-nGnRnE"
    assert s2_memtype(0x4) == "reserved"
    assert mair_memtype(0xFF) == "normal-wb"
    assert mair_memtype(0x44) == "normal-nc"
    assert mair_memtype(0x04) == "device-nGnRE"
    assert mair_memtype(0x00) == "device-nGnRnE"
    assert mair_memtype(0x02) == "reserved"
    assert mair_memtype(0x40) == "reserved"


# ------------------------------------------------------------------ stage-2 walks

def _s2_tree() -> Mem:
    m = Mem()
    m.table(0x10000, pages=2)                    # concatenated root: 1024 entries
    m.table(0x12000)                             # level 2 for IPA 1 GiB
    m.table(0x13000)                             # level 3 for IPA 1 GiB .. +2 MiB
    m.set(0x10000, 1, 0x12000 | TABLE)
    m.set(0x12000, 0, 0x13000 | TABLE)
    for i in range(4):
        m.set(0x13000, i, (0x80000000 + i * 0x1000) | S2_NORMAL_RX | PAGE)
    m.set(0x13000, 4, 0x80004000 | S2_NORMAL_RW_XN | PAGE)
    m.set(0x12000, 1, 0x09000000 | S2_DEVICE_RW_XN | BLOCK)          # 2 MiB device block
    m.set(0x10000, 600, (5 << 30) | S2_NORMAL_RW_XN | BLOCK)         # 2nd root page, 1 GiB
    return m


def test_stage2_walk_decodes_pages_blocks_and_concatenated_root():
    w = walk(_s2_tree().read, 0x10000, stage2_regime(VTCR))
    assert w.problems == []
    runs = [(r.va, r.pa, r.size, r.attrs.perm, r.attrs.memtype) for r in w.runs]
    assert runs == [
        (0x40000000, 0x80000000, 0x4000, "rx", "normal-wb"),
        (0x40004000, 0x80004000, 0x1000, "rw", "normal-wb"),
        (0x40200000, 0x09000000, 0x200000, "rw", "device-nGnRE"),
        (600 << 30, 5 << 30, 1 << 30, "rw", "normal-wb"),
    ]
    assert {t.pa for t in w.tables} == {0x10000, 0x12000, 0x13000}
    assert w.translate(0x40001234) == (0x80001234, w.runs[0].attrs)
    assert w.translate(0x40005000) is None


def test_reserved_encodings_are_reported_and_not_mapped():
    m = _s2_tree()
    m.set(0x13000, 5, 0x80005000 | S2_NORMAL_RW_XN | 0b01)          # "block" at level 3
    w = walk(m.read, 0x10000, stage2_regime(VTCR))
    assert [p.name for p in w.problems] == ["reserved-descriptor"]
    assert w.translate(0x40005000) is None
    # a level-0 block, with a regime that starts at level 0
    m0 = Mem()
    m0.table(0x20000)
    m0.set(0x20000, 0, 0 | S2_NORMAL_RW_XN | BLOCK)
    w0 = walk(m0.read, 0x20000, stage2_regime((VTCR & ~0xFF) | (2 << 6) | 24))
    assert [p.name for p in w0.problems] == ["reserved-descriptor"] and not w0.runs


def test_page_descriptor_at_level_1_is_a_table_pointer():
    m = _s2_tree()
    m.set(0x10000, 2, 0x80000000 | S2_NORMAL_RX | PAGE)             # bits[1:0] = 11 at level 1
    w = walk(m.read, 0x10000, stage2_regime(VTCR))
    assert "table-unreadable" in {p.name for p in w.problems}
    assert any(t.pa == 0x80000000 and not t.readable for t in w.tables)


def test_block_with_res0_address_bits_and_out_of_range_output():
    m = _s2_tree()
    m.set(0x12000, 2, 0x09201000 | S2_DEVICE_RW_XN | BLOCK)         # 2 MiB block, bit 12 set
    m.set(0x13000, 6, (1 << 41) | S2_NORMAL_RW_XN | PAGE)           # beyond 40-bit PS
    w = walk(m.read, 0x10000, stage2_regime(VTCR))
    assert sorted(p.name for p in w.problems) == ["oa-out-of-range", "reserved-bits"]
    assert w.translate(0x40006000) is None


def test_table_reused_within_a_tree_is_walked_once():
    m = _s2_tree()
    m.set(0x12000, 3, 0x13000 | TABLE)
    w = walk(m.read, 0x10000, stage2_regime(VTCR))
    assert [p.name for p in w.problems] == ["table-reused"]
    assert w.translate(0x40600000) is None


def test_s2ap_xn_and_dbm():
    m = Mem()
    m.table(0x10000, pages=2)
    m.table(0x12000)
    m.table(0x13000)
    m.set(0x10000, 0, 0x12000 | TABLE)
    m.set(0x12000, 0, 0x13000 | TABLE)
    base = (1 << 10) | (3 << 8) | (0xF << 2) | PAGE
    m.set(0x13000, 0, 0x1000 | base)                                 # S2AP 00: no access, exec
    m.set(0x13000, 1, 0x2000 | base | (2 << 6) | (1 << 54))          # write-only, XN
    m.set(0x13000, 2, 0x3000 | base | (1 << 6) | (1 << 51))          # RO + DBM
    perms = [r.attrs.perm for r in walk(m.read, 0x10000, stage2_regime(VTCR)).runs]
    assert perms == ["x", "w", "rx"]
    hd = walk(m.read, 0x10000, stage2_regime(VTCR | (1 << 22))).runs
    assert hd[2].attrs.perm == "rwx"                                 # DBM with HD: writable


def test_contiguous_hint():
    m = _s2_tree()
    for i in range(16):                                               # a consistent group
        m.set(0x13000, 16 + i, (0x80010000 + i * 0x1000) | S2_NORMAL_RW_XN | (1 << 52) | PAGE)
    assert walk(m.read, 0x10000, stage2_regime(VTCR)).problems == []
    m.set(0x13000, 20, 0x90000000 | S2_NORMAL_RW_XN | (1 << 52) | PAGE)
    assert [p.name for p in walk(m.read, 0x10000, stage2_regime(VTCR)).problems] == \
        ["contiguous-inconsistent"]


def test_unreadable_root():
    w = walk(Mem().read, 0x10000, stage2_regime(VTCR))
    assert [p.name for p in w.problems] == ["table-unreadable"] and not w.runs


# ------------------------------------------------------------------ EL2 walks

def _el2_tree() -> Mem:
    m = Mem()
    m.table(0x30000)
    m.table(0x31000)
    m.table(0x32000)
    m.set(0x30000, 1, 0x31000 | TABLE)
    m.set(0x31000, 0, 0x32000 | TABLE)
    m.set(0x32000, 0, 0x40000000 | EL2_NORMAL_RX | PAGE)
    m.set(0x32000, 1, 0x40001000 | EL2_NORMAL_RW_XN | PAGE)
    m.set(0x32000, 2, 0x40002000 | EL2_NORMAL_RW_XN | (1 << 2) | PAGE)   # AttrIndx 1
    return m


def test_el2_walk_permissions_and_mair():
    w = walk(_el2_tree().read, 0x30000, el2_regime(TCR), mair=MAIR)
    assert w.problems == []
    assert [(r.va, r.attrs.perm, r.attrs.memtype) for r in w.runs] == [
        (0x40000000, "rx", "normal-wb"), (0x40001000, "rw", "normal-wb"),
        (0x40002000, "rw", "device-nGnRE")]


def test_el2_hierarchical_permissions():
    m = _el2_tree()
    m.set(0x30000, 1, 0x31000 | TABLE | (1 << 62) | (1 << 60))      # APTable[1], XNTable
    w = walk(m.read, 0x30000, el2_regime(TCR), mair=MAIR)
    assert [r.attrs.perm for r in w.runs] == ["ro", "ro"]              # normal RX+RW merge; device
    w_hpd = walk(m.read, 0x30000, el2_regime(TCR | (1 << 24)), mair=MAIR)
    assert [r.attrs.perm for r in w_hpd.runs] == ["rx", "rw", "rw"]


def test_el2_res0_bits():
    m = _el2_tree()
    m.set(0x32000, 3, 0x40003000 | EL2_NORMAL_RW_XN | (1 << 53) | PAGE)
    assert [p.name for p in walk(m.read, 0x30000, el2_regime(TCR), mair=MAIR).problems] == \
        ["reserved-bits"]


def test_too_many_leaves_stops():
    m = _s2_tree()
    w = walk(m.read, 0x10000, stage2_regime(VTCR), max_leaves=3)
    assert "walk-too-large" in {p.name for p in w.problems}


# ------------------------------------------------------------------ independence, report

def test_verifier_shares_no_code_with_the_table_generator_or_layout():
    """The tables and the placement it checks are the compiler's; the verifier derives what
    to expect from the ELF and the configuration alone (docs/verify.md)."""
    pkg = Path(__file__).resolve().parents[1] / "compiler" / "hvcfg" / "verify"
    for f in pkg.glob("*.py"):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            assert not any(n in ("tables", "layout") or n.endswith((".tables", ".layout"))
                           for n in names), f"{f.name} imports the table generator or layout"


def test_report_names_are_registered_and_json():
    r = Report("x.elf", None)
    r.add("el2-wx", "el2", "VA 0x0..0x1000 is rwx")
    with pytest.raises(ValueError):
        r.add("no-such-finding", "el2", "?")
    assert not r.clean and r.names == {"el2-wx"}
    assert r.to_json()["findings"][0]["name"] == "el2-wx"
    assert all(n == n.lower() and " " not in n for n in FINDINGS)


def test_report_caps_floods():
    r = Report("x.elf", None)
    for i in range(40):
        r.add("reserved-bits", "smp", f"descriptor {i}")
    r.finish()
    assert len(r.findings) == 16 and "24 more reserved-bits" in r.notes[0]
