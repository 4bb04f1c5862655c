"""Semantic checks over a System: every rule has one stable code (see diagnostics.CODES).

`check(system, hyp_base, hyp_size)` returns every error and warning found, sorted by source
position; it never raises for bad input. The hypervisor's own region is placed by layout and
passed in, so that these rules see exactly what will be built.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .board import Reg
from .diagnostics import Diagnostic, Pos, Related, error, warning
from .model import MemRegion, Partition, System
from .units import format_range

KNOWN_HYPERCALLS: tuple[str, ...] = ("console", "identity")
GRANULE = 0x1000
FIRST_SPI = 32


def check(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    """Every semantic error and warning of `system`, sorted by position."""
    rules = (_no_partitions, _names, _cpus, _alignment, _outside_ram, _partition_overlaps,
             _device_overlaps, _device_owners, _ipa_overlaps, _irq_owners, _hypercalls,
             _permissions)
    found = [d for rule in rules for d in rule(system)]
    found += _hypervisor_overlaps(system, hyp_base, hyp_size)
    return sorted(found, key=_pos_key)


def _pos_key(d: Diagnostic) -> tuple[str, int, int]:
    return (d.pos.file, d.pos.line, d.pos.col) if d.pos else ("", 0, 0)


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


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


def _names(system: System) -> list[Diagnostic]:
    seen: dict[str, Partition] = {}
    out = []
    for part in system.partitions:
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


def _outside_ram(system: System) -> list[Diagnostic]:
    banks = _ram_banks(system)
    shown = ", ".join(format_range(b.base, b.size) for b in banks) or "none"
    return [error("E023", f"{o} is not inside the board's RAM", o.region.pos,
                  hint=f"RAM banks: {shown}; regions must lie inside one of them")
            for o in _regions(system)
            if not any(b.base <= o.region.base and o.region.end <= b.end for b in banks)]


def _partition_overlaps(system: System) -> list[Diagnostic]:
    regions = list(_regions(system))
    out = []
    for i, b in enumerate(regions):
        for a in regions[:i]:
            if a.part is not b.part and _overlaps(a.region.base, a.region.end,
                                                  b.region.base, b.region.end):
                out.append(error("E020", f"{b} overlaps {a}", b.region.pos,
                                 related=[Related(f"{a}", a.region.pos)]))
    return out


def _hypervisor_overlaps(system: System, hyp_base: int, hyp_size: int) -> list[Diagnostic]:
    hyp = f"the hypervisor's memory {format_range(hyp_base, hyp_size)}"
    return [error("E021", f"{o} overlaps {hyp}", o.region.pos,
                  related=[Related(hyp, system.hypervisor.pos)])
            for o in _regions(system)
            if _overlaps(o.region.base, o.region.end, hyp_base, hyp_base + hyp_size)]


def _mmio(system: System) -> list[tuple[str, Reg]]:
    """Every enabled device's MMIO ranges (CPU nodes' `reg` is an MPIDR, not an address)."""
    return [(path, reg) for path, dev in sorted(system.board.devices.items())
            if dev.enabled and not path.startswith("/cpus/")
            for reg in dev.regs if reg.size]


def _device_overlaps(system: System) -> list[Diagnostic]:
    mmio = _mmio(system)
    out = []
    for o in _regions(system):
        r = o.region
        hits = [f"{path} {format_range(reg.base, reg.size)}" for path, reg in mmio
                if _overlaps(r.base, r.end, reg.base, reg.end)]
        if hits:
            more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            out.append(error("E022", f"{o} overlaps device {', '.join(hits[:3])}{more}", r.pos))
    return out


def _ipa_overlaps(system: System) -> list[Diagnostic]:
    out = []
    for part in system.partitions:
        spaces: list[tuple[str, int, int, Pos]] = [
            (f"memory[{j}] at IPA {format_range(r.ipa, r.size)}", r.ipa, r.ipa_end, r.pos)
            for j, r in enumerate(part.memory)]
        n_regions = len(spaces)
        spaces += [(f"device {d.device.path} {format_range(reg.base, reg.size)}", reg.base,
                    reg.end, d.pos) for d in part.devices for reg in d.device.regs if reg.size]
        # Pairs with at least one region; the diagnostic points at the later region.
        for k, (bname, b0, b1, bpos) in enumerate(spaces):
            for aname, a0, a1, apos in spaces[:min(k, n_regions)]:
                if not _overlaps(a0, a1, b0, b1):
                    continue
                if k < n_regions:
                    msg, pos, rel = f"{bname} overlaps {aname}", bpos, Related(aname, apos)
                else:
                    msg, pos, rel = f"{aname} overlaps {bname}", apos, Related(bname, bpos)
                out.append(error("E030", f"in partition '{part.name}', {msg}", pos,
                                 related=[rel]))
    return out


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
            if call not in KNOWN_HYPERCALLS:
                pos = part.hypercalls_pos[j] if j < len(part.hypercalls_pos) else part.pos
                out.append(error("E038", f"partition '{part.name}' asks for unknown hypercall "
                                 f"'{call}'", pos,
                                 hint=f"known hypercalls: {', '.join(KNOWN_HYPERCALLS)} "
                                 "(docs/hypercalls.md)"))
    return out


def _permissions(system: System) -> list[Diagnostic]:
    return [warning("W002", f"{o} is writable and executable (perm rwx)", o.region.pos)
            for o in _regions(system) if o.region.perm == "rwx"]

