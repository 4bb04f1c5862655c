# SPDX-License-Identifier: Apache-2.0
"""The Raspberry Pi 4 board model, from the real bcm2711-rpi-4-b.dtb (Debian's generic arm64
kernel, fetched by scripts/fetch-guests), and boards/rpi4.yaml: `board.memory` (W003),
`devicetree: {file, qemu}`."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers_cfg import M, hand_board, write_system
from hvcfg import pipeline, platform, toolchain
from hvcfg.board import Board, Reg, parse_dtb
from hvcfg.diagnostics import ConfigError, Severity
from hvcfg.load import load_config
from hvcfg.model import QemuSpec, apply_board_memory, board_spec_from_doc, build_system

ROOT = Path(__file__).resolve().parent.parent
RPI4_DTB = ROOT / "build" / "guests" / "rpi4" / "bcm2711-rpi-4-b.dtb"
RPI4_YAML = ROOT / "boards" / "rpi4.yaml"
PI_RAM = (Reg(0, 0x3b400000), Reg(0x40000000, 0x40000000))


@pytest.fixture(scope="module")
def dtb() -> Path:
    if not RPI4_DTB.is_file():
        pytest.fail(f"{RPI4_DTB} missing: run scripts/fetch-guests (scripts/bootstrap does)")
    return RPI4_DTB


@pytest.fixture(scope="module")
def pi(dtb: Path) -> Board:
    return parse_dtb(dtb, ram=PI_RAM)


def test_dt_memory_is_filled_in_by_the_firmware(dtb: Path) -> None:
    """memory@0 has reg <0 0 0>: without board.memory the DT has no RAM at all (E012)."""
    with pytest.raises(ConfigError) as info:
        parse_dtb(dtb)
    assert [d.code for d in info.value.diagnostics] == ["E012"]
    assert "no memory node" in info.value.diagnostics[0].message


def test_board_memory_replaces_dt_ram(pi: Board) -> None:
    assert pi.ram == PI_RAM and pi.dt_ram == ()
    assert pi.model == "Raspberry Pi 4 Model B"
    assert "brcm,bcm2711" in pi.compatible


def test_uart0_through_soc_ranges(pi: Board) -> None:
    uart0 = pi.devices["/soc/serial@7e201000"]
    assert uart0.regs == (Reg(0xfe201000, 0x200),)
    assert "arm,pl011" in uart0.compatible and uart0.enabled
    assert uart0.intids == (32 + 121,)                       # SPI 121
    assert pi.aliases["serial0"] == "/soc/serial@7e201000"
    mini = pi.devices["/soc/serial@7e215040"]                 # the mini-UART: not a PL011
    assert mini.regs == (Reg(0xfe215040, 0x40),) and "arm,pl011" not in mini.compatible
    assert pi.stdout_path == "/soc/serial@7e215040"           # the stock DT's choice


def test_gic400_frames(pi: Board) -> None:
    gic = pi.gic
    assert gic.path == "/soc/interrupt-controller@40041000" and gic.version == 2
    assert gic.gicd == Reg(0xff841000, 0x1000)
    assert gic.gicc == Reg(0xff842000, 0x2000)
    assert gic.gich == Reg(0xff844000, 0x2000)
    assert gic.gicv == Reg(0xff846000, 0x2000)
    assert gic.maintenance_intid == 25                        # PPI 9


def test_timer_ppis(pi: Board) -> None:
    t = pi.timer
    assert t is not None
    assert (t.secure_phys, t.nonsecure_phys, t.virt, t.hyp) == (29, 30, 27, 26)


def test_spin_table_cpus_and_no_psci(pi: Board) -> None:
    assert [(c.index, c.mpidr, c.enable_method, c.release_addr) for c in pi.cpus] == [
        (0, 0, "spin-table", 0xd8), (1, 1, "spin-table", 0xe0),
        (2, 2, "spin-table", 0xe8), (3, 3, "spin-table", 0xf0)]
    assert pi.psci is None


def test_pm_watchdog(pi: Board) -> None:
    pm = pi.devices["/soc/watchdog@7e100000"]
    assert pm.regs[0] == Reg(0xfe100000, 0x114) and "brcm,bcm2711-pm" in pm.compatible


# ---------------------------------------------------------------- boards/rpi4.yaml

def test_board_spec_file_and_qemu(dtb: Path) -> None:
    doc = load_config(RPI4_YAML)
    spec = board_spec_from_doc(doc)
    assert spec.name == "rpi4"
    assert spec.dtb is not None and spec.dtb.resolve() == dtb.resolve()
    assert spec.qemu == QemuSpec("raspi4b", None, 4, 2048 * M, 1)
    assert spec.memory == PI_RAM
    assert spec.pos == doc.pos(("board", "devicetree", "file"))
    assert spec.memory_pos == doc.pos(("board", "memory"))


def test_file_wins_over_qemu_for_the_dtb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With both keys the DTB is the file: QEMU is never asked to dump one."""
    spec = board_spec_from_doc(load_config(RPI4_YAML))

    def no_qemu(*args: object, **kwargs: object) -> None:
        raise AssertionError("QEMU must not be run for a board with devicetree.file")
    monkeypatch.setattr(toolchain.subprocess, "run", no_qemu)
    assert toolchain.ensure_dtb(spec, tmp_path) == spec.dtb
    assert not list(tmp_path.iterdir())


def test_qemu_run_command_for_raspi4b() -> None:
    spec = board_spec_from_doc(load_config(RPI4_YAML))
    assert spec.qemu is not None
    cmd = toolchain.qemu_run_command(spec.qemu, Path("hyp.bin"))
    assert cmd[cmd.index("-M") + 1] == "raspi4b"
    assert cmd[cmd.index("-m") + 1] == "2048M" and cmd[cmd.index("-smp") + 1] == "4"
    assert cmd.count("-serial") == 1 and "-cpu" not in cmd


def test_rpi4_yaml_checks(dtb: Path, tmp_path: Path) -> None:
    analysis = pipeline.analyse(RPI4_YAML, tmp_path)
    s = analysis.system
    assert [d.severity for d in analysis.warnings if d.code.startswith("E")] == []
    assert s.board.ram == PI_RAM
    assert s.hypervisor.console.device.path == "/soc/serial@7e201000"
    assert s.hypervisor.console.device.regs[0].base == 0xfe201000
    assert analysis.hyp == Reg(0x38000000, 16 * M)
    assert analysis.hyp.end <= 0x3b400000                     # inside QEMU's 960 MiB too
    assert [(p.name, [c.index for c in p.cpus]) for p in s.partitions] == [
        ("heartbeat", [0]), ("smp", [1, 2]), ("rogue", [3])]
    assert dict(s.partitions[0].defines) == {"PERIOD_MS": "0xc8", "BEATS": "0x5"}
    for p in s.partitions:
        assert p.devices == () and "console" in p.hypercalls
        assert all(r.base >= 0x1000 for r in p.memory)        # page 0: armstub, spin table
        assert all(r.end <= 0x3b400000 for r in p.memory)
    w003 = [d for d in analysis.warnings if d.code == "W003"]
    assert len(w003) == 1 and w003[0].severity is Severity.WARNING
    assert "[0x0, 0x3b400000)" in w003[0].message and "[0x40000000, 0x80000000)" in w003[0].message
    assert "none" in w003[0].message                          # what the DT said
    assert w003[0].pos is not None and w003[0].pos.line == load_config(RPI4_YAML).pos(
        ("board", "memory")).line


# ---------------------------------------------------------------- W003 on a hand-made board

ONE = """\
- name: a
  cpus: [0]
  memory: [{base: 0x40000000, size: 2M}]
  image: {binary: a.bin}
"""


def _with_memory(tmp_path: Path, banks: str | None) -> Path:
    path = write_system(tmp_path, ONE)
    if banks is not None:
        path.write_text(path.read_text().replace(
            "  devicetree: {file: hand.dtb}\n",
            f"  devicetree: {{file: hand.dtb}}\n  memory: {banks}\n"))
    return path


def test_w003_names_both_values(tmp_path: Path) -> None:
    path = _with_memory(tmp_path, "[{base: 0x40000000, size: 2G}]")
    doc = load_config(path)
    system = build_system(doc, hand_board(), board_spec_from_doc(doc))
    assert system.board.ram == (Reg(0x40000000, 2 << 30),)
    (w,) = system.warnings
    assert w.code == "W003" and w.severity is Severity.WARNING
    assert w.pos == doc.pos(("board", "memory"))
    assert "[0x40000000, 0xc0000000) (2G)" in w.message              # the board file's
    assert "[0x40000000, 0x80000000) (1G)" in w.message              # the DT's


def test_no_w003_when_equal_or_absent(tmp_path: Path) -> None:
    board = hand_board()                                             # dt_ram None: the DT's
    for banks in (None, "[{base: 0x40000000, size: 1G}]"):
        doc = load_config(_with_memory(tmp_path, banks))
        system = build_system(doc, board, board_spec_from_doc(doc))
        assert system.warnings == () and system.board.ram == board.ram


def test_apply_board_memory_sorts_banks(tmp_path: Path) -> None:
    doc = load_config(_with_memory(tmp_path,
                                   "[{base: 0x80000000, size: 1G}, {base: 0x0, size: 1G}]"))
    spec = board_spec_from_doc(doc)
    board, notes = apply_board_memory(hand_board(), spec)
    assert board.ram == (Reg(0, 1 << 30), Reg(0x80000000, 1 << 30))
    assert [d.code for d in notes] == ["W003"]


def test_board_memory_must_not_be_empty(tmp_path: Path) -> None:
    from hvcfg.load import load_config as load
    with pytest.raises(ConfigError) as info:
        load(_with_memory(tmp_path, "[]"))
    assert [d.code for d in info.value.diagnostics] == ["E005"]


def test_stage2_blocks_on_the_pi(pi: Board) -> None:
    """Hardware: stage 2 maps blocks where they fit (fewer TLB entries, shorter nested walks)."""
    assert platform.stage2_blocks(pi)
