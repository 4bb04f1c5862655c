# SPDX-License-Identifier: Apache-2.0
"""Channels without QEMU: what each end sees (index, IPA, doorbell INTIDs), where the memory
goes, the stage-2 and EL2 maps, the generated tables and the guest device tree node."""
from __future__ import annotations

from pathlib import Path

from helpers_cfg import hand_board, write_system
from hvcfg import channels, codegen, interrupts, layout
from hvcfg.board import Reg
from hvcfg.checks import check
from hvcfg.load import load_config
from hvcfg.model import System, board_spec_from_doc, build_system

HYP = Reg(0x7F000000, 16 << 20)

PARTS = """\
- name: a
  cpus: [0]
  memory: [{base: 0x40000000, size: 2M, perm: rx}, {base: 0x40200000, size: 2M}]
  image: {binary: a.bin}
- name: b
  cpus: [1]
  memory: [{base: 0x41000000, size: 2M, perm: rx}]
  image: {binary: a.bin}
  vgic: {virtual: [40]}
  vuart: true
"""

CHANNELS = """\
channels:
  - name: req
    size: 4K
    ends: [{partition: a, access: rw}, {partition: b, access: ro}]
    doorbells: [a->b]
  - name: big
    size: 4M
    ends: [{partition: b, access: rw}, {partition: a, access: rw, ipa: 0x60000000}]
    doorbells: [b->a, a->b]
"""


def system(tmp_path: Path, chans: str = CHANNELS) -> System:
    path = write_system(tmp_path, PARTS)
    path.write_text(path.read_text() + chans)
    doc = load_config(path)
    return build_system(doc, hand_board(), board_spec_from_doc(doc))


def part(s: System, name: str):
    return next(p for p in s.partitions if p.name == name)


def test_clean_and_granted(tmp_path: Path) -> None:
    s = system(tmp_path)
    assert not [d for d in check(s, HYP.base, HYP.size) if d.severity.value == "error"]
    for p in s.partitions:
        assert {"doorbell", "channel_info"} <= set(p.hypercalls)


def test_ends_index_ipa_and_doorbells(tmp_path: Path) -> None:
    s = system(tmp_path)
    a, b = channels.ends(s, part(s, "a")), channels.ends(s, part(s, "b"))
    assert [(e.name, e.index, e.position, e.writable) for e in a] == [
        ("req", 0, 0, True), ("big", 1, 1, True)]
    assert [(e.name, e.index, e.position, e.writable) for e in b] == [
        ("req", 0, 1, False), ("big", 1, 0, True)]
    # a: first free page above its RAM (0x40400000); the configured IPA as given
    assert [e.ipa for e in a] == [0x40400000, 0x60000000]
    # b: a 4M channel is 2 MiB aligned, above its 4 KiB one, above its RAM
    assert [e.ipa for e in b] == [0x41200000, 0x41400000]
    # doorbells into b: above everything b owns (vgic.virtual 40, its vuart's INTID 33)
    assert interrupts.doorbell_intids(s, part(s, "b")) == {"req": 41, "big": 42}
    assert interrupts.doorbell_intids(s, part(s, "a")) == {"big": 32}
    assert (a[0].ring_intid, a[0].doorbell_intid) == (41, 0)
    assert (b[0].ring_intid, b[0].doorbell_intid) == (0, 41)
    assert (a[1].ring_intid, a[1].doorbell_intid, b[1].ring_intid) == (42, 32, 32)
    assert (a[1].peer, a[1].peer_index) == ("b", 1)
    assert interrupts.default_lines(s, part(s, "b")) == 64


def test_memory_below_the_hypervisor_and_mapped_into_the_ends(tmp_path: Path) -> None:
    s = system(tmp_path)
    pas = layout.channel_memory(s, HYP)
    assert pas == {"req": HYP.base - 0x1000, "big": 0x7EA00000}    # 4M: 2 MiB aligned
    a = layout.channel_mappings(s, HYP, part(s, "a"))
    b = layout.channel_mappings(s, HYP, part(s, "b"))
    assert [(m.va, m.pa, m.size, m.perm, m.memtype, m.name) for m in a] == [
        (0x40400000, pas["req"], 0x1000, "rw", "normal", "channel req"),
        (0x60000000, pas["big"], 0x400000, "rw", "normal", "channel big")]
    assert [(m.va, m.perm) for m in b] == [(0x41200000, "ro"), (0x41400000, "rw")]
    # no partition RAM, nothing of the hypervisor
    for lo in pas.values():
        assert not any(r.base <= lo < r.end for p in s.partitions for r in p.memory)


def test_no_room_is_e076(tmp_path: Path) -> None:
    s = system(tmp_path, CHANNELS.replace("size: 4M", "size: 1G"))
    found = [d for d in check(s, HYP.base, HYP.size) if d.code == "E076"]
    assert [d.message for d in found] == [
        "no free 1G of RAM for channel 'big' (outside every partition, the hypervisor and "
        "reserved memory)"]


def test_generated_tables(tmp_path: Path) -> None:
    s = system(tmp_path)
    rows = codegen._channel_rows(s, part(s, "b"), layout.channel_memory(s, HYP))
    assert [(r["name"], r["peer"], r["peer_end"], r["ring_intid"], r["doorbell_intid"],
             r["writable"]) for r in rows] == [("req", 0, 0, 0, 41, 0), ("big", 0, 1, 32, 42, 1)]
    # the bare-metal header's table and the fault-test IPA above the channels
    header = codegen.render_partition_header(s, part(s, "a"), ())
    assert '{"req", 0, 0x40400000UL, 0x1000UL, 3u, 0u}' in header
    assert '{"big", 1, 0x60000000UL, 0x400000UL, 7u, 32u}' in header
    assert codegen.unmapped_ipa(s, part(s, "a")) == 0x60400000


def test_no_channels_no_grants(tmp_path: Path) -> None:
    # (that no channel code is linked then: tests/test_surface.py, compiled-out symbols)
    s = system(tmp_path, "")
    assert not any("doorbell" in p.hypercalls for p in s.partitions)


def test_guest_device_tree_nodes(tmp_path: Path) -> None:
    """tests/boards/chan-qemu.yaml as analysed: each end's /channel@IPA node, and dtc reads the
    tree without a warning."""
    import subprocess

    from hvcfg import pipeline
    from hvcfg.board import _parse_tree

    analysis = pipeline.analyse(Path(__file__).parent / "boards" / "chan-qemu.yaml",
                                tmp_path / "build")
    nodes = {n.path: n for n in _parse_tree(analysis.plans["chanping"].dtb).walk()}
    reply = nodes["/channel@50000000"]
    assert reply.props["compatible"] == b"hvcfg,channel\0"
    assert reply.props["label"] == b"reply\0"
    assert reply.props["reg"] == (0x50000000).to_bytes(8, "big") + (0x1000).to_bytes(8, "big")
    assert reply.props["hvcfg,index"] == (1).to_bytes(4, "big")
    assert reply.props["hvcfg,end"] == (1).to_bytes(4, "big")
    assert reply.props["hvcfg,peer"] == b"chanpong\0"
    assert "read-only" in reply.props and "hvcfg,can-ring" not in reply.props
    # chanpong's doorbell into chanping: SPI 0 (INTID 32), edge rising
    assert reply.props["interrupts"] == b"".join(v.to_bytes(4, "big") for v in (0, 0, 1))
    req = nodes["/channel@40200000"]
    assert "hvcfg,can-ring" in req.props and "read-only" not in req.props
    assert "interrupts" not in req.props
    assert not any(p.startswith("/memory@402") for p in nodes)      # never RAM
    proc = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", "-o", "-", "-"],
                          input=analysis.plans["chanpong"].dtb, capture_output=True)
    assert proc.returncode == 0 and b"Warning" not in proc.stderr, proc.stderr
