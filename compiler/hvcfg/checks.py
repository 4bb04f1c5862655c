# SPDX-License-Identifier: Apache-2.0
"""Semantic checks over a System: every rule has one stable code (see diagnostics.CODES).

`check(system, hyp_base, hyp_size)` returns every error and warning found, sorted by source
position; it never raises for bad input. The hypervisor's own region is placed by layout and
passed in, so that these rules see exactly what will be built.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import channel_checks
from .board import Reg
from .channels import emulated_windows
from .diagnostics import Diagnostic, Pos, Related, error, warning
from .guestdt import vuart_location
from .hypercalls import by_name as known_hypercalls
from .interrupts import GIC_MAX_INTID, default_lines, hw_intids, owned_intids
from .layout import (
    DTB_SLOT,
    EL2_VA_LIMIT,
    IPA_LIMIT,
    HypFrame,
    hypervisor_frames,
    partition_mappings,
    reserved_ranges,
)
from .model import MemRegion, Partition, System
from .units import align_down, align_up, format_range, overlaps

GRANULE = 0x1000
HYP_ALIGN = 0x2000          # tables.stage2_tables: an 8 KiB-aligned concatenated root
FIRST_SPI = 32


def check(system: System, hyp_base: int | None, hyp_size: int) -> list[Diagnostic]:
    """Every semantic error and warning of `system`, sorted by position. Without `hyp_base`
    (no room for the hypervisor: rules.py's E033) the rules about its region are skipped."""
    rules = (_no_partitions, _names, _cpus, _alignment, _dtb_room, _partition_overlaps,
             _device_owners, _device_pages, _ipa_overlaps, _irq_owners, _hypercalls,
             _permissions, _entry_executable, _vuart_interrupt, _not_passable, _vgic_lines,
             _intid_meanings, _chosen_ipas, _console_enabled, _guest_printf_reaches)
    placed = (_outside_ram, _device_overlaps, _hypervisor_overlaps, _reserved_memory)
    found = [d for rule in rules for d in rule(system)]
    found += channel_checks.check(system, Reg(hyp_base, hyp_size) if hyp_base is not None
                                  else None)
    if hyp_base is not None:
        found += [d for rule in placed for d in rule(system, hyp_base, hyp_size)]
        found += address_problems(system, Reg(hyp_base, hyp_size))
    return sorted(found, key=_pos_key)


def _pos_key(d: Diagnostic) -> tuple[str, int, int]:
    return (d.pos.file, d.pos.line, d.pos.col) if d.pos else ("", 0, 0)


@dataclass(frozen=True)
class _Owned:
    """A region of a partition, for messages."""

    part: Partition
    index: int
    region: MemRegion

    def __str__(self) -> str:
        r = self.region
        return f"partition '{self.part.name}' memory[{self.index}] {format_range(r.base, r.size)}"


def _regions(system: System) -> Iterator[_Owned]:
    for part in system.partitions:
        for j, r in enumerate(part.memory):
            yield _Owned(part, j, r)


# ---------------------------------------------------------------- partitions, names, CPUs

def _no_partitions(system: System) -> list[Diagnostic]:
    if system.partitions:
        return []
    return [error("E035", "the system has no partitions", system.partitions_pos)]


# Labels the console gives lines that are not a partition's: the hypervisor's own
# (hyp/core/console.c) and a UART nobody owns (serialrelay.uart_labels). A partition called
# so would print lines that look like those.
RESERVED_NAME = re.compile(r"hyp|uart\d+")


def _names(system: System) -> list[Diagnostic]:
    seen: dict[str, Partition] = {}
    out = []
    for part in system.partitions:
        if RESERVED_NAME.fullmatch(part.name):
            out.append(error("E060", f"partition name '{part.name}' is reserved: the console "
                             "labels lines that are not a partition's with it", part.pos,
                             hint="rename the partition ('hyp' and 'uart<N>' are reserved)"))
        if part.name in seen:
            out.append(error("E032", f"two partitions are named '{part.name}'", part.pos,
                             related=[Related(f"the first '{part.name}'", seen[part.name].pos)]))
        else:
            seen[part.name] = part
    return out


def _cpus(system: System) -> list[Diagnostic]:
    on_board = {c.index for c in system.board.cpus}
    indices = ", ".join(str(i) for i in sorted(on_board))
    first: dict[int, tuple[Partition, Pos]] = {}
    out = []
    for part in system.partitions:
        if not part.cpus:
            out.append(error("E036", f"partition '{part.name}' has no CPUs",
                             part.cpus_pos or part.pos))
        for cpu in part.cpus:
            if cpu.index not in on_board:
                out.append(error("E025", f"partition '{part.name}' names CPU {cpu.index}, but "
                                 f"the board has CPUs {indices}", cpu.pos,
                                 hint=f"use one of CPUs {indices} (indices in the board's /cpus)"))
            elif cpu.index in first:
                other, opos = first[cpu.index]
                where = ("twice" if other is part else
                         f"but it already belongs to partition '{other.name}'")
                out.append(error("E026", f"partition '{part.name}' names CPU {cpu.index} {where}",
                                 cpu.pos, related=[Related(
                                     f"CPU {cpu.index} first given to '{other.name}'", opos)]))
            else:
                first[cpu.index] = (part, cpu.pos)
    return out


# ---------------------------------------------------------------- memory

def _alignment(system: System) -> list[Diagnostic]:
    out = []
    for o in _regions(system):
        r = o.region
        bad = [f"{name} {value:#x}" for name, value in
               (("base", r.base), ("size", r.size), ("ipa", r.ipa)) if value % GRANULE]
        if bad:
            out.append(error("E024", f"{o}: {', '.join(bad)} not a multiple of 4 KiB", r.pos))
    hyp = system.hypervisor
    bad = [f"{name} {value:#x}" for name, value in (("base", hyp.base), ("size", hyp.size))
           if value is not None and value % GRANULE]
    if bad:
        out.append(error("E024", f"hypervisor memory: {', '.join(bad)} not a multiple of 4 KiB",
                         hyp.pos))
    elif hyp.base is not None and hyp.base % HYP_ALIGN:
        out.append(error("E024", f"hypervisor memory: base {hyp.base:#x} not a multiple of 8 KiB "
                         "(the stage-2 root tables it holds must be 8 KiB aligned)", hyp.pos))
    return out


def _dtb_room(system: System) -> list[Diagnostic]:
    """The guest DT takes the last DTB_SLOT bytes of the first writable region."""
    out = []
    for part in system.partitions:
        if not part.memory:
            continue
        j, r = next(((j, r) for j, r in enumerate(part.memory) if "w" in r.perm),
                    (0, part.memory[0]))
        if r.size < DTB_SLOT:
            out.append(error("E048", f"partition '{part.name}' memory[{j}] "
                             f"{format_range(r.base, r.size)} is smaller than the "
                             f"{DTB_SLOT // 1024} KiB its device tree takes", r.pos))
    return out


def _ram_banks(system: System) -> list[Reg]:
    """The board's RAM banks, adjacent ones merged."""
    banks: list[Reg] = []
    for bank in sorted(system.board.ram, key=lambda b: b.base):
        if banks and banks[-1].end == bank.base:
            banks[-1] = Reg(banks[-1].base, banks[-1].size + bank.size)
        else:
            banks.append(bank)
    return banks


def _users(system: System, hyp_base: int, hyp_size: int) -> list[tuple[str, int, int, Pos]]:
    """Every RAM range the configuration takes (what, start, end, position): partitions'
    regions and the hypervisor's own."""
    out = [(str(o), o.region.base, o.region.end, o.region.pos) for o in _regions(system)]
    out.append((f"the hypervisor's memory {format_range(hyp_base, hyp_size)}", hyp_base,
                hyp_base + hyp_size, system.hypervisor.pos))
    return out


def _outside_ram(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    banks = _ram_banks(system)
    shown = ", ".join(format_range(b.base, b.size) for b in banks) or "none"
    return [error("E023", f"{who} is not inside the board's RAM", pos,
                  hint=f"RAM banks: {shown}; regions must lie inside one of them")
            for who, lo, hi, pos in _users(system, hyp_base, hyp_size)
            if not any(b.base <= lo and hi <= b.end for b in banks)]


def _partition_overlaps(system: System) -> list[Diagnostic]:
    regions = list(_regions(system))
    out = []
    for i, b in enumerate(regions):
        for a in regions[:i]:
            # One partition's own regions too: a second IPA for the same physical memory
            # would be an alias around any per-region permission, e.g. a writable view of a
            # sealed kernel's text (red team 7)
            if overlaps(a.region.base, a.region.end, b.region.base, b.region.end):
                out.append(error("E020", f"{b} overlaps {a}", b.region.pos,
                                 related=[Related(f"{a}", a.region.pos)]))
    return out


def _hypervisor_overlaps(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    hyp = f"the hypervisor's memory {format_range(hyp_base, hyp_size)}"
    return [error("E021", f"{o} overlaps {hyp}", o.region.pos,
                  related=[Related(hyp, system.hypervisor.pos)])
            for o in _regions(system)
            if overlaps(o.region.base, o.region.end, hyp_base, hyp_base + hyp_size)]


def _mmio(system: System) -> list[tuple[str, Reg]]:
    """Every enabled device's MMIO ranges (CPU nodes' `reg` is an MPIDR, not an address)."""
    return [(path, reg) for path, dev in sorted(system.board.devices.items())
            if dev.enabled and not path.startswith("/cpus/")
            for reg in dev.regs if reg.size]


def _device_overlaps(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    mmio = _mmio(system)
    out = []
    for who, lo, hi, pos in _users(system, hyp_base, hyp_size):
        hits = [f"{path} {format_range(reg.base, reg.size)}" for path, reg in mmio
                if overlaps(lo, hi, reg.base, reg.end)]
        if hits:
            more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            out.append(error("E022", f"{who} overlaps device {', '.join(hits[:3])}{more}", pos))
    return out


def _ipa_overlaps(system: System) -> list[Diagnostic]:
    """E030: a partition's IPA space holds each thing once: RAM regions, devices, the emulated
    pages. Checked for every pair with one side placed by the configuration (a region's ipa, a
    moved device `{device, ipa}`, `vuart.ipa`): devices at their physical address cannot meet
    each other or the board's GIC and console pages (E046 and E061 see to that). The
    diagnostic points at the placed side that comes later."""
    out = []
    for part in system.partitions:
        # (what, start, end, position, placed by the configuration)
        spaces: list[tuple[str, int, int, Pos, bool]] = [
            (f"memory[{j}] at IPA {format_range(r.ipa, r.size)}", r.ipa, r.ipa_end, r.pos, True)
            for j, r in enumerate(part.memory)]
        spaces += [(f"device {d.device.path} at IPA {format_range(reg.base, reg.size)}",
                    reg.base, reg.end, d.pos, d.ipa is not None)
                   for d in part.devices for reg in d.guest_regs if reg.size]
        chosen_vuart = part.vuart is not None and part.vuart.ipa is not None
        spaces += [(what, lo, hi, pos, chosen_vuart and what.startswith("the virtual UART"))
                   for what, lo, hi, pos in emulated_windows(system, part)]
        for k, (bname, b0, b1, bpos, bplaced) in enumerate(spaces):
            for aname, a0, a1, apos, aplaced in spaces[:k]:
                if not (aplaced or bplaced) or not overlaps(a0, a1, b0, b1):
                    continue
                if bplaced:
                    msg, pos, rel = f"{bname} overlaps {aname}", bpos, Related(aname, apos)
                else:
                    msg, pos, rel = f"{aname} overlaps {bname}", apos, Related(bname, bpos)
                out.append(error("E030", f"in partition '{part.name}', {msg}", pos,
                                 related=[rel]))
    return out


def _reserved_memory(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    reserved = reserved_ranges(system)
    users = _users(system, hyp_base, hyp_size)
    return [error("E045", f"{who} overlaps {what}", pos,
                  related=[Related(what, system.board_spec.pos)])
            for who, lo, hi, pos in users for what, r0, r1 in reserved
            if overlaps(lo, hi, r0, r1)]


# ---------------------------------------------------------------- devices and interrupts

def _device_owners(system: System) -> list[Diagnostic]:
    console = system.hypervisor.console
    owner: dict[str, tuple[str, Pos]] = {console.device.path: ("the hypervisor console",
                                                               console.pos)}
    out = []
    for part in system.partitions:
        for dev in part.devices:
            path = dev.device.path
            if path in owner:
                who, opos = owner[path]
                out.append(error("E028", f"device {path} is given to partition '{part.name}' "
                                 f"but already belongs to {who}", dev.pos,
                                 related=[Related(f"{path} given to {who}", opos)]))
            else:
                owner[path] = (f"partition '{part.name}'", dev.pos)
    return out




def _not_passable(system: System) -> list[Diagnostic]:
    """E062: a device a partition cannot be given. A bus master (DMA, MSI) reaches memory and
    interrupts past stage 2, which hvcfg (no IOMMU) cannot confine; an interrupt above GICv2's
    INTIDs cannot be routed. Either would break isolation or the build."""
    out = []
    for part in system.partitions:
        for dev in part.devices:
            d = dev.device
            if d.bus_master:
                out.append(error(
                    "E062", f"device {d.path} given to partition '{part.name}' is a bus master "
                    f"({d.bus_master}): without an IOMMU it reads and writes any physical "
                    "address, other partitions' memory and the hypervisor's included", dev.pos,
                    hint="give it to no partition (hvcfg has no IOMMU support); "
                    "docs/configuration.md, 'Passed-through devices'"))
            high = [i for i in d.intids if i > GIC_MAX_INTID]
            if high:
                out.append(error(
                    "E062", f"device {d.path} given to partition '{part.name}' has interrupt "
                    f"{high[0]}, beyond GICv2's INTIDs (at most {GIC_MAX_INTID})", dev.pos,
                    hint="check the board's device tree (interrupts of this node)"))
    return out


@dataclass(frozen=True)
class _Pages:
    """Whole MMIO pages and who holds them: a stage-2 or EL2 mapping covers whole pages, so
    two owners of one page can reach each other's registers."""

    owner: str          # "partition 'a'" or "the hypervisor"
    what: str
    path: str | None    # the DT node
    base: int
    end: int
    pos: Pos | None


def _hypervisor_pages(system: System) -> list[_Pages]:
    console = system.hypervisor.console

    def pos(f: HypFrame) -> Pos | None:
        return console.pos if f.path == console.device.path else system.board_spec.pos
    return [_Pages("the hypervisor", f"{f.name} {format_range(f.base, f.end - f.base)}",
                   f.path, f.base, f.end, pos(f))
            for f in hypervisor_frames(system) if f.memtype == "device"]


def _device_pages(system: System) -> list[Diagnostic]:
    """No MMIO page is shared by two owners (E028 already reports one device given twice)."""
    held = _hypervisor_pages(system)
    console = system.hypervisor.console.device.path
    out = []
    for part in system.partitions:
        mine = [_Pages(f"partition '{part.name}'", f"device {d.device.path}", d.device.path,
                       lo, hi, d.pos)
                for d in part.devices for lo, hi in
                sorted({(align_down(r.base, GRANULE), align_up(r.end, GRANULE))
                        for r in d.device.regs if r.size})]
        said: set[tuple[str | None, str, str | None]] = set()
        for m in mine:
            for h in held:
                if h.owner == m.owner or not overlaps(m.base, m.end, h.base, h.end):
                    continue
                if m.path == h.path and (h.owner != "the hypervisor" or h.path == console):
                    continue                # one device given twice: E028 says so
                if (m.path, h.owner, h.path or h.what) in said:
                    continue                # one error per pair of devices, not per page
                said.add((m.path, h.owner, h.path or h.what))
                other = f"{h.what} of {h.owner}"
                out.append(error("E046", f"{m.what} of {m.owner} "
                                 f"{format_range(m.base, m.end - m.base)} shares 4 KiB pages "
                                 f"with {other}", m.pos, related=[Related(other, h.pos)]))
        held += mine
    return out


def _irq_owners(system: System) -> list[Diagnostic]:
    """SPIs are owned by one partition; SGIs and PPIs are per CPU and never shared."""
    console = system.hypervisor.console
    owner: dict[int, tuple[str, str, Pos]] = {
        i: ("the hypervisor", console.device.path, console.pos)
        for i in console.device.intids if i >= FIRST_SPI}
    out = []
    for part in system.partitions:
        for dev in part.devices:
            for intid in dev.device.intids:
                if intid < FIRST_SPI:
                    continue
                if intid in owner:
                    who, path, opos = owner[intid]
                    if path == dev.device.path:
                        continue            # the same device twice: E028 says so
                    if who == f"partition '{part.name}'":
                        continue            # two devices of one partition sharing a line
                    out.append(error(
                        "E037", f"interrupt {intid} (SPI {intid - FIRST_SPI}) of "
                        f"{dev.device.path} in partition '{part.name}' is also the interrupt "
                        f"of {path} owned by {who}", dev.pos,
                        related=[Related(f"{path} (interrupt {intid})", opos)],
                        hint="give both devices to the same partition, or neither"))
                else:
                    owner[intid] = (f"partition '{part.name}'", dev.device.path, dev.pos)
    return out


# ---------------------------------------------------------------- calls and permissions

def _hypercalls(system: System) -> list[Diagnostic]:
    out = []
    for part in system.partitions:
        for j, call in enumerate(part.hypercalls):
            if call not in known_hypercalls():
                pos = part.hypercalls_pos[j] if j < len(part.hypercalls_pos) else part.pos
                out.append(error("E038", f"partition '{part.name}' asks for unknown hypercall "
                                 f"'{call}'", pos,
                                 hint=f"known hypercalls: {', '.join(known_hypercalls())} "
                                 "(docs/hypercalls.md)"))
    return out


def _permissions(system: System) -> list[Diagnostic]:
    return [warning("W002", f"{o} is writable and executable (perm rwx)", o.region.pos)
            for o in _regions(system) if o.region.perm == "rwx"]



def _entry_executable(system: System) -> list[Diagnostic]:
    """A partition starts at the image's first byte (or an arm64 Image's text_offset) in
    memory[0]: a region without x faults on the first instruction."""
    return [error("E059", f"partition '{part.name}' starts executing in memory[0] "
                  f"{format_range(part.memory[0].ipa, part.memory[0].size)}, whose permission "
                  f"'{part.memory[0].perm}' is not executable", part.memory[0].pos,
                  related=[Related("the image loaded there", part.image.pos)])
            for part in system.partitions if part.memory and "x" not in part.memory[0].perm]


def _vuart_interrupt(system: System) -> list[Diagnostic]:
    """A virtual UART without `vuart.intid` takes the console UART's interrupt
    (guestdt.vuart_location): a console without an interrupt gives it none."""
    console = system.hypervisor.console
    if console.device.intids:
        return []
    return [error("E041", f"partition '{part.name}' has a virtual UART, which takes the "
                  f"interrupt of hypervisor.console {console.device.path}, and that UART has no "
                  "interrupt in the device tree", part.pos,
                  related=[Related("hypervisor.console", console.pos)],
                  hint="give vuart.intid, name a console UART with `interrupts`, or drop `vuart`")
            for part in system.partitions if part.vuart and part.vuart.intid is None]


def _vgic_lines(system: System) -> list[Diagnostic]:
    """E063: `vgic.lines` covers every INTID the partition owns (above it the distributor is
    RAZ/WI and the interrupt could never be enabled)."""
    out = []
    for part in system.partitions:
        if part.vgic is None or part.vgic.lines is None:
            continue
        over = [i for i in owned_intids(system, part) if i >= part.vgic.lines]
        if over:
            out.append(error("E063", f"partition '{part.name}': vgic.lines {part.vgic.lines} "
                             f"leaves out INTID(s) {', '.join(map(str, over))}, which it owns "
                             f"({_meanings(system, part, over)})", part.vgic.pos,
                             hint=f"make vgic.lines at least {default_lines(system, part)}, "
                             "or leave it out (the default covers what the partition owns)"))
    return out


def _meanings(system: System, part: Partition, intids: list[int]) -> str:
    """What each INTID is to the partition, for messages."""
    return "; ".join(f"{i}: {', '.join(m for m, _ in _intid_uses(system, part).get(i, []))}"
                     for i in intids)


def _intid_uses(system: System, part: Partition) -> dict[int, list[tuple[str, Pos]]]:
    """Every SPI the partition's configuration gives a meaning, with where it says so."""
    uses: dict[int, list[tuple[str, Pos]]] = {}
    for d in part.devices:
        for i in dict.fromkeys(i for i in d.device.intids if i >= FIRST_SPI):
            uses.setdefault(i, []).append((f"the interrupt of device {d.device.path}", d.pos))
    if part.vuart:
        uses.setdefault(vuart_location(system, part)[1], []).append(
            ("the virtual UART's interrupt", part.vuart.pos))
    if part.vgic is not None:
        for j, i in enumerate(part.vgic.virtual):
            pos = part.vgic.virtual_pos[j] if j < len(part.vgic.virtual_pos) else part.vgic.pos
            uses.setdefault(i, []).append((f"vgic.virtual[{j}]", pos))
    return uses


def _intid_meanings(system: System) -> list[Diagnostic]:
    """E064: an SPI of a partition has one meaning: a hardware interrupt (devices of one
    partition may share a line), its virtual UART's, or a purely virtual line. Two would make
    one virtual interrupt stand for two sources, and the hypervisor's forwarding of the hardware
    one undo the other's state."""
    out = []
    for part in system.partitions:
        hw = set(hw_intids(part))
        for intid, uses in sorted(_intid_uses(system, part).items()):
            virtual = [(m, pos) for m, pos in uses if not m.startswith("the interrupt of device")]
            if not virtual or (len(virtual) == 1 and intid not in hw):
                continue
            (what, pos), (other, opos) = virtual[-1], next(u for u in uses if u != virtual[-1])
            out.append(error("E064", f"partition '{part.name}': INTID {intid} is {what} and "
                             f"also {other}", pos, related=[Related(other, opos)],
                             hint="give the virtual line another SPI (vgic.virtual, "
                             "vuart.intid): a passed-through device keeps its hardware INTID"))
    return out


def _chosen_ipas(system: System) -> list[Diagnostic]:
    """E065: a device moved with `{device, ipa}` keeps its offset within its 4 KiB page (a
    stage-2 mapping moves whole pages), so `ipa` is page-aligned or has the device's offset;
    the virtual UART is one emulated page, `vuart.ipa` page-aligned."""
    out = []
    for part in system.partitions:
        for d in part.devices:
            if d.ipa is None or not d.device.regs:
                continue
            offset = d.device.regs[0].base % GRANULE
            if d.ipa % GRANULE not in (0, offset):
                out.append(error("E065", f"partition '{part.name}': device {d.device.path} at "
                                 f"{d.device.regs[0].base:#x} cannot be seen at IPA {d.ipa:#x}: "
                                 f"stage 2 moves whole 4 KiB pages, so its registers keep "
                                 f"offset {offset:#x} in their page", d.pos,
                                 hint=f"use ipa {align_down(d.ipa, GRANULE):#x}"
                                 + (f" (its page) or {align_down(d.ipa, GRANULE) + offset:#x} "
                                    "(its first register)" if offset else "")))
        if part.vuart and part.vuart.ipa is not None and part.vuart.ipa % GRANULE:
            out.append(error("E065", f"partition '{part.name}': vuart.ipa {part.vuart.ipa:#x} is "
                             "not 4 KiB-aligned; the virtual UART is one emulated page",
                             part.vuart.pos,
                             hint=f"use {align_down(part.vuart.ipa, GRANULE):#x}"))
        console = system.hypervisor.console
        if part.vuart and part.vuart.ipa is None and console.device.regs \
                and console.device.regs[0].base % GRANULE:
            base = console.device.regs[0].base
            out.append(error("E065", f"partition '{part.name}': its virtual UART would be "
                             f"emulated at the console UART's address {base:#x}, which is not "
                             "4 KiB-aligned; the virtual UART is one emulated page",
                             part.vuart.pos, related=[Related("hypervisor.console", console.pos)],
                             hint=f"give it an address: vuart: {{ipa: "
                             f"{align_down(base, GRANULE):#x}}} (or another free page)"))
    return out


def _guest_printf_reaches(system: System) -> list[Diagnostic]:
    """W007: a partition built with the guest library prints with guest_printf, which goes to
    its first passed-through PL011 or else through the `console` hypercall; with neither, every
    line is dropped (the call answers NOT_SUPPORTED) and a new partition looks dead."""
    out = []
    for p in system.partitions:
        uart = any("arm,pl011" in d.device.compatible for d in p.devices)
        if p.image.lib is not None and not uart and "console" not in p.hypercalls:
            out.append(warning("W007", f"partition '{p.name}' uses image.lib "
                               f"'{p.image.lib}' but has neither a passed-through PL011 nor "
                               "the console hypercall: what it prints goes nowhere",
                               p.hypercalls_pos[0] if p.hypercalls_pos else p.pos))
    return out


def _console_enabled(system: System) -> list[Diagnostic]:
    """E041: the console UART must be enabled in the board's device tree: a disabled node is
    one the firmware did not set up (pins, clock), and the hypervisor would print to nothing."""
    console = system.hypervisor.console
    if console.device.enabled:
        return []
    return [error("E041", f"hypervisor.console '{console.ref}' is {console.device.path}, which "
                  "the board's device tree marks disabled (status)", console.pos,
                  hint="name an enabled PL011 UART (status \"okay\"), or enable it in the "
                  "board's device tree or firmware configuration")]


# ---------------------------------------------------------------- what the tables can express

def address_problems(system: System, hyp: Reg) -> list[Diagnostic]:
    """Addresses the translation tables cannot express (E040): the hypervisor's region and
    partition RAM in the EL2 map, every stage-2 mapping (RAM, devices, the GIC CPU interface)
    in the IPA space. Checked here so that no toolchain or table code ever sees them."""
    out = []
    if hyp.end > EL2_VA_LIMIT:
        out.append(error("E040", f"hypervisor region ends at {hyp.end:#x}, beyond the "
                         f"EL2 map's {EL2_VA_LIMIT:#x}", system.hypervisor.pos))
    for p in system.partitions:
        bad = [r for r in p.memory if r.ipa_end > IPA_LIMIT or r.end > EL2_VA_LIMIT]
        out += [error("E040", f"partition '{p.name}' region {r.base:#x} (IPA {r.ipa:#x}) is "
                      f"beyond the {IPA_LIMIT.bit_length() - 1}-bit IPA / "
                      f"{EL2_VA_LIMIT.bit_length() - 1}-bit EL2 range", r.pos) for r in bad]
        devices = {d.device.path: d.pos for d in p.devices}
        for m in partition_mappings(p, system.board.gic):
            if m.va + m.size > IPA_LIMIT and m.memtype == "device":
                pos = next((pos for path, pos in devices.items() if path in m.name), p.pos)
                out.append(error("E040", f"partition '{p.name}' device {m.name} at "
                                 f"{m.pa:#x} (IPA {m.va:#x}) is beyond the "
                                 f"{IPA_LIMIT.bit_length() - 1}-bit IPA range", pos))
        if p.vuart and vuart_location(system, p)[0] + GRANULE > IPA_LIMIT:
            out.append(error("E040", f"partition '{p.name}' virtual UART at IPA "
                             f"{vuart_location(system, p)[0]:#x} is beyond the "
                             f"{IPA_LIMIT.bit_length() - 1}-bit IPA range", p.vuart.pos))
    return out
