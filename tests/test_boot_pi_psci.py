# SPDX-License-Identifier: Apache-2.0
"""The Pi 4 with TF-A as its armstub (armstub=bl31.bin, board.psci: smc), booted on QEMU's
raspi4b with Debian's real TF-A build for the Pi 4 (scripts/fetch-guests: tfa/rpi4/bl31.bin):
the hypervisor starts its CPUs and powers off through PSCI SMC to TF-A at EL3.

QEMU runs TF-A the way the Pi firmware does: bl31.bin at 0 entered at EL3 on every core, the
kernel (hyp.bin, at its link address) and the DTB loaded, their addresses in the stub's header
words and its magic cleared (TF-A's plat/rpi/rpi4: stub_magic at 0xf0, dtb_ptr32 at 0xf8,
kernel_entry32 at 0xfc). The GIC is given its security extensions, as the Pi's GIC-400 has:
QEMU's raspi4b leaves them out, so TF-A's Group 1 setting would be invisible to the
non-secure hypervisor's view of GICC_CTLR there (the kick SGI never arrives)."""
from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from hvcfg import pipeline

ROOT = Path(__file__).resolve().parent.parent
BL31 = ROOT / "build" / "guests" / "tfa" / "rpi4" / "bl31.bin"
DTB = ROOT / "build" / "guests" / "rpi4" / "bcm2711-rpi-4-b.dtb"
BOARD = ROOT / "tests" / "boards" / "pi-psci.yaml"
STUB_MAGIC = 0x5AFE570B
DTB_ADDR = 0x3000000              # where the firmware would put it: below every partition

pytestmark = pytest.mark.qemu


def firmware_stub(bl31: bytes, dtb: int, kernel: int) -> bytes:
    """bl31.bin as the Pi firmware leaves it before starting the cores."""
    blob = bytearray(bl31)
    assert struct.unpack_from("<I", blob, 0xF0)[0] == STUB_MAGIC, "not TF-A's rpi4 armstub"
    struct.pack_into("<IIII", blob, 0xF0, 0, 0, dtb, kernel)
    return bytes(blob)


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> str:
    if not BL31.is_file():
        pytest.fail(f"{BL31} missing: run scripts/bootstrap (scripts/fetch-guests)")
    tmp = tmp_path_factory.mktemp("pi-psci")
    result = pipeline.build(BOARD, tmp / "build")
    link = result.analysis.hyp.base
    stub = tmp / "bl31.bin"
    stub.write_bytes(firmware_stub(BL31.read_bytes(), DTB_ADDR, link))
    cmd = ["qemu-system-aarch64", "-M", "raspi4b", "-smp", "4", "-m", "2048M", "-display", "none",
           "-monitor", "none", "-no-reboot", "-accel", "tcg,thread=multi", "-serial", "stdio",
           "-global", "arm_gic.has-security-extensions=true",
           "-device", f"loader,file={stub},addr=0,force-raw=on",
           "-device", f"loader,file={result.bin},addr={link:#x},force-raw=on",
           "-device", f"loader,file={DTB},addr={DTB_ADDR:#x},force-raw=on"]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout.replace("\r", "")


def test_tfa_hands_over_to_the_hypervisor(console):
    assert "Changed device tree to advertise PSCI" in console          # TF-A's own log
    assert "[hyp] hvcfg 0.1.0 on pi-psci: 2 partition(s), 4 CPU(s), EL2 MMU on" in console
    assert "[hyp] image loaded at its link address 0x38000000" in console


def test_cpus_start_through_psci(console):
    """CPU 1 and CPU 2 are started with PSCI CPU_ON through TF-A: smp's two vCPUs run there."""
    assert "[hyp] smp: starting vCPU 0 on CPU 1" in console
    assert "[smp] CPU_ON vcpu1 -> 0" in console and "[smp] vcpu1: up" in console
    assert "did not start" not in console
    assert "[heartbeat] heartbeat 5" in console


def test_power_off_through_psci(console):
    """The last partition stops: SYSTEM_OFF to TF-A, which resets through the PM watchdog
    (QEMU exits with -no-reboot)."""
    tail = console[console.index("[hyp] no partition left running: powering off"):]
    assert "PSCI_SYSTEM_OFF" in tail
