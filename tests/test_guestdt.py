# SPDX-License-Identifier: Apache-2.0
"""guestdt: each partition's device tree, checked by parsing it back (hvcfg.board and dtc)."""
from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
import textwrap
from pathlib import Path

import pytest

from hvcfg import cli, guestdt, pipeline, rules, toolchain
from hvcfg.board import Board, _Node, _parse_tree, parse_dtb
from hvcfg.diagnostics import ConfigError
from hvcfg.load import load_config
from hvcfg.model import Partition, System, board_spec_from_doc, build_system

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "boards" / "qemu-virt.yaml"


@pytest.fixture(scope="module")
def virt(tmp_path_factory) -> tuple[System, Path, Path]:
    """(system of boards/qemu-virt.yaml, its board DTB, the build root)."""
    build = tmp_path_factory.mktemp("guestdt") / "build"
    system = pipeline.analyse(BOARD, build).system
    return system, toolchain.ensure_dtb(system.board_spec, build / ".cache"), build


def part(system: System, name: str) -> Partition:
    return next(p for p in system.partitions if p.name == name)


def tree(blob: bytes) -> dict[str, _Node]:
    return {n.path: n for n in _parse_tree(blob).walk()}


def strings(raw: bytes) -> list[str]:
    return raw.rstrip(b"\0").decode().split("\0")


def cells(raw: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(raw) // 4}I", raw)


def reparse(blob: bytes, tmp_path: Path, name: str = "g.dtb") -> Board:
    path = tmp_path / name
    path.write_bytes(blob)
    return parse_dtb(path)


def dtc(blob: bytes) -> subprocess.CompletedProcess[str]:
    assert shutil.which("dtc"), "dtc missing: run scripts/bootstrap"
    return subprocess.run(["dtc", "-I", "dtb", "-O", "dts", "-o", "-", "-"],
                          input=blob.decode("latin-1"), capture_output=True, text=True,
                          encoding="latin-1")


# -------------------------------------------------------------------------- qemu-virt.yaml

@pytest.mark.parametrize("name", ["smp", "ticker", "rogue"])
def test_only_its_cpus_memory_and_devices(virt, name: str, tmp_path: Path) -> None:
    system, dtb, _ = virt
    p = part(system, name)
    blob = guestdt.guest_dtb(system, p, guestdt.board_tree(dtb))
    board = reparse(blob, tmp_path)
    assert [c.mpidr for c in board.cpus] == list(range(len(p.cpus)))
    assert all(c.enable_method == "psci" for c in board.cpus)
    assert [(r.base, r.size) for r in board.ram] == sorted((r.ipa, r.size) for r in p.memory)
    assert board.psci is not None and board.psci.method == "hvc"
    assert board.psci.compatible == ("arm,psci-1.0", "arm,psci-0.2", "arm,psci")
    gic = system.board.gic
    assert board.gic.version == 2
    assert (board.gic.gicd.base, board.gic.gicc.base, board.gic.gicc.size) == \
        (gic.gicd.base, gic.gicc.base, 0x2000)
    assert board.gic.gich is None and board.gic.gicv is None
    assert board.timer == system.board.timer
    own = {d.device.path for d in p.devices}
    mmio = {path for path, d in board.devices.items()
            if d.regs and not path.startswith("/cpus/")}
    assert mmio == own | {board.gic.path}
    for ref in p.devices:
        got = board.devices[ref.device.path]
        assert got.regs == ref.device.regs and got.intids == ref.device.intids
        assert got.compatible == ref.device.compatible
    nodes = tree(blob)
    assert set(nodes) <= {"/", "/cpus", "/psci", "/timer", "/chosen", "/aliases", "/apb-pclk",
                          *(f"/cpus/cpu@{i}" for i in range(len(p.cpus))),
                          *(f"/memory@{r.ipa:x}" for r in p.memory), board.gic.path, *own}
    for i in range(len(p.cpus)):
        cpu = nodes[f"/cpus/cpu@{i}"]
        assert strings(cpu.props["compatible"]) == ["arm,cortex-a53"]
        assert strings(cpu.props["device_type"]) == ["cpu"]
    for r in p.memory:
        assert strings(nodes[f"/memory@{r.ipa:x}"].props["device_type"]) == ["memory"]


@pytest.mark.parametrize("name", ["smp", "ticker", "rogue"])
def test_dtc_accepts_it_without_warnings(virt, name: str) -> None:
    system, dtb, _ = virt
    proc = dtc(guestdt.guest_dtb(system, part(system, name), guestdt.board_tree(dtb),
                                 bootargs="console=ttyAMA0", initrd=(0x41100000, 0x41180000)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert 'method = "hvc";' in proc.stdout


def test_root_and_gic(virt) -> None:
    system, dtb, _ = virt
    nodes = tree(guestdt.guest_dtb(system, part(system, "smp"), guestdt.board_tree(dtb)))
    root = nodes["/"]
    assert cells(root.props["#address-cells"]) == (2,) and cells(root.props["#size-cells"]) == (2,)
    assert strings(root.props["compatible"]) == ["hvcfg,partition", *system.board.compatible]
    gic = nodes["/interrupt-controller@8000000"]
    assert cells(root.props["interrupt-parent"]) == cells(gic.props["phandle"])
    assert strings(gic.props["compatible"]) == ["arm,cortex-a15-gic", "arm,gic-400"]
    assert cells(gic.props["#interrupt-cells"]) == (3,)
    assert "interrupt-controller" in gic.props and "interrupts" not in gic.props
    timer = nodes["/timer"]
    assert strings(timer.props["compatible"]) == ["arm,armv8-timer"]
    assert "always-on" in timer.props
    # PPIs reach the partition's vCPUs only: CPU mask 0b11 for smp's two vCPUs.
    assert cells(timer.props["interrupts"]) == (1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304,
                                                1, 10, 0x304)


def test_ticker_uart_with_its_clock(virt) -> None:
    system, dtb, _ = virt
    nodes = tree(guestdt.guest_dtb(system, part(system, "ticker"), guestdt.board_tree(dtb)))
    assert strings(nodes["/chosen"].props["stdout-path"]) == ["/pl011@9040000"]
    assert strings(nodes["/aliases"].props["serial0"]) == ["/pl011@9040000"]
    uart = nodes["/pl011@9040000"]
    assert cells(uart.props["reg"]) == (0, 0x9040000, 0, 0x1000)
    assert cells(uart.props["interrupts"]) == (0, 8, 4)
    assert strings(uart.props["clock-names"]) == ["uartclk", "apb_pclk"]
    clock = nodes["/apb-pclk"]
    phandle = cells(clock.props["phandle"])[0]
    assert cells(uart.props["clocks"]) == (phandle, phandle)
    assert strings(clock.props["compatible"]) == ["fixed-clock"]
    assert cells(clock.props["clock-frequency"]) == (24000000,)
    assert "phandle" not in uart.props


def test_rogue_has_no_uart_and_no_stdout_path(virt, tmp_path: Path) -> None:
    system, dtb, _ = virt
    blob = guestdt.guest_dtb(system, part(system, "rogue"), guestdt.board_tree(dtb))
    nodes = tree(blob)
    assert "stdout-path" not in nodes["/chosen"].props
    assert "/aliases" not in nodes and "/apb-pclk" not in nodes
    assert not [d for d in reparse(blob, tmp_path).devices.values()
                if "arm,pl011" in d.compatible]


def test_another_partitions_device_never_appears(virt) -> None:
    system, dtb, _ = virt
    for p in system.partitions:
        blob = guestdt.guest_dtb(system, p, guestdt.board_tree(dtb))
        others = {d.device.path for q in system.partitions if q is not p for d in q.devices}
        others |= {system.hypervisor.console.device.path, "/pl031@9010000", "/pl061@9030000",
                   "/fw-cfg@9020000", "/pcie@10000000", "/flash@0"}
        assert not others & set(tree(blob)), p.name
        for q in system.partitions:
            if q is not p:
                for r in q.memory:
                    assert struct.pack(">Q", r.ipa) not in blob, (p.name, q.name)
        text = dtc(blob).stdout
        assert "9000000" not in text and "virtio" not in text and "8030000" not in text
        assert "8040000" not in text and "rng-seed" not in text and "kaslr" not in text


def test_deterministic(virt) -> None:
    system, dtb, _ = virt
    for p in system.partitions:
        assert guestdt.guest_dtb(system, p, guestdt.board_tree(dtb), bootargs="a b") == \
            guestdt.guest_dtb(system, p, guestdt.board_tree(dtb), bootargs="a b")


def test_bootargs_and_initrd_in_chosen(virt) -> None:
    system, dtb, _ = virt
    plain = tree(guestdt.guest_dtb(system, part(system, "smp"), guestdt.board_tree(dtb)))["/chosen"]
    assert not plain.props
    chosen = tree(guestdt.guest_dtb(system, part(system, "smp"), guestdt.board_tree(dtb),
                                    bootargs="console=hvc0 rdinit=/init",
                                    initrd=(0x40180000, 0x401c0000)))["/chosen"]
    assert strings(chosen.props["bootargs"]) == ["console=hvc0 rdinit=/init"]
    assert cells(chosen.props["linux,initrd-start"]) == (0, 0x40180000)
    assert cells(chosen.props["linux,initrd-end"]) == (0, 0x401c0000)


def test_render_dts_and_unknown_partition(virt, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, build = virt
    assert cli.main(["--build-dir", str(build), "dt", str(BOARD), "ticker"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("/dts-v1/;")
    assert 'stdout-path = "/pl011@9040000";' in text
    assert cli.main(["--build-dir", str(build), "dt", str(BOARD), "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "E043" in err and "nosuch" in err and "smp, ticker, rogue" in err


def test_to_dts_rejects_garbage() -> None:
    with pytest.raises(ConfigError) as info:
        toolchain.dtb_to_dts(b"not a device tree")
    assert info.value.diagnostics[0].code == "E039"


# -------------------------------------------------------------------------- property rules

HAND_DTS = """\
/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <2>;
    compatible = "vendor,board"; model = "Hand Board";
    interrupt-parent = <&gic>;
    cpus {
        #address-cells = <1>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a72"; reg = <0>;
                enable-method = "psci"; };
        cpu@1 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <1>;
                enable-method = "psci"; };
    };
    psci { compatible = "arm,psci-1.0"; method = "smc"; };
    memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
    gic: interrupt-controller@8000000 {
        compatible = "arm,gic-400"; interrupt-controller; #interrupt-cells = <3>;
        reg = <0 0x8000000 0 0x1000>, <0 0x8002000 0 0x2000>, <0 0x8004000 0 0x2000>,
              <0 0x8006000 0 0x2000>;
        interrupts = <1 9 0xf04>;
    };
    timer { compatible = "arm,armv8-timer";
            interrupts = <1 13 0xf08>, <1 14 0xf08>, <1 11 0xf08>, <1 10 0xf08>; };
    osc: osc { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <48000000>; };
    div: div { compatible = "fixed-factor-clock"; #clock-cells = <0>; clocks = <&osc>;
               clock-div = <2>; clock-mult = <1>; };
    cprman: cprman@9100000 { compatible = "vendor,cprman"; #clock-cells = <1>;
                             reg = <0 0x9100000 0 0x1000>; };
    gpio: gpio@9200000 { compatible = "vendor,gpio"; reg = <0 0x9200000 0 0x1000>;
                         gpio-controller; #gpio-cells = <2>;
                         interrupt-controller; #interrupt-cells = <2>; };
    pins: pinctrl { compatible = "vendor,pinctrl"; uart_pins: uart-pins { function = "uart"; }; };
    soc {
        compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>;
        ranges = <0x7e000000 0x0 0xfe000000 0x1800000>;
        serial@7e201000 {
            compatible = "arm,pl011", "arm,primecell";
            reg = <0x7e201000 0x200>;
            interrupts = <0 57 4>;
            clocks = <&div>, <&osc>; clock-names = "uartclk", "apb_pclk";
            pinctrl-names = "default"; pinctrl-0 = <&uart_pins>;
            arm,primecell-periphid = <0x00241011>;
            cts-gpios = <&gpio 3 0>;
            vdd-supply = <&osc>;
            status = "okay";
            bluetooth { compatible = "vendor,bt"; };
        };
        spi@7e204000 {
            compatible = "vendor,spi"; reg = <0x7e204000 0x200>;
            interrupts-extended = <&gpio 5 1>, <&gic 0 60 4>;
            clocks = <&cprman 20>; clock-names = "core";
            #address-cells = <1>; #size-cells = <0>;
        };
        button@7e300000 {
            compatible = "vendor,button"; reg = <0x7e300000 0x100>;
            interrupt-parent = <&gpio>; interrupts = <7 1>;
        };
    };
};
"""


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> tuple[System, Path]:
    d = tmp_path_factory.mktemp("hand")
    src = d / "hand.dts"
    src.write_text(HAND_DTS)
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(d / "hand.dtb"), str(src)],
                   check=True, capture_output=True)
    (d / "a.bin").write_bytes(b"\0" * 16)
    (d / "b.yaml").write_text(textwrap.dedent("""\
        board:
          name: hand
          devicetree: {file: hand.dtb}
        hypervisor:
          console: /soc/serial@7e201000     # not checked here: build_system only
          memory: {size: 16M}
        partitions:
          - name: big
            cpus: [1, 0]
            memory: [{base: 0x48000000, size: 2M, ipa: 0x40000000}]
            image: {binary: a.bin}
            devices: [/soc/spi@7e204000, /soc/button@7e300000, /soc/serial@7e201000]
        """))
    doc = load_config(d / "b.yaml")
    board = parse_dtb(d / "hand.dtb")
    return build_system(doc, board, board_spec_from_doc(doc)), d / "hand.dtb"


def test_hand_board_property_rules(hand) -> None:
    system, dtb = hand
    blob = guestdt.guest_dtb(system, system.partitions[0], guestdt.board_tree(dtb))
    proc = dtc(blob)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    nodes = tree(blob)
    # vCPU n runs on the n-th CPU listed: its compatible is that physical CPU's.
    assert strings(nodes["/cpus/cpu@0"].props["compatible"]) == ["arm,cortex-a53"]
    assert strings(nodes["/cpus/cpu@1"].props["compatible"]) == ["arm,cortex-a72"]
    assert cells(nodes["/memory@40000000"].props["reg"]) == (0, 0x40000000, 0, 0x200000)
    # Bus addresses become CPU addresses, and the node moves to the root.
    uart = nodes["/serial@fe201000"]
    assert cells(uart.props["reg"]) == (0, 0xfe201000, 0, 0x200)
    assert cells(uart.props["interrupts"]) == (0, 57, 4)
    assert set(uart.props) == {"compatible", "reg", "interrupts", "clocks", "clock-names",
                               "arm,primecell-periphid", "status"}
    assert not [p for p in nodes if p.startswith("/serial@fe201000/")]       # no children
    # Clocks: fixed clocks (and their parents) are copied, phandles renumbered.
    div, osc = nodes["/div"], nodes["/osc"]
    assert cells(uart.props["clocks"]) == (cells(div.props["phandle"])[0],
                                           cells(osc.props["phandle"])[0])
    assert cells(div.props["clocks"]) == cells(osc.props["phandle"])
    # A clock from a device with MMIO (cprman) cannot be given: clocks and names dropped.
    spi = nodes["/spi@fe204000"]
    assert "clocks" not in spi.props and "clock-names" not in spi.props
    assert "#address-cells" not in spi.props
    # interrupts-extended keeps the GIC's entries only, as `interrupts`.
    assert cells(spi.props["interrupts"]) == (0, 60, 4)
    assert "interrupts-extended" not in spi.props
    # An interrupt to a controller the guest lacks is dropped.
    assert "interrupts" not in nodes["/button@fe300000"].props
    assert not {"/cprman@9100000", "/gpio@9200000", "/pinctrl", "/soc"} & set(nodes)
    assert strings(nodes["/chosen"].props["stdout-path"]) == ["/serial@fe201000"]
    # Timer: board's specifier, CPU mask narrowed to two vCPUs; no always-on on this board.
    timer = nodes["/timer"]
    assert cells(timer.props["interrupts"]) == (1, 13, 0x308, 1, 14, 0x308, 1, 11, 0x308,
                                                1, 10, 0x308)
    assert "always-on" not in timer.props
    gic = nodes["/interrupt-controller@8000000"]
    assert cells(gic.props["reg"]) == (0, 0x8000000, 0, 0x1000, 0, 0x8002000, 0, 0x2000)
    phandles = sorted(cells(n.props["phandle"])[0] for n in nodes.values()
                      if "phandle" in n.props)
    assert phandles == [1, 2, 3]


def test_gicv3_board_is_refused(hand) -> None:
    system, dtb = hand
    board = dataclasses.replace(system.board,
                                gic=dataclasses.replace(system.board.gic, version=3))
    (found,) = rules.board_rules(board, system.board_spec)   # the rule check runs first
    assert found.code == "E012" and "GICv2" in found.message


# -------------------------------------------------------------------------- chosen IPAs, vgic

@pytest.fixture(scope="module")
def remap(tmp_path_factory) -> dict[str, _Node]:
    """The device tree of tests/boards/qemu-virt-remap.yaml's partition: its PL011 moved to
    0x1c090000, its virtual UART at 0x1c0a0000 with INTID 100."""
    build = tmp_path_factory.mktemp("remap") / "build"
    analysis = pipeline.analyse(ROOT / "tests" / "boards" / "qemu-virt-remap.yaml", build)
    return tree(analysis.plans["remap"].dtb)


def test_moved_device_node_follows_its_ipa(remap) -> None:
    assert "/pl011@9040000" not in remap
    uart = remap["/pl011@1c090000"]
    assert cells(uart.props["reg"]) == (0, 0x1c090000, 0, 0x1000)
    assert cells(uart.props["interrupts"]) == (0, 8, 4)     # the hardware INTID 40, not moved


def test_vuart_at_its_chosen_ipa_and_intid(remap) -> None:
    vuart = remap["/pl011@1c0a0000"]
    assert cells(vuart.props["reg"]) == (0, 0x1c0a0000, 0, 0x1000)
    assert cells(vuart.props["interrupts"]) == (0, 100 - 32, 4)
    assert strings(remap["/chosen"].props["stdout-path"]) == ["/pl011@1c0a0000"]
    assert "/pl011@9000000" not in remap                   # the console's address is free


def test_virtual_interrupts_node(virt, tmp_path_factory) -> None:
    build = tmp_path_factory.mktemp("vgicdt") / "build"
    analysis = pipeline.analyse(ROOT / "tests" / "boards" / "qemu-virt-vgic.yaml", build)
    nodes = tree(analysis.plans["vgictest"].dtb)
    node = nodes["/" + guestdt.VIRTUAL_INTERRUPTS]
    assert strings(node.props["compatible"]) == [guestdt.VIRTUAL_INTERRUPTS_COMPATIBLE]
    assert cells(node.props["interrupts"]) == (0, 100 - 32, 1)    # SPI 68, edge rising
    assert dtc(analysis.plans["vgictest"].dtb).stderr == ""
    system, dtb, _ = virt                                   # none without vgic.virtual
    assert "/" + guestdt.VIRTUAL_INTERRUPTS not in tree(
        guestdt.guest_dtb(system, part(system, "ticker"), guestdt.board_tree(dtb)))
