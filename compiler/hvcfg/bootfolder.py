# SPDX-License-Identifier: Apache-2.0
"""Raspberry Pi 4 output: the SD card boot folder (kernel8.img, config.txt) and `hvcfg flash`.

The Pi 4 firmware (start4.elf, on the card's FAT boot partition) reads config.txt, loads
kernel8.img and enters it at EL2 through its built-in armstub, with the secondary CPUs waiting
in the spin table. hyp.bin is already an arm64 Image, so kernel8.img is a plain copy of it.
The firmware files themselves are not ours to ship: the folder is copied next to them.
"""
from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import digest, package, platform
from .diagnostics import ConfigError, Diagnostic, error, warning
from .model import System

BOOT_DIR = "boot"                     # <out>/boot/
KERNEL = "kernel8.img"
CONFIG = "config.txt"
FIRMWARE_FILES = ("start4.elf", "fixup4.dat")   # what makes a directory a Pi 4 boot partition
# What the generated config.txt asks the firmware for besides: without them the firmware
# still starts kernel8.img, but its own log and the overlay's pin setup are lost (W009, W010).
OVERLAY = "overlays/disable-bt.dtbo"
BOARD_DTB = "bcm2711-rpi-4-b.dtb"
BACKUP_SUFFIX = ".hvcfg-old"          # an existing, different file is kept once under this name

CONFIG_TXT = """\
# config.txt for the Raspberry Pi 4 firmware, written by hvcfg.
# kernel8.img is the hvcfg hypervisor (sha256 {sha256}).
# Copy this folder's files onto the SD card's FAT boot partition, next to the firmware files
# (start4.elf, fixup4.dat, bcm2711-rpi-4-b.dtb, overlays/...): `hvcfg flash BOARD.yaml
# --boot-dir DIR`. See docs/rpi4.md.

[pi4]
# Enter kernel8.img in AArch64 at EL2. {entry}
arm_64bit=1
kernel=kernel8.img
{armstub}
# The hypervisor console is a PL011 (UART0, 0xfe201000). enable_uart=1 makes the firmware set
# up the primary UART; disable-bt takes UART0 away from the Bluetooth module and puts it on
# GPIO 14 (TXD) / 15 (RXD), pins 8 and 10. The hypervisor muxes those pins and programs the
# divisors itself too, for this clock and rate (the firmware's defaults, stated so that both
# agree): a card without overlays/disable-bt.dtbo still shows the hypervisor's console.
enable_uart=1
dtoverlay=disable-bt
init_uart_clock={uart_clock}
init_uart_baud={baud}

# The GIC-400 (the hypervisor's interrupt controller and virtual GIC). This is the Pi 4
# firmware's default; stated so that nobody turns it off.
enable_gic=1

# The GPU's share of the first GiB: the board file's first RAM bank ends at 1 GiB - gpu_mem
# ({first_bank_end:#x}); a larger value would put the GPU over the hypervisor or a partition.
gpu_mem={gpu_mem}

[all]
# Optional, uncomment as needed:
# The firmware's own boot log on the same UART (before the hypervisor's banner).
#uart_2ndstage=1
# Where kernel8.img is loaded. At its link address (the Image header's text_offset; RAM starts
# at 0) the hypervisor starts in place; anywhere else 2 MiB aligned, it first copies itself there.
#kernel_address={load_address:#x}
# The firmware passes a device tree the hypervisor ignores (it was compiled in from the
# board's DT); these only matter to the firmware itself.
#device_tree=bcm2711-rpi-4-b.dtb
#disable_splash=1
"""

ENTRY_SPIN_TABLE = ("Through the firmware's built-in armstub; the secondary\n"
                    "# CPUs wait in the spin table at 0xd8/0xe0/0xe8/0xf0 until the hypervisor "
                    "releases them.")
ENTRY_TFA = ("Through TF-A's BL31 (the armstub below, which the board file\n"
             "# declares with `psci: smc`): CPUs start and the board powers off through PSCI.")
ARMSTUB_TFA = ("# TF-A's BL31 for the Pi 4, copied onto the card (docs/rpi4.md: from Debian's\n"
               "# arm-trusted-firmware package, or built with PLAT=rpi4). It stays resident in\n"
               "# [0, 0x80000), which no partition uses.\n"
               "armstub={armstub}\n")


@dataclass(frozen=True)
class FirmwareSettings:
    """What config.txt states that the build relies on (from the board: platform.py)."""

    gpu_mem: int = platform.PI4_DEFAULT_GPU_MEM         # MiB
    uart_clock: int = platform.BCM2711_UART_CLOCK
    baud: int = platform.CONSOLE_BAUD
    armstub: str | None = None                          # TF-A's file name, when PSCI is used


def firmware_settings(system: System) -> FirmwareSettings:
    return FirmwareSettings(gpu_mem=platform.pi4_gpu_mem(system.board) or
                            platform.PI4_DEFAULT_GPU_MEM,
                            armstub=platform.TFA_ARMSTUB if platform.uses_psci(system) else None)


def needs_boot_folder(system: System) -> bool:
    """A Pi 4 board (its DT says BCM2711): the build writes <out>/boot/."""
    return platform.is_bcm2711(system.board)


# The Pi firmware's own load address for a 64-bit kernel, suggested when the image may go anywhere.
FIRMWARE_KERNEL_ADDRESS = 0x200000


def config_txt(hyp_bin: Path, header: package.ImageHeader,
               settings: FirmwareSettings = FirmwareSettings()) -> str:
    """config.txt for hyp_bin, whose (checked) Image header is `header`."""
    return CONFIG_TXT.format(
        sha256=digest.sha256(hyp_bin), load_address=header.text_offset or FIRMWARE_KERNEL_ADDRESS,
        entry=ENTRY_TFA if settings.armstub else ENTRY_SPIN_TABLE,
        armstub=ARMSTUB_TFA.format(armstub=settings.armstub) if settings.armstub else "",
        uart_clock=settings.uart_clock, baud=settings.baud, gpu_mem=settings.gpu_mem,
        first_bank_end=platform.PI4_GPU_TOP - settings.gpu_mem * platform.MIB)


def write_boot_folder(result_dir: Path, hyp_bin: Path,
                      settings: FirmwareSettings = FirmwareSettings()) -> Path:
    """<result_dir>/boot/ with kernel8.img (a copy of hyp_bin) and config.txt; returns it.

    hyp_bin must start with a valid arm64 Image header (E039 otherwise), which is what the
    firmware's arm_64bit=1 boot expects. An existing boot/ is replaced as a whole.
    """
    header = package.check_image(hyp_bin)
    boot = result_dir / BOOT_DIR
    if boot.exists():
        shutil.rmtree(boot)
    boot.mkdir(parents=True)
    shutil.copyfile(hyp_bin, boot / KERNEL)
    (boot / CONFIG).write_text(config_txt(hyp_bin, header, settings))
    return boot


def boot_partition_problem(boot_dir: Path) -> str | None:
    """Why boot_dir is not a Pi 4 boot partition, or None when it looks like one."""
    if not boot_dir.exists():
        return f"{boot_dir} does not exist"
    if not boot_dir.is_dir():
        return f"{boot_dir} is not a directory"
    missing = [f for f in FIRMWARE_FILES if not (boot_dir / f).is_file()]
    if missing:
        return f"{boot_dir} lacks {', '.join(missing)}: not a Raspberry Pi 4 boot partition"
    return None


def boot_partition_warnings(boot_dir: Path) -> list[Diagnostic]:
    """W009/W010: a Pi 4 boot partition without the overlay or the DTB config.txt relies on.
    The hypervisor muxes its console's pins and sets the baud rate itself, so the card still
    boots; the firmware, though, logs a failed overlay, leaves UART0 with the Bluetooth module
    (its pins 32/33 are released by the hypervisor) and passes no device tree."""
    out = []
    if not (boot_dir / OVERLAY).is_file():
        out.append(warning("W009", f"{boot_dir} has no {OVERLAY}: config.txt's "
                           "dtoverlay=disable-bt will not apply (UART0 stays the Bluetooth "
                           "module's until the hypervisor takes GPIO 14/15)", None))
    if not (boot_dir / BOARD_DTB).is_file():
        out.append(warning("W010", f"{boot_dir} has no {BOARD_DTB}: the firmware applies no "
                           "overlay and passes no device tree (the hypervisor does not need "
                           "one; the firmware's own UART setup does)", None))
    return out


def flash(boot_src: Path, boot_dir: Path, force: bool) -> list[Path]:
    """Copy the files of boot_src (a folder from write_boot_folder) into boot_dir.

    Refuses (ConfigError E044) a boot_dir that does not exist, is not a directory or lacks
    start4.elf / fixup4.dat, unless `force` (which creates a missing boot_dir). A file already
    in boot_dir that differs is kept once as <name>.hvcfg-old (the card's original config.txt,
    say) before it is overwritten. Returns the paths written, in name order.
    """
    problem = boot_partition_problem(boot_dir)
    if problem is not None and not (force and (not boot_dir.exists() or boot_dir.is_dir())):
        raise ConfigError(error("E044", problem, None))
    if not boot_src.is_dir() or not (boot_src / KERNEL).is_file():
        raise ConfigError(error("E029", f"{boot_src} holds no {KERNEL}", None,
                                "build the board first (hvcfg build BOARD.yaml)"))
    boot_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(p for p in boot_src.iterdir() if p.is_file()):
        dst = boot_dir / src.name
        if dst.is_file() and not filecmp.cmp(src, dst, shallow=False):
            backup = dst.with_name(dst.name + BACKUP_SUFFIX)
            if not backup.exists():
                shutil.copyfile(dst, backup)
        shutil.copyfile(src, dst)
        written.append(dst)
    return written
