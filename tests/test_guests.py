# SPDX-License-Identifier: Apache-2.0
"""The Linux guest software fetched by scripts/fetch-guests, checked and booted natively in QEMU.

These tests fail (they do not skip) when build/guests/ is missing: scripts/bootstrap fetches it,
and `make test` runs bootstrap first. The native boot is the baseline that the hypervisor's
Linux partition tests compare with.
"""
from __future__ import annotations

import gzip
import re
import stat
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parent.parent
GUESTS = ROOT / "build" / "guests"
IMAGE = GUESTS / "linux" / "Image"
INITRAMFS = GUESTS / "linux" / "initramfs.cpio.gz"
RPI4_DTB = GUESTS / "rpi4" / "bcm2711-rpi-4-b.dtb"
MARKER = "hvcfg-linux: init reached"
PROMPT = "hvcfg-linux# "

pytestmark = pytest.mark.qemu


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run scripts/bootstrap "
                    "(it runs scripts/fetch-guests, "
                    "which fetches Debian's arm64 kernel and busybox)")
    return path


def read_newc(blob: bytes) -> dict[str, tuple[int, bytes]]:
    """{name: (mode, data)} of a cpio archive in the newc format ("070701"), written from the
    format description, independently of the script that builds the archive."""
    entries: dict[str, tuple[int, bytes]] = {}
    off = 0
    while True:
        hdr = blob[off:off + 110]
        assert hdr[:6] == b"070701", f"not a newc cpio header at offset {off}: {hdr[:6]!r}"
        f = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, filesize, namesize = f[1], f[6], f[11]
        name_end = off + 110 + namesize
        name = blob[off + 110:name_end - 1].decode()
        data_start = (name_end + 3) & ~3
        data = blob[data_start:data_start + filesize]
        off = (data_start + filesize + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name.removeprefix("./").removeprefix("/")] = (mode, data)


def has_interpreter(elf: bytes) -> bool:
    """True when a 64-bit little-endian ELF has a PT_INTERP program header (dynamic linking)."""
    phoff = int.from_bytes(elf[32:40], "little")
    phentsize, phnum = int.from_bytes(elf[54:56], "little"), int.from_bytes(elf[56:58], "little")
    return any(int.from_bytes(elf[phoff + i * phentsize:phoff + i * phentsize + 4], "little") == 3
               for i in range(phnum))


def test_kernel_is_an_uncompressed_arm64_image():
    data = need(IMAGE).read_bytes()
    assert data[0x38:0x3c] == b"ARM\x64", "arm64 Image magic missing at 0x38"
    image_size = int.from_bytes(data[16:24], "little")
    assert image_size >= len(data), "header image_size smaller than the file"
    versions = need(GUESTS / "VERSIONS").read_text()
    assert re.search(r"^kernel: linux-image-cloud-arm64:arm64 -> linux-image-\S+-cloud-arm64 ",
                     versions, re.M), versions


def test_initramfs_is_gzip_newc_with_init_and_static_busybox():
    blob = gzip.decompress(need(INITRAMFS).read_bytes())
    entries = read_newc(blob)
    mode, init = entries["init"]
    assert stat.S_ISREG(mode) and mode & 0o111, "/init must be an executable file"
    assert init.startswith(b"#!/bin/sh") and MARKER.encode() in init
    mode, busybox = entries["bin/busybox"]
    assert stat.S_ISREG(mode) and mode & 0o111
    assert busybox[:4] == b"\x7fELF" and busybox[18:20] == b"\xb7\x00", "not an arm64 ELF"
    assert not has_interpreter(busybox), "busybox must be static (no PT_INTERP)"
    mode, target = entries["bin/sh"]
    assert stat.S_ISLNK(mode) and target == b"busybox"
    mode, _ = entries["dev/console"]
    assert stat.S_ISCHR(mode), "/dev/console must exist before devtmpfs is mounted"


def test_rpi4_device_tree_from_the_generic_kernel():
    assert need(RPI4_DTB).read_bytes()[:4] == b"\xd0\x0d\xfe\xed"


def interrupt_counts(text: str, name: str) -> list[int]:
    """Per-CPU counts of the /proc/interrupts line whose description ends with NAME."""
    for line in text.splitlines():
        if line.rstrip().endswith(name) and ":" in line:
            fields = line.split(":", 1)[1].split()
            return [int(x) for x in fields if x.isdigit()][:2]
    raise AssertionError(f"no {name} line in /proc/interrupts:\n{text}")


def test_native_boot_nproc_interrupts_poweroff():
    cmd = ["-M", "virt,virtualization=on,gic-version=2", "-cpu", "cortex-a53", "-smp", "2",
           "-m", "256M", "-nographic", "-no-reboot", "-kernel", str(need(IMAGE)),
           "-initrd", str(need(INITRAMFS)), "-append", "console=ttyAMA0 panic=-1"]
    child = pexpect.spawn("qemu-system-aarch64", cmd, encoding="utf-8", timeout=90,
                          codec_errors="replace")
    try:
        child.expect_exact(MARKER)
        child.expect(r"press Enter within \d+ s for a shell")   # /init's unattended timeout
        child.sendline("")
        child.expect_exact(PROMPT)
        child.sendline("nproc")
        child.expect(r"\r+\n(\d+)\r+\n")  # the guest tty and the pty each add a CR
        assert child.match.group(1) == "2"
        child.expect_exact(PROMPT)
        child.sendline("cat /proc/interrupts")
        child.expect(r"CPU0\s+CPU1.*?Err:.*?\n")
        table = child.match.group(0)
        assert all(n > 0 for n in interrupt_counts(table, "arch_timer")), table
        assert interrupt_counts(table, "uart-pl011")[0] > 0, table
        child.expect_exact(PROMPT)
        child.sendline("poweroff -f")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, "QEMU must exit by itself on `poweroff -f` (PSCI SYSTEM_OFF)"
