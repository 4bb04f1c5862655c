# SPDX-License-Identifier: Apache-2.0
"""The emulated PCI host bridge's guest device tree node (compiler/hvcfg/pcihost.py), without
QEMU: each ivshmem function's child node names its channel and gives its size (red team 4:
BAR2 is the size rounded up to a power of two and the rest of the BAR is not mapped, so the
Linux tool must bound its accesses by the channel, not by the BAR)."""
from __future__ import annotations

from pathlib import Path

from helpers_cfg import hand_board, write_system
from hvcfg import channels, guestdt, pcihost
from hvcfg.checks import check
from hvcfg.load import load_config
from hvcfg.model import System, board_spec_from_doc, build_system

PARTS = """\
- name: lin
  cpus: [0]
  memory: [{base: 0x40000000, size: 2M, perm: rwx}]
  image: {binary: a.bin}
  ivshmem: true
- name: bm
  cpus: [1]
  memory: [{base: 0x41000000, size: 2M, perm: rx}]
  image: {binary: a.bin}
"""

CHANNELS = """\
channels:
  - name: odd
    size: 12K
    ends: [{partition: bm, access: rw}, {partition: lin, access: ro}]
    doorbells: [bm->lin]
  - name: page
    size: 4K
    ends: [{partition: lin, access: rw}, {partition: bm, access: ro}]
"""


def system(tmp_path: Path) -> System:
    path = write_system(tmp_path, PARTS)
    path.write_text(path.read_text() + CHANNELS)
    doc = load_config(path)
    return build_system(doc, hand_board(), board_spec_from_doc(doc))


def test_each_function_node_gives_its_channel_size(tmp_path: Path) -> None:
    s = system(tmp_path)
    assert not [d for d in check(s, 0x7F000000, 16 << 20) if d.severity.value == "error"]
    lin = s.partitions[0]
    host = channels.bridge(s, lin)
    assert host is not None
    assert [b.size for b in host.bars] == [0x4000, 0x1000]        # 12K -> a 16K BAR
    node = pcihost.dt_node(host, [(e.name, e.doorbell_intid, e.size)
                                  for e in channels.ends(s, lin)], guestdt.GIC_PHANDLE)
    sizes = {c.name: dict(c.props) for c in node.children}
    assert sizes["ivshmem@0,0"][pcihost.SIZE_PROPERTY] == (0x3000).to_bytes(8, "big")
    assert sizes["ivshmem@0,0"][pcihost.CHANNEL_PROPERTY] == b"odd\0"
    assert sizes["ivshmem@1,0"][pcihost.SIZE_PROPERTY] == (0x1000).to_bytes(8, "big")
