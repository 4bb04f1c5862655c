# SPDX-License-Identifier: Apache-2.0
"""What a real Raspberry Pi 4 needs that QEMU's raspi4b does not show (issue 19): the console's
pins and baud rate set by the hypervisor, the firmware settings config.txt states from the
board file (gpu_mem, UART clock, TF-A armstub), PSCI through TF-A (`board.psci`), and
`hvcfg flash`'s warnings for a card without the overlay or the DTB."""
from __future__ import annotations

from pathlib import Path

import pytest

from hvcfg import bootfolder, pipeline, platform
from hvcfg.board import Reg
from hvcfg.diagnostics import ConfigError

ROOT = Path(__file__).resolve().parent.parent
RPI4_YAML = ROOT / "boards" / "rpi4.yaml"
PSCI_YAML = ROOT / "tests" / "boards" / "pi-psci.yaml"
VIRT_YAML = ROOT / "boards" / "qemu-virt.yaml"


def settings(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def gen_config(result: pipeline.BuildResult) -> dict[str, str]:
    """The #defines of a build's gen/hvcfg_config.h (name -> value text)."""
    out = {}
    for line in (result.out_dir / "gen" / "hvcfg_config.h").read_text().splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] == "#define":
            out[parts[1]] = parts[2].split("/*")[0].strip() if len(parts) > 2 else ""
    return out


@pytest.fixture(scope="module")
def spin(tmp_path_factory) -> pipeline.BuildResult:
    return pipeline.build(RPI4_YAML, tmp_path_factory.mktemp("pi"))


@pytest.fixture(scope="module")
def psci(tmp_path_factory) -> pipeline.BuildResult:
    return pipeline.build(PSCI_YAML, tmp_path_factory.mktemp("pi-psci"))


# ---------------------------------------------------------------- console pins and baud

def test_pi_console_pins_and_clock_from_the_board(spin):
    cfg = gen_config(spin)
    assert cfg["HV_HAS_CONSOLE_PINS"] == "1"
    assert cfg["HV_GPIO_BASE"] == "0xfe200000UL"          # /soc/gpio@7e200000 through ranges
    assert (cfg["HV_CONSOLE_TX_PIN"], cfg["HV_CONSOLE_RX_PIN"]) == ("14", "15")
    assert cfg["HV_CONSOLE_PIN_FUNC"] == "0x4"             # ALT0
    assert cfg["HV_CONSOLE_RELEASE_PINS"] == "32, 33"      # UART0's Bluetooth pins (ALT3)
    assert cfg["HV_CONSOLE_CLOCK"] == "48000000u" and cfg["HV_CONSOLE_BAUD"] == "115200u"
    assert "PLATFORM_BCM2711_UART" in (spin.out_dir / "gen" / "features.mk").read_text()
    # the same numbers in config.txt, where the firmware reads them
    text = (spin.out_dir / "boot" / "config.txt").read_text()
    assert settings(text)["init_uart_clock"] == "48000000"
    assert settings(text)["init_uart_baud"] == "115200"


def test_divisors_for_115200_at_48_mhz():
    """What pl011_init computes: 64 * 48e6 / (16 * 115200) = 1666.67 -> 1667 = 26 * 64 + 3,
    a rate 0.01 % off 115200."""
    div = (4 * platform.BCM2711_UART_CLOCK + platform.CONSOLE_BAUD // 2) // platform.CONSOLE_BAUD
    assert (div >> 6, div & 63) == (26, 3)
    assert abs(platform.BCM2711_UART_CLOCK * 4 / div - 115200) / 115200 < 0.001


def test_the_gpio_page_is_the_hypervisors(spin):
    """Mapped at EL2 (verify's expected EL2 map names it) and kept from partitions: a partition
    given the GPIO block could take the console's pins away."""
    from hvcfg import layout
    frames = {f.name: f for f in layout.hypervisor_frames(spin.analysis.system)}
    pins = frames["console pins"]
    assert (pins.base, pins.end, pins.el2, pins.memtype) == (0xfe200000, 0xfe201000, True,
                                                              "device")


def test_no_pins_and_no_clock_off_the_pi(tmp_path):
    analysis = pipeline.analyse(VIRT_YAML, tmp_path)
    assert platform.console_pins(analysis.system) is None
    assert platform.console_clock(analysis.system) == 0      # keep the firmware's rate
    assert "PLATFORM_BCM2711_UART" not in platform.features(analysis.system)


# ---------------------------------------------------------------- gpu_mem

def test_gpu_mem_follows_board_memory(spin):
    assert platform.pi4_gpu_mem(spin.analysis.system.board) == 76   # 1 GiB - 0x3b400000
    assert settings((spin.out_dir / "boot" / "config.txt").read_text())["gpu_mem"] == "76"


def test_a_smaller_first_bank_asks_for_more_gpu_memory(tmp_path):
    board = tmp_path / "pi.yaml"
    board.write_text(RPI4_YAML.read_text().replace("{base: 0x0, size: 0x3b400000}",
                                                   "{base: 0x0, size: 0x3a000000}").replace(
        "../build/guests", str(ROOT / "build" / "guests")).replace(
        "../partitions", str(ROOT / "partitions")))
    result = pipeline.build(board, tmp_path / "build")
    assert settings((result.out_dir / "boot" / "config.txt").read_text())["gpu_mem"] == "96"


# ---------------------------------------------------------------- PSCI through TF-A

def test_psci_board_uses_psci_not_the_spin_table(psci):
    s = psci.analysis.system
    assert s.board.psci is not None and s.board.psci.method == "smc"
    assert all(c.enable_method == "psci" and c.release_addr is None for c in s.board.cpus)
    features = (psci.out_dir / "gen" / "features.mk").read_text()
    assert "CONFIG_PLATFORM_PSCI_SMC := y" in features
    assert "PLATFORM_SPIN_TABLE" not in features
    assert "PLATFORM_BCM2711_UART" in features            # the pins are the Pi's either way
    cfg = gen_config(psci)
    assert cfg["HV_PM_BASE"] == "0x0UL"                     # power-off through PSCI
    from hvcfg import layout
    names = {f.name for f in layout.hypervisor_frames(s)}
    assert "spin table" not in names and "power management" not in names
    text = (psci.out_dir / "boot" / "config.txt").read_text()
    assert settings(text)["armstub"] == "bl31.bin"


def test_spin_table_board_has_no_armstub(spin):
    text = (spin.out_dir / "boot" / "config.txt").read_text()
    assert "armstub" not in settings(text)
    assert "PLATFORM_SPIN_TABLE" in (spin.out_dir / "gen" / "features.mk").read_text()


def test_psci_board_keeps_partitions_off_tfa(tmp_path):
    """TF-A stays resident in [0, 0x80000): a partition there is refused (E045)."""
    assert Reg(*platform.TFA_RESERVED) == Reg(0, 0x80000)
    board = tmp_path / "pi.yaml"
    board.write_text(PSCI_YAML.read_text().replace("{base: 0x10000000, size: 1M, perm: rx}",
                                                   "{base: 0x40000, size: 1M, perm: rx}").replace(
        "../../build/guests", str(ROOT / "build" / "guests")).replace(
        "../../partitions", str(ROOT / "partitions")))
    with pytest.raises(ConfigError) as info:
        pipeline.analyse(board, tmp_path / "build")
    assert "E045" in [d.code for d in info.value.diagnostics]


# ---------------------------------------------------------------- flash warnings

def card(d: Path, *files: str) -> Path:
    d.mkdir(parents=True)
    for name in ("start4.elf", "fixup4.dat") + files:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(b"firmware")
    return d


def test_flash_warns_without_overlay_and_dtb(tmp_path):
    bare = card(tmp_path / "bare")
    assert [d.code for d in bootfolder.boot_partition_warnings(bare)] == ["W009", "W010"]
    w009, w010 = bootfolder.boot_partition_warnings(bare)
    assert "overlays/disable-bt.dtbo" in w009.message and "disable-bt.dtbo" in w009.hint
    assert "bcm2711-rpi-4-b.dtb" in w010.message
    full = card(tmp_path / "full", "overlays/disable-bt.dtbo", "bcm2711-rpi-4-b.dtb")
    assert bootfolder.boot_partition_warnings(full) == []


def test_cmd_flash_prints_the_warnings(spin, tmp_path, capsys):
    from hvcfg import cli
    bare = card(tmp_path / "bare")
    args = cli.build_parser().parse_args(["--build-dir", str(spin.out_dir.parent), "flash",
                                          str(RPI4_YAML), "--boot-dir", str(bare)])
    assert args.func(args) == 0
    err = capsys.readouterr().err
    assert "warning W009" in err and "warning W010" in err
    assert (bare / "kernel8.img").is_file()                 # a warning, not a refusal
