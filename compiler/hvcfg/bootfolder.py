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
from pathlib import Path

from . import package
from .diagnostics import ConfigError, error
from .model import System

BOOT_DIR = "boot"                     # <out>/boot/
KERNEL = "kernel8.img"
CONFIG = "config.txt"
FIRMWARE_FILES = ("start4.elf", "fixup4.dat")   # what makes a directory a Pi 4 boot partition
BCM2711_COMPATIBLES = ("brcm,bcm2711", "raspberrypi,4-model-b")
BACKUP_SUFFIX = ".hvcfg-old"          # an existing, different file is kept once under this name

CONFIG_TXT = """\
# config.txt for the Raspberry Pi 4 firmware, written by hvcfg.
# kernel8.img is the hvcfg hypervisor (sha256 {sha256}).
# Copy this folder's files onto the SD card's FAT boot partition, next to the firmware files
# (start4.elf, fixup4.dat, ...): `hvcfg flash BOARD.yaml --boot-dir DIR`. See docs/rpi4.md.

[pi4]
# Enter kernel8.img in AArch64 (at EL2, through the firmware's built-in armstub; the secondary
# CPUs wait in the spin table at 0xd8/0xe0/0xe8/0xf0 until the hypervisor releases them).
arm_64bit=1
kernel=kernel8.img

# The hypervisor console is the PL011 UART0 (0xfe201000). enable_uart=1 makes the firmware set
# up the primary UART at 115200 8N1 (the hypervisor keeps that baud rate); disable-bt takes
# UART0 away from the Bluetooth module and puts it on GPIO 14 (TXD) / 15 (RXD), pins 8 and 10.
enable_uart=1
dtoverlay=disable-bt

# The GIC-400 (the hypervisor's interrupt controller and virtual GIC). This is the Pi 4
# firmware's default; stated so that nobody turns it off.
enable_gic=1

[all]
# Optional, uncomment as needed:
# The UART clock and rate the firmware programs into UART0 (these are its defaults).
#init_uart_clock=48000000
#init_uart_baud=115200
# The firmware's own boot log on the same UART (before the hypervisor's banner).
#uart_2ndstage=1
# Where kernel8.img is loaded. At its link address (the Image header's text_offset; RAM starts
# at 0) the hypervisor starts in place; anywhere else 2 MiB aligned, it first copies itself there.
#kernel_address={load_address:#x}
# boards/rpi4.yaml's board.memory assumes the default GPU memory split on a Pi 4 (76 MiB,
# ARM RAM below 0x3b400000): a larger gpu_mem shrinks the first RAM bank.
#gpu_mem=76
# The firmware passes a device tree the hypervisor ignores (it was compiled in from the
# board's DT); these only matter to the firmware itself.
#device_tree=bcm2711-rpi-4-b.dtb
#disable_splash=1
"""


def needs_boot_folder(system: System) -> bool:
    """A Pi 4 board (its DT says BCM2711): the build writes <out>/boot/."""
    return any(c in BCM2711_COMPATIBLES for c in system.board.compatible)


# The Pi firmware's own load address for a 64-bit kernel, suggested when the image may go anywhere.
FIRMWARE_KERNEL_ADDRESS = 0x200000


def config_txt(hyp_bin: Path, header: package.ImageHeader) -> str:
    """config.txt for hyp_bin, whose (checked) Image header is `header`."""
    return CONFIG_TXT.format(sha256=package.sha256(hyp_bin),
                             load_address=header.text_offset or FIRMWARE_KERNEL_ADDRESS)


def write_boot_folder(result_dir: Path, hyp_bin: Path) -> Path:
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
    (boot / CONFIG).write_text(config_txt(hyp_bin, header))
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
