# SPDX-License-Identifier: Apache-2.0
"""memory-map.svg: a picture of the physical address space (partitions, hypervisor, devices,
channels, free RAM) and of each partition's CPUs and interrupts, written by `hvcfg build` next
to memory-map.txt. `render` is a pure function of a list of placed regions (layout.Placed, any
kind) and of the partitions' summaries; `from_layout` gathers both from a built layout.

The address axis is not linear (a board's RAM is gigabytes, a UART 4 KiB): each region gets a
height that grows with the logarithm of its size, unused stretches between regions are drawn as
short labelled gaps, high addresses on top as in a data sheet.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .guestdt import vuart_location
from .layout import Layout, Placed
from .model import System
from .units import UNITS, format_size

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
           "#ff9da7", "#9c755f", "#86bcb6")
HYPERVISOR, CONSOLE, FREE, OTHER = "#3b3b3b", "#8c8c8c", "#ffffff", "#d4a017"
WIDTH = 980
ADDR_X, BAR_X, BAR_W, LABEL_X = 12, 200, 190, 404
ROW_MIN, ROW_MAX, GAP_H = 26, 60, 16


@dataclass(frozen=True)
class PartitionInfo:
    """What the picture says of a partition besides its regions."""

    name: str
    cpus: tuple[int, ...]
    interrupts: tuple[str, ...]     # e.g. "33 /pl011@9040000", "vuart 33", "virtual 40"


def from_layout(layout: Layout, system: System, regions: Sequence[Placed]) -> str:
    """The SVG of a built system; `regions` is layout.placed_regions (plus any other kind)."""
    infos = []
    for p in system.partitions:
        irqs = [f"{i} {d.device.path}" for d in p.devices for i in d.device.intids]
        if p.vuart is not None:
            irqs.append(f"vuart {vuart_location(system, p)[1]}")
        irqs += [f"virtual {i}" for i in (p.vgic.virtual if p.vgic else ())]
        infos.append(PartitionInfo(p.name, tuple(c.index for c in p.cpus), tuple(irqs)))
    ram = [(r.base, r.end) for r in system.board.ram]
    title = f"{system.board_spec.name} ({system.config_path.name})"
    return render(title, regions, ram, infos)


def free_ram(regions: Sequence[Placed], ram: Sequence[tuple[int, int]]) -> list[Placed]:
    """RAM that no region covers, as "free" regions."""
    out = []
    for start, end in ram:
        cursor = start
        for r in sorted(regions, key=lambda r: r.base):
            if r.end <= cursor or r.base >= end:
                continue
            if r.base > cursor:
                out.append(Placed(cursor, r.base, "free", "", "free RAM"))
            cursor = max(cursor, r.end)
        if cursor < end:
            out.append(Placed(cursor, end, "free", "", "free RAM"))
    return out


def human_size(size: int) -> str:
    """A size to read at a glance: exact when it is a whole unit (4K, 1M), else to 0.1 unit."""
    exact = format_size(size)
    if len(exact) <= 4:
        return exact
    unit = next(u for u in ("T", "G", "M", "K", "") if size >= UNITS[u])
    return f"{size / UNITS[unit]:.1f}{unit}"


def _height(size: int) -> int:
    return max(ROW_MIN, min(ROW_MAX, round(ROW_MIN + 4 * math.log2(max(size, 4096) / 4096))))


def _colours(partitions: Sequence[PartitionInfo]) -> dict[str, str]:
    return {p.name: PALETTE[i % len(PALETTE)] for i, p in enumerate(partitions)}


def _style(r: Placed, colours: dict[str, str]) -> str:
    if r.kind == "partition":
        return f'fill="{colours.get(r.owner, OTHER)}" stroke="#222"'
    if r.kind == "device":
        return (f'fill="{colours.get(r.owner, OTHER)}" fill-opacity="0.45" stroke="#222" '
                'stroke-dasharray="4 2"')
    if r.kind == "hypervisor":
        return f'fill="{HYPERVISOR}" stroke="#111"'
    if r.kind == "console":
        return f'fill="{CONSOLE}" stroke="#222" stroke-dasharray="4 2"'
    if r.kind == "free":
        return f'fill="{FREE}" stroke="#888" stroke-dasharray="2 2"'
    return f'fill="{OTHER}" stroke="#222"'      # channels and any kind added later


# Characters XML 1.0 does not allow even escaped (C0 controls but TAB, LF, CR; surrogates;
# U+FFFE, U+FFFF): a board file named with one made the picture unreadable (red team 1).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(x: float, y: float, s: str, size: int = 12, anchor: str = "start",
          weight: str = "normal", fill: str = "#111") -> str:
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(_NOT_XML.sub("?", s))}</text>')


def render(title: str, regions: Sequence[Placed], ram: Sequence[tuple[int, int]],
           partitions: Sequence[PartitionInfo]) -> str:
    """The SVG document (text)."""
    colours = _colours(partitions)
    rows = sorted(list(regions) + free_ram(regions, ram), key=lambda r: (r.base, r.end),
                  reverse=True)
    out: list[str] = []
    y = 14 + 22
    out.append(_text(ADDR_X, y, f"memory map of {title}", 18, weight="bold"))
    y += 26
    out.append(_text(ADDR_X, y, "partition", 12, weight="bold"))
    out.append(_text(ADDR_X + 170, y, "CPUs", 12, weight="bold"))
    out.append(_text(ADDR_X + 260, y, "interrupts (INTID)", 12, weight="bold"))
    for p in partitions:
        y += 20
        out.append(f'<rect x="{ADDR_X}" y="{y - 11}" width="12" height="12" '
                   f'fill="{colours[p.name]}" stroke="#222"/>')
        out.append(_text(ADDR_X + 18, y, p.name, 12))
        out.append(_text(ADDR_X + 170, y, ", ".join(map(str, p.cpus)) or "-", 12))
        out.append(_text(ADDR_X + 260, y, ", ".join(p.interrupts) or "none", 12))
    y += 20
    legend = [("hypervisor", f'fill="{HYPERVISOR}"'), ("hypervisor console", f'fill="{CONSOLE}"'),
              ("passed-through device (partition colour)", 'fill="#bbb" stroke-dasharray="4 2"'),
              ("channel / shared", f'fill="{OTHER}"'), ("free RAM", f'fill="{FREE}"')]
    x = float(ADDR_X)
    for name, style in legend:
        out.append(f'<rect x="{x:.0f}" y="{y - 11}" width="12" height="12" {style} stroke="#222"/>')
        out.append(_text(x + 16, y, name, 11))
        x += 26 + 6.2 * len(name)
    y += 24
    out.append(_text(BAR_X - 8, y, "physical address", 11, "end", "bold"))
    out.append(_text(LABEL_X, y, "what (size)", 11, weight="bold"))
    y += 8
    previous_base: int | None = None
    for r in rows:
        if previous_base is not None and r.end < previous_base:
            out.append(f'<rect x="{BAR_X}" y="{y}" width="{BAR_W}" height="{GAP_H}" '
                       f'fill="#f4f4f4" stroke="none"/>')
            out.append(_text(BAR_X + BAR_W / 2, y + GAP_H - 4,
                             f"... {human_size(previous_base - r.end)} unused ...", 10,
                             "middle", fill="#666"))
            y += GAP_H
        h = _height(r.end - r.base)
        out.append(f'<rect x="{BAR_X}" y="{y}" width="{BAR_W}" height="{h}" '
                   f'{_style(r, colours)}/>')
        if r.end != previous_base:       # the top of a run; inside one, the row above says it
            out.append(_text(BAR_X - 8, y + 10, f"{r.end:#x}", 10, "end", fill="#444"))
        out.append(_text(BAR_X - 8, y + h - 2, f"{r.base:#x}", 10, "end", fill="#444"))
        out.append(_text(LABEL_X, y + h / 2 + 5, f"{r.label} ({human_size(r.end - r.base)})", 12))
        y += h
        previous_base = r.base
    height = y + 16
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Verdana, sans-serif">')
    return "\n".join([head, f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>', *out,
                      "</svg>"]) + "\n"
