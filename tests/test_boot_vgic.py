# SPDX-License-Identifier: Apache-2.0
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
    "vgictest: GICD_TYPER lines=128 cpus=2",         # vgic.lines and the partition's CPUs
    # emulated loads behave as the instruction: priority 0xa0, ISENABLER0 = 0x8800ffff
    "loads: ldrsb x 0xffffffffffffffa0, ldrsb w 0xffffffa0, ldrb w 0xa0",
    "loads: ldrsw x 0xffffffff8800ffff, ldr w 0x8800ffff, ldr wzr then next insn 1",
    "loads: GICD_TYPER into x0-x18 0x23, into x20 0x23",    # fast and full trap paths agree
    # the hypervisor's console SPI: a purely virtual line for it (nothing reaches the hardware)
    "enable foreign SPI 33 -> reads back 1",
    "enable own SPI 40 -> reads back 1",
    "enable beyond the lines -> reads back 0x0",     # past the configured lines: RAZ/WI
    "ITARGETSR own SPI <- 0xff -> reads back 0x3",   # CPU interfaces it lacks: RAZ/WI
    "ITARGETSR foreign SPI -> reads back 0x1",       # reset value: vCPU 0
    # issue 13: a whole GICv2 for every INTID below ITLinesNumber
    "priority 0xff reads back 0xf8; INTIDs with another mask: 0 of 128",  # 5 bits, for all
    "ITARGETSR 48-51 <- 0x01020301 -> reads back 0x1020301",
    "IPRIORITYR 48-51 <- 0x10203040, byte 49 <- 0x88 -> 0x10208840, byte 50 0x20",
    "ICFGR virtual SPI edge -> reads back 2",
    "ICPIDR2 0x2b: GIC architecture version 2, CIDR0 0xd, IIDR 0x200143b",
    # a virtual-only SPI: pended by ISPENDR, held while disabled or active, then delivered
    "virtual SPI 50 pended while disabled: pending 1, taken 0",
    "virtual SPI 50 enabled: taken 1, pending 0, active 0",
    "virtual SPI 50 set active, pended again: active 1, taken 1",
    "virtual SPI 50 deactivated: taken again 1",
    # vgic: {lines: 128, virtual: [100]}: the configured line delivered; past the lines RAZ/WI
    "configured virtual INTID 100 pended by ISPENDR: taken 1",
    "INTID 128 (past the lines): priority 0x0, target 0x0, enabled 0, pending 0",
    # hardware pending state reads through while the guest has the interrupt disabled
    "disabled virtual timer expired: pending 1, taken 0; stopped: pending 0",
    "disabled SPI 40 with its line high: pending 1, taken 0; line low: pending 0",
    "hardware SPI 40 pended by ISPENDR, enabled: taken 1",
    "physical timer (CNTP) on vcpu0 fired PPI 30: 1",  # the EL1 physical timer is the guest's
    # GICv2 keeps an SGI pending for a CPU interface that is off: sent before vCPU 1's CPU_ON
    # and after CPU_ON returned (before or after its first entry: the host decides; the host
    # test test_vgic_sgi.c covers "before" deterministically), each is taken once, nothing else
    "SGIs to vcpu1 before it ran: SGI 7 (before CPU_ON) taken 1, SGI 8 (after) taken 1, "
    "other SGIs 0",
    "SGI 5 to vcpu1, answer SGI 6 received: 1",      # SGIs both ways between its vCPUs
    "burst of 15 SGIs (more than the list registers): 15 of 15 delivered, 0 while masked",
    "virtual timer on vcpu0 fired: 1",
    "virtual timer on vcpu1 fired: 1",
    "vgictest: done",
])
def test_vgic_behaviour(guest_lines, line):
    assert line in guest_lines
