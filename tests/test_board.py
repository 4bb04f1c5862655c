# SPDX-License-Identifier: Apache-2.0
"""board: DTB -> Board, against QEMU's own DTBs and hand-written DTS compiled with dtc."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hvcfg import platform
from hvcfg.board import Board, Reg, parse_dtb
from hvcfg.diagnostics import ConfigError, Pos

POS = Pos("boards/test.yaml", 4, 3)


def compile_dts(tmp_path: Path, source: str, symbols: bool = False, name: str = "t") -> Path:
    dts, dtb = tmp_path / f"{name}.dts", tmp_path / f"{name}.dtb"
    dts.write_text(source)
    cmd = ["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts)]
    if symbols:
        cmd.insert(1, "-@")
    subprocess.run(cmd, check=True, capture_output=True)
    return dtb


def codes(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [d.code for d in exc.value.diagnostics]


# -- QEMU virt, GICv2 ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def virt(virt_dtb: Path) -> Board:
    return parse_dtb(virt_dtb)


def test_virt_gic(virt: Board) -> None:
    gic = virt.gic
    assert gic.version == 2
    assert gic.gicd.base == 0x08000000
    assert gic.gicc is not None and gic.gicc.base == 0x08010000
    assert gic.gich is not None and gic.gich.base == 0x08030000
    assert gic.gicv is not None and gic.gicv.base == 0x08040000
    assert gic.gicr == ()
    assert gic.maintenance_intid == 16 + 9 == 25


def test_virt_cpus_psci_ram(virt: Board) -> None:
    assert [c.mpidr for c in virt.cpus] == [0, 1, 2, 3]
    assert [c.index for c in virt.cpus] == [0, 1, 2, 3]
    assert [c.path for c in virt.cpus] == [f"/cpus/cpu@{i}" for i in range(4)]
    assert {c.enable_method for c in virt.cpus} == {"psci"}
    assert all(c.release_addr is None for c in virt.cpus)
    assert virt.psci is not None and virt.psci.method == "smc"
    assert "arm,psci-0.2" in virt.psci.compatible
    assert virt.ram == (Reg(0x40000000, 1 << 30),)


def test_virt_uarts_and_timer(virt: Board) -> None:
    uart0 = virt.devices["/pl011@9000000"]
    assert uart0.regs == (Reg(0x09000000, 0x1000),)
    assert uart0.intids == (33,)
    assert "arm,pl011" in uart0.compatible and uart0.enabled
    uart1 = virt.devices["/pl011@9040000"]
    assert uart1.regs[0].base == 0x09040000 and uart1.intids == (40,)
    assert virt.timer is not None
    t = virt.timer
    assert (t.secure_phys, t.nonsecure_phys, t.virt, t.hyp) == (29, 30, 27, 26)


def test_virt_find_device(virt: Board) -> None:
    assert virt.find_device("/pl011@9000000") is virt.devices["/pl011@9000000"]
    assert virt.find_device("serial1") is virt.devices["/pl011@9040000"]
    assert virt.find_device("&serial0") is virt.devices["/pl011@9000000"]
    assert virt.find_device("/nope@0") is None and virt.find_device("nolabel") is None
    assert virt.stdout_path == "/pl011@9000000"


def test_virt_devices_exclude_memory_and_cpus_are_not_mmio(virt: Board) -> None:
    assert not any(p.startswith("/memory") for p in virt.devices)
    # /cpus has no `ranges`: cpu@N regs are MPIDRs, not addresses
    assert virt.devices["/cpus/cpu@0"].regs == ()
    # nested through the GIC's empty `ranges` (identity)
    assert virt.devices["/intc@8000000/v2m@8020000"].regs == (Reg(0x08020000, 0x1000),)


# -- QEMU virt, GICv3 ----------------------------------------------------------------------

def test_virt_gicv3(virt_gicv3_dtb: Path) -> None:
    board = parse_dtb(virt_gicv3_dtb)
    gic = board.gic
    assert gic.version == 3
    assert gic.gicd.base == 0x08000000
    assert gic.gicr and gic.gicr[0].base == 0x080a0000
    assert gic.gicc is None and gic.gich is None and gic.gicv is None
    assert gic.maintenance_intid == 25
    assert len(board.cpus) == 2
    assert board.ram == (Reg(0x40000000, 2 << 30),)
    assert board.devices["/pl011@9000000"].intids == (33,)


# -- hand-written device trees -------------------------------------------------------------

RPI4_LIKE = """
/dts-v1/;
/ {
    #address-cells = <2>;
    #size-cells = <1>;
    compatible = "test,rpi4-like";
    model = "Test board";
    interrupt-parent = <&gicv2>;

    memory@0 {
        device_type = "memory";
        reg = <0 0x00000000 0x3b400000>, <0 0x40000000 0x40000000>;
    };
    cpus {
        #address-cells = <1>;
        #size-cells = <0>;
        cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a72"; reg = <0>;
                enable-method = "spin-table"; cpu-release-addr = <0 0xd8>; };
        cpu@1 { device_type = "cpu"; compatible = "arm,cortex-a72"; reg = <1>;
                enable-method = "spin-table"; cpu-release-addr = <0 0xe0>; };
        cpu@100 { device_type = "cpu"; compatible = "arm,cortex-a72"; reg = <0x100>;
                enable-method = "spin-table"; cpu-release-addr = <0 0xe8>; };
        l2-cache0 { compatible = "cache"; };
    };
    soc {
        compatible = "simple-bus";
        #address-cells = <1>;
        #size-cells = <1>;
        ranges = <0x7e000000 0x0 0xfe000000 0x01800000>,
                 <0x40000000 0x0 0xff800000 0x00800000>;
        serial0: serial@7e201000 {
            compatible = "arm,pl011", "arm,primecell";
            reg = <0x7e201000 0x200>;
            interrupts = <0 121 4>;
        };
        gicv2: interrupt-controller@40041000 {
            compatible = "arm,gic-400";
            interrupt-controller;
            #interrupt-cells = <3>;
            reg = <0x40041000 0x1000>, <0x40042000 0x2000>,
                  <0x40044000 0x2000>, <0x40046000 0x2000>;
            interrupts = <1 9 0xf04>;
        };
        gpio: gpio@7e200000 {
            compatible = "brcm,bcm2711-gpio";
            reg = <0x7e200000 0xb4>;
            interrupt-controller;
            #interrupt-cells = <2>;
            interrupts = <0 113 4>, <0 114 4>;
        };
        keys@7e300000 {
            reg = <0x7e300000 0x100>;
            interrupt-parent = <&gpio>;
            interrupts = <5 1>;
        };
        mixed@7e400000 {
            reg = <0x7e400000 0x100>;
            interrupts-extended = <&gpio 6 1>, <&gicv2 0 50 4>, <&gicv2 1 7 4>;
        };
        off@7e500000 {
            reg = <0x7e500000 0x100>;
            status = "disabled";
        };
        outside@10000000 {
            reg = <0x10000000 0x100>;   /* in no range of /soc */
        };
    };
    bus@f0000000 {
        compatible = "simple-bus";
        #address-cells = <1>;
        #size-cells = <1>;
        ranges = <0x0 0x0 0xf0000000 0x01000000>;
        sub@100000 {
            compatible = "simple-bus";
            #address-cells = <1>;
            #size-cells = <1>;
            ranges = <0x0 0x100000 0x10000>;
            dev@2000 { reg = <0x2000 0x100>, <0x3000 0x10>; };
        };
        ident@200000 {
            compatible = "simple-bus";
            #address-cells = <1>;
            #size-cells = <1>;
            ranges;
            dev@200400 { reg = <0x200400 0x40>; };
        };
        i2c@300000 {
            reg = <0x300000 0x1000>;
            #address-cells = <1>;
            #size-cells = <0>;
            sensor@48 { reg = <0x48>; };
        };
    };
    timer {
        compatible = "arm,armv8-timer";
        interrupts = <1 13 0xf08>, <1 14 0xf08>, <1 11 0xf08>, <1 10 0xf08>;
    };
    aliases {
        serial0 = &serial0;
        gpio0 = "/soc/gpio@7e200000";
    };
    chosen {
        stdout-path = "serial0:115200n8";
    };
};
"""


@pytest.fixture(scope="module")
def rpi4(tmp_path_factory: pytest.TempPathFactory) -> Board:
    return parse_dtb(compile_dts(tmp_path_factory.mktemp("rpi4"), RPI4_LIKE, symbols=True))


def test_soc_ranges_translation(rpi4: Board) -> None:
    assert rpi4.devices["/soc/serial@7e201000"].regs == (Reg(0xfe201000, 0x200),)
    gic = rpi4.gic
    assert gic.path == "/soc/interrupt-controller@40041000" and gic.version == 2
    assert (gic.gicd.base, gic.gicd.size) == (0xff841000, 0x1000)
    assert gic.gicc == Reg(0xff842000, 0x2000)
    assert gic.gich == Reg(0xff844000, 0x2000)
    assert gic.gicv == Reg(0xff846000, 0x2000)
    assert gic.maintenance_intid == 25


def test_nested_ranges(rpi4: Board) -> None:
    assert rpi4.devices["/bus@f0000000/sub@100000/dev@2000"].regs == (
        Reg(0xf0102000, 0x100), Reg(0xf0103000, 0x10))
    assert rpi4.devices["/bus@f0000000/ident@200000/dev@200400"].regs == (Reg(0xf0200400, 0x40),)
    assert rpi4.devices["/bus@f0000000/i2c@300000"].regs == (Reg(0xf0300000, 0x1000),)


def test_untranslatable_regs_are_not_mmio(rpi4: Board) -> None:
    # i2c has no `ranges`: its children's reg are bus addresses, not memory
    assert rpi4.devices["/bus@f0000000/i2c@300000/sensor@48"].regs == ()
    # a reg that no range of /soc covers
    assert rpi4.devices["/soc/outside@10000000"].regs == ()


def test_spin_table_cpus(rpi4: Board) -> None:
    assert [(c.index, c.mpidr, c.enable_method, c.release_addr) for c in rpi4.cpus] == [
        (0, 0, "spin-table", 0xd8), (1, 1, "spin-table", 0xe0), (2, 0x100, "spin-table", 0xe8)]
    assert rpi4.psci is None


def test_ram_banks(rpi4: Board) -> None:
    assert rpi4.ram == (Reg(0, 0x3b400000), Reg(0x40000000, 0x40000000))
    assert rpi4.model == "Test board" and rpi4.compatible == ("test,rpi4-like",)


def test_interrupts_only_for_gic_children(rpi4: Board) -> None:
    assert rpi4.devices["/soc/serial@7e201000"].intids == (32 + 121,)
    assert rpi4.devices["/soc/gpio@7e200000"].intids == (32 + 113, 32 + 114)
    assert rpi4.devices["/soc/keys@7e300000"].intids == ()          # parent is the GPIO
    assert rpi4.devices["/soc/mixed@7e400000"].intids == (32 + 50, 16 + 7)
    t = rpi4.timer
    assert t is not None and (t.secure_phys, t.nonsecure_phys, t.virt, t.hyp) == (29, 30, 27, 26)


def test_status_and_labels(rpi4: Board) -> None:
    assert rpi4.devices["/soc/off@7e500000"].enabled is False
    assert rpi4.devices["/soc/serial@7e201000"].enabled is True
    assert rpi4.labels["serial0"] == "/soc/serial@7e201000"
    assert rpi4.labels["gicv2"] == "/soc/interrupt-controller@40041000"
    assert rpi4.devices["/soc/serial@7e201000"].labels == ("serial0",)
    assert rpi4.find_device("&gpio") is rpi4.devices["/soc/gpio@7e200000"]
    assert rpi4.find_device("gpio0") is rpi4.devices["/soc/gpio@7e200000"]
    assert rpi4.aliases["serial0"] == "/soc/serial@7e201000"
    assert rpi4.stdout_path == "/soc/serial@7e201000"


def test_no_symbols_means_no_labels(tmp_path: Path) -> None:
    board = parse_dtb(compile_dts(tmp_path, RPI4_LIKE, symbols=False))
    assert board.labels == {}
    assert board.find_device("gpio") is None
    assert board.find_device("serial0") is board.devices["/soc/serial@7e201000"]   # alias


GICV3_TWO_REGIONS = """
/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <2>;
    interrupt-parent = <&gic>;
    memory@80000000 { device_type = "memory"; reg = <0 0x80000000 0 0x80000000>; };
    cpus { #address-cells = <2>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; reg = <0 0>; enable-method = "psci"; };
        cpu@10000 { device_type = "cpu"; reg = <0 0x10000>; enable-method = "psci"; };
    };
    psci { compatible = "arm,psci-1.0"; method = "hvc"; };
    gic: interrupt-controller@2f000000 {
        compatible = "arm,gic-v3";
        interrupt-controller; #interrupt-cells = <3>;
        #redistributor-regions = <2>;
        reg = <0 0x2f000000 0 0x10000>, <0 0x2f100000 0 0x100000>, <0 0x2f300000 0 0x100000>,
              <0 0x2c000000 0 0x2000>, <0 0x2c010000 0 0x2000>, <0 0x2c02f000 0 0x2000>;
        interrupts = <1 9 4>;
    };
    espi@1000 { reg = <0 0x1000 0 0x100>; interrupts = <2 3 4>; };
};
"""


def test_gicv3_regions_and_compat_interfaces(tmp_path: Path) -> None:
    board = parse_dtb(compile_dts(tmp_path, GICV3_TWO_REGIONS))
    gic = board.gic
    assert gic.version == 3
    assert gic.gicr == (Reg(0x2f100000, 0x100000), Reg(0x2f300000, 0x100000))
    assert gic.gicc == Reg(0x2c000000, 0x2000)
    assert gic.gich == Reg(0x2c010000, 0x2000)
    assert gic.gicv == Reg(0x2c02f000, 0x2000)
    assert [c.mpidr for c in board.cpus] == [0, 0x10000]
    assert board.psci is not None and board.psci.method == "hvc"
    assert board.timer is None
    assert board.devices["/espi@1000"].intids == (4096 + 3,)


# -- errors ----------------------------------------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_dtb(tmp_path / "nope.dtb", POS)
    assert codes(exc) == ["E010"]
    assert exc.value.diagnostics[0].pos == POS
    assert "nope.dtb" in exc.value.diagnostics[0].message


@pytest.mark.parametrize("content", [
    b"", b"not a device tree at all\n" * 10, bytes(range(256)) * 4,
    b"\xd0\x0d\xfe\xed" + b"\xff" * 60,                 # right magic, garbage header
])
def test_junk_file(tmp_path: Path, content: bytes) -> None:
    junk = tmp_path / "junk.dtb"
    junk.write_bytes(content)
    with pytest.raises(ConfigError) as exc:
        parse_dtb(junk, POS)
    assert codes(exc) == ["E011"]
    assert exc.value.diagnostics[0].pos == POS


def test_truncated_and_corrupted_dtb(tmp_path: Path, virt_dtb: Path) -> None:
    blob = virt_dtb.read_bytes()
    cut = tmp_path / "cut.dtb"
    cut.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ConfigError) as exc:
        parse_dtb(cut)
    assert codes(exc) == ["E011"]
    # struct block overwritten with an unknown tag
    bad = bytearray(blob)
    off = int.from_bytes(blob[8:12], "big")
    bad[off:off + 4] = (0x77).to_bytes(4, "big")
    broken = tmp_path / "broken.dtb"
    broken.write_bytes(bytes(bad))
    with pytest.raises(ConfigError) as exc:
        parse_dtb(broken)
    assert codes(exc) == ["E011"]


NO_GIC = """
/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <2>;
    memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x10000000>; };
    cpus { #address-cells = <1>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
    };
    intc@1000 { compatible = "vendor,other-intc"; interrupt-controller; reg = <0 0x1000 0 0x100>; };
};
"""

NOTHING = """
/dts-v1/;
/ { #address-cells = <2>; #size-cells = <2>; model = "empty"; };
"""


def test_no_gic(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_dtb(compile_dts(tmp_path, NO_GIC), POS)
    assert codes(exc) == ["E012"]
    assert "GIC" in exc.value.diagnostics[0].message


def test_nothing_names_every_missing_part(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_dtb(compile_dts(tmp_path, NOTHING), POS)
    assert codes(exc) == ["E012", "E012", "E012"]
    text = " ".join(d.message for d in exc.value.diagnostics)
    assert "memory" in text and "/cpus" in text and "GIC" in text


def test_gic_without_mmio_is_unsupported(tmp_path: Path) -> None:
    dts = NO_GIC.replace('compatible = "vendor,other-intc"', 'compatible = "arm,gic-400"') \
                .replace("reg = <0 0x1000 0 0x100>;", "")
    with pytest.raises(ConfigError) as exc:
        parse_dtb(compile_dts(tmp_path, dts), POS)
    assert codes(exc) == ["E012"] and "GIC" in exc.value.diagnostics[0].message


def test_malformed_property_is_corrupt(tmp_path: Path) -> None:
    dts = NO_GIC.replace('reg = <0 0x40000000 0 0x10000000>;',
                         'reg = <0 0x40000000 0 0x10000000 7>;')
    with pytest.raises(ConfigError) as exc:
        parse_dtb(compile_dts(tmp_path, dts), POS)
    assert codes(exc) == ["E011"] and "/memory@40000000" in exc.value.diagnostics[0].message


def test_stage2_pages_only_on_qemu_virt(virt: Board) -> None:
    """QEMU's virt machine only exists emulated, where stage-2 blocks make TLBIs flush all."""
    assert "linux,dummy-virt" in virt.compatible
    assert not platform.stage2_blocks(virt)
