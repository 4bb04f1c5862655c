# SPDX-License-Identifier: Apache-2.0
"""Kernel sealing (`integrity: {kernel: sealed}`, docs/integrity.md): which guest pages are
sealed and how, from the kernel layout scripts/kernel-layout derived from the kernel's debug
package, checked against the Image the partition boots.

The layout gives offsets from `_text`; the Image is loaded at its text_offset in memory[0] and
Linux runs where it is loaded (KASLR moves its virtual addresses, not its physical ones), so
each range becomes an IPA range by adding the Image's load IPA. A sealed partition gets two
stage-2 table sets built here and in layout.py: the unsealed one (its declared memory) and the
sealed one, in which these ranges are narrowed. The hypervisor switches from the first to the
second once (VTTBR_EL2) and never edits a table. Once sealed, it rewrites only the kernel's own
patch sites (kernelsites.py: static keys and ftrace's calls, from the same vmlinux), whose
sorted tables the configuration carries.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from . import kernelsites, tables
from .diagnostics import CODES, Diagnostic, Related, error, warning
from .model import PAGE, Partition, System, kernel_layout_path

LAYOUT_FORMAT = 6
TEXT = "text"                   # the only kind the hypervisor patches
RODATA = "rodata"
# Both stay executable at stage 2: without FEAT_XNX stage-2 XN applies to EL0 too, and user
# space runs the vDSO from the kernel's rodata pages (the KPTI trampoline is there as well).
# `sealed-strict` takes EL1's execute permission away from everything but EL1_EXEC.
SEALED_PERM = {TEXT: "rx", RODATA: "rx"}
SEALED, STRICT = "sealed", "sealed-strict"      # integrity.kernel's words (the schema's)
# KPTI's trampoline, in the rodata range: with KPTI, EL1 takes every exception from EL0 in its
# vectors and returns to EL0 through it, so strict mode leaves it EL1-executable (read-only
# like the rest of the rodata). Optional in a layout: absent without UNMAP_KERNEL_AT_EL0.
TRAMP = ("__entry_tramp_text_start", "__entry_tramp_text_end")
# on_violation words, in the order of HV_SEAL_<WORD> (generated into hvcfg_config.h)
VIOLATION_ACTIONS = ("block", "inject", "halt", "restart")
BL_TARGETS = ("ftrace_caller", "ftrace_regs_caller")      # a BL over a NOP may go only here
BL_SITES = ("ftrace_call",)     # where a BL may be retargeted within the text (the tracer)
SEAL_CALL = "seal"              # hyp/hypercalls.yaml
# Whether a core implements FEAT_XNX (ID_AA64MMFR1_EL1.XNX = 1, from its Technical Reference
# Manual; optional from Armv8.2): the Armv8.0 cores have not, the Armv8.2 ones listed have.
# By QEMU `-cpu` name and DT compatible ("arm,<name>"); a core not here is E091 (fail closed).
XNX_CORES: dict[str, bool] = {
    **dict.fromkeys(("cortex-a35", "cortex-a53", "cortex-a57", "cortex-a72", "cortex-a73"),
                    False),
    **dict.fromkeys(("cortex-a55", "cortex-a75", "cortex-a76", "cortex-a77", "cortex-a78",
                     "cortex-x1", "neoverse-n1", "neoverse-v1", "neoverse-n2", "cortex-a710"),
                    True),
    "max": True,                # QEMU's `max` (TCG) implements FEAT_XNX
}
RODATA_OFF = re.compile(r"(^|\s)rodata=off(\s|$)")
LAYOUT_HINT = CODES["E085"][1]          # where a layout comes from
SITES_HINT = CODES["E092"][1]


@dataclass(frozen=True)
class SealRange:
    kind: str                   # TEXT, RODATA or RODATA_EXEC
    ipa: int
    size: int

    @property
    def end(self) -> int:
        return self.ipa + self.size

    @property
    def perm(self) -> str:
        return SEALED_PERM[self.kind]


@dataclass(frozen=True)
class KernelSeal:
    """What is sealed in one partition: its ranges, in IPA order, and where they came from."""

    ranges: tuple[SealRange, ...]
    layout: Path
    kernel: str                 # the package the layout was derived from
    vectors: int                # offset of the exception vectors from the Image's start
    bl_targets: tuple[int, ...] = ()    # ftrace's entries, offsets from the Image's start
    bl_sites: tuple[int, ...] = ()      # ftrace's call site inside them
    strict: bool = False                # sealed-strict: EL1 executes only el1_exec
    el1_exec: tuple[tuple[int, int], ...] = ()   # [start, end) IPAs EL1 may execute (strict)
    # the kernel's own patch sites (kernelsites.py), offsets from the Image's start
    sites: kernelsites.KernelSites = kernelsites.NO_SITES
    text_start: int = 0                 # offset of the text from the Image's start

    @property
    def table_bytes(self) -> int:
        """What its site tables take in the hypervisor's rodata (u32 sites and targets)."""
        return 8 * len(self.sites.jumps) + 4 * len(self.sites.ftrace)

    def site_tables(self) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
        """The hypervisor's tables: (site, target) pairs and ftrace sites, offsets from the
        text's first byte (hv_integrity.text_ipa), sorted."""
        t = self.text_start
        return (tuple((s - t, d - t) for s, d in self.sites.jumps),
                tuple(s - t for s in self.sites.ftrace))

    def of_kind(self, kind: str) -> tuple[SealRange, ...]:
        return tuple(r for r in self.ranges if r.kind == kind)


@dataclass(frozen=True)
class KernelLayout:
    """A kernel layout document (IMAGE.layout.json), checked: offsets from the Image's start."""

    kernel: str                             # the package it was derived from
    spans: dict[str, tuple[int, int]]       # TEXT and RODATA: (start, end)
    hashed_from: int
    text_sha256: str
    symbols: dict[str, int]
    sites_sha256: str                       # of the patch sites next to the Image
    text_va: int                            # the link-time address of _text

    def image_sites(self, data: bytes) -> kernelsites.KernelSites:
        """The patch sites the Image `data`'s own `__jump_table` and `__mcount_loc` declare in
        [_stext, _etext) (the hashed text: kernel-layout hashes from _stext); ValueError if the
        layout's bounds of those tables are not usable."""
        text = (self.hashed_from, self.spans[TEXT][1])
        return kernelsites.from_image(data, self.symbols, self.text_va, text)

    def read_sites(self, image: Path, data: bytes | None) -> kernelsites.KernelSites:
        """The patch sites next to `image`, checked against the text, this layout and, unless
        `data` (the Image's bytes) is None, the Image's own tables: OSError if there is no
        readable file, ValueError if it is malformed, (SitesMismatch) another build's or
        (SitesUnbound) not what the Image declares."""
        raw = kernelsites.sites_path(image).read_bytes()
        sites = kernelsites.decode(raw, self.spans[TEXT])
        if kernelsites.digest(raw) != self.sites_sha256:
            raise SitesMismatch(f"its SHA-256 {kernelsites.digest(raw)[:16]}... is not the "
                                f"{self.sites_sha256[:16]}... its layout records")
        if data is None:
            return sites
        try:
            own = self.image_sites(data)
        except ValueError as exc:
            raise SitesUnbound(f"the Image's own tables cannot be read ({exc})") from None
        if own != sites:
            raise SitesUnbound(kernelsites.first_difference(sites, own))
        return sites

    def ranges(self, image_ipa: int) -> tuple[SealRange, ...]:
        """Sealed ranges at the Image's load IPA: the text, then the read-only data."""
        return tuple(SealRange(kind, image_ipa + self.spans[kind][0],
                               self.spans[kind][1] - self.spans[kind][0])
                     for kind in (TEXT, RODATA))

    def symbol_offsets(self, names: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(self.symbols[n] for n in names if n in self.symbols)

    def el1_exec(self, image_ipa: int) -> tuple[tuple[int, int], ...]:
        """What EL1 may execute once a `sealed-strict` kernel is sealed, [start, end) IPAs in
        order: the text, and KPTI's trampoline when the kernel has one (read_layout checked
        that it lies page-aligned in the rodata)."""
        spans = [self.spans[TEXT]]
        if TRAMP[0] in self.symbols:
            spans.append((self.symbols[TRAMP[0]], self.symbols[TRAMP[1]]))
        return tuple((image_ipa + lo, image_ipa + hi) for lo, hi in spans)


class SitesMismatch(ValueError):
    """A well-formed site file that is not the one the layout was derived with."""


class SitesUnbound(ValueError):
    """A site file that declares other sites than the Image's own tables (red team 7, F1)."""


def _offset(value: object, what: str, limit: int) -> int:
    """An offset into the Image: an integer (not a bool) in [0, limit]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is {value!r}, not an integer offset")
    if not 0 <= value <= limit:
        raise ValueError(f"{what} {value:#x} is outside the {limit:#x}-byte Image")
    return value


def _table(doc: dict, key: str) -> dict:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' is {type(value).__name__}, not a mapping")
    return value


def read_layout(path: Path, image_size: int) -> KernelLayout:
    """The layout at `path` for an Image of `image_size` bytes; ValueError says what is wrong
    with it, OSError that it cannot be read (FileNotFoundError: there is none)."""
    doc = json.loads(path.read_text())
    if not isinstance(doc, dict):
        raise ValueError(f"its top level is a {type(doc).__name__}, not a mapping")
    if doc.get("format") != LAYOUT_FORMAT:
        raise ValueError(f"format {doc.get('format')!r}, expected {LAYOUT_FORMAT}")
    spans = {}
    for kind in (TEXT, RODATA):
        t = _table(doc, kind)
        start = _offset(t.get("start"), f"{kind}.start", image_size)
        spans[kind] = (start, _offset(t.get("end"), f"{kind}.end", image_size))
        if spans[kind][1] < start:
            raise ValueError(f"{kind}.end is below {kind}.start")
    text = _table(doc, TEXT)
    hashed_from = _offset(text.get("hashed_from"), "text.hashed_from", spans[TEXT][1])
    if not isinstance(text.get("sha256"), str):
        raise ValueError("text.sha256 is not a string")
    symbols = {str(n): _offset(v, f"symbols.{n}", image_size)
               for n, v in _table(doc, "symbols").items()}
    if "vectors" not in symbols:
        raise ValueError("symbols.vectors is missing")
    _check_tramp(symbols, spans[RODATA])
    sites = _table(doc, "sites").get("sha256")
    if not isinstance(sites, str):
        raise ValueError("sites.sha256 is not a string")
    text_va = doc.get("text_va")
    if isinstance(text_va, bool) or not isinstance(text_va, int) or not 0 <= text_va < 1 << 64:
        raise ValueError(f"text_va is {text_va!r}, not a 64-bit address")
    return KernelLayout(str(doc.get("kernel")), spans, hashed_from, text["sha256"], symbols,
                        sites, text_va)


def _check_tramp(symbols: dict[str, int], rodata: tuple[int, int]) -> None:
    """KPTI's trampoline, when the layout names it: both ends, page-aligned, non-empty, inside
    the rodata (strict mode makes exactly these pages EL1-executable)."""
    have = [n for n in TRAMP if n in symbols]
    if not have:
        return
    if len(have) != len(TRAMP):
        raise ValueError(f"symbols has {have[0]} without {({*TRAMP} - {have[0]}).pop()}")
    lo, hi = symbols[TRAMP[0]], symbols[TRAMP[1]]
    if (lo | hi) % PAGE or not rodata[0] <= lo < hi <= rodata[1]:
        raise ValueError(f"KPTI's trampoline [{lo:#x}, {hi:#x}) is not page-aligned pages of "
                         "the rodata")


def _well_formed(ranges: tuple[SealRange, ...]) -> bool:
    ordered = all(a.end <= b.ipa for a, b in zip(ranges, ranges[1:], strict=False))
    return ordered and all(r.size > 0 and not (r.ipa | r.size) % PAGE for r in ranges)


def load_seal(p: Partition, image: Path, image_ipa: int, is_kernel: bool
              ) -> tuple[KernelSeal | None, list[Diagnostic]]:
    """The partition's sealed ranges, or why there are none (E085-E087)."""
    if p.integrity is None:
        return None, []
    pos = p.integrity.pos
    if not is_kernel:
        return None, [error("E087", f"partition '{p.name}' asks for integrity, but its image "
                            f"{image.name} is not an arm64 Linux Image", pos,
                            hint="integrity seals a Linux kernel; leave it out for this image")]
    path = kernel_layout_path(image)
    try:
        data = image.read_bytes()
        lay = read_layout(path, len(data))
    except FileNotFoundError:
        return None, [error("E085", f"partition '{p.name}': no kernel layout {path} for its "
                            "Image", pos, hint=LAYOUT_HINT)]
    except (OSError, ValueError) as exc:
        return None, [error("E085", f"partition '{p.name}': kernel layout {path} is unreadable "
                            f"({exc})", pos, hint=LAYOUT_HINT)]
    ranges = lay.ranges(image_ipa)
    hashed_from, text_end, want, kernel = (lay.hashed_from, lay.spans[TEXT][1], lay.text_sha256,
                                           lay.kernel)
    if not _well_formed(ranges):
        return None, [error("E085", f"partition '{p.name}': kernel layout {path} has ranges "
                            "that are empty, not page-aligned or out of order", pos,
                            hint=LAYOUT_HINT)]
    if len(data) < text_end or hashlib.sha256(data[hashed_from:text_end]).hexdigest() != want:
        return None, [error("E086", f"partition '{p.name}': the kernel layout {path} "
                            f"({kernel}) does not describe {image}: their text differs", pos,
                            hint="the layout belongs to another kernel build; " + LAYOUT_HINT)]
    sites_at = kernelsites.sites_path(image)
    try:
        sites = lay.read_sites(image, data)
    except FileNotFoundError:
        return None, [error("E092", f"partition '{p.name}': no kernel patch sites {sites_at} "
                            f"next to its Image (its layout {path.name} records them)", pos,
                            hint=SITES_HINT)]
    except SitesMismatch as exc:
        return None, [error("E092", f"partition '{p.name}': the kernel patch sites {sites_at} "
                            f"are not the ones its layout {path} was derived with ({exc}): "
                            "another kernel build's", pos, hint=SITES_HINT)]
    except SitesUnbound as exc:
        return None, [error("E092", f"partition '{p.name}': the kernel patch sites {sites_at} "
                            f"are not the ones {image.name}'s own __jump_table and "
                            f"__mcount_loc declare: {exc}", pos, hint=SITES_HINT)]
    except (OSError, ValueError) as exc:
        return None, [error("E092", f"partition '{p.name}': the kernel patch sites {sites_at} "
                            f"are unreadable ({exc})", pos, hint=SITES_HINT)]
    region = next((r for r in p.memory if r.ipa <= ranges[0].ipa < r.ipa_end), None)
    if region is None or ranges[-1].end > region.ipa_end or region.perm != "rwx":
        return None, [error("E087", f"partition '{p.name}': the kernel's text and read-only "
                            "data must lie in one rwx memory region (sealing narrows it)",
                            pos, hint="give memory[0] perm: rwx and room for the whole Image")]
    strict = p.integrity.kernel == STRICT
    return KernelSeal(ranges, path, kernel, lay.symbols["vectors"], lay.symbol_offsets(BL_TARGETS),
                      lay.symbol_offsets(BL_SITES), strict,
                      lay.el1_exec(image_ipa) if strict else (), sites=sites,
                      text_start=lay.spans[TEXT][0]), []


def sealed_mappings(maps: tuple[tables.Mapping, ...], seal: KernelSeal
                    ) -> tuple[tables.Mapping, ...]:
    """The partition's stage-2 map with the sealed ranges cut out of the RAM that holds them
    and mapped with their sealed permissions; in strict mode, everything but el1_exec is
    execute-never at EL1 (EL0 keeps what the map gives it: user space, the vDSO)."""
    narrowed = _narrowed(maps, seal)
    return _el1_exec_only(narrowed, seal.el1_exec) if seal.strict else narrowed


def _el1_exec_only(maps: tuple[tables.Mapping, ...], allowed: tuple[tuple[int, int], ...]
                   ) -> tuple[tables.Mapping, ...]:
    """`maps` cut at the edges of `allowed` ([start, end) IPAs), every piece outside them
    execute-never at EL1."""
    out: list[tables.Mapping] = []
    for m in maps:
        cuts = sorted({m.va, m.va + m.size} | {e for span in allowed for e in span
                                               if m.va < e < m.va + m.size})
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            inside = any(a <= lo and hi <= b for a, b in allowed)
            out.append(replace(m, va=lo, pa=m.pa + lo - m.va, size=hi - lo, el1_xn=not inside))
    return tuple(out)


def _narrowed(maps: tuple[tables.Mapping, ...], seal: KernelSeal) -> tuple[tables.Mapping, ...]:
    out: list[tables.Mapping] = []
    for m in maps:
        inside = [r for r in seal.ranges if m.va <= r.ipa and r.end <= m.va + m.size]
        cursor = m.va
        for r in inside:
            if r.ipa > cursor:
                out.append(tables.Mapping(cursor, m.pa + cursor - m.va, r.ipa - cursor, m.perm,
                                          m.memtype, m.name))
            out.append(tables.Mapping(r.ipa, m.pa + r.ipa - m.va, r.size, r.perm, m.memtype,
                                      f"{m.name} sealed {r.kind}"))
            cursor = r.end
        if cursor < m.va + m.size:
            out.append(tables.Mapping(cursor, m.pa + cursor - m.va, m.va + m.size - cursor,
                                      m.perm, m.memtype, m.name))
    return tuple(out)


def _core(system: System, index: int) -> tuple[str | None, str]:
    """The core of board CPU `index` as XNX_CORES names it (None: unknown), and where that
    comes from: QEMU's `-cpu` for a board QEMU models, else the DT CPU node's compatible."""
    spec = system.board_spec
    if spec.qemu is not None and spec.dtb is None:
        model = spec.qemu.cpu           # "max,pauth-impdef=on": the model, then its options
        return (model.split(",")[0] if model else None,
                f"board.devicetree.qemu.cpu {model or '(QEMU default)'}")
    cpu = system.board.cpus[index]
    name = next((c.removeprefix("arm,") for c in cpu.compatible
                 if c.removeprefix("arm,") in XNX_CORES), None)
    return name, f"{cpu.path} compatible {' '.join(cpu.compatible) or '(none)'}"


def check_strict(system: System, p: Partition) -> list[Diagnostic]:
    """E090, E091: `sealed-strict` needs FEAT_XNX on every CPU of the partition; without it
    stage-2 bit 53 is RES0 and "not executable at EL1" would silently be executable."""
    if p.integrity is None or p.integrity.kernel != STRICT:
        return []
    for ref in p.cpus:
        if not 0 <= ref.index < len(system.board.cpus):
            continue                    # a CPU the board lacks: checks.py says so
        core, where = _core(system, ref.index)
        has = XNX_CORES.get(core or "")
        related = [Related(f"CPU {ref.index}'s core", system.board_spec.pos)]
        if has is None:
            return [error("E091", f"partition '{p.name}' asks for integrity: {{kernel: {STRICT}}} "
                          f"but it is not known whether its CPU {ref.index} ({where}) has "
                          "FEAT_XNX", p.integrity.pos, related=related)]
        if not has:
            return [error("E090", f"partition '{p.name}' asks for integrity: {{kernel: {STRICT}}} "
                          f"but its CPU {ref.index} ({where}) lacks FEAT_XNX: stage 2 cannot "
                          "make memory execute-never for EL1 alone", p.integrity.pos,
                          related=related)]
    return []


def check(system: System) -> list[Diagnostic]:
    """E088, E090, E091 and W006: what `integrity` and the `seal` call need of the rest of a
    partition and of the board."""
    out: list[Diagnostic] = []
    for p in system.partitions:
        out += check_strict(system, p)
        for call, pos in zip(p.hypercalls, p.hypercalls_pos, strict=False):
            if call == SEAL_CALL and p.integrity is None:
                out.append(error("E088", f"partition '{p.name}' is granted the `{SEAL_CALL}` "
                                 "hypercall but has no `integrity:` to seal", pos,
                                 hint="add integrity: {kernel: sealed}, or leave the call out"))
        if p.integrity is not None and RODATA_OFF.search(p.bootargs):
            out.append(warning("W006", f"partition '{p.name}': its bootargs say rodata=off, so "
                               "its kernel never write-protects its read-only data and is "
                               "sealed only if it calls `seal`", p.integrity.pos,
                               hint="leave rodata=off out of bootargs"))
    return out
