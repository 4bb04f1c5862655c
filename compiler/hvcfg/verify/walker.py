# SPDX-License-Identifier: Apache-2.0
"""An MMU-exact walker for VMSAv8-64 translation tables with the 4 KiB granule.

Written from the Arm Architecture Reference Manual (DDI 0487, chapter D8 "The AArch64
Virtual Memory System Architecture"), independently of the compiler's table generator
(hvcfg.tables): it must not import it, and it decodes what the hardware would decode, not what
the generator meant to write.

Two regimes are supported, the ones the hypervisor uses:
  * stage 2 of the EL1&0 regime (VTCR_EL2 / VTTBR_EL2), with concatenated start-level tables;
  * stage 1 of the EL2 regime with HCR_EL2.E2H = 0 (TCR_EL2 / TTBR0_EL2), one VA range.

Descriptor formats (4 KiB granule, 48-bit output addresses, no FEAT_LPA2):
  bits[1:0] = x0 invalid (every other bit ignored);
  levels 0-2: 11 table (next-level address in [47:12]);
  levels 1-2: 01 block (output address in [47:30] at level 1, [47:21] at level 2);
  level 0 01 and level 3 01 are reserved (they fault; the verifier reports them);
  level 3: 11 page (output address in [47:12]).
Stage-2 leaf attributes: MemAttr[5:2], S2AP[7:6], SH[9:8], AF[10], DBM[51], Contiguous[52],
XN[54:53] (bit 53 only with FEAT_XNX: `walk(xnx=True)`). EL2 leaf attributes: AttrIndx[4:2]
(into MAIR_EL2), AP[7:6] (AP[2] = read-only), SH[9:8], AF[10], DBM[51], Contiguous[52],
XN[54]; table descriptors carry APTable[62:61] and XNTable[60], applied unless TCR_EL2.HPD is
set.
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import perms

GRANULE_SHIFT = 12
PAGE = 1 << GRANULE_SHIFT
ENTRIES = 512
ADDR_MASK_48 = (1 << 48) - 1
TABLE_ADDR_MASK = ADDR_MASK_48 & ~(PAGE - 1)        # bits [47:12]
BITS_51_48 = 0xF << 48

STAGE2 = "stage2"
EL2 = "el2"

Reader = Callable[[int, int], "bytes | None"]


def level_shift(level: int) -> int:
    """Lowest VA bit a level resolves: 39, 30, 21, 12 for levels 0..3 (4 KiB granule)."""
    return GRANULE_SHIFT + 9 * (3 - level)


PS_BITS = {0: 32, 1: 36, 2: 40, 3: 42, 4: 44, 5: 48}


class RegimeError(Exception):
    """A control register value the walker cannot (or the MMU would not) use."""


@dataclass(frozen=True)
class Regime:
    kind: str                   # STAGE2 or EL2
    input_bits: int             # 64 - T0SZ
    start_level: int
    root_entries: int           # entries at the start level (> 512: concatenated tables)
    oa_bits: int                # output address size (PS)
    ha: bool = False            # hardware Access flag management
    hd: bool = False            # hardware dirty state management (DBM makes RO writable)
    hpd: bool = False           # EL2: hierarchical permissions disabled

    @property
    def root_bytes(self) -> int:
        return self.root_entries * 8

    @property
    def root_pages(self) -> int:
        return max(1, self.root_bytes // PAGE)

    @property
    def root_align(self) -> int:
        """The alignment the base address register requires (RES0 low bits)."""
        return max(64, self.root_bytes)


def _start_entries(input_bits: int, level: int) -> int:
    return 1 << (input_bits - level_shift(level))


def stage2_regime(vtcr: int) -> Regime:
    """VTCR_EL2 -> the stage-2 walk parameters (D8.2: concatenation rules for the 4K granule)."""
    t0sz = vtcr & 0x3F
    sl0 = (vtcr >> 6) & 3
    tg0 = (vtcr >> 14) & 3
    ps = (vtcr >> 16) & 7
    if tg0 != 0:
        raise RegimeError(f"VTCR_EL2.TG0 = {tg0}: only the 4 KiB granule (0) is supported")
    if (vtcr >> 32) & 1:
        raise RegimeError("VTCR_EL2.DS = 1 (52-bit, FEAT_LPA2) is not supported")
    if (vtcr >> 33) & 1:
        raise RegimeError("VTCR_EL2.SL2 = 1 is not supported")
    if ps not in PS_BITS:
        raise RegimeError(f"VTCR_EL2.PS = {ps} is reserved or needs FEAT_LPA")
    if sl0 == 3:
        raise RegimeError("VTCR_EL2.SL0 = 3 is reserved for the 4 KiB granule")
    start = {0: 2, 1: 1, 2: 0}[sl0]
    input_bits = 64 - t0sz
    if not 25 <= input_bits <= 48:
        raise RegimeError(f"VTCR_EL2.T0SZ = {t0sz}: IPA size {input_bits} bits is out of range")
    resolved = input_bits - level_shift(start)
    if resolved < 1 or resolved > 9 + 4:
        raise RegimeError(f"VTCR_EL2: T0SZ = {t0sz} with SL0 = {sl0} (start level {start}) "
                          f"needs 2^{resolved - 9} concatenated tables; at most 16 are allowed")
    if input_bits > PS_BITS[ps]:
        raise RegimeError(f"VTCR_EL2: IPA size {input_bits} bits exceeds PS {PS_BITS[ps]} bits")
    return Regime(STAGE2, input_bits, start, 1 << resolved, PS_BITS[ps],
                  ha=bool((vtcr >> 21) & 1), hd=bool((vtcr >> 22) & 1))


def el2_regime(tcr: int) -> Regime:
    """TCR_EL2 (HCR_EL2.E2H = 0) -> the EL2 stage-1 walk parameters."""
    t0sz = tcr & 0x3F
    tg0 = (tcr >> 14) & 3
    ps = (tcr >> 16) & 7
    if tg0 != 0:
        raise RegimeError(f"TCR_EL2.TG0 = {tg0}: only the 4 KiB granule (0) is supported")
    if (tcr >> 32) & 1:
        raise RegimeError("TCR_EL2.DS = 1 (52-bit, FEAT_LPA2) is not supported")
    if ps not in PS_BITS:
        raise RegimeError(f"TCR_EL2.PS = {ps} is reserved or needs FEAT_LPA")
    input_bits = 64 - t0sz
    if not 25 <= input_bits <= 48:
        raise RegimeError(f"TCR_EL2.T0SZ = {t0sz}: VA size {input_bits} bits is out of range")
    start = 3 - (input_bits - GRANULE_SHIFT - 1) // 9
    return Regime(EL2, input_bits, start, _start_entries(input_bits, start), PS_BITS[ps],
                  ha=bool((tcr >> 21) & 1), hd=bool((tcr >> 22) & 1), hpd=bool((tcr >> 24) & 1))


# ---------------------------------------------------------------------------- attributes

SHAREABILITY = {0: "non", 1: "reserved", 2: "outer", 3: "inner"}
_CACHE = {1: "nc", 2: "wt", 3: "wb"}


def s2_memtype(memattr: int) -> str:
    """Stage-2 MemAttr[3:0] (HCR_EL2.FWB = 0)."""
    hi, lo = memattr >> 2, memattr & 3
    if hi == 0:
        return "device-" + ("nGnRnE", "nGnRE", "nGRE", "GRE")[lo]
    if lo == 0:
        return "reserved"
    outer, inner = _CACHE[hi], _CACHE[lo]
    return f"normal-{inner}" if inner == outer else f"normal-i{inner}-o{outer}"


def _mair_half(n: int) -> str | None:
    if n == 0b0100:
        return "nc"
    top, alloc = n >> 2, n & 3
    if top == 0b00 and alloc:
        return "wt"             # write-through transient
    if top == 0b01 and alloc:
        return "wb"             # write-back transient
    if top == 0b10:
        return "wt"
    if top == 0b11:
        return "wb"
    return None


def mair_memtype(attr: int) -> str:
    """One MAIR_ELx attribute byte."""
    hi, lo = attr >> 4, attr & 0xF
    if hi == 0:
        return {0x0: "device-nGnRnE", 0x4: "device-nGnRE", 0x8: "device-nGRE",
                0xC: "device-GRE"}.get(lo, "reserved")
    outer, inner = _mair_half(hi), _mair_half(lo)
    if outer is None or inner is None:
        return "reserved"
    return f"normal-{inner}" if inner == outer else f"normal-i{inner}-o{outer}"


@dataclass(frozen=True)
class Attrs:
    read: bool
    write: bool
    execute: bool
    memtype: str                # "normal-wb", "normal-inc-owb", "device-nGnRE", "reserved", ...
    shareability: str           # "inner", "outer", "non", "reserved"; "-" for device memory
    af: bool                    # access flag set (or managed by hardware)
    only: str = ""              # executes at one EL only (perms.EL0_ONLY, EL1_ONLY; FEAT_XNX)

    @property
    def perm(self) -> str:
        return perms.word(self.read, self.write, self.execute, self.only)

    @property
    def is_device(self) -> bool:
        return self.memtype.startswith("device-")

    def to_json(self) -> dict:
        return {"perm": self.perm, "memtype": self.memtype, "shareability": self.shareability,
                "af": self.af}


@dataclass(frozen=True)
class Run:
    """Consecutive leaves mapping a VA/IPA range linearly to a PA range with one set of
    attributes."""

    va: int
    pa: int
    size: int
    attrs: Attrs

    @property
    def va_end(self) -> int:
        return self.va + self.size

    @property
    def pa_end(self) -> int:
        return self.pa + self.size


@dataclass(frozen=True)
class TableRef:
    pa: int
    size: int                   # bytes read (a concatenated root is several pages)
    level: int
    parent: int | None          # address of the table descriptor that points here, None = root
    readable: bool = True       # False: not in the image's loaded contents (not walked)


@dataclass(frozen=True)
class Problem:
    name: str                   # a finding name (see rules.FINDINGS)
    message: str
    desc_pa: int | None = None  # address of the offending descriptor
    va: int | None = None


@dataclass
class Walk:
    regime: Regime
    root: int
    runs: list[Run] = field(default_factory=list)
    tables: list[TableRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    leaves: int = 0

    @property
    def mapped_bytes(self) -> int:
        return sum(r.size for r in self.runs)

    def translate(self, va: int) -> tuple[int, Attrs] | None:
        for r in self.runs:
            if r.va <= va < r.va_end:
                return r.pa + (va - r.va), r.attrs
        return None


MAX_LEAVES = 1 << 21


# Stage-2 XN[1:0] with FEAT_XNX (Arm ARM, "Stage 2 execute-never"): where each executes.
XNX_DECODE = {0b00: (True, ""), 0b01: (True, perms.EL0_ONLY), 0b10: (False, ""),
              0b11: (True, perms.EL1_ONLY)}


def walk(read: Reader, root: int, regime: Regime, *, mair: int = 0,
         max_leaves: int = MAX_LEAVES, xnx: bool = False) -> Walk:
    """Walk the tree at `root` as the MMU would for every VA/IPA the regime can translate.

    `xnx`: stage-2 tables meant for a CPU with FEAT_XNX (a sealed-strict partition's sealed
    set), whose XN[1:0] (bits 54:53) says at which ELs a page executes; without it bit 53 is
    RES0 and reported.

    `read(pa, n)` returns the n bytes at physical address pa as the hardware would find them
    at boot, or None when they are not known (then the table is reported unreadable).
    A table reached twice in one tree is reported (table-reused) and walked once.
    """
    w = Walk(regime, root)
    visited: set[int] = set()
    stage2 = regime.kind == STAGE2

    class _Stop(Exception):
        pass

    def leaf(d: int, level: int, va: int, desc_pa: int, no_write: bool, no_exec: bool) -> None:
        shift = level_shift(level)
        oa_mask = ADDR_MASK_48 & ~((1 << shift) - 1)
        oa = d & oa_mask
        low_res0 = d & ((1 << shift) - 1) & ~(PAGE - 1)
        if low_res0 or d & BITS_51_48:
            w.problems.append(Problem("reserved-bits", f"level {level} {_kind(level)} "
                                      f"descriptor {d:#018x} has RES0 output-address bits set",
                                      desc_pa, va))
        if oa >> regime.oa_bits:
            w.problems.append(Problem("oa-out-of-range", f"level {level} descriptor {d:#018x} "
                                      f"outputs {oa:#x}, beyond the {regime.oa_bits}-bit "
                                      "physical address size (address size fault)", desc_pa, va))
            return
        dbm = bool((d >> 51) & 1)
        af = bool((d >> 10) & 1) or regime.ha
        sh = (d >> 8) & 3
        if stage2:
            s2ap = (d >> 6) & 3
            xn = (d >> 53) & 3
            if xn & 1 and not xnx:
                w.problems.append(Problem("reserved-bits", f"stage-2 descriptor {d:#018x} sets "
                                          "bit 53 (XN[0], FEAT_XNX): treated as executable",
                                          desc_pa, va))
            execute, only = XNX_DECODE[xn] if xnx else (xn != 0b10, "")
            memtype = s2_memtype((d >> 2) & 0xF)
            attrs = Attrs(bool(s2ap & 1), bool(s2ap & 2) or (regime.hd and dbm), execute,
                          memtype, "-" if memtype.startswith("device") else SHAREABILITY[sh], af,
                          only)
        else:
            idx = (d >> 2) & 7
            ro = bool((d >> 7) & 1)
            if (d >> 53) & 1:
                w.problems.append(Problem("reserved-bits", f"EL2 descriptor {d:#018x} sets bit "
                                          "53 (RES0 in the EL2 regime)", desc_pa, va))
            memtype = mair_memtype((mair >> (8 * idx)) & 0xFF)
            writable = (not ro or (regime.hd and dbm)) and not no_write
            attrs = Attrs(True, writable, not ((d >> 54) & 1) and not no_exec, memtype,
                          "-" if memtype.startswith("device") else SHAREABILITY[sh], af)
        size = 1 << shift
        w.leaves += 1
        if w.leaves > max_leaves:
            w.problems.append(Problem("walk-too-large", f"more than {max_leaves} leaf "
                                      "descriptors: walk abandoned"))
            raise _Stop
        if w.runs:
            last = w.runs[-1]
            if last.va_end == va and last.pa_end == oa and last.attrs == attrs:
                w.runs[-1] = Run(last.va, last.pa, last.size + size, attrs)
                return
        w.runs.append(Run(va, oa, size, attrs))

    def table(pa: int, level: int, va_base: int, nentries: int, parent: int | None,
              no_write: bool, no_exec: bool) -> None:
        data = read(pa, nentries * 8)
        where = "root table" if parent is None else f"level {level} table"
        if data is None:
            w.tables.append(TableRef(pa, nentries * 8, level, parent, readable=False))
            w.problems.append(Problem("table-unreadable", f"{where} at {pa:#x} is not in the "
                                      "image's loaded contents", parent, va_base))
            return
        w.tables.append(TableRef(pa, nentries * 8, level, parent))
        descs = struct.unpack(f"<{nentries}Q", data)
        shift = level_shift(level)
        _check_contiguous(descs, level, pa, va_base, w)
        for i, d in enumerate(descs):
            if not d & 1:
                continue
            va = va_base + (i << shift)
            desc_pa = pa + 8 * i
            if level == 3:
                if d & 2:
                    leaf(d, level, va, desc_pa, no_write, no_exec)
                else:
                    w.problems.append(Problem("reserved-descriptor", f"level 3 descriptor "
                                              f"{d:#018x} has bits[1:0] = 01 (reserved: a "
                                              "block at level 3)", desc_pa, va))
                continue
            if not d & 2:
                if level == 0:
                    w.problems.append(Problem("reserved-descriptor", f"level 0 descriptor "
                                              f"{d:#018x} is a block (reserved with the 4 KiB "
                                              "granule)", desc_pa, va))
                else:
                    leaf(d, level, va, desc_pa, no_write, no_exec)
                continue
            nxt = d & TABLE_ADDR_MASK
            if d & BITS_51_48 or (stage2 and d >> 59):
                w.problems.append(Problem("reserved-bits", f"level {level} table descriptor "
                                          f"{d:#018x} has RES0 bits set", desc_pa, va))
            if not stage2 and (d >> 59) & 1:
                w.problems.append(Problem("reserved-bits", f"EL2 table descriptor {d:#018x} "
                                          "sets bit 59 (RES0 in the EL2 regime)", desc_pa, va))
            if nxt >> regime.oa_bits:
                w.problems.append(Problem("oa-out-of-range", f"level {level} table descriptor "
                                          f"{d:#018x} points beyond the {regime.oa_bits}-bit "
                                          "physical address size", desc_pa, va))
                continue
            if nxt in visited:
                w.problems.append(Problem("table-reused", f"level {level} descriptor at "
                                          f"{desc_pa:#x} points at table {nxt:#x}, which this "
                                          "tree already uses", desc_pa, va))
                continue
            visited.add(nxt)
            nw, nx = no_write, no_exec
            if not stage2 and not regime.hpd:
                nw = nw or bool((d >> 62) & 1)       # APTable[1]: no write below
                nx = nx or bool((d >> 60) & 1)       # XNTable
            table(nxt, level + 1, va, ENTRIES, desc_pa, nw, nx)

    visited.update(root + k * PAGE for k in range(regime.root_pages))
    try:
        table(root, regime.start_level, 0, regime.root_entries, None, False, False)
    except _Stop:
        pass
    return w


def _kind(level: int) -> str:
    return "page" if level == 3 else "block"


def _check_contiguous(descs: tuple[int, ...], level: int, pa: int, va_base: int,
                      w: Walk) -> None:
    """The Contiguous hint (bit 52) promises 16 adjacent, aligned, identical leaves; a TLB may
    cache any of them for the whole group, so a broken promise is a misprogramming."""
    shift = level_shift(level)
    size = 1 << shift
    for g in range(0, len(descs) - len(descs) % 16, 16):
        group = descs[g:g + 16]
        if not any(_is_leaf(d, level) and (d >> 52) & 1 for d in group):
            continue
        oa_mask = ADDR_MASK_48 & ~(size - 1)
        first = group[0]
        ok = all(_is_leaf(d, level) and (d >> 52) & 1 for d in group)
        ok = ok and (first & oa_mask) % (16 * size) == 0
        ok = ok and all((d & ~oa_mask) == (first & ~oa_mask) and
                        (d & oa_mask) == (first & oa_mask) + k * size
                        for k, d in enumerate(group))
        if not ok:
            w.problems.append(Problem("contiguous-inconsistent", f"level {level} entries "
                                      f"{g}..{g + 15} of table {pa:#x} use the Contiguous bit "
                                      "but are not 16 aligned, adjacent, identical leaves",
                                      pa + 8 * g, va_base + (g << shift)))


def _is_leaf(d: int, level: int) -> bool:
    if not d & 1:
        return False
    if level == 3:
        return bool(d & 2)
    return level > 0 and not d & 2
