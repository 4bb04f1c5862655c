# SPDX-License-Identifier: Apache-2.0
"""The rules of `ivshmem` (E080-E084), run by channel_checks once the channels are
structurally sound: the partition is an end of some channel, at most one bus of them, no `ipa`
of its own on its ends (the BARs are placed in the bridge's window), and the bridge is aligned,
below 4 GiB and over nothing else the partition sees (pcihost.py has the geometry).
"""
from __future__ import annotations

from . import channels, pcihost
from .diagnostics import Diagnostic, Related, error
from .model import System
from .units import format_range, overlaps


def check(system: System) -> list[Diagnostic]:
    """E080-E084 for every partition with `ivshmem` (a structurally checked set of channels)."""
    out: list[Diagnostic] = []
    for part in system.partitions:
        spec = part.ivshmem
        if spec is None:
            continue
        mine = system.channels_of(part.name)
        if not mine:
            out.append(error("E080", f"partition '{part.name}' has `ivshmem` but is an end of "
                             "no channel", spec.pos,
                             hint="add a channel with this partition at one end, or remove "
                             "`ivshmem`"))
            continue
        if len(mine) > pcihost.MAX_FUNCTIONS:
            out.append(error("E083", f"partition '{part.name}' has {len(mine)} channels; its "
                             f"PCI bus presents at most {pcihost.MAX_FUNCTIONS}", spec.pos,
                             related=[Related(f"channel '{mine[pcihost.MAX_FUNCTIONS].name}'",
                                              mine[pcihost.MAX_FUNCTIONS].pos)],
                             hint="use fewer, larger channels for this partition"))
            continue
        for c in mine:
            end = c.end_of(part.name)
            if end is not None and end.ipa is not None:
                out.append(error("E082", f"channel '{c.name}': the end in partition "
                                 f"'{part.name}' sets `ipa` {end.ipa:#x}, but that partition "
                                 "has `ivshmem`: its channels are PCI BARs the compiler "
                                 "places inside the host bridge window", end.pos,
                                 related=[Related("`ivshmem`", spec.pos)],
                                 hint="remove `ipa` from this end (hvcfg dt shows where the "
                                 "BAR is)"))
        if spec.ecam is not None and spec.ecam % pcihost.ECAM_ALIGN:
            out.append(error("E084", f"partition '{part.name}': ivshmem ecam {spec.ecam:#x} is "
                             "not 1 MiB aligned", spec.pos, hint="use a multiple of 0x100000"))
            continue
        host = channels.bridge(system, part)
        if host is None or host.end > pcihost.WINDOW_LIMIT:
            what = (f"at {spec.ecam:#x} ends at {host.end:#x}" if host is not None
                    else "finds no free IPA range")
            out.append(error("E084", f"partition '{part.name}': the PCI host bridge (ECAM and "
                             f"memory window) {what}, above 4 GiB; its window is 32-bit",
                             spec.pos, hint="give `ivshmem: {ecam: ADDR}` with room below "
                             "4 GiB after ADDR, or smaller channels"))
            continue
        if spec.ecam is not None:
            for what, lo, hi, pos in channels.ipa_space(system, part, pci=False):
                if overlaps(lo, hi, host.ecam, host.end):
                    out.append(error("E081", f"partition '{part.name}': the PCI host bridge "
                                     f"{format_range(host.ecam, host.end - host.ecam)} "
                                     f"overlaps {what}", spec.pos,
                                     related=[Related(what, pos)],
                                     hint="move `ivshmem: {ecam: ...}` (or leave it out: the "
                                     "compiler finds a free range)"))
    return out
