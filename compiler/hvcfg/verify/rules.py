# SPDX-License-Identifier: Apache-2.0
"""The proofs: what the built image's tables and values must satisfy, given the configuration.

Inputs are the ELF (ElfImage), the System model the YAML describes, and digest sources.
Nothing comes from the compiler's layout or table generator: expected mappings are derived
from the System (what the YAML grants), hypervisor memory from the ELF's own sections.
"""
from __future__ import annotations

import bisect
import hashlib
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from .. import channels, fsverity, integrity, kernelsites, package, pcihost, perms, platform
from ..guestdt import vuart_location
from ..model import Channel, ChannelEnd, Partition, System, kernel_layout_path
from ..units import overlaps
from .elfimage import ElfImage, Section, StructLayout, VerifyError
from .report import Report
from .walker import PAGE, RegimeError, Run, TableRef, Walk, el2_regime, stage2_regime, walk

_T = TypeVar("_T")

NORMAL_OK = ("normal-wb",)                              # inner and outer write-back
DEVICE_OK = ("device-nGnRnE", "device-nGnRE")           # no gathering, no reordering
SCTLR_M, SCTLR_EE, SCTLR_WXN = 1 << 0, 1 << 25, 1 << 19
HCR_VM, HCR_TGE, HCR_E2H, HCR_FWB = 1 << 0, 1 << 27, 1 << 34, 1 << 46
# HCR_EL2 traps isolation relies on (docs/architecture.md): the guest's interrupts and SErrors
# come to EL2, EL1 stays AArch64, firmware, IMPLEMENTATION DEFINED registers, ACTLR_EL1 and
# set/way maintenance are out of its reach, a stage-1 walk into Device memory is a stage-2 fault
# (PTW: EL2's AT on a guest's stage 1 never reads a device). Independent of codegen.HCR_BITS on
# purpose.
HCR_REQUIRED = {"PTW": 2, "FMO": 3, "IMO": 4, "AMO": 5, "TSC": 19, "TIDCP": 20, "TACR": 21,
                "TSW": 22, "RW": 31}
VTCR_VS = 1 << 19
BADDR_MASK = ((1 << 48) - 1) & ~1
GICV2_CPU_IF_SIZE = 0x2000      # GICv2 CPU interface: GICC_CTLR..GICC_DIR (0x1000) = 2 pages
MAX_BLOBS = 64
MAX_RAM = 64
MAX_CHANNELS = 256


def _down(x: int) -> int:
    return x & ~(PAGE - 1)


def _up(x: int) -> int:
    return (x + PAGE - 1) & ~(PAGE - 1)


def ident(name: str) -> str:
    """The suffix of a partition's `.image.<ident>` section (non-identifier chars -> _)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


# ---------------------------------------------------------------------------- image facts

@dataclass(frozen=True)
class Blob:
    src: int
    dst: int
    size: int
    what: str | None
    fsverity: bytes | None      # hv_blob.fsverity: the fs-verity digest the hypervisor checks


@dataclass(frozen=True)
class RamEntry:
    ipa: int
    pa: int
    size: int
    readable: bool
    writable: bool
    executable: bool


@dataclass(frozen=True)
class Emulated:
    """What the hypervisor emulates for a partition, as hv_partitions records it."""

    gicd_ipa: int | None        # None: not readable (no DWARF for the nested struct)
    vuart_ipa: int | None       # None: no virtual UART (or not readable)
    # `ivshmem`: (ECAM IPA, BAR0 pages IPA, functions); None: none (or not readable)
    pci: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class ChannelEntry:
    """One hv_channel_end of a partition's table, as the image holds it."""

    ipa: int
    pa: int
    size: int
    peer: int
    peer_end: int
    ring_intid: int
    doorbell_intid: int
    writable: bool


@dataclass(frozen=True)
class PartitionEntry:
    index: int
    name: str | None
    vttbr: int
    blobs: tuple[Blob, ...]
    ram: tuple[RamEntry, ...]
    problems: tuple[str, ...]   # what could not be read
    entry_ipa: int | None = None
    dtb_ipa: int | None = None
    emulated: Emulated | None = None
    channels: tuple[ChannelEntry, ...] | None = None    # None: not readable (no DWARF)
    seal: SealEntry | None = None       # hv_partition.integrity (None: absent or unreadable)


@dataclass(frozen=True)
class SealEntry:
    """hv_partition.integrity: the sealed tables' VTTBR and the sealed ranges (ipa, size,
    kind: 0 text, 1 rodata, as enum hv_seal_range_kind)."""

    sealed_vttbr: int
    ranges: tuple[tuple[int, int, int], ...]
    bl: tuple[tuple[int, ...], tuple[int, ...]] | None = None   # (bl_targets, bl_sites) IPAs
    # What the patch path and the seal probe use besides the ranges: text_ipa, text_size,
    # text_pa (EL2 writes an allowed patch at text_pa + (ipa - text_ipa), through its own
    # mapping: stage 2 does not confine it), rodata_ipa, rodata_size. None: not readable.
    fields: dict[str, int] | None = None
    # the patch-site tables, offsets from text_ipa: (jump sites, their targets, ftrace sites);
    # None: not readable
    sites: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None


# on_violation and strict are 32 bits wide (_member reads member_sizes from DWARF); the seal
# probe finds the kernel through vectors_offset (red team 7: neither was checked); strict makes
# the hypervisor refuse a CPU without FEAT_XNX and take EL1 fetch faults as violations
SEAL_FIELDS = ("text_ipa", "text_size", "text_pa", "rodata_ipa", "rodata_size",
               "vectors_offset", "on_violation", "strict")


@dataclass(frozen=True)
class BootRegs:
    mair_el2: int
    tcr_el2: int
    ttbr0_el2: int
    sctlr_el2: int
    vtcr_el2: int
    hcr_el2: int


def read_boot_regs(img: ElfImage) -> BootRegs:
    sym = img.symbol("hv_boot_regs")
    lay = img.layouts["hv_boot_regs"]
    values = {}
    for f in ("mair_el2", "tcr_el2", "ttbr0_el2", "sctlr_el2", "vtcr_el2", "hcr_el2"):
        if f not in lay.offsets:
            raise VerifyError(f"{img.path}: struct hv_boot_regs has no member {f}")
        v = img.u64(sym.value + lay.offsets[f])
        if v is None:
            raise VerifyError(f"{img.path}: hv_boot_regs.{f} at {sym.value + lay.offsets[f]:#x} "
                              "is not in the image's loaded contents")
        values[f] = v
    return BootRegs(**values)


def _member(img: ElfImage, lay: StructLayout, base: int, name: str, size: int = 8) -> int | None:
    if name not in lay.offsets:
        return None
    return img.uint(base + lay.offsets[name], lay.member_sizes.get(name, size))


def read_partitions(img: ElfImage, expected_count: int | None) -> list[PartitionEntry]:
    sym = img.symbol("hv_partitions")
    lay = img.layouts["hv_partition"]
    blay, rlay = img.layouts["hv_blob"], img.layouts["hv_region"]
    if sym.size and lay.size and sym.size % lay.size == 0:
        count = sym.size // lay.size
    elif expected_count is not None:
        count = expected_count
    else:
        raise VerifyError(f"{img.path}: cannot tell how many entries hv_partitions has")
    out = []
    for i in range(count):
        base = sym.value + i * lay.size
        problems: list[str] = []
        name_ptr = _member(img, lay, base, "name")
        name = img.cstring(name_ptr) if name_ptr is not None else None
        if name is None:
            problems.append(f"name pointer {name_ptr:#x} does not point at a string in the image"
                            if name_ptr is not None else "name unreadable")
        vttbr = _member(img, lay, base, "vttbr")
        if vttbr is None:
            raise VerifyError(f"{img.path}: hv_partitions[{i}].vttbr is unreadable")
        blobs: list[Blob] = []
        nblobs = _member(img, lay, base, "nblobs", 4) or 0
        bptr = _member(img, lay, base, "blobs") or 0
        if nblobs > MAX_BLOBS:
            problems.append(f"nblobs = {nblobs} is implausible")
            nblobs = 0
        for j in range(nblobs):
            b = bptr + j * blay.size
            src, dst, size = (_member(img, blay, b, f) for f in ("src", "dst", "size"))
            if src is None or dst is None or size is None:
                problems.append(f"blob {j} at {b:#x} is not in the image")
                continue
            wptr = _member(img, blay, b, "what")
            what = img.cstring(wptr) if wptr else None
            digest = (img.read(b + blay.offsets["fsverity"], 32) if "fsverity" in blay.offsets
                      else None)
            blobs.append(Blob(src, dst, size, what, digest))
        ram: list[RamEntry] = []
        nram = _member(img, lay, base, "nram", 4) or 0
        rptr = _member(img, lay, base, "ram") or 0
        if nram > MAX_RAM:
            problems.append(f"nram = {nram} is implausible")
            nram = 0
        for j in range(nram):
            r = rptr + j * rlay.size
            vals = [_member(img, rlay, r, f) for f in ("ipa", "pa", "size")]
            flags = [_member(img, rlay, r, f, 1) for f in ("readable", "writable", "executable")]
            if None in vals or None in flags:
                problems.append(f"ram region {j} at {r:#x} is not in the image")
                continue
            ram.append(RamEntry(*vals, *(bool(x) for x in flags)))   # type: ignore[arg-type]
        out.append(PartitionEntry(i, name, vttbr, tuple(blobs), tuple(ram), tuple(problems),
                                  _member(img, lay, base, "entry_ipa"),
                                  _member(img, lay, base, "dtb_ipa"),
                                  _read_emulated(img, lay, base),
                                  _read_channels(img, lay, base, problems),
                                  seal=_read_seal(img, lay, base, problems)))
    return out


def _read_channels(img: ElfImage, lay: StructLayout, base: int, problems: list[str]
                   ) -> tuple[ChannelEntry, ...] | None:
    """hv_partition.channels[0 .. nchannels); None when the members are not known (no DWARF)."""
    clay = img.layouts.get("hv_channel_end")
    if clay is None or not lay.has("channels") or not lay.has("nchannels"):
        return None
    n = _member(img, lay, base, "nchannels", 4) or 0
    ptr = _member(img, lay, base, "channels") or 0
    if n > MAX_CHANNELS:
        problems.append(f"nchannels = {n} is implausible")
        return ()
    out = []
    for j in range(n):
        at = ptr + j * clay.size
        vals = [_member(img, clay, at, f) for f in ("ipa", "pa", "size")]
        vals += [_member(img, clay, at, f, 4) for f in ("peer", "peer_end", "ring_intid",
                                                        "doorbell_intid")]
        writable = _member(img, clay, at, "writable", 1)
        if None in vals or writable is None:
            problems.append(f"channel {j} at {at:#x} is not in the image")
            continue
        ipa, pa, size, peer, peer_end, ring, bell = (v or 0 for v in vals)
        out.append(ChannelEntry(ipa, pa, size, peer, peer_end, ring, bell, bool(writable)))
    return tuple(out)


def _pci(value: tuple[int, int, int] | None) -> str:
    return "none" if value is None else f"({value[0]:#x}, {value[1]:#x}, {value[2]})"


MAX_SEAL_RANGES = 16
MAX_SEAL_SITES = 1 << 22       # far more than a kernel has (about 43,000): a corrupt count


def _read_sites(img: ElfImage, ilay: StructLayout, ptr: int
                ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None:
    """hv_integrity's patch-site tables (u32 arrays), None when unreadable."""
    tables = []
    for array, count in (("jump_sites", "njumps"), ("jump_targets", "njumps"),
                         ("ftrace_sites", "nftrace_sites")):
        if not ilay.has(array) or not ilay.has(count):
            return None
        n, at = _member(img, ilay, ptr, count, 4), _member(img, ilay, ptr, array)
        if n is None or n > MAX_SEAL_SITES:
            return None
        raw = img.read(at, 4 * n) if n and at is not None else b""
        if raw is None or len(raw) != 4 * n:
            return None
        tables.append(struct.unpack(f"<{n}I", raw))
    return tables[0], tables[1], tables[2]


def _read_seal(img: ElfImage, lay: StructLayout, base: int, problems: list[str]
               ) -> SealEntry | None:
    """hv_partition.integrity, when the DWARF places the member and it is not NULL."""
    ilay, rlay = img.layouts.get("hv_integrity"), img.layouts.get("hv_seal_range")
    if not lay.has("integrity") or ilay is None or rlay is None:
        return None
    ptr = _member(img, lay, base, "integrity")
    if not ptr:
        return None
    vttbr = _member(img, ilay, ptr, "sealed_vttbr")
    n = _member(img, ilay, ptr, "nranges", 4)
    rptr = _member(img, ilay, ptr, "ranges")
    if vttbr is None or n is None or rptr is None or n > MAX_SEAL_RANGES:
        problems.append(f"integrity at {ptr:#x} is unreadable")
        return None
    ranges = []
    for j in range(n):
        r = rptr + j * rlay.size
        vals = (_member(img, rlay, r, "ipa"), _member(img, rlay, r, "size"),
                _member(img, rlay, r, "kind", 4))
        if None in vals:
            problems.append(f"sealed range {j} at {r:#x} is not in the image")
            return None
        ranges.append(vals)
    bl = None
    if all(ilay.has(m) for m in ("bl_targets", "bl_sites", "nbl_targets", "nbl_sites")):
        lists = []
        for member in ("bl_targets", "bl_sites"):
            count = _member(img, ilay, ptr, f"n{member}", 4) or 0
            at = ptr + ilay.offsets[member]
            lists.append(tuple(int.from_bytes(img.read(at + 8 * k, 8) or b"", "little")
                               for k in range(min(count, MAX_SEAL_RANGES))))
        bl = (lists[0], lists[1])
    fields = {f: _member(img, ilay, ptr, f) for f in SEAL_FIELDS}
    if None in fields.values():
        problems.append(f"integrity at {ptr:#x}: {', '.join(SEAL_FIELDS)} unreadable")
    sites = _read_sites(img, ilay, ptr)
    if sites is None:
        problems.append(f"integrity at {ptr:#x}: the patch-site tables are unreadable")
    return SealEntry(vttbr, tuple(ranges), bl,     # type: ignore[arg-type]
                     None if None in fields.values() else fields,  # type: ignore[arg-type]
                     sites)


@dataclass(frozen=True)
class ConfiguredSeal:
    """What the configuration seals in one partition, as IPAs: (ipa, size, kind) ranges, and
    ftrace's entries and call site (the BL targets and sites)."""

    ranges: tuple[tuple[int, int, int], ...]
    bl: tuple[tuple[int, ...], tuple[int, ...]]
    strict: bool = False                            # sealed-strict
    el1_exec: tuple[tuple[int, int], ...] = ()      # [start, end) IPAs EL1 executes (strict)
    # the kernel's patch sites (its site file), as the image's tables hold them
    sites: tuple[tuple[tuple[int, int], ...], tuple[int, ...]] = ((), ())
    vectors_offset: int = 0         # VBAR_EL1 minus this is the kernel's VA of the text
    on_violation: int = 0           # index in integrity.VIOLATION_ACTIONS (HV_SEAL_*)
    # its layout: check_seal_sites derives the sites again from the packaged Image's tables
    layout: integrity.KernelLayout | None = None


def configured_seal(p: Partition) -> ConfiguredSeal | None:
    """The sealed ranges and BL targets the configuration asks for, from the kernel layout next
    to the partition's Image (scripts/kernel-layout) and the Image's own load offset; None
    without integrity. Read here, not taken from the compiler's layout, so a build that placed
    them wrongly is caught."""
    image = p.image.binary
    if p.integrity is None or image is None:
        return None
    try:
        lay = integrity.read_layout(kernel_layout_path(image), image.stat().st_size)
        ipa = p.memory[0].ipa + _text_offset(p)
    except (OSError, ValueError) as exc:
        raise VerifyError(f"the kernel layout of partition {p.name} is unreadable: {exc}") \
            from None
    try:
        # not bound to the Image here: check_sites_bound derives the sites from the packaged
        # Image and reports a difference as a finding
        sites = lay.read_sites(image, None)
    except (OSError, ValueError) as exc:
        raise VerifyError(f"the kernel patch sites of partition {p.name} "
                          f"({kernelsites.sites_path(image)}) are unreadable: {exc}") from None
    text = lay.spans[integrity.TEXT][0]
    strict = p.integrity.kernel == integrity.STRICT
    return ConfiguredSeal(tuple((r.ipa, r.size, kind) for kind, r in enumerate(lay.ranges(ipa))),
                          (tuple(ipa + o for o in lay.symbol_offsets(integrity.BL_TARGETS)),
                           tuple(ipa + o for o in lay.symbol_offsets(integrity.BL_SITES))),
                          strict, lay.el1_exec(ipa) if strict else (),
                          (tuple((s - text, t - text) for s, t in sites.jumps),
                           tuple(s - text for s in sites.ftrace)),
                          lay.symbols["vectors"] - text,
                          integrity.VIOLATION_ACTIONS.index(p.integrity.on_violation), lay)


def _read_emulated(img: ElfImage, lay: StructLayout, base: int) -> Emulated | None:
    """hv_partition.vgic.gicd_ipa and hv_partition.vuart.{ipa,present}; None without DWARF."""
    glay, ulay = img.layouts.get("hv_vgic_config"), img.layouts.get("hv_vuart_config")
    if glay is None or ulay is None or not lay.has("vgic") or not lay.has("vuart") or \
            glay.source != "dwarf" or ulay.source != "dwarf":
        return None
    gicd = _member(img, glay, base + lay.offsets["vgic"], "gicd_ipa")
    at = base + lay.offsets["vuart"]
    present = _member(img, ulay, at, "present", 4)
    pci = None
    play = img.layouts.get("hv_ivshmem_config")
    if play is not None and play.source == "dwarf" and lay.has("ivshmem"):
        pat = base + lay.offsets["ivshmem"]
        nfn = _member(img, play, pat, "nfn", 4)
        ecam, regs = _member(img, play, pat, "ecam_ipa"), _member(img, play, pat, "regs_ipa")
        if nfn and ecam is not None and regs is not None:
            pci = (ecam, regs, nfn)
    return Emulated(gicd, _member(img, ulay, at, "ipa") if present else None, pci)


# ---------------------------------------------------------------------------- digest sources

# The digests a record may give, by their name in manifest.json: the plain file SHA-256 (what
# `sha256sum` prints) and the fs-verity digest the hypervisor checks (`fsverity digest`).
DIGEST_KINDS: dict[str, Callable[[bytes], str]] = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "fsverity-sha256": lambda data: fsverity.digest(data).hex(),
}

@dataclass(frozen=True)
class DigestRecord:
    partition: str
    what: str                   # "image", "dtb", ...
    digest: str                 # hex
    size: int | None
    src: int | None             # where the bytes are in the image; None: the .image.<name> section
    kind: str = "sha256"        # or "fsverity-sha256" (hvcfg.fsverity)


class DigestSource(Protocol):
    @property
    def name(self) -> str: ...

    def records(self) -> list[DigestRecord]: ...


@dataclass(frozen=True)
class ManifestDigests:
    """manifest.json written next to the ELF by `hvcfg build`."""

    manifest: dict
    name: str = "manifest.json"

    def records(self) -> list[DigestRecord]:
        out = []
        for p in self.manifest.get("partitions", ()):
            for kind in DIGEST_KINDS:
                if "name" in p and kind in p:
                    out.append(DigestRecord(str(p["name"]), "image", str(p[kind]).lower(),
                                            p.get("size"), None, kind))
        return out


@dataclass(frozen=True)
class BlobDigests:
    """The fs-verity digest the hypervisor itself checks after copying (hv_blob.fsverity)."""

    partitions: tuple[PartitionEntry, ...]
    name: str = "hv_blob.fsverity"

    def records(self) -> list[DigestRecord]:
        return [DigestRecord(p.name or f"#{p.index}", b.what or "blob", b.fsverity.hex(), b.size,
                             b.src, "fsverity-sha256")
                for p in self.partitions for b in p.blobs if b.fsverity is not None]


# ---------------------------------------------------------------------------- interval helpers

@dataclass(frozen=True)
class Expect:
    va: int
    pa: int | None              # None: identity
    size: int
    perms: frozenset[str]       # allowed permission words (perms.PERMS: "ro", "rw", ...)
    memtype: str                # "normal" or "device"
    label: str
    required: bool = True

    @property
    def end(self) -> int:
        return self.va + self.size

    def pa_at(self, va: int) -> int:
        return va if self.pa is None else self.pa + (va - self.va)


def paint(items: Iterable[Expect]) -> list[Expect]:
    """Non-overlapping pieces; an earlier item wins where items overlap."""
    out: list[Expect] = []
    for e in items:
        pieces = [(e.va, e.end)]
        for o in out:
            nxt = []
            for lo, hi in pieces:
                if o.end <= lo or hi <= o.va:
                    nxt.append((lo, hi))
                    continue
                if lo < o.va:
                    nxt.append((lo, o.va))
                if o.end < hi:
                    nxt.append((o.end, hi))
            pieces = nxt
        for lo, hi in pieces:
            if hi > lo:
                out.append(Expect(lo, None if e.pa is None else e.pa_at(lo), hi - lo, e.perms,
                                  e.memtype, e.label, e.required))
    return sorted(out, key=lambda x: x.va)


def pieces(expected: list[Expect], runs: list[Run]
           ) -> Iterator[tuple[int, int, Expect | None, Run | None]]:
    """Elementary intervals over both lists (each sorted, non-overlapping)."""
    bounds = sorted({x for e in expected for x in (e.va, e.end)} |
                    {x for r in runs for x in (r.va, r.va_end)})
    estarts = [e.va for e in expected]
    rstarts = [r.va for r in runs]

    def find(starts: list[int], items: Sequence[_T], lo: int, end_attr: str) -> _T | None:
        i = bisect.bisect_right(starts, lo) - 1
        if i >= 0 and lo < getattr(items[i], end_attr):
            return items[i]
        return None

    for lo, hi in zip(bounds, bounds[1:], strict=False):
        e = find(estarts, expected, lo, "end")
        r = find(rstarts, runs, lo, "va_end")
        if e is not None or r is not None:
            yield lo, hi, e, r


class RangeFindings:
    """Findings about address ranges, merged when adjacent and otherwise identical."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, str, tuple, int, int]] = []

    def add(self, name: str, subject: str, key: tuple, lo: int, hi: int) -> None:
        self.raw.append((name, subject, key, lo, hi))

    def merged(self) -> list[tuple[str, str, tuple, int, int]]:
        out: list[tuple[str, str, tuple, int, int]] = []
        for name, subject, key, lo, hi in sorted(self.raw, key=lambda t: (t[0], t[1], repr(t[2]),
                                                                          t[3])):
            if out and out[-1][:3] == (name, subject, key) and out[-1][4] == lo:
                out[-1] = (name, subject, key, out[-1][3], hi)
            else:
                out.append((name, subject, key, lo, hi))
        return out


def _memtype_ok(actual_type: str, actual_sh: str, want: str) -> bool:
    if want == "device":
        return actual_type in DEVICE_OK
    return actual_type in NORMAL_OK and actual_sh == "inner"


def _rng(lo: int, hi: int) -> str:
    return f"{lo:#x}..{hi:#x}"


def _in(ranges: list[tuple[int, int]], lo: int, hi: int) -> bool:
    return any(a <= lo and hi <= b for a, b in ranges)


# ---------------------------------------------------------------------------- the verifier

class Verifier:
    def __init__(self, img: ElfImage, system: System, report: Report,
                 digest_sources: list[DigestSource], blob_digests: bool = True):
        self.img, self.system, self.report = img, system, report
        self.blob_digests = blob_digests      # also check hv_blob.fsverity when the image has it
        self.hyp_region = self.configured_hyp_region()
        self.digest_sources = digest_sources
        self.all_tables: list[tuple[str, TableRef]] = []
        self.seals: dict[str, ConfiguredSeal | None] = {}

    def configured_seal(self, p: Partition) -> ConfiguredSeal | None:
        """configured_seal, once per partition (it reads the layout and the Image's header)."""
        if p.name not in self.seals:
            self.seals[p.name] = configured_seal(p)
        return self.seals[p.name]

    def add(self, name: str, subject: str, message: str, **details: Any) -> None:
        self.report.add(name, subject, message, **details)

    # ------------------------------------------------------------------ run everything
    def run(self) -> None:
        img = self.img
        pgtables = img.section(".pgtables")
        if pgtables is None:
            raise VerifyError(f"{img.path}: no .pgtables section")
        self.pgtables: Section = pgtables
        img.symbol("hv_pgtables")
        self.image_sections = [s for s in img.alloc_sections if s.name.startswith(".image.")]
        self.check_elf()
        regs = read_boot_regs(img)
        self.regs = regs
        self.check_regs(regs)
        self.entries = read_partitions(img, len(self.system.partitions))
        self.check_partition_list()
        self.check_channels()
        if self.blob_digests and any(b.fsverity is not None for e in self.entries
                                     for b in e.blobs):
            self.digest_sources.append(BlobDigests(tuple(self.entries)))
        s2 = self.walk_stage2(regs)
        sealed = self.walk_sealed() if s2 is not None else []
        el2 = self.walk_el2(regs)
        self.check_tables()
        self.check_hypervisor_placement()
        if s2 is not None:
            self.check_stage2(s2, sealed)
            self.check_seal_ranges()
            self.check_emulated(s2)
            self.check_entry(s2)
        if el2 is not None:
            self.check_el2(el2, regs)
        self.check_blobs_and_ram()
        self.check_digests()

    # ------------------------------------------------------------------ ELF
    def check_elf(self) -> None:
        img = self.img
        for seg in img.segments:
            if seg.write and seg.execute:
                self.add("elf-segment-wx", "elf", f"LOAD segment {seg.index} at {seg.vaddr:#x} "
                         "is writable and executable")
            if seg.vaddr != seg.paddr:
                self.add("elf-layout", "elf", f"LOAD segment {seg.index}: vaddr {seg.vaddr:#x} "
                         f"!= paddr {seg.paddr:#x} (the hypervisor runs identity-mapped)")
        for s in img.alloc_sections:
            if s.write and s.execute:
                self.add("elf-section-wx", "elf", f"section {s.name} at {s.addr:#x} is "
                         "writable and executable")
        load_end = img.symbols.get("__load_end")
        for s in [self.pgtables, *self.image_sections]:
            if s.nobits or img.read(s.addr, s.size) is None:
                self.add("elf-layout", "elf", f"section {s.name} is not loaded from the file")
            if load_end is not None and s.end > load_end.value:
                self.add("elf-layout", "elf", f"section {s.name} ends at {s.end:#x}, beyond "
                         f"__load_end {load_end.value:#x}: hyp.bin would not contain it")
        if load_end is None:
            self.report.notes.append("no __load_end symbol: hyp.bin extent not checked")
        self.check_image_header()

    def check_image_header(self) -> None:
        """The arm64 Image header at the entry point, as a loader reads it: the magic, an
        image_size that covers BSS and the stacks (a loader keeps that much free), and a
        placement that puts the image where it was linked: text_offset = link address - lowest
        RAM base with bit 3 (anywhere) clear, or text_offset 0 with bit 3 set (self-relocation)."""
        img, entry = self.img, self.img.entry
        raw = img.read(entry, package.HEADER_SIZE)
        if raw is None:
            self.add("image-header", "elf", f"no Image header loaded at the entry {entry:#x}")
            return
        header = package.ImageHeader.parse(raw)
        if not header.valid:
            self.add("image-header", "elf", f"no arm64 Image header (branch, magic) at the entry "
                     f"{entry:#x}")
        bss_end = img.symbols.get("__bss_end")
        if bss_end is not None and entry + header.image_size < bss_end.value:
            self.add("image-header", "elf", f"image_size {header.image_size:#x} ends at "
                     f"{entry + header.image_size:#x}, before __bss_end {bss_end.value:#x}")
        ram_base = min(b.base for b in self.system.board.ram)
        anywhere = bool(header.flags & package.FLAG_ANYWHERE)
        if (header.text_offset == 0) != anywhere or \
                (header.text_offset and ram_base + header.text_offset != entry):
            self.add("image-header", "elf", f"text_offset {header.text_offset:#x} with flags "
                     f"{header.flags:#x} does not place the image at its link address "
                     f"{entry:#x} (lowest RAM base {ram_base:#x})")
        if header.flags & 0x7 != package.FLAGS_LE_4K:
            self.add("image-header", "elf", f"flags {header.flags:#x}: not little endian with "
                     "4 KiB pages")

    # ------------------------------------------------------------------ registers
    def check_regs(self, r: BootRegs) -> None:
        if not r.sctlr_el2 & SCTLR_WXN:
            self.add("sctlr-wxn-clear", "regs", f"hv_boot_regs.sctlr_el2 = {r.sctlr_el2:#x} "
                     "does not set WXN (bit 19)")
        if not r.sctlr_el2 & SCTLR_M:
            self.add("sctlr-mmu-off", "regs", f"hv_boot_regs.sctlr_el2 = {r.sctlr_el2:#x} "
                     "does not set M (bit 0)")
        if r.sctlr_el2 & SCTLR_EE:
            self.add("sctlr-unsupported", "regs", "SCTLR_EL2.EE = 1 (big-endian tables)")
        if not r.hcr_el2 & HCR_VM or r.hcr_el2 & HCR_TGE:
            self.add("hcr-stage2-off", "regs", f"hv_boot_regs.hcr_el2 = {r.hcr_el2:#x}: VM "
                     f"{'set' if r.hcr_el2 & HCR_VM else 'CLEAR'}, TGE "
                     f"{'SET' if r.hcr_el2 & HCR_TGE else 'clear'}")
        missing = [n for n, b in HCR_REQUIRED.items() if not r.hcr_el2 >> b & 1]
        if missing:
            self.add("hcr-trap-missing", "regs", f"hv_boot_regs.hcr_el2 = {r.hcr_el2:#x} "
                     f"does not set {', '.join(missing)}")
        if r.hcr_el2 & HCR_E2H:
            self.add("hcr-unsupported", "regs", "HCR_EL2.E2H = 1: TCR_EL2/descriptors would "
                     "use the EL2&0 format the verifier does not model")
        if r.hcr_el2 & HCR_FWB:
            self.add("hcr-unsupported", "regs", "HCR_EL2.FWB = 1: stage-2 MemAttr would use "
                     "the combining format the verifier does not model")

    # ------------------------------------------------------------------ partitions
    def check_partition_list(self) -> None:
        want = [p.name for p in self.system.partitions]
        got = [e.name for e in self.entries]
        if want != got:
            self.add("partition-mismatch", "elf", f"hv_partitions lists {got}, the "
                     f"configuration {want}")
        for e in self.entries:
            for problem in e.problems:
                self.add("partition-mismatch", e.name or f"#{e.index}",
                         f"hv_partitions[{e.index}]: {problem}")

    def walk_stage2(self, regs: BootRegs) -> list[tuple[PartitionEntry, Walk]] | None:
        try:
            regime = stage2_regime(regs.vtcr_el2)
        except RegimeError as exc:
            self.add("vtcr-invalid", "regs", f"vtcr_el2 = {regs.vtcr_el2:#x}: {exc}")
            return None
        self.s2_regime = regime
        vs = bool(regs.vtcr_el2 & VTCR_VS)
        out = []
        vmids: dict[int, str] = {}
        for e in self.entries:
            subject = e.name or f"#{e.index}"
            root = e.vttbr & BADDR_MASK
            vmid = (e.vttbr >> 48) & (0xFFFF if vs else 0xFF)
            if not vs and e.vttbr >> 56:
                self.add("ttbr-invalid", subject, f"vttbr {e.vttbr:#x} sets VMID bits [63:56] "
                         "with 8-bit VMIDs (VTCR_EL2.VS = 0)")
            if root % regime.root_align:
                self.add("ttbr-invalid", subject, f"vttbr {e.vttbr:#x}: root {root:#x} is not "
                         f"aligned to {regime.root_align:#x} ({regime.root_entries} entries)")
                root -= root % regime.root_align
            if vmid in vmids:
                self.add("s2-vmid-duplicate", subject, f"VMID {vmid} is also used by "
                         f"{vmids[vmid]}: TLB entries would be shared")
            vmids.setdefault(vmid, subject)
            w = walk(self.img.read, root, regime)
            for p in w.problems:
                self.add(p.name, subject, f"stage 2: {p.message}",
                         **({"descriptor": hex(p.desc_pa)} if p.desc_pa is not None else {}))
            self.all_tables += [(f"stage 2 of {subject}", t) for t in w.tables]
            out.append((e, w))
            self.report.partitions.append({
                "name": subject, "vmid": vmid, "root": hex(root),
                "pages": w.mapped_bytes // PAGE, "tables": sum(t.size for t in w.tables) // PAGE,
                "mappings": [{"ipa": hex(r.va), "pa": hex(r.pa), "size": hex(r.size),
                              **r.attrs.to_json()} for r in w.runs]})
        return out

    def walk_sealed(self) -> list[tuple[PartitionEntry, Walk]]:
        """The second stage-2 table set of each sealed partition (docs/integrity.md)."""
        out = []
        for e in self.entries:
            if e.seal is None:
                continue
            subject = f"{e.name or f'#{e.index}'} once sealed"
            if e.seal.sealed_vttbr >> 48 != e.vttbr >> 48:
                self.add("seal-tables", subject, f"sealed vttbr {e.seal.sealed_vttbr:#x} has "
                         f"another VMID than the partition's {e.vttbr:#x}")
            # A strict partition's sealed tables use FEAT_XNX's XN[1:0] (the hypervisor starts
            # it only on a CPU that has it); anywhere else bit 53 stays RES0.
            w = walk(self.img.read, e.seal.sealed_vttbr & BADDR_MASK, self.s2_regime,
                     xnx=self.is_strict(e.name))
            for p in w.problems:
                self.add(p.name, subject, f"stage 2: {p.message}",
                         **({"descriptor": hex(p.desc_pa)} if p.desc_pa is not None else {}))
            self.all_tables += [(f"stage 2 of {subject}", t) for t in w.tables]
            out.append((e, w))
        return out

    def is_strict(self, name: str | None) -> bool:
        """Does the configuration make partition `name` sealed-strict?"""
        p = next((p for p in self.system.partitions if p.name == name), None)
        seal = self.configured_seal(p) if p is not None else None
        return seal is not None and seal.strict

    def expected_sealed(self, name: str) -> list[Expect]:
        """The partition's stage 2 with its configured sealed ranges not writable; strict:
        nothing executable at EL1 but the layout's EL1 ranges (the text, KPTI's trampoline),
        EL0 executing what it did (user space, the vDSO in the rodata)."""
        p = next((p for p in self.system.partitions if p.name == name), None)
        seal = self.configured_seal(p) if p is not None else None
        if p is None or seal is None:
            return []
        base = self.expected_stage2(name)

        def under(ipa: int, size: int, perm: str, label: str) -> Expect:
            first = next((x for x in base if x.va <= ipa < x.end and x.pa is not None), None)
            pa = first.pa_at(ipa) if first is not None else None
            return Expect(ipa, pa, size, frozenset({perm}), "normal", label)
        el0 = (lambda w: f"{w}({perms.EL0_ONLY})" if "x" in w else w) if seal.strict else str
        items = [under(lo, hi - lo, "rx", "sealed kernel, EL1-executable")
                 for lo, hi in seal.el1_exec]
        items += [under(ipa, size, el0("rx"), "sealed kernel") for ipa, size, _ in seal.ranges]
        items += [replace(x, perms=frozenset(map(el0, x.perms))) if x.memtype == "normal" else x
                  for x in base]
        return paint(items)

    def check_seal_ranges(self) -> None:
        """Each sealed partition's ranges in the image are the ones its kernel layout gives."""
        for p, e in zip(self.system.partitions, self.entries, strict=False):
            config = self.configured_seal(p)
            want = config.ranges if config is not None else None
            got = e.seal.ranges if e.seal is not None else None
            if want is None and got is None:
                continue
            if want is None or got is None:
                self.add("seal-tables", p.name, "the configuration " + (
                    "seals the kernel but the image has no sealed tables" if got is None
                    else "seals nothing but the image has sealed tables"))
            elif tuple(got) != want:
                shown = ", ".join(f"{k} {ipa:#x}+{size:#x}" for ipa, size, k in got)
                self.add("seal-ranges-mismatch", p.name, f"sealed ranges in the image ({shown}) "
                         "are not the kernel layout's")
            if e.seal is not None and e.seal.bl is not None and e.seal.bl != (
                    config.bl if config is not None else ((), ())):
                self.add("seal-ranges-mismatch", p.name, "the BL targets and sites the image "
                         f"allows ({e.seal.bl}) are not the kernel layout's ftrace symbols")
            if want is not None and e.seal is not None:
                assert config is not None
                self.check_seal_fields(p, config, e.seal.fields)
            if config is not None and e.seal is not None:
                self.check_seal_sites(p, config, e.seal.sites)

    def check_seal_sites(self, p: Partition, config: ConfiguredSeal,
                         got: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None
                         ) -> None:
        """The patch-site tables the decoder searches: sorted (its binary search finds only
        what is in order), inside the text, the kernel's site file's, compared by digest, and
        exactly what the packaged Image's own __jump_table and __mcount_loc declare."""
        if got is None:
            self.add("seal-sites-mismatch", p.name, "the patch-site tables are not readable")
            return
        jumps, targets, ftrace = got
        text_size = config.ranges[0][1]
        for what, values in (("jump sites", jumps), ("ftrace sites", ftrace)):
            if any(b <= a for a, b in zip(values, values[1:], strict=False)):
                self.add("seal-sites-mismatch", p.name, f"the {what} are not strictly "
                         "increasing: the decoder's binary search would miss some")
        outside = [v for v in (*jumps, *targets, *ftrace) if v >= text_size or v % 4]
        if outside:
            self.add("seal-sites-mismatch", p.name, f"site or target {outside[0]:#x} is not an "
                     f"instruction of the {text_size:#x}-byte text")
        image = kernelsites.KernelSites(tuple(zip(jumps, targets, strict=True)), ftrace)
        want = kernelsites.KernelSites(*config.sites)
        have, expect = (kernelsites.digest(s.encode()) for s in (image, want))
        if have != expect:
            self.add("seal-sites-mismatch", p.name, f"the image's patch sites ({len(jumps)} "
                     f"static keys, {len(ftrace)} ftrace calls, SHA-256 {have[:16]}...) are not "
                     f"the kernel's site file's ({len(want.jumps)}, {len(want.ftrace)}, "
                     f"{expect[:16]}...)")
        self.check_sites_bound(p, config, image)

    def check_sites_bound(self, p: Partition, config: ConfiguredSeal,
                          image: kernelsites.KernelSites) -> None:
        """The image's patch sites are the ones the Image it loads declares itself, derived
        again here from the packaged blob (`.image.<name>`) with the layout's table bounds: not
        taken from the compiler, the site file or the configured file (which need not be what
        the ELF loads)."""
        lay = config.layout
        if lay is None:
            return
        sec = self.img.section(f".image.{ident(p.name)}")
        blob = self.img.section_bytes(sec) if sec is not None else None
        if blob is None:
            self.add("seal-sites-mismatch", p.name, f"the ELF has no readable .image."
                     f"{ident(p.name)} section: the patch sites cannot be checked against the "
                     "Image it loads")
            return
        text = lay.spans[integrity.TEXT][0]
        try:
            own = lay.image_sites(blob)
        except ValueError as exc:
            self.add("seal-sites-mismatch", p.name, "the patch sites cannot be derived from "
                     f"the packaged Image's own tables: {exc}")
            return
        want = kernelsites.KernelSites(tuple((s - text, t - text) for s, t in own.jumps),
                                       tuple(s - text for s in own.ftrace))
        if image != want:
            self.add("seal-sites-mismatch", p.name, "the image's patch sites are not the "
                     "packaged Image's own (__jump_table, __mcount_loc): "
                     + kernelsites.first_difference(image, want, "the hypervisor's tables"))

    def check_seal_fields(self, p: Partition, config: ConfiguredSeal,
                          got: dict[str, int] | None) -> None:
        """The patch path's text (IPA, size and the PA EL2 writes at) and the probe's rodata
        page are the layout's, the PA the partition's own RAM under that text (red team 5);
        the probe's vectors offset is the layout's and the refusal policy the configuration's
        (red team 7: a wrong offset never seals, a wrong policy silently softens it)."""
        (text_ipa, text_size, _), (rodata_ipa, rodata_size, _) = config.ranges[0], config.ranges[1]
        region = next((r for r in p.memory
                       if r.ipa <= text_ipa and text_ipa + text_size <= r.ipa_end), None)
        expect = {"text_ipa": text_ipa, "text_size": text_size,
                  "text_pa": None if region is None else region.base + text_ipa - region.ipa,
                  "rodata_ipa": rodata_ipa, "rodata_size": rodata_size,
                  "vectors_offset": config.vectors_offset, "on_violation": config.on_violation,
                  "strict": int(config.strict)}
        if got is None:
            self.add("seal-ranges-mismatch", p.name, "the patch path's text and the probe's "
                     "rodata (hv_integrity) are not readable")
            return
        wrong = [f"{k} {got[k]:#x} (expected {'none' if v is None else hex(v)})"
                 for k, v in expect.items() if got[k] != v]
        if wrong:
            self.add("seal-ranges-mismatch", p.name, "hv_integrity says " + ", ".join(wrong) +
                     ": the hypervisor would patch or probe elsewhere than the sealed kernel, "
                     "or handle a refusal or an EL1 fetch otherwise than configured")

    def walk_el2(self, regs: BootRegs) -> Walk | None:
        try:
            regime = el2_regime(regs.tcr_el2)
        except RegimeError as exc:
            self.add("tcr-invalid", "regs", f"tcr_el2 = {regs.tcr_el2:#x}: {exc}")
            return None
        root = regs.ttbr0_el2 & BADDR_MASK
        if regs.ttbr0_el2 >> 48:
            self.add("ttbr-invalid", "el2", f"ttbr0_el2 {regs.ttbr0_el2:#x} sets bits [63:48] "
                     "(RES0 with HCR_EL2.E2H = 0)")
        if root % regime.root_align:
            self.add("ttbr-invalid", "el2", f"ttbr0_el2 root {root:#x} is not aligned to "
                     f"{regime.root_align:#x}")
            root -= root % regime.root_align
        w = walk(self.img.read, root, regime, mair=regs.mair_el2)
        for p in w.problems:
            self.add(p.name, "el2", f"EL2: {p.message}",
                     **({"descriptor": hex(p.desc_pa)} if p.desc_pa is not None else {}))
        self.all_tables += [("EL2", t) for t in w.tables]
        self.report.el2 = {"root": hex(root), "pages": w.mapped_bytes // PAGE,
                           "tables": sum(t.size for t in w.tables) // PAGE,
                           "wxn": bool(regs.sctlr_el2 & SCTLR_WXN),
                           "mappings": [{"va": hex(r.va), "pa": hex(r.pa), "size": hex(r.size),
                                         **r.attrs.to_json()} for r in w.runs]}
        return w

    # ------------------------------------------------------------------ tables
    def table_pages(self) -> list[tuple[int, int]]:
        return [(t.pa, t.pa + max(t.size, PAGE)) for _, t in self.all_tables]

    def check_tables(self) -> None:
        pg = self.pgtables
        users: dict[int, list[str]] = {}
        for tree, t in self.all_tables:
            if not (pg.addr <= t.pa and t.pa + t.size <= pg.end):
                self.add("table-outside-pgtables", tree, f"level {t.level} table at {t.pa:#x} "
                         f"is outside .pgtables ({_rng(pg.addr, pg.end)})")
            for page in range(_down(t.pa), t.pa + t.size, PAGE):
                users.setdefault(page, []).append(tree)
        for page, trees in sorted(users.items()):
            distinct = sorted(set(trees))
            if len(distinct) > 1:
                self.add("table-reused", distinct[0], f"table page {page:#x} is used by "
                         f"{' and '.join(distinct)}")

    # ------------------------------------------------------------------ stage 2 proofs
    def expected_stage2(self, name: str) -> list[Expect]:
        p = next((p for p in self.system.partitions if p.name == name), None)
        if p is None:
            return []
        items = [Expect(r.ipa, r.base, r.size, frozenset({r.perm}), "normal",
                        f"memory {r.base:#x}") for r in p.memory]
        for d in p.devices:     # at the configured IPA (`{device, ipa}`: moved by whole pages)
            for reg in d.device.regs:
                lo, hi = _down(reg.base), _up(reg.end)
                items.append(Expect(lo + d.delta, lo, hi - lo, frozenset({"rw"}), "device",
                                    d.device.path))
        items += [Expect(t.ipa, t.pa, t.size, frozenset({"rw" if e.writable else "ro"}),
                         "normal", f"channel {c.name}") for c, e, t in self.channel_ends(name)]
        vcpu_if = self.gicv_frame()
        if vcpu_if is not None:
            gicc = self.system.board.gic.gicc
            assert gicc is not None
            items.append(Expect(gicc.base, vcpu_if[0], GICV2_CPU_IF_SIZE, frozenset({"rw"}),
                                "device", "GICV as GICC"))
        return paint(items)

    # ------------------------------------------------------------------ channels
    def channel_ends(self, name: str) -> list[tuple[Channel, ChannelEnd, ChannelEntry]]:
        """The partition's channels as configured, each with its table entry in the image
        (matched by index: the order of `channels:`); what does not match is check_channels'
        finding, and only entries of the configured size are paired."""
        entry = next((e for e in self.entries if e.name == name), None)
        if entry is None or entry.channels is None:
            return []
        out = []
        for c, t in zip(self.system.channels_of(name), entry.channels, strict=False):
            end = c.end_of(name)
            if end is not None and t.size == c.size:
                out.append((c, end, t))
        return out

    def shared_memory(self) -> list[tuple[int, int, frozenset[str]]]:
        """Physical ranges two partitions may both map: each channel's memory, by the two
        partitions the configuration names as its ends, as the image's tables place it (the
        pages outside are proved exclusive by s2-overlap)."""
        out = []
        for c in self.system.channels:
            names = frozenset(e.partition for e in c.ends)
            pas = {t.pa for n in names for c2, _, t in self.channel_ends(n) if c2 is c}
            if len(pas) == 1 and len(names) == 2:
                pa = pas.pop()
                out.append((pa, pa + c.size, names))
        return out

    def check_channels(self) -> None:
        """Each partition's hv_channel_end table is exactly its configured channels: the count,
        size, access, a configured IPA, the peer and its entry (the same memory), doorbells
        exactly in the configured directions, and channel memory that is RAM of the board and
        nobody's RAM, the hypervisor's or another channel's."""
        index = {p.name: i for i, p in enumerate(self.system.partitions)}
        by_index = {e.index: e for e in self.entries}
        doorbells: dict[str, dict[str, int]] = {}
        seen: dict[str, list[tuple[int, int, str]]] = {}
        for e in self.entries:
            subject = e.name or f"#{e.index}"
            want = self.system.channels_of(e.name) if e.name else ()
            if e.channels is None:
                if want:
                    self.report.notes.append(f"{subject}: channel table not readable (no "
                                             "DWARF): channels not checked")
                continue
            if len(e.channels) != len(want):
                self.add("channel-table", subject, f"has {len(e.channels)} channel(s), "
                         f"configured {len(want)}")
            for j, (c, t) in enumerate(zip(want, e.channels, strict=False)):
                end = c.end_of(subject)
                other = next((x for x in c.ends if x is not end), None)
                if end is None or other is None:
                    continue
                bad = []
                if t.size != c.size:
                    bad.append(f"size {t.size:#x}, configured {c.size:#x}")
                if t.writable != end.writable:
                    bad.append(f"writable {int(t.writable)}, configured {end.access}")
                if end.ipa is not None and t.ipa != end.ipa:
                    bad.append(f"IPA {t.ipa:#x}, configured {end.ipa:#x}")
                peer_want = index.get(other.partition)
                peer_end_want = self.system.channels_of(other.partition).index(c)
                if t.peer != peer_want or t.peer_end != peer_end_want:
                    bad.append(f"peer {t.peer}/{t.peer_end}, configured "
                               f"{peer_want}/{peer_end_want} ({other.partition})")
                else:
                    peer = by_index.get(t.peer)
                    pt = (peer.channels[t.peer_end] if peer and peer.channels
                          and t.peer_end < len(peer.channels) else None)
                    if pt is None or pt.pa != t.pa or pt.size != t.size:
                        bad.append("its peer's entry is not the same memory")
                    elif pt.doorbell_intid != t.ring_intid:
                        bad.append(f"rings INTID {t.ring_intid}, the peer expects "
                                   f"{pt.doorbell_intid}")
                rings = c.rings()
                if bool(t.ring_intid) != ((subject, other.partition) in rings):
                    bad.append(f"doorbell to {other.partition}: "
                               f"{'present' if t.ring_intid else 'absent'}, configured "
                               f"{'present' if not t.ring_intid else 'absent'}")
                if bool(t.doorbell_intid) != ((other.partition, subject) in rings):
                    bad.append(f"doorbell from {other.partition}: "
                               f"{'present' if t.doorbell_intid else 'absent'}, configured "
                               f"{'present' if not t.doorbell_intid else 'absent'}")
                bell = doorbells.setdefault(subject, self.expected_doorbells(subject))
                if t.doorbell_intid and t.doorbell_intid != bell.get(c.name):
                    bad.append(f"rung with INTID {t.doorbell_intid}, the documented allocation "
                               f"gives {bell.get(c.name)} (above every INTID {subject} owns, "
                               "in `channels:` order)")
                if t.pa % PAGE or t.ipa % PAGE or t.size % PAGE:
                    bad.append("not page-aligned")
                for lo, hi, what in seen.setdefault(subject, self.ipa_uses(subject)):
                    if overlaps(lo, hi, t.ipa, t.ipa + t.size):
                        bad.append(f"at IPA {_rng(t.ipa, t.ipa + t.size)}, over {what} (its "
                                   "pages there are not the channel's)")
                seen[subject].append((t.ipa, t.ipa + t.size, f"channel {c.name}"))
                for b in bad:
                    self.add("channel-table", subject, f"channel {j} ({c.name}): {b}")
        self.check_channel_memory()

    def check_channel_scrub(self) -> None:
        """hv_channel_mems[i] = {pa, size} of the i-th channel as its ends' tables place it:
        the hypervisor writes zeros there at EL2 before any partition starts, so an entry
        anywhere else would have EL2 itself erase a partition's loaded RAM or its own state."""
        if not self.system.channels:
            return
        sym = self.img.symbols.get("hv_channel_mems")
        if sym is None:
            self.add("channel-memory", "channels", "hv_channel_mems (the cold-boot scrub "
                     "table) is not in the image")
            return
        placed: dict[str, int | None] = {}
        for c in self.system.channels:
            pas = {t.pa for e in c.ends for c2, _, t in self.channel_ends(e.partition)
                   if c2 is c}
            placed[c.name] = pas.pop() if len(pas) == 1 else None
        for i, c in enumerate(self.system.channels):
            raw = self.img.read(sym.value + 16 * i, 16)
            if raw is None:
                self.add("channel-memory", "channels", f"hv_channel_mems[{i}] ({c.name}) is "
                         "not in the image")
                continue
            pa, size = int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")
            want = placed[c.name]
            if pa != want or size != c.size:
                where = _rng(want, want + c.size) if want is not None else "its ends' tables"
                self.add("channel-memory", "channels", f"hv_channel_mems[{i}] ({c.name}): the "
                         f"cold-boot scrub zeroes {_rng(pa, pa + size)}, the channel is at "
                         f"{where}")

    def ipa_uses(self, name: str) -> list[tuple[int, int, str]]:
        """(IPA start, end, what) partition `name` sees besides its channels: its RAM, its
        devices' pages, the emulated pages and the GICV window at the GICC address. A channel
        table IPA over one of them is a channel the partition cannot reach there."""
        p = next((p for p in self.system.partitions if p.name == name), None)
        if p is None:
            return []
        out = [(r.ipa, r.ipa + r.size, f"memory {r.base:#x}") for r in p.memory]
        out += [(_down(reg.base) + d.delta, _up(reg.end) + d.delta, d.device.path)
                for d in p.devices for reg in d.device.regs if reg.size]
        out += self.emulated_pages(p)
        gicc = self.system.board.gic.gicc
        if self.gicv_frame() is not None and gicc is not None:
            out.append((gicc.base, gicc.base + GICV2_CPU_IF_SIZE, "the GICV window at GICC"))
        return out

    def expected_doorbells(self, name: str) -> dict[str, int]:
        """The INTID of each doorbell into partition `name`, by channel, as docs/configuration.md
        documents the allocation (independent of interrupts.doorbell_intids on purpose): the
        next SPIs above every INTID the partition owns (its devices' SPIs, its virtual UART's,
        its `vgic.virtual` lines), one per doorbell into it, in `channels:` order. So a
        doorbell never pends a line the receiver owns, another doorbell's, nor a PPI/SGI."""
        p = next((p for p in self.system.partitions if p.name == name), None)
        if p is None:
            return {}
        owned = {i for d in p.devices for i in d.device.intids if i >= 32}
        owned |= set(p.vgic.virtual if p.vgic is not None else ())
        if p.vuart is not None:
            owned.add(vuart_location(self.system, p)[1])
        top, out = max(owned | {31}), {}
        for c in self.system.channels_of(name):
            if any(receiver == name for _, receiver in c.rings()):
                top += 1
                out[c.name] = top
        return out

    def check_channel_memory(self) -> None:
        """Channel memory is RAM of the board and nobody else's (a partition's, the
        hypervisor's, reserved memory or a spin table, another channel's), and the table the
        boot CPU zeroes at EL2 (hv_channel_mems, hv_channels_scrub) is exactly that memory."""
        board = self.system.board
        banks = [(b.base, b.end) for b in board.ram]
        taken = [(r.base, r.end, f"partition '{p.name}' RAM") for p in self.system.partitions
                 for r in p.memory]
        lo, hi = self.hyp_extent()
        taken.append((lo, hi, "the hypervisor"))
        taken += [(r.base, r.end, f"reserved memory {_rng(r.base, r.end)}")
                  for r in board.reserved]
        taken += [(_down(c.release_addr), _up(c.release_addr + 8), f"the spin table of {c.path}")
                  for c in board.cpus if c.release_addr is not None]
        self.check_channel_scrub()
        for plo, phi, names in self.shared_memory():
            what = f"channel memory {_rng(plo, phi)} ({' and '.join(sorted(names))})"
            if not any(b0 <= plo and phi <= b1 for b0, b1 in banks):
                self.add("channel-memory", "channels", f"{what} is not RAM of the board")
            for tlo, thi, who in taken:
                if overlaps(plo, phi, tlo, thi):
                    self.add("channel-memory", "channels", f"{what} overlaps {who}")
            taken.append((plo, phi, what))

    def gicv_frame(self) -> tuple[int, int] | None:
        """The GICv2 virtual CPU interface every partition sees at its GICC address. It is
        banked per CPU (each PE reaches its own interface), so sharing its physical pages is
        no channel between partitions."""
        gic = self.system.board.gic
        if gic.version != 2 or gic.gicc is None or gic.gicv is None:
            return None
        return gic.gicv.base, gic.gicv.base + GICV2_CPU_IF_SIZE

    def forbidden(self) -> list[tuple[int, int, str, str]]:
        """(start, end, finding, what) physical ranges no partition may map."""
        out: list[tuple[int, int, str, str]] = []
        pg = self.pgtables
        out.append((_down(pg.addr), _up(pg.end), "s2-maps-pgtables", ".pgtables"))
        out += [(lo, hi, "s2-maps-pgtables", "a page-table page") for lo, hi in
                self.table_pages() if not (pg.addr <= lo and hi <= pg.end)]
        out += [(_down(s.addr), _up(s.end), "s2-maps-image", s.name) for s in self.image_sections]
        for e in self.entries:
            out += [(_down(b.src), _up(b.src + b.size), "s2-maps-image",
                     f"{e.name} {b.what or 'blob'} source") for b in e.blobs if b.size]
        lo, hi = self.hyp_extent()
        out.append((lo, hi, "s2-maps-hypervisor", f"hypervisor {_rng(lo, hi)}"))
        gic = self.system.board.gic
        frames = [("GICD", gic.gicd), ("GICC", gic.gicc), ("GICH", gic.gich)]
        frames += [(f"GICR{i}", r) for i, r in enumerate(gic.gicr)]
        out += [(_down(r.base), _up(r.end), "s2-maps-gic", n) for n, r in frames if r is not None]
        return out

    def configured_hyp_region(self) -> tuple[int, int]:
        """hypervisor.memory as (base, end): its configured base or, when the compiler chose
        it, the address the image is linked at (its lowest section), and its configured size.
        Independent of the compiler's placement code on purpose."""
        spec = self.system.hypervisor
        base = spec.base if spec.base is not None else \
            _down(min(s.addr for s in self.img.alloc_sections))
        return base, base + spec.size

    def hyp_extent(self) -> tuple[int, int]:
        """The hypervisor's memory: every allocated section of the ELF and the whole
        hypervisor.memory region they were placed in."""
        secs = self.img.alloc_sections
        lo, hi = _down(min(s.addr for s in secs)), _up(max(s.end for s in secs))
        return min(lo, self.hyp_region[0]), max(hi, self.hyp_region[1])

    def check_stage2(self, s2: list[tuple[PartitionEntry, Walk]],
                     sealed: list[tuple[PartitionEntry, Walk]] = ()) -> None:   # type: ignore
        rf = RangeFindings()
        walks = [(e.name or f"#{e.index}", e.name or f"#{e.index}", w, self.expected_stage2)
                 for e, w in s2]
        walks += [(f"{e.name} once sealed", e.name or f"#{e.index}", w, self.expected_sealed)
                  for e, w in sealed]
        for subject, name, w, expected in walks:
            for lo, hi, exp, run in pieces(expected(name), w.runs):
                if exp is None:
                    assert run is not None
                    rf.add("s2-unexpected-mapping", subject,
                           (run.pa - run.va, run.attrs.perm, run.attrs.memtype), lo, hi)
                    continue
                if run is None:
                    rf.add("s2-missing-mapping", subject, (exp.label,), lo, hi)
                    continue
                got_pa, want_pa = run.pa + (lo - run.va), exp.pa_at(lo)
                if got_pa != want_pa:
                    rf.add("s2-wrong-pa", subject, (got_pa - lo, want_pa - lo), lo, hi)
                if run.attrs.perm not in exp.perms:
                    rf.add("s2-perm-mismatch", subject,
                           (run.attrs.perm, "/".join(sorted(exp.perms)), exp.label), lo, hi)
                if not _memtype_ok(run.attrs.memtype, run.attrs.shareability, exp.memtype):
                    rf.add("s2-memtype-mismatch", subject, (run.attrs.memtype,
                           run.attrs.shareability, exp.memtype, exp.label), lo, hi)
                if not run.attrs.af:
                    rf.add("s2-access-flag-clear", subject, (), lo, hi)
        # Physical pages: pairwise disjoint, and never the hypervisor's (a sealed table set is
        # its partition's: the same pages).
        banked = self.gicv_frame()
        spans = sorted((lo, hi, name) for _, name, w, _ in walks for r in w.runs
                       for lo, hi in _minus(r.pa, r.pa_end, banked))
        active: list[tuple[int, int, str]] = []
        pairs: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for lo, hi, who in spans:
            active = [a for a in active if a[1] > lo]
            for alo, ahi, other in active:
                if other != who:
                    key = tuple(sorted((who, other)))
                    pairs.setdefault(key, []).append((max(lo, alo), min(hi, ahi)))  # type: ignore
            active.append((lo, hi, who))
        shared = self.shared_memory()
        for (a, b), ranges in sorted(pairs.items()):
            allowed = [(lo, hi) for lo, hi, ends in shared if ends == frozenset((a, b))]
            for lo, hi in ranges:
                for plo, phi in _minus_all(lo, hi, allowed):
                    rf.add("s2-overlap", a, (b,), plo, phi)
        forbidden = self.forbidden()
        for subject, _, w, _ in walks:
            for r in w.runs:
                for flo, fhi, name, what in forbidden:
                    lo, hi = max(r.pa, flo), min(r.pa_end, fhi)
                    if lo < hi:
                        rf.add(name, subject, (what, r.va - r.pa), lo, hi)
        for name, subject, key, lo, hi in rf.merged():
            self.add(name, subject, self._s2_message(name, key, lo, hi),
                     start=hex(lo), end=hex(hi))

    @staticmethod
    def _s2_message(name: str, key: tuple, lo: int, hi: int) -> str:
        if name == "s2-unexpected-mapping":
            delta, perm, memtype = key
            return (f"IPA {_rng(lo, hi)} -> PA {_rng(lo + delta, hi + delta)} ({perm}, "
                    f"{memtype}) is not given by the configuration")
        if name == "s2-missing-mapping":
            return f"IPA {_rng(lo, hi)} ({key[0]}) is not mapped"
        if name == "s2-wrong-pa":
            got, want = key
            return f"IPA {_rng(lo, hi)} maps PA {lo + got:#x}, configured {lo + want:#x}"
        if name == "s2-perm-mismatch":
            got, want, label = key
            return f"IPA {_rng(lo, hi)} ({label}) is {got}, configured {want}"
        if name == "s2-memtype-mismatch":
            memtype, sh, want, label = key
            return (f"IPA {_rng(lo, hi)} ({label}) is {memtype} (shareability {sh}), "
                    f"configured {want}")
        if name == "s2-access-flag-clear":
            return f"IPA {_rng(lo, hi)} has AF = 0"
        if name == "s2-overlap":
            return f"PA {_rng(lo, hi)} is also mapped by {key[0]}"
        what, delta = key
        return f"maps PA {_rng(lo, hi)} ({what}) at IPA {lo + delta:#x}"

    # ------------------------------------------------------------------ booting at all
    def check_hypervisor_placement(self) -> None:
        """Every allocated section lies in hypervisor.memory; the hypervisor's memory (those
        sections: text, data, stacks, tables, images, and the whole region) is RAM of the
        board, and none of it is memory the board reserves: outside RAM the loader writes to
        flash, a hole or a device and the image boots to silence; in reserved memory firmware
        owns it."""
        lo, hi = self.hyp_extent()
        board = self.system.board
        for sec in self.img.alloc_sections:
            if not _in([self.hyp_region], sec.addr, sec.end):
                self.add("hyp-outside-region", "hypervisor", f"section {sec.name} "
                         f"{_rng(sec.addr, sec.end)} is outside hypervisor.memory "
                         f"{_rng(*self.hyp_region)}")
        for a, b in _minus_all(lo, hi, [(r.base, r.end) for r in board.ram]):
            self.add("hyp-outside-ram", "hypervisor", f"hypervisor memory {_rng(a, b)} is not "
                     "RAM of the board ("
                     + ", ".join(_rng(r.base, r.end) for r in board.ram) + ")",
                     start=hex(a), end=hex(b))
        reserved = [(r.base, r.end, "reserved memory") for r in board.reserved]
        reserved += [(_down(c.release_addr), _up(c.release_addr + 8), f"spin table of {c.path}")
                     for c in board.cpus if c.release_addr is not None]
        for a, b, what in reserved:
            if max(a, lo) < min(b, hi):
                self.add("hyp-reserved", "hypervisor", f"hypervisor memory {_rng(lo, hi)} "
                         f"overlaps {what} {_rng(a, b)}", start=hex(max(a, lo)),
                         end=hex(min(b, hi)))

    def emulated_pages(self, p: Partition) -> list[tuple[int, int, str]]:
        """(IPA start, end, what) the hypervisor emulates for partition `p`, from the
        configuration: the distributor at the board's GICD address (the guest's device tree
        says so), the virtual UART where `vuart` puts it (guestdt.vuart_location: the console
        UART's address unless configured), with `ivshmem` the PCI host bridge's ECAM window and
        BAR0 register pages (channels.bridge). Accesses there must trap."""
        gicd = self.system.board.gic.gicd
        out = [(_down(gicd.base), _down(gicd.base) + PAGE, "the emulated distributor (GICD)")]
        if p.vuart:
            ipa = vuart_location(self.system, p)[0]
            out.append((_down(ipa), _down(ipa) + PAGE, "the virtual UART"))
        host = channels.bridge(self.system, p)
        if host is not None:
            out += [(lo, hi, what) for what, lo, hi in host.trapped]
        return out

    def check_emulated(self, s2: list[tuple[PartitionEntry, Walk]]) -> None:
        """Emulated pages stay unmapped in stage 2 (a RAM or device mapping there would
        shadow the emulation); the GICV frame is mapped at the GICC IPA and nowhere else; and
        what hv_partitions says it emulates is where the configuration puts it."""
        by_name = {p.name: p for p in self.system.partitions}
        gicv, gicc = self.gicv_frame(), self.system.board.gic.gicc
        for e, w in s2:
            p = by_name.get(e.name or "")
            if p is None:
                continue
            pages = self.emulated_pages(p)
            if e.emulated is None:
                self.report.notes.append(f"{p.name}: emulated pages in hv_partitions not read "
                                         "(no DWARF for hv_vgic_config/hv_vuart_config)")
            else:
                want = (pages[0][0], pages[1][0] if p.vuart else None)
                got = (e.emulated.gicd_ipa, e.emulated.vuart_ipa)
                if want != got:
                    self.add("emulated-mismatch", p.name, "hv_partitions emulates GICD at "
                             f"{_opt(got[0])} and a UART at {_opt(got[1])}; the configuration "
                             f"gives GICD at {_opt(want[0])} and a UART at {_opt(want[1])}")
                pages += [(a, a + PAGE, "an emulated page recorded in hv_partitions")
                          for a in got if a is not None and a not in want]
                host = channels.bridge(self.system, p)
                want_pci = (host.ecam, host.regs, len(host.bars)) if host is not None else None
                if e.emulated.pci != want_pci:
                    self.add("emulated-mismatch", p.name, "hv_partitions emulates a PCI host "
                             f"bridge (ECAM, BAR0 pages, functions) {_pci(e.emulated.pci)}; "
                             f"the configuration gives {_pci(want_pci)}")
                    if e.emulated.pci is not None:
                        ecam, regs, nfn = e.emulated.pci
                        pages += [(ecam, ecam + pcihost.ECAM_SIZE,
                                   "a PCI ECAM window recorded in hv_partitions"),
                                  (regs, regs + min(nfn, pcihost.MAX_FUNCTIONS) * PAGE,
                                   "ivshmem register pages recorded in hv_partitions")]
            for r in w.runs:
                for lo, hi, what in pages:
                    a, b = max(r.va, lo), min(r.va_end, hi)
                    if a < b:
                        self.add("s2-maps-emulated", p.name, f"IPA {_rng(a, b)} ({what}) is "
                                 f"mapped to PA {r.pa + (a - r.va):#x}: the guest's accesses "
                                 "reach that memory instead of trapping", start=hex(a),
                                 end=hex(b))
                if gicv is None or gicc is None:
                    continue
                for a, b in _intersections(r.pa, r.pa_end, [gicv]):
                    ipa = r.va + (a - r.pa)
                    if ipa != gicc.base + (a - gicv[0]):
                        self.add("s2-gicv-misplaced", p.name, f"the GICV frame PA {_rng(a, b)} "
                                 f"is mapped at IPA {ipa:#x}, not at the GICC IPA "
                                 f"{gicc.base + (a - gicv[0]):#x}", start=hex(ipa))
            if gicv is not None and gicc is not None:
                for off in range(0, GICV2_CPU_IF_SIZE, PAGE):
                    pa = _translate(w.runs, gicc.base + off)
                    if pa != gicv[0] + off:
                        self.add("s2-gicv-misplaced", p.name, f"IPA {gicc.base + off:#x} (the "
                                 f"GICC page the guest uses) maps {_opt(pa)}, not the GICV "
                                 f"frame {gicv[0] + off:#x}")

    def check_entry(self, s2: list[tuple[PartitionEntry, Walk]]) -> None:
        """vCPU 0 starts at entry_ipa with x0 = dtb_ipa: the entry must be the first byte of the
        configured memory[0].ipa, mapped executable, and land on loaded image bytes; the device
        tree must be mapped readable and land on the loaded DTB."""
        by_name = {p.name: p for p in self.system.partitions}
        for e, w in s2:
            p = by_name.get(e.name or "")
            if p is None or e.entry_ipa is None:
                continue
            expected = p.memory[0].ipa + _text_offset(p) if p.memory else None
            if expected is not None and e.entry_ipa != expected:
                self.add("entry-mismatch", p.name, f"entry_ipa {e.entry_ipa:#x} is not "
                         f"{expected:#x}: memory[0]'s IPA {p.memory[0].ipa:#x}, where the "
                         "configuration loads the image, plus an arm64 Image's text_offset")
            run = _run_at(w.runs, e.entry_ipa)
            if run is None or not (run.attrs.read and run.attrs.execute):
                self.add("entry-not-executable", p.name, f"entry IPA {e.entry_ipa:#x} is "
                         + (f"mapped {run.attrs.perm}" if run else "not mapped")
                         + ": vCPU 0 faults on its first instruction")
            else:
                pa = run.pa + (e.entry_ipa - run.va)
                images = [(b.dst, b.dst + b.size) for b in e.blobs if b.what == "image"]
                if not _in(images, pa, pa + 4):          # one instruction at least
                    self.add("entry-not-in-image", p.name, f"entry IPA {e.entry_ipa:#x} (PA "
                             f"{pa:#x}) is not inside the loaded image "
                             f"({_blobs_str(e.blobs, 'image')}): vCPU 0 would run scrubbed "
                             "memory")
            if e.dtb_ipa is None:
                continue
            dtbs = [b for b in e.blobs if b.what == "dtb"]
            size = max((b.size for b in dtbs), default=PAGE)
            for a in range(_down(e.dtb_ipa), _up(e.dtb_ipa + size), PAGE):
                run = _run_at(w.runs, a)
                if run is None or not run.attrs.read:
                    self.add("dtb-unmapped", p.name, f"device tree IPA {e.dtb_ipa:#x} "
                             f"({size:#x} bytes): page {a:#x} is "
                             + (f"mapped {run.attrs.perm}" if run else "not mapped"))
                    break
            else:
                dtb_pa = _translate(w.runs, e.dtb_ipa)
                if dtbs and not any(b.dst == dtb_pa for b in dtbs):
                    self.add("dtb-unmapped", p.name, f"device tree IPA {e.dtb_ipa:#x} maps PA "
                             f"{_opt(dtb_pa)}, not where the DTB is loaded "
                             f"({_blobs_str(e.blobs, 'dtb')})")

    # ------------------------------------------------------------------ EL2 proofs
    def expected_el2(self) -> tuple[list[Expect], tuple[int, int]]:
        secs = sorted(self.img.alloc_sections, key=lambda s: s.addr)
        text = next((s for s in secs if s.execute), None)
        items: list[Expect] = []
        text_window = (0, 0)
        if text is not None:
            later = [s.addr for s in secs if s.addr >= text.end]
            text_window = (_down(text.addr), _down(min(later)) if later else _up(text.end))
        for s in secs:
            items.append(Expect(_down(s.addr), None, _up(s.end) - _down(s.addr),
                                frozenset({s.perm}), "normal", f"section {s.name}"))
        if text is not None:
            items.append(Expect(text_window[0], None, text_window[1] - text_window[0],
                                frozenset({"rx"}), "normal", "text window", required=False))
        lo, hi = self.hyp_extent()
        items.append(Expect(lo, None, hi - lo, frozenset({"ro", "rw"}), "normal",
                            "hypervisor window", required=False))
        for p in self.system.partitions:
            items += [Expect(r.base, None, r.size, frozenset({"ro", "rw"}), "normal",
                             f"{p.name} RAM") for r in p.memory]
        items += [Expect(lo, None, hi - lo, frozenset({"rw"}), "normal", "channel memory")
                  for lo, hi, _ in self.shared_memory()]
        for reg in self.system.hypervisor.console.device.regs:
            items.append(Expect(_down(reg.base), None, _up(reg.end) - _down(reg.base),
                                frozenset({"rw"}), "device", "console"))
        gic = self.system.board.gic
        for n, gic_reg in [("GICD", gic.gicd), ("GICC", gic.gicc), ("GICH", gic.gich),
                           ("GICV", gic.gicv)] + [(f"GICR{i}", r) for i, r in enumerate(gic.gicr)]:
            if gic_reg is not None:
                items.append(Expect(_down(gic_reg.base), None,
                                    _up(gic_reg.end) - _down(gic_reg.base),
                                    frozenset({"rw"}), "device", n, required=False))
        # Boards without PSCI: the spin-table release addresses and the power-management block.
        for page in sorted({_down(c.release_addr) for c in self.system.board.cpus
                            if c.release_addr is not None}):
            items.append(Expect(page, None, _up(page + 1) - page, frozenset({"rw"}), "normal",
                                "spin table", required=False))
        pm = platform.pm_base(self.system)
        if pm:
            items.append(Expect(_down(pm), None, _up(pm + 1) - _down(pm), frozenset({"rw"}),
                                "device", "power management", required=False))
        pins = platform.console_pins(self.system)
        if pins is not None:
            items.append(Expect(_down(pins.gpio_base), None, PAGE, frozenset({"rw"}), "device",
                                "console pins", required=False))
        return paint(items), text_window

    def check_el2(self, w: Walk, regs: BootRegs) -> None:
        expected, (tlo, thi) = self.expected_el2()
        rf = RangeFindings()
        for lo, hi, exp, run in pieces(expected, w.runs):
            if run is None:
                if exp is not None and exp.required:
                    rf.add("el2-missing-mapping", "el2", (exp.label,), lo, hi)
                continue
            a = run.attrs
            pa = run.pa + (lo - run.va)
            if pa != lo:
                rf.add("el2-not-identity", "el2", (pa - lo,), lo, hi)
            if a.write and a.execute:
                rf.add("el2-wx", "el2", (a.perm,), lo, hi)
            if a.execute and not (tlo <= lo and hi <= thi):
                rf.add("el2-exec-outside-text", "el2", (a.perm, exp.label if exp else "?"), lo, hi)
            if exp is None:
                rf.add("el2-unexpected-mapping", "el2", (pa - lo, a.perm, a.memtype), lo, hi)
                continue
            if a.perm not in exp.perms:
                rf.add("el2-perm-mismatch", "el2", (a.perm, "/".join(sorted(exp.perms)),
                                                    exp.label), lo, hi)
            if not _memtype_ok(a.memtype, a.shareability, exp.memtype):
                rf.add("el2-memtype-mismatch", "el2", (a.memtype, a.shareability, exp.memtype,
                                                       exp.label), lo, hi)
            if not a.af:
                rf.add("el2-access-flag-clear", "el2", (exp.label,), lo, hi)
        for name, subject, key, lo, hi in rf.merged():
            self.add(name, subject, self._el2_message(name, key, lo, hi),
                     start=hex(lo), end=hex(hi))

    @staticmethod
    def _el2_message(name: str, key: tuple, lo: int, hi: int) -> str:
        if name == "el2-missing-mapping":
            return f"VA {_rng(lo, hi)} ({key[0]}) is not mapped"
        if name == "el2-not-identity":
            return f"VA {_rng(lo, hi)} maps PA {lo + key[0]:#x}"
        if name == "el2-wx":
            return f"VA {_rng(lo, hi)} is {key[0]}"
        if name == "el2-exec-outside-text":
            return f"VA {_rng(lo, hi)} ({key[1]}) is {key[0]}, outside the text window"
        if name == "el2-unexpected-mapping":
            delta, perm, memtype = key
            return f"VA {_rng(lo, hi)} -> PA {lo + delta:#x} ({perm}, {memtype}) is unexpected"
        if name == "el2-perm-mismatch":
            got, want, label = key
            return f"VA {_rng(lo, hi)} ({label}) is {got}, expected {want}"
        if name == "el2-memtype-mismatch":
            memtype, sh, want, label = key
            return f"VA {_rng(lo, hi)} ({label}) is {memtype} (shareability {sh}), expected {want}"
        return f"VA {_rng(lo, hi)} ({key[0]}) has AF = 0"

    # ------------------------------------------------------------------ blobs and RAM tables
    def check_blobs_and_ram(self) -> None:
        by_name = {p.name: p for p in self.system.partitions}
        sources = [(s.addr, s.end) for s in self.img.alloc_sections
                   if not s.write and not s.execute and not s.nobits
                   and s.name != ".pgtables"]
        for e in self.entries:
            p = by_name.get(e.name or "")
            if p is None:
                continue
            subject = p.name
            want = sorted((r.ipa, r.base, r.size, True, "w" in r.perm, "x" in r.perm)
                          for r in p.memory)
            got = sorted((r.ipa, r.pa, r.size, r.readable, r.writable, r.executable)
                         for r in e.ram)
            if want != got:
                self.add("ram-table-mismatch", subject, "hv_region entries "
                         f"{[_ram_str(g) for g in got]} differ from the configuration "
                         f"{[_ram_str(x) for x in want]}")
            own = [(r.base, r.end) for r in p.memory]
            for b in e.blobs:
                label = f"blob '{b.what or '?'}' {b.src:#x} -> {b.dst:#x} ({b.size:#x} bytes)"
                if not _in(own, b.dst, b.dst + b.size):
                    self.add("blob-mismatch", subject, f"{label}: destination is not inside the "
                             "partition's own memory")
                if not _in(sources, b.src, b.src + b.size):
                    self.add("blob-mismatch", subject, f"{label}: source is not inside a "
                             "read-only, non-executable section of the image")
            sec = self.img.section(f".image.{ident(p.name)}")
            if sec is not None and not any(b.src == sec.addr and b.size == sec.size
                                           for b in e.blobs):
                self.add("blob-mismatch", subject, f"no blob loads section {sec.name} "
                         f"({sec.addr:#x}, {sec.size:#x} bytes): what is loaded is not the "
                         "image whose digest is recorded")

    # ------------------------------------------------------------------ digests
    def check_digests(self) -> None:
        recorded_sections: set[str] = set()
        checked: dict[str, list[str]] = {}
        sources = list(self.digest_sources)
        for source in sources:
            for rec in source.records():
                data: bytes | None
                if rec.src is None:
                    sec = self.img.section(f".image.{ident(rec.partition)}")
                    if sec is None:
                        self.add("image-missing", f"image:{rec.partition}", f"{source.name} "
                                 f"records an image for {rec.partition} but the ELF has no "
                                 f".image.{ident(rec.partition)} section")
                        continue
                    data, where = self.img.section_bytes(sec), sec.name
                    recorded_sections.add(sec.name)
                else:
                    data = self.img.read(rec.src, rec.size or 0)
                    where = f"{rec.src:#x}"
                    for s in self.image_sections:
                        if s.addr == rec.src:
                            recorded_sections.add(s.name)
                            where = s.name
                if data is None:
                    self.add("image-digest-mismatch", f"image:{rec.partition}", f"{source.name}: "
                             f"{rec.what} bytes at {where} ({rec.size} bytes) are not in the image")
                    continue
                actual = DIGEST_KINDS[rec.kind](data)
                if actual != rec.digest or (rec.size is not None and rec.size != len(data)):
                    self.add("image-digest-mismatch", f"image:{rec.partition}",
                             f"{rec.what} at {where}: {rec.kind} {actual} ({len(data)} bytes), "
                             f"{source.name} records {rec.digest} ({rec.size} bytes)")
                if source.name not in checked.setdefault(where, []):
                    checked[where].append(source.name)
        if not sources:
            self.add("image-digest-unavailable", "images", "no manifest.json next to the ELF "
                     "and no digest table in the image")
        for s in self.image_sections:
            if s.name not in recorded_sections:
                self.add("image-unrecorded", f"image:{s.name[len('.image.'):]}",
                         f"section {s.name} has no recorded digest")
            data = self.img.section_bytes(s)
            self.report.images.append({"name": s.name[len(".image."):], "section": s.name,
                                       "addr": hex(s.addr), "size": s.size,
                                       "sha256": hashlib.sha256(data).hexdigest(),
                                       "fsverity-sha256": fsverity.digest(data).hex(),
                                       "checked_against": checked.get(s.name, [])})


def _minus_all(lo: int, hi: int, keep: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [lo, hi) outside every range of `keep`."""
    out = [(lo, hi)]
    for cut in keep:
        out = [piece for a, b in out for piece in _minus(a, b, cut)]
    return out


def _intersections(lo: int, hi: int, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(max(lo, a), min(hi, b)) for a, b in ranges if max(lo, a) < min(hi, b)]


def _run_at(runs: list[Run], va: int) -> Run | None:
    return next((r for r in runs if r.va <= va < r.va_end), None)


def _translate(runs: list[Run], va: int) -> int | None:
    r = _run_at(runs, va)
    return None if r is None else r.pa + (va - r.va)


def _opt(x: int | None) -> str:
    return "nothing" if x is None else f"{x:#x}"


def _blobs_str(blobs: tuple[Blob, ...], what: str) -> str:
    found = [f"PA {_rng(b.dst, b.dst + b.size)}" for b in blobs if b.what == what]
    return ", ".join(found) or f"no {what} blob"


def _minus(lo: int, hi: int, cut: tuple[int, int] | None) -> list[tuple[int, int]]:
    if cut is None or cut[1] <= lo or hi <= cut[0]:
        return [(lo, hi)]
    return [(a, b) for a, b in ((lo, cut[0]), (cut[1], hi)) if b > a]


def _ram_str(r: tuple) -> str:
    ipa, pa, size, rd, wr, ex = r
    return f"{ipa:#x}->{pa:#x}+{size:#x} {perms.word(rd, wr, ex)}"


def _text_offset(p: Partition) -> int:
    """An arm64 Image is entered at its load base + text_offset (kernels before 5.8 say
    0x80000); a raw binary at its first byte. Read from the configured file, not from layout."""
    if p.image.binary is None or not p.image.binary.is_file():
        return 0
    header = package.read_header(p.image.binary)
    return header.text_offset if header.magic == package.ARM64_MAGIC else 0
