# SPDX-License-Identifier: Apache-2.0
"""Translation tables, computed here and emitted later as data at fixed physical addresses.

Two regimes, both with the 4 KiB granule:

* stage 2 (guest IPA -> PA): 40-bit IPA (VTCR_EL2.T0SZ = 24), walks start at level 1 with two
  concatenated root tables (VTCR_EL2.SL0 = 1), so the root is 2 pages and 8 KiB aligned;
* EL2 stage 1 (hypervisor VA -> PA, non-VHE, TTBR0_EL2): 39-bit VA (TCR_EL2.T0SZ = 25), walks
  start at level 1 with one root page.

Leaves are 1 GiB (level 1) or 2 MiB (level 2) blocks where VA, PA and remaining size allow,
4 KiB pages (level 3) otherwise; stage 2 can be asked for pages only (`blocks=False`, chosen per
board by platform.stage2_blocks: QEMU's TCG records a guest TLB entry with the larger of its
stage-1 and stage-2 page sizes, and a TLBI by VA that falls in a "large page" region flushes that
whole TLB, so stage-2 blocks turn each of Linux's page-granular TLB invalidations into a full
flush). Tables are allocated consecutively from `base`: the root first,
then each next-level table when first needed, mappings taken in VA order, so the output depends
only on the input. The number of pages does not depend on `base`.

Descriptor fields (Arm ARM, VMSAv8-64 block and page descriptors; Linux kvm/hyp/pgtable.c):
  bits[1:0]  0b01 block (levels 1, 2), 0b11 page (level 3) or table (levels 1, 2)
  stage 2:   MemAttr[5:2] (0b1111 Normal inner/outer WB, 0b0001 Device-nGnRE),
             S2AP[7:6] (bit 6 read, bit 7 write), SH[9:8], AF[10], XN[1:0] bits 54:53 (bit 53:
             FEAT_XNX, EL1 execute-never, sealed-strict only)
  EL2 st. 1: AttrIndx[4:2] into MAIR_EL2, AP[7:6] where AP[1] (bit 6) is RES1 in this
             single-privilege regime and AP[2] (bit 7) means read-only, SH[9:8], AF[10], XN bit 54
Nothing here walks tables: the image verifier reads them back independently.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .perms import PERMS

PAGE = 0x1000
BLOCK_1G = 1 << 30
ENTRIES = 512
PA_BITS = 40                        # the PS value both TCR_EL2 and VTCR_EL2 select

# -- system register values that match the descriptors below ----------------------------------

MAIR_ATTR_NORMAL = 0                # AttrIndx 0: Normal, inner/outer write-back write-allocate
MAIR_ATTR_DEVICE = 1                # AttrIndx 1: Device-nGnRE
MAIR_EL2 = (0x04 << (8 * MAIR_ATTR_DEVICE)) | (0xFF << (8 * MAIR_ATTR_NORMAL))   # 0x04ff

EL2_T0SZ = 25
EL2_VA_BITS = 64 - EL2_T0SZ         # 39
_TCR_RES1 = (1 << 31) | (1 << 23)
_PS_40BIT = 0b010
_WBWA = 0b01
_INNER_SHAREABLE = 0b11
_TG0_4K = 0b00
TCR_EL2 = (_TCR_RES1
           | (_PS_40BIT << 16)
           | (_TG0_4K << 14)
           | (_INNER_SHAREABLE << 12)
           | (_WBWA << 10)          # ORGN0
           | (_WBWA << 8)           # IRGN0
           | EL2_T0SZ)              # 0x80823519

S2_T0SZ = 24
S2_IPA_BITS = 64 - S2_T0SZ          # 40
S2_SL0 = 1                          # 4 KiB granule: start at level 1
S2_ROOT_PAGES = 2                   # 40 bits at level 1 = 1024 entries = 2 concatenated tables
VTCR_EL2 = ((1 << 31)               # RES1
            | (_PS_40BIT << 16)
            | (_TG0_4K << 14)
            | (_INNER_SHAREABLE << 12)
            | (_WBWA << 10)         # ORGN0
            | (_WBWA << 8)          # IRGN0
            | (S2_SL0 << 6)
            | S2_T0SZ)              # 0x80023558 (VS = 0: 8-bit VMID)
VMID_BITS = 8


def vttbr_el2(root: int, vmid: int) -> int:
    """VTTBR_EL2 for a stage-2 TableSet root and an 8-bit VMID."""
    if not 0 <= vmid < (1 << VMID_BITS):
        raise ValueError(f"VMID {vmid} does not fit {VMID_BITS} bits")
    if root % (S2_ROOT_PAGES * PAGE) or not 0 <= root < (1 << PA_BITS):
        raise ValueError(f"stage-2 root {root:#x} must be 8 KiB aligned and below 2^{PA_BITS}")
    return (vmid << 48) | root


def ttbr0_el2(root: int) -> int:
    if root % PAGE or not 0 <= root < (1 << PA_BITS):
        raise ValueError(f"EL2 root {root:#x} must be 4 KiB aligned and below 2^{PA_BITS}")
    return root


# -- descriptor bits ------------------------------------------------------------------------

DESC_BLOCK = 0b01
DESC_TABLE = 0b11
DESC_PAGE = 0b11
AF = 1 << 10
SH_INNER = 0b11 << 8
XN = 1 << 54
# Stage-2 XN[1:0] = 0b01 with FEAT_XNX: not executable at EL1, executable at EL0 (bit 53 is
# RES0 without FEAT_XNX, where it would leave the page executable at EL1 too: only tables
# of `sealed-strict` partitions use it, which the compiler and the hypervisor allow only on
# CPUs with FEAT_XNX; docs/integrity.md).
S2_XN_EL1 = 1 << 53
S2AP_R = 1 << 6
S2AP_W = 1 << 7
S2_MEMATTR_NORMAL_WB = 0b1111 << 2
S2_MEMATTR_DEVICE_nGnRE = 0b0001 << 2
S1_AP1_RES1 = 1 << 6                # EL2 regime: AP[1] is RES1
S1_AP2_RO = 1 << 7
OA_MASK = ((1 << 48) - 1) & ~(PAGE - 1)

MEMTYPES = ("normal", "device")
LEVEL_SHIFT = {1: 30, 2: 21, 3: 12}
START_LEVEL = 1


@dataclass(frozen=True)
class Mapping:
    va: int          # IPA for stage 2, VA for the EL2 stage-1 regime
    pa: int
    size: int
    perm: str        # one of perms.PERMS: "ro", "rw", "rx", "rwx"
    memtype: str     # "normal" (write-back cacheable, inner shareable) or "device" (nGnRE)
    name: str
    el1_xn: bool = False    # stage 2 only: an "x" perm executes at EL0 only (S2_XN_EL1)


@dataclass(frozen=True)
class TableSet:
    base: int                               # PA of the first table page (the root)
    pages: tuple[tuple[int, ...], ...]      # each exactly 512 64-bit descriptors

    @property
    def root(self) -> int:
        return self.base

    @property
    def size(self) -> int:
        """Bytes the tables occupy from `base`."""
        return len(self.pages) * PAGE

    def to_bytes(self) -> bytes:
        """The tables as they lie in memory (little-endian descriptors, pages in order)."""
        return b"".join(d.to_bytes(8, "little") for page in self.pages for d in page)


def stage2_attrs(m: Mapping) -> int:
    """Lower and upper attributes of a stage-2 leaf for `m`."""
    attrs = AF | S2AP_R
    if "w" in m.perm:
        attrs |= S2AP_W
    if m.memtype == "normal":
        attrs |= S2_MEMATTR_NORMAL_WB | SH_INNER
        if "x" not in m.perm:
            attrs |= XN
        elif m.el1_xn:
            attrs |= S2_XN_EL1
    else:
        attrs |= S2_MEMATTR_DEVICE_nGnRE | XN        # never execute from device memory
    return attrs


def el2_attrs(m: Mapping) -> int:
    """Lower and upper attributes of an EL2 stage-1 leaf for `m` (W^X is checked by the caller)."""
    attrs = AF | S1_AP1_RES1
    if "w" not in m.perm:
        attrs |= S1_AP2_RO
    if m.memtype == "normal":
        attrs |= (MAIR_ATTR_NORMAL << 2) | SH_INNER
        if "x" not in m.perm:
            attrs |= XN
    else:
        attrs |= (MAIR_ATTR_DEVICE << 2) | XN
    return attrs


def stage2_tables(mappings: Iterable[Mapping], base: int, *, blocks: bool) -> TableSet:
    """Stage-2 tables (VTCR_EL2 above); the root is two concatenated pages at an 8 KiB aligned
    base. Without `blocks`, every leaf is a 4 KiB page."""
    maps = _validate(mappings, base, S2_IPA_BITS, S2_ROOT_PAGES, wx_allowed=True, regime="stage 2")
    return _build(maps, base, S2_ROOT_PAGES, stage2_attrs, max_leaf=BLOCK_1G if blocks else PAGE)


def el2_tables(mappings: Iterable[Mapping], base: int) -> TableSet:
    """EL2 stage-1 tables for TTBR0_EL2 (TCR_EL2 above); one root page. Rejects W+X."""
    maps = _validate(mappings, base, EL2_VA_BITS, 1, wx_allowed=False, regime="EL2")
    return _build(maps, base, 1, el2_attrs)


# -- implementation ---------------------------------------------------------------------------

def _validate(mappings: Iterable[Mapping], base: int, va_bits: int, root_pages: int,
              wx_allowed: bool, regime: str) -> list[Mapping]:
    align = root_pages * PAGE
    if base < 0 or base % align:
        raise ValueError(f"{regime} table base {base:#x} is not {align // 1024} KiB aligned")
    maps = sorted(mappings, key=lambda m: m.va)
    for m in maps:
        if m.perm not in PERMS:
            raise ValueError(f"{m.name}: permission {m.perm!r} is not one of {', '.join(PERMS)}")
        if m.memtype not in MEMTYPES:
            raise ValueError(f"{m.name}: memory type {m.memtype!r} is not one of "
                             f"{', '.join(MEMTYPES)}")
        if not wx_allowed and "w" in m.perm and "x" in m.perm:
            raise ValueError(f"{m.name}: {regime} mappings are W^X, "
                             f"{m.perm!r} is writable and executable")
        if m.size <= 0 or m.va < 0 or m.pa < 0 or (m.va | m.pa | m.size) % PAGE:
            raise ValueError(f"{m.name}: va {m.va:#x} pa {m.pa:#x} size {m.size:#x} "
                             "must be positive multiples of 4 KiB")
        if m.va + m.size > 1 << va_bits:
            raise ValueError(f"{m.name}: {m.va:#x}+{m.size:#x} is beyond the {va_bits}-bit "
                             f"{regime} input range")
        if m.pa + m.size > 1 << PA_BITS:
            raise ValueError(f"{m.name}: PA {m.pa:#x}+{m.size:#x} is beyond {PA_BITS} bits")
    for a, b in zip(maps, maps[1:], strict=False):
        if b.va < a.va + a.size:
            raise ValueError(f"{a.name} [{a.va:#x}, {a.va + a.size:#x}) overlaps "
                             f"{b.name} [{b.va:#x}, {b.va + b.size:#x})")
    return maps


def _build(maps: list[Mapping], base: int, root_pages: int,
           attrs_of: Callable[[Mapping], int], max_leaf: int = BLOCK_1G) -> TableSet:
    pages: list[list[int]] = [[0] * ENTRIES for _ in range(root_pages)]
    for m in maps:
        attrs = attrs_of(m)
        va, pa, left = m.va, m.pa, m.size
        while left:
            level = _leaf_level(va, pa, min(left, max_leaf))
            size = 1 << LEVEL_SHIFT[level]
            page, index = _slot(pages, base, va, level, root_pages)
            if pages[page][index] != 0:
                raise RuntimeError("overlapping mappings slipped past the rules")
            pages[page][index] = pa | attrs | (DESC_PAGE if level == 3 else DESC_BLOCK)
            va, pa, left = va + size, pa + size, left - size
    return TableSet(base, tuple(tuple(p) for p in pages))


def _leaf_level(va: int, pa: int, left: int) -> int:
    """The largest leaf that VA, PA and the remaining size allow."""
    for level in (1, 2):
        size = 1 << LEVEL_SHIFT[level]
        if va % size == 0 and pa % size == 0 and left >= size:
            return level
    return 3


def _slot(pages: list[list[int]], base: int, va: int, level: int,
          root_pages: int) -> tuple[int, int]:
    """(page number, entry index) of the descriptor for `va` at `level`, making tables on the
    way."""
    page = va >> LEVEL_SHIFT[START_LEVEL] >> 9            # which concatenated root page
    index = (va >> LEVEL_SHIFT[START_LEVEL]) & (ENTRIES - 1)
    if page >= root_pages:
        raise RuntimeError(f"address {va:#x} beyond the root tables slipped past the rules")
    for lvl in range(START_LEVEL, level):
        desc = pages[page][index]
        if desc == 0:
            pages.append([0] * ENTRIES)
            desc = (base + (len(pages) - 1) * PAGE) | DESC_TABLE
            pages[page][index] = desc
        if desc & 0b11 != DESC_TABLE:
            raise RuntimeError("overlapping mappings slipped past the rules")
        page = ((desc & OA_MASK) - base) // PAGE
        index = (va >> LEVEL_SHIFT[lvl + 1]) & (ENTRIES - 1)
    return page, index
