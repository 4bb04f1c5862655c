# SPDX-License-Identifier: Apache-2.0
"""A partition's interrupts: which INTIDs its virtual GIC has and what stands behind them.

One place for the facts codegen, the guest device tree, the checks and verify share: the
hardware SPIs of its passed-through devices (forwarded 1:1, never renumbered), its virtual UART's
INTID, its purely virtual INTIDs (`vgic.virtual`), and the line count of its distributor.
"""
from __future__ import annotations

from .guestdt import vuart_location
from .model import Partition, System

FIRST_SPI = 32
MIN_LINES = 64          # at least one word of SPIs
MAX_LINES = 1024        # GICD_TYPER.ITLinesNumber is 5 bits
GIC_MAX_INTID = 1019    # GICv2: INTIDs 1020-1023 are special, none is an interrupt


def hw_intids(p: Partition) -> list[int]:
    """SPIs a partition owns physically: its passed-through devices' interrupts."""
    return sorted({i for d in p.devices for i in d.device.intids if i >= FIRST_SPI})


def virtual_intids(p: Partition) -> tuple[int, ...]:
    """`vgic.virtual`: lines with no device behind."""
    return p.vgic.virtual if p.vgic is not None else ()


def owned_intids(system: System, p: Partition) -> list[int]:
    """Every SPI the partition's software can expect to fire: hardware, virtual UART, virtual."""
    vuart = [vuart_location(system, p)[1]] if p.vuart is not None else []
    return sorted(set(hw_intids(p)) | set(vuart) | set(virtual_intids(p)))


def doorbell_intids(system: System, p: Partition) -> dict[str, int]:
    """The virtual SPI of each doorbell into `p`, by channel name: the next lines above every
    INTID it owns, in `channels:` order (E074 when they pass vgic.lines or GICv2's last)."""
    top = max(owned_intids(system, p) + [FIRST_SPI - 1])
    out: dict[str, int] = {}
    for c in system.channels_of(p.name):
        if any(receiver == p.name for _, receiver in c.rings()):
            top += 1
            out[c.name] = top
    return out


def default_lines(system: System, p: Partition) -> int:
    """Enough lines for what the partition owns and its doorbells, whole words of 32, at least
    MIN_LINES."""
    top = max(owned_intids(system, p) + list(doorbell_intids(system, p).values()) + [FIRST_SPI])
    return max(MIN_LINES, (top // 32 + 1) * 32)


def vgic_lines(system: System, p: Partition) -> int:
    """The partition's distributor's lines: `vgic.lines`, or default_lines."""
    if p.vgic is not None and p.vgic.lines is not None:
        return p.vgic.lines
    return default_lines(system, p)


def max_lines(system: System) -> int:
    """HV_GIC_LINES: what the hypervisor's per-partition arrays are sized for."""
    return max([vgic_lines(system, p) for p in system.partitions] + [MIN_LINES])


def gicd_typer(system: System, p: Partition) -> int:
    """GICD_TYPER: ITLinesNumber [4:0] = lines/32 - 1, CPUNumber [7:5] = vCPUs - 1."""
    return (vgic_lines(system, p) // 32 - 1) | ((len(p.cpus) - 1) << 5)
