"""The virtual GIC seen from a bare-metal guest with two vCPUs (partitions/vgictest)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HVCFG = str(Path(sys.executable).with_name("hvcfg"))

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def guest_lines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vgic")
    proc = subprocess.run([HVCFG, "--build-dir", str(tmp / "build"), "run",
                           "tests/boards/qemu-virt-vgic.yaml", "--rebuild", "--timeout", "60",
                           "--uart-dir", str(tmp)], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[hyp] no partition left running: powering off" in proc.stdout
    return (tmp / "uart1.log").read_text().replace("\r", "").splitlines()


@pytest.mark.parametrize("line", [
    "vgictest: GICD_TYPER lines=64 cpus=2",          # ITLinesNumber and the partition's CPUs
    # emulated loads behave as the instruction: priority 0xa0, ISENABLER0 = 0x8800ffff
    "loads: ldrsb x 0xffffffffffffffa0, ldrsb w 0xffffffa0, ldrb w 0xa0",
    "loads: ldrsw x 0xffffffff8800ffff, ldr w 0x8800ffff, ldr wzr then next insn 1",
    "loads: GICD_TYPER into x0-x18 0x21, into x20 0x21",    # fast and full trap paths agree
    "enable foreign SPI 33 -> reads back 0",         # not its interrupt: RAZ/WI
    "enable own SPI 40 -> reads back 1",
    "enable beyond the lines -> reads back 0x0",     # past the configured lines: RAZ/WI
    "ITARGETSR own SPI <- 0xff -> reads back 0x3",   # only its own two vCPUs
    "ITARGETSR foreign SPI -> reads back 0x0",
    "SGI 5 to vcpu1, answer SGI 6 received: 1",      # SGIs both ways between its vCPUs
    "burst of 15 SGIs (more than the list registers): 15 of 15 delivered, 0 while masked",
    "virtual timer on vcpu0 fired: 1",
    "virtual timer on vcpu1 fired: 1",
    "vgictest: done",
])
def test_vgic_behaviour(guest_lines, line):
    assert line in guest_lines
