# SPDX-License-Identifier: Apache-2.0
"""Kernel sealing (`integrity: {kernel: sealed}`, docs/integrity.md): which guest pages are
sealed and how, from the kernel layout scripts/kernel-layout derived from the kernel's debug
package, checked against the Image the partition boots.

The layout gives offsets from `_text`; the Image is loaded at its text_offset in memory[0] and
Linux runs where it is loaded (KASLR moves its virtual addresses, not its physical ones), so
each range becomes an IPA range by adding the Image's load IPA. A sealed partition gets two
stage-2 table sets built here and in layout.py: the unsealed one (its declared memory) and the
sealed one, in which these ranges are narrowed. The hypervisor switches from the first to the
second once (VTTBR_EL2) and never edits a table.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import tables
from .diagnostics import Diagnostic, error, warning
from .model import Partition, System, kernel_layout_path

LAYOUT_FORMAT = 4
PAGE = 0x1000
TEXT = "text"                   # the only kind the hypervisor patches
RODATA = "rodata"
# Both stay executable at stage 2: without FEAT_XNX stage-2 XN applies to EL0 too, and user
# space runs the vDSO from the kernel's rodata pages (the KPTI trampoline is there as well).
SEALED_PERM = {TEXT: "rx", RODATA: "rx"}
# on_violation words, in the order of HV_SEAL_<WORD> (generated into hvcfg_config.h)
VIOLATION_ACTIONS = ("block", "inject", "halt", "restart")
BL_TARGETS = ("ftrace_caller", "ftrace_regs_caller")      # a BL over a NOP may go only here
BL_SITES = ("ftrace_call",)     # where a BL may be retargeted within the text (the tracer)
SEAL_CALL = "seal"              # hyp/hypercalls.yaml
RODATA_OFF = re.compile(r"(^|\s)rodata=off(\s|$)")
LAYOUT_HINT = "run scripts/kernel-layout (it derives the layout from the kernel's -dbg package)"


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

    def of_kind(self, kind: str) -> tuple[SealRange, ...]:
        return tuple(r for r in self.ranges if r.kind == kind)


def layout_path(image: Path) -> Path:
    return kernel_layout_path(image)


def _ranges(doc: dict, image_ipa: int) -> tuple[SealRange, ...]:
    """Sealed ranges from a layout document: the text, then the read-only data."""
    return tuple(SealRange(kind, image_ipa + doc[kind]["start"],
                           doc[kind]["end"] - doc[kind]["start"]) for kind in (TEXT, RODATA))


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
    path = layout_path(image)
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != LAYOUT_FORMAT:
            raise ValueError(f"format {doc.get('format')!r}, expected {LAYOUT_FORMAT}")
        ranges = _ranges(doc, image_ipa)
        hashed_from, text_end, want = (doc["text"]["hashed_from"], doc["text"]["end"],
                                       doc["text"]["sha256"])
        kernel = str(doc["kernel"])
        vectors = int(doc["symbols"]["vectors"])
        bl_targets = tuple(int(doc["symbols"][n]) for n in BL_TARGETS if n in doc["symbols"])
        bl_sites = tuple(int(doc["symbols"][n]) for n in BL_SITES if n in doc["symbols"])
    except FileNotFoundError:
        return None, [error("E085", f"partition '{p.name}': no kernel layout {path} for its "
                            "Image", pos, hint=LAYOUT_HINT)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, [error("E085", f"partition '{p.name}': kernel layout {path} is unreadable "
                            f"({exc})", pos, hint=LAYOUT_HINT)]
    if not _well_formed(ranges):
        return None, [error("E085", f"partition '{p.name}': kernel layout {path} has ranges "
                            "that are empty, not page-aligned or out of order", pos,
                            hint=LAYOUT_HINT)]
    data = image.read_bytes()
    if len(data) < text_end or hashlib.sha256(data[hashed_from:text_end]).hexdigest() != want:
        return None, [error("E086", f"partition '{p.name}': the kernel layout {path} "
                            f"({kernel}) does not describe {image}: their text differs", pos,
                            hint="the layout belongs to another kernel build; " + LAYOUT_HINT)]
    region = next((r for r in p.memory if r.ipa <= ranges[0].ipa < r.ipa_end), None)
    if region is None or ranges[-1].end > region.ipa_end or region.perm != "rwx":
        return None, [error("E087", f"partition '{p.name}': the kernel's text and read-only "
                            "data must lie in one rwx memory region (sealing narrows it)",
                            pos, hint="give memory[0] perm: rwx and room for the whole Image")]
    return KernelSeal(ranges, path, kernel, vectors, bl_targets, bl_sites), []


def sealed_mappings(maps: tuple[tables.Mapping, ...], seal: KernelSeal
                    ) -> tuple[tables.Mapping, ...]:
    """The partition's stage-2 map with the sealed ranges cut out of the RAM that holds them
    and mapped with their sealed permissions."""
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


def check(system: System) -> list[Diagnostic]:
    """E088 and W006: what `integrity` and the `seal` call need of the rest of a partition."""
    out: list[Diagnostic] = []
    for p in system.partitions:
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
