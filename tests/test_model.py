# SPDX-License-Identifier: Apache-2.0
"""model: board_spec_from_doc and build_system, on QEMU's virt DTB and on a hand-made board."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers_cfg import M, hand_board, write_system
from hvcfg.board import parse_dtb
from hvcfg.diagnostics import ConfigError, Pos
from hvcfg.load import load_config
from hvcfg.model import BoardSpec, FaultPolicy, QemuSpec, System, board_spec_from_doc, build_system
from hvcfg.units import parse_size

ROOT = Path(__file__).resolve().parent.parent

ONE = """\
- name: a
  cpus: [0]
  memory: [{base: 0x40000000, size: 2M}]
  image: {binary: a.bin}
"""


def build(path: Path, board=None) -> System:
    doc = load_config(path)
    return build_system(doc, board or hand_board(), board_spec_from_doc(doc))


def errors(path: Path, board=None) -> list:
    with pytest.raises(ConfigError) as info:
        build(path, board)
    return info.value.diagnostics


def test_board_spec_qemu() -> None:
    doc = load_config(ROOT / "boards" / "qemu-virt.yaml")
    spec = board_spec_from_doc(doc)
    q = doc.data["board"]["devicetree"]["qemu"]
    assert spec == BoardSpec("qemu-virt", None, QemuSpec(
        q["machine"], q.get("cpu"), q["smp"], parse_size(q["memory"]), q.get("serials", 1)),
        doc.pos(("board", "devicetree", "qemu")))


def test_board_spec_file_and_defaults(tmp_path: Path) -> None:
    path = write_system(tmp_path, ONE)
    spec = board_spec_from_doc(load_config(path))
    assert spec.dtb == tmp_path.resolve() / "hand.dtb" and spec.qemu is None
    assert spec.pos == Pos(str(path), 3, 22)
    path.write_text(path.read_text().replace("{file: hand.dtb}",
                                             "{qemu: {machine: virt, smp: 1, memory: 512M}}"))
    spec = board_spec_from_doc(load_config(path))
    assert spec.qemu == QemuSpec("virt", None, 1, 512 * M, 1)


def test_repository_board_on_qemu_dtb(virt_dtb: Path) -> None:
    doc = load_config(ROOT / "boards" / "qemu-virt.yaml")
    board = parse_dtb(virt_dtb)
    system = build_system(doc, board, board_spec_from_doc(doc))
    assert system.hypervisor.console.device.path == "/pl011@9000000"
    assert system.hypervisor.size == parse_size(doc.data["hypervisor"]["memory"]["size"])
    assert len(system.partitions) == len(doc.data["partitions"])
    for i, (part, entry) in enumerate(zip(system.partitions, doc.data["partitions"],
                                             strict=True)):
        assert part.name == entry["name"]
        assert [c.index for c in part.cpus] == entry["cpus"]
        for region, raw in zip(part.memory, entry["memory"], strict=True):
            assert region.ipa == raw.get("ipa", raw["base"]) and region.base == raw["base"]
            assert region.size == parse_size(raw["size"])
            assert region.perm == raw.get("perm", "rw")
        assert [d.ref for d in part.devices] == entry.get("devices", [])
        assert part.spec_dir == doc.includes[i].resolve().parent
        assert all(src.is_file() for src in part.image.sources)
        assert part.on_fault.action == entry.get("on_fault", {}).get("action", "halt")
    assert Path(board.source) in system.inputs
    assert system.inputs[0] == ROOT / "boards" / "qemu-virt.yaml"


def test_defaults_and_explicit_values(tmp_path: Path) -> None:
    text = """\
    - name: a
      cpus: [1, 0]
      memory:
        - {base: 0x40000000, size: 0x200000, ipa: 0, perm: rx}
        - {base: 0x40200000, size: 64K}
      devices: [uart1, serial0]
      image: {binary: a.bin}
      hypercalls: [console]
      on_fault: {action: restart, limit: 5}
      on_reset: {limit: 7}
      defines: {TARGET_PA: 0x40100000, NAME: "x y", DEBUG: true, N: -1}
    """
    system = build(write_system(tmp_path, text, console="'&uart0'"))
    (p,) = system.partitions
    assert [c.index for c in p.cpus] == [1, 0]
    assert (p.memory[0].ipa, p.memory[0].perm, p.memory[1].ipa, p.memory[1].size) == \
        (0, "rx", 0x40200000, 64 * 1024)
    assert p.entry_ipa == 0
    assert [d.device.path for d in p.devices] == ["/pl011@9040000", "/pl011@9000000"]
    assert p.hypercalls == ("console",)
    assert p.on_fault == FaultPolicy("restart", 5, p.on_fault.pos)
    assert p.reset_limit == 7                   # requested restarts (PSCI SYSTEM_RESET)
    assert p.image.binary == tmp_path.resolve() / "a.bin"
    assert system.hypervisor.console.ref == "&uart0"
    assert p.defines == (("TARGET_PA", "0x40100000"), ("NAME", "x y"), ("DEBUG", "1"),
                         ("N", "-1"))
    assert system.partitions_pos == Pos(str(tmp_path / "b.yaml"), 8, 3)
    assert p.cpus_pos == Pos(str(tmp_path / "b.yaml"), 9, 11)


def test_reset_limit_defaults_to_100(tmp_path: Path) -> None:
    # A bound by default: requested restarts (PSCI SYSTEM_RESET) are never unlimited.
    (p,) = build(write_system(tmp_path, ONE)).partitions
    assert p.reset_limit == 100


def test_e027_device_not_found_with_hint(tmp_path: Path) -> None:
    path = write_system(tmp_path, ONE.replace("  image", "  devices: [/pl011@9040001]\n  image"))
    (d,) = errors(path)
    assert d.code == "E027" and d.pos == Pos(str(path), 11, 15)
    assert "/pl011@9040000" in d.hint


def test_e027_console_not_found(tmp_path: Path) -> None:
    path = write_system(tmp_path, ONE, console="uart7")
    (d,) = errors(path)
    assert d.code == "E027" and d.pos == Pos(str(path), 5, 12)


def test_e041_console_not_a_pl011(tmp_path: Path) -> None:
    path = write_system(tmp_path, ONE, console="/pl031@9010000")
    (d,) = errors(path)
    assert d.code == "E041" and "/pl011@9000000" in d.hint and "arm,pl031" in d.message


def test_e029_image_missing(tmp_path: Path) -> None:
    path = write_system(tmp_path, ONE.replace("binary: a.bin", "binary: none.bin"))
    (d,) = errors(path)
    assert d.code == "E029" and d.pos == Pos(str(path), 11, 21) and "none.bin" in d.message


def test_e029_sources_relative_to_partition_file(tmp_path: Path) -> None:
    part = tmp_path / "parts" / "p"
    part.mkdir(parents=True)
    (part / "main.c").write_text("int x;\n")
    (part / "partition.yaml").write_text(textwrap.dedent("""\
        name: inc
        image: {sources: [main.c, start.S]}
        """))
    text = "- include: parts/p/partition.yaml\n  cpus: [0]\n" \
           "  memory: [{base: 0x40000000, size: 2M}]\n"
    path = write_system(tmp_path, text)
    (d,) = errors(path)
    assert d.code == "E029" and "start.S" in d.message
    assert d.pos == Pos(str(part / "partition.yaml"), 2, 27)
    (part / "start.S").write_text("")
    system = build(path)
    assert system.partitions[0].spec_dir == part.resolve()
    assert system.partitions[0].image.sources == (part.resolve() / "main.c",
                                                  part.resolve() / "start.S")
    assert part / "partition.yaml" in system.inputs


def test_all_model_errors_are_collected(tmp_path: Path) -> None:
    text = ONE.replace("binary: a.bin", "binary: none.bin").replace(
        "  image", "  devices: [nope]\n  image")
    path = write_system(tmp_path, text, console="/nothing")
    assert sorted(d.code for d in errors(path)) == ["E027", "E027", "E029"]
