# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: device trees produced by the installed QEMU, never vendored."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QEMU = "qemu-system-aarch64"


def dump_qemu_dtb(out: Path, machine: str, cpu: str | None, smp: int, memory: str,
                  serials: int) -> Path:
    """Ask QEMU for the exact DTB a machine would pass to its guest."""
    cmd = [QEMU, "-M", f"{machine},dumpdtb={out}", "-smp", str(smp), "-m", memory,
           "-display", "none", "-monitor", "none"]
    if cpu:
        cmd += ["-cpu", cpu]
    for _ in range(serials):
        cmd += ["-serial", "null"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return out


@pytest.fixture(scope="session")
def virt_dtb(tmp_path_factory) -> Path:
    """QEMU virt, GICv2, 4 x Cortex-A53, 1 GiB, two PL011s (as boards/qemu-virt.yaml)."""
    if shutil.which(QEMU) is None:
        pytest.fail("qemu-system-aarch64 missing: run scripts/bootstrap")
    d = tmp_path_factory.mktemp("dtb")
    return dump_qemu_dtb(d / "virt.dtb", "virt,virtualization=on,gic-version=2",
                         "cortex-a53", 4, "1G", 2)


@pytest.fixture(scope="session")
def virt_gicv3_dtb(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("dtb3")
    return dump_qemu_dtb(d / "virt3.dtb", "virt,virtualization=on,gic-version=3",
                         "cortex-a72", 2, "2G", 1)
