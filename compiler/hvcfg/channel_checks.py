# SPDX-License-Identifier: Apache-2.0
"""The rules of `channels:` (E066-E077), run by checks.check.

Structure first (names, ends, sizes, doorbells); only a structurally sound set of channels is
placed (IPAs, doorbell INTIDs, physical memory), so that placement never sees a channel with
three ends or a partition that does not exist.
"""
from __future__ import annotations

from . import channels, interrupts, pci_checks
from .board import Reg
from .diagnostics import Diagnostic, Related, error
from .layout import IPA_LIMIT, channel_memory
from .model import PAGE, Channel, System
from .units import format_range, format_size, overlaps


def check(system: System, hyp: Reg | None) -> list[Diagnostic]:
    """Every finding about channels; without `hyp` (E033) the memory is not placed."""
    found = _structure(system)
    if found:
        return found
    found += pci_checks.check(system)      # `ivshmem`: where its channels are is the bridge's
    if found:
        return found
    found += _ipas(system) + _doorbell_lines(system)
    if hyp is not None and not found:
        found += _memory(system, hyp)
    return found


def _structure(system: System) -> list[Diagnostic]:
    names = {p.name for p in system.partitions}
    seen: dict[str, Channel] = {}
    out = []
    for c in system.channels:
        if c.name in seen:
            out.append(error("E070", f"two channels are named '{c.name}'", c.pos,
                             related=[Related(f"the first '{c.name}'", seen[c.name].pos)]))
        else:
            seen[c.name] = c
        if len(c.ends) != 2:
            out.append(error("E068", f"channel '{c.name}' has {len(c.ends)} end(s); a channel "
                             "has exactly two", c.pos,
                             hint="give `ends` two entries; for more partitions use one "
                             "channel per pair"))
        for e in c.ends:
            if e.partition not in names:
                out.append(error("E066", f"channel '{c.name}' names partition "
                                 f"'{e.partition}', which does not exist", e.pos,
                                 hint=f"partitions: {', '.join(sorted(names)) or 'none'}"))
        if len(c.ends) == 2 and c.ends[0].partition == c.ends[1].partition:
            out.append(error("E067", f"channel '{c.name}' connects partition "
                             f"'{c.ends[0].partition}' to itself", c.ends[1].pos,
                             related=[Related("the first end", c.ends[0].pos)],
                             hint="a partition shares memory with itself by its own RAM"))
        if len(c.ends) == 2 and not any(e.writable for e in c.ends):
            out.append(error("E077", f"channel '{c.name}': neither end can write it (both "
                             "`ro`): it would stay zero", c.pos,
                             hint="make the producing end `access: rw`"))
        if c.size % PAGE or c.size > channels.MAX_SIZE:
            out.append(error("E069", f"channel '{c.name}' size {format_size(c.size)} "
                             f"({c.size:#x}) is not a multiple of 4 KiB or is more than "
                             f"{format_size(channels.MAX_SIZE)}", c.size_pos,
                             hint="use a multiple of 4K, at most 1G"))
        out += _doorbells(c)
    return out


def _doorbells(c: Channel) -> list[Diagnostic]:
    ends = [e.partition for e in c.ends]
    first: dict[tuple[str, str], int] = {}
    out = []
    for j, d in enumerate(c.doorbells):
        text = f"{d.sender}->{d.receiver}"
        if d.sender == d.receiver or d.sender not in ends or d.receiver not in ends:
            out.append(error("E073", f"channel '{c.name}': doorbell {text} is not between its "
                             f"two ends ({', '.join(ends)})", d.pos,
                             hint=f"write SENDER->RECEIVER with the ends' names, e.g. "
                             f"{'->'.join(ends[:2])}" if len(ends) >= 2 else ""))
        elif (d.sender, d.receiver) in first:
            out.append(error("E075", f"channel '{c.name}': doorbell {text} is given twice",
                             d.pos, related=[Related("the first",
                                                     c.doorbells[first[(d.sender,
                                                                        d.receiver)]].pos)],
                             hint="each direction has one doorbell (it coalesces)"))
        else:
            first[(d.sender, d.receiver)] = j
    return out


def _ipas(system: System) -> list[Diagnostic]:
    """E072 (alignment, range) and E071 (overlap with anything else the partition sees)."""
    out = []
    for part in system.partitions:
        seen = channels.ipa_space(system, part)
        placed = channels.ipas(system, part)
        for c in system.channels_of(part.name):
            end = c.end_of(part.name)
            if end is None:         # channels_of gives only channels it is an end of
                continue
            ipa = placed[c.name]
            given = end.ipa is not None
            where = f"channel '{c.name}' in partition '{part.name}' at IPA " \
                    f"{format_range(ipa, c.size)}"
            if ipa % PAGE or ipa + c.size > IPA_LIMIT:
                out.append(error("E072", f"{where} is not 4 KiB-aligned or ends beyond the "
                                 f"{IPA_LIMIT.bit_length() - 1}-bit IPA space", end.pos,
                                 hint="give a 4 KiB-aligned `ipa` below "
                                 f"{IPA_LIMIT - c.size:#x}" if given else
                                 "give the end an `ipa` (the partition's RAM ends too high)"))
                continue
            for what, lo, hi, pos in seen:
                if overlaps(lo, hi, ipa, ipa + c.size):
                    out.append(error("E071", f"{where} overlaps {what}", end.pos,
                                     related=[Related(what, pos)],
                                     hint="give another `ipa`, or leave it out (the compiler "
                                     "then chooses a free one)"))
            seen = seen + [(f"channel '{c.name}' at IPA {format_range(ipa, c.size)}", ipa,
                            ipa + c.size, end.pos)]
    return out


def _doorbell_lines(system: System) -> list[Diagnostic]:
    """E074: a doorbell's virtual SPI fits the receiver's distributor and GICv2."""
    out = []
    for part in system.partitions:
        bells = interrupts.doorbell_intids(system, part)
        lines = part.vgic.lines if part.vgic is not None and part.vgic.lines else None
        limit = min(lines or interrupts.GIC_MAX_INTID + 1, interrupts.GIC_MAX_INTID + 1)
        over = [name for name, intid in bells.items() if intid >= limit]
        if over:
            c = next(c for c in system.channels if c.name == over[0])
            pos = part.vgic.pos if lines and part.vgic is not None else c.pos
            out.append(error("E074", f"partition '{part.name}' has no free interrupt line for "
                             f"the doorbell(s) of channel(s) {', '.join(over)}: they would be "
                             f"INTID(s) {', '.join(str(bells[n]) for n in over)}, beyond "
                             + (f"vgic.lines {lines}" if lines else "GICv2's last SPI 1019"),
                             pos, related=[Related(f"channel '{c.name}'", c.pos)],
                             hint="raise vgic.lines (or leave it out), or drop doorbells"))
    return out


def _memory(system: System, hyp: Reg) -> list[Diagnostic]:
    """E076: every channel's memory fits in free RAM."""
    pas = channel_memory(system, hyp)
    return [error("E076", f"no free {format_size(c.size)} of RAM for channel '{c.name}' "
                  "(outside every partition, the hypervisor and reserved memory)", c.size_pos,
                  hint="shrink the channel or a partition's memory")
            for c in system.channels if pas[c.name] is None]
