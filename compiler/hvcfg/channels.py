# SPDX-License-Identifier: Apache-2.0
"""Channels as each end sees them: channel index, IPA, access, doorbell INTIDs.

One place for what codegen (the hypervisor's hv_channel_end tables and a bare-metal
partition's header), the guest device trees, layout (stage 2) and the checks share. Pure
functions of the System: nothing here depends on where the hypervisor or the memory is
placed (layout.channel_memory does that), so a guest's view is known at `check` time.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import interrupts, pcihost
from .diagnostics import Pos
from .guestdt import vuart_location
from .model import PAGE, Channel, Partition, System
from .units import align_up, format_range, overlaps

BLOCK_2M = 0x200000
MAX_SIZE = 1 << 30          # E069: one channel is at most 1 GiB
VGIC_CPU_IF_SIZE = 0x2000   # GICC_DIR lives in the second page (layout.VGIC_CPU_IF_SIZE)


def alignment(size: int) -> int:
    """Where a channel of `size` bytes starts (IPA and PA): 2 MiB when it is a whole number
    of 2 MiB blocks (one block descriptor each), else a page."""
    return BLOCK_2M if size % BLOCK_2M == 0 else PAGE


def emulated_windows(system: System, part: Partition, pci: bool = True
                     ) -> list[tuple[str, int, int, Pos]]:
    """IPA ranges the hypervisor serves to every partition: the trapped distributor page, the
    CPU interface window mapped onto GICV, with `vuart` the virtual UART's page and, with
    `ivshmem` (and `pci`), the PCI host bridge's trapped ECAM window and register pages."""
    gic, pos = system.board.gic, system.board_spec.pos
    out = [(f"the virtual GIC distributor {format_range(gic.gicd.base, PAGE)}",
            gic.gicd.base, gic.gicd.base + PAGE, pos)]
    if gic.gicc is not None:
        out.append((f"the virtual GIC CPU interface "
                    f"{format_range(gic.gicc.base, VGIC_CPU_IF_SIZE)}",
                    gic.gicc.base, gic.gicc.base + VGIC_CPU_IF_SIZE, pos))
    if part.vuart:
        page = vuart_location(system, part)[0] // PAGE * PAGE
        out.append((f"the virtual UART {format_range(page, PAGE)}", page, page + PAGE,
                    part.vuart.pos))
    host = bridge(system, part) if pci else None
    if host is not None and part.ivshmem is not None:
        out += [(what, lo, hi, part.ivshmem.pos) for what, lo, hi in host.trapped]
    return out


def ipa_space(system: System, part: Partition, pci: bool = True
              ) -> list[tuple[str, int, int, Pos]]:
    """Everything a partition sees besides its channels: RAM, devices (whole pages), the
    emulated pages (without the PCI host bridge's unless `pci`). (what, start, end, position)"""
    out = [(f"memory[{j}] at IPA {r.ipa:#x}", r.ipa, r.ipa_end, r.pos)
           for j, r in enumerate(part.memory)]
    out += [(f"device {d.device.path} at IPA {reg.base:#x}", reg.base // PAGE * PAGE,
             align_up(reg.end, PAGE), d.pos)
            for d in part.devices for reg in d.guest_regs if reg.size]
    return out + emulated_windows(system, part, pci)


def bridge(system: System, part: Partition) -> pcihost.PciHost | None:
    """The emulated PCI host bridge of a partition with `ivshmem` (pcihost.place), placed
    over nothing else it sees; None without `ivshmem` or when it fits nowhere (E084)."""
    if part.ivshmem is None:
        return None
    return pcihost.place(system, part, [(lo, hi) for _, lo, hi, _ in
                                        ipa_space(system, part, pci=False)])


def ipas(system: System, part: Partition) -> dict[str, int]:
    """The IPA of each channel `part` is an end of, by channel name: the configured one, else
    the first free address (aligned, see `alignment`) at or above the top of its RAM that is
    over nothing it sees (ipa_space) nor its other channels."""
    host = bridge(system, part)      # `ivshmem`: the BARs in the host bridge's window
    if host is not None:
        return {b.channel: b.ipa for b in host.bars}
    mine = system.channels_of(part.name)
    taken = [(lo, hi) for _, lo, hi, _ in ipa_space(system, part)]
    out: dict[str, int] = {}
    for c in mine:
        end = c.end_of(part.name)
        if end is not None and end.ipa is not None:
            out[c.name] = end.ipa
            taken.append((end.ipa, end.ipa + c.size))
    cursor = max([r.ipa_end for r in part.memory] + [0])
    for c in mine:
        if c.name in out:
            continue
        base = align_up(cursor, alignment(c.size))
        while (clash := next((hi for lo, hi in taken if overlaps(lo, hi, base, base + c.size)),
                             None)) is not None:
            base = align_up(clash, alignment(c.size))
        out[c.name] = base
        taken.append((base, base + c.size))
        cursor = base + c.size
    return out


@dataclass(frozen=True)
class EndView:
    """One end of a channel as its partition (and the hypervisor's table for it) sees it."""

    channel: Channel
    index: int              # in the partition's table: the guest's channel index
    position: int           # 0 or 1: its place in the channel's `ends`
    writable: bool
    ipa: int
    peer: str
    peer_index: int
    ring_intid: int         # what ringing pends in the peer (0: no doorbell this way)
    doorbell_intid: int     # what the peer's ringing pends here (0: none)

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def size(self) -> int:
        return self.channel.size


def ends(system: System, part: Partition) -> tuple[EndView, ...]:
    """`part`'s channel table, in `channels:` order (a checked system: two distinct ends)."""
    by_name = {p.name: p for p in system.partitions}
    mine = system.channels_of(part.name)
    my_ipas = ipas(system, part)
    bells_in = interrupts.doorbell_intids(system, part)
    out = []
    for index, c in enumerate(mine):
        position = next(i for i, e in enumerate(c.ends) if e.partition == part.name)
        other = c.ends[1 - position] if len(c.ends) == 2 else c.ends[position]
        peer = by_name.get(other.partition)
        peer_index = system.channels_of(other.partition).index(c) if peer else 0
        ring = interrupts.doorbell_intids(system, peer).get(c.name, 0) if peer else 0
        out.append(EndView(c, index, position, c.ends[position].writable, my_ipas[c.name],
                           other.partition, peer_index, ring, bells_in.get(c.name, 0)))
    return tuple(out)
