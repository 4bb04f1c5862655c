# SPDX-License-Identifier: Apache-2.0
"""memory-map.svg (issue 18): `hvcfg build` writes it; rendered to PNG (rsvg-convert, installed
by scripts/bootstrap) it has the size the SVG declares, is not blank, and names every partition,
its CPUs and interrupts; regions of kinds the picture does not know yet (channels) are drawn."""
from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hvcfg import memmap_svg, pipeline
from hvcfg.layout import Placed

ROOT = Path(__file__).resolve().parent.parent
SVG_NS = "{http://www.w3.org/2000/svg}"
RSVG = shutil.which("rsvg-convert")


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG_NS}text")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def to_png(svg: str, tmp: Path, name: str) -> bytes:
    assert RSVG, "rsvg-convert is missing: scripts/bootstrap installs librsvg2-bin"
    src = tmp / f"{name}.svg"
    src.write_text(svg)
    subprocess.run([RSVG, "-o", str(tmp / f"{name}.png"), str(src)], check=True, timeout=60)
    return (tmp / f"{name}.png").read_bytes()


def test_render_is_a_function_of_placed_regions() -> None:
    regions = [Placed(0x40000000, 0x40100000, "partition", "a", "partition a RAM"),
               Placed(0x40200000, 0x40201000, "channel", "ab", "channel ab"),
               Placed(0x9040000, 0x9041000, "device", "b", "partition b device /uart")]
    parts = [memmap_svg.PartitionInfo("a", (0, 1), ()),
             memmap_svg.PartitionInfo("b", (2,), ("40 /uart",))]
    svg = memmap_svg.render("t", regions, [(0x40000000, 0x40400000)], parts)
    assert svg == memmap_svg.render("t", regions, [(0x40000000, 0x40400000)], parts)
    words = " ".join(texts(svg))
    assert "channel ab (4K)" in words and "partition b device /uart (4K)" in words
    assert "0, 1" in words and "40 /uart" in words
    free = memmap_svg.free_ram(regions, [(0x40000000, 0x40400000)])
    assert [(f.base, f.end) for f in free] == [(0x40100000, 0x40200000),
                                               (0x40201000, 0x40400000)]
    assert words.count("free RAM (") == 2 and "unused" in words      # the gap below RAM
    assert f'fill="{memmap_svg.OTHER}"' in svg                        # the channel's colour


def test_any_name_gives_well_formed_xml() -> None:
    """Names reach the picture as text: markup characters escaped, and characters XML forbids
    even escaped (a board file named with ESC or ^A: red team 1) shown as '?'."""
    parts = [memmap_svg.PartitionInfo("p", (0,), ("33 /a&b<c>",))]
    for title, shown in (("a&b<c>\"'", "a&b<c>\"'"), ("x\x1by\x01\ufffe", "x?y??")):
        svg = memmap_svg.render(title, [], [(0x40000000, 0x40400000)], parts)
        words = texts(svg)                                   # parses: well-formed
        assert f"memory map of {shown}" in words and "33 /a&b<c>" in words


def test_build_writes_the_svg_and_it_renders(tmp_path: Path) -> None:
    result = pipeline.build(ROOT / "boards" / "qemu-virt.yaml", tmp_path / "build")
    svg = (result.out_dir / "memory-map.svg").read_text()
    root = ET.fromstring(svg)
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    png = to_png(svg, tmp_path, "map")
    assert png_size(png) == (width, height) and 600 <= width and 400 <= height <= 4000
    blank = to_png(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
                   f'height="{height}"><rect width="{width}" height="{height}" fill="#fff"/>'
                   "</svg>", tmp_path, "blank")
    assert len(png) > 10 * len(blank)                   # something is drawn
    words = texts(svg)
    system = result.analysis.system
    for p in system.partitions:
        assert p.name in words                          # the partition table
        assert any(w.startswith(f"partition {p.name} RAM") for w in words)
    assert "0, 1" in words and "40 /pl011@9040000" in words    # smp's CPUs, ticker's UART
    txt = (result.out_dir / "memory-map.txt").read_text()
    for line in txt.split("## physical")[1].split("\n\n")[0].splitlines()[2:]:
        assert any(w.startswith(line.split("  ")[-1]) for w in words), line


def test_the_docs_example_renders(tmp_path: Path) -> None:
    svg = (ROOT / "docs" / "memory-map.svg").read_text()
    png = to_png(svg, tmp_path, "docs")
    assert png_size(png)[0] >= 600
    assert {"smp", "ticker", "rogue"} <= set(texts(svg))
    assert "docs/memory-map.svg" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("size, text", [(4096, "4K"), (1 << 20, "1M"), (0x100000 + 0x800, "1.0M"),
                                        (15092 << 10, "14.7M")])
def test_human_size(size: int, text: str) -> None:
    assert memmap_svg.human_size(size) == text
