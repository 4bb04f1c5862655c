# SPDX-License-Identifier: Apache-2.0
"""A partition attacking the virtual GIC from two vCPUs next to the victim (partitions/atk-vgic,
issue 12 findings 1, 9 and 13): interrupt routing of its passed-through level SPI, SGIs at CPUs
it does not have, CPENDSGIR/SPENDSGIR races, the whole distributor page, CPU_OFF and halting
with its line high; issue 13's paths: an ISPENDR storm on virtual-only SPIs, its hardware SPI
and timer PPIs pended/activated/cleared in a loop, its level SPI disabled with the line high, the
physical timer firing without end (compare value 0). The victim must keep its beat; no interrupt
may reach a foreign CPU."""
from __future__ import annotations

import re

import pytest

from qemu_run import run_with_uart
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

ACTIONS = 21


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[str, list[str]]:
    tmp = tmp_path_factory.mktemp("atk-vgic")
    return run_with_uart("tests/boards/qemu-virt-atk-vgic.yaml", tmp, 120, extra=ICOUNT)


def test_victim_keeps_its_beat(run):
    hb = heartbeat(run[0])
    # Alone: < 21 ms (test_victim.py). Next to this attacker on the fixed hypervisor the worst
    # period measured 32 ms (QEMU's round-robin among busy CPUs); on c7d0199 it was 135 ms, and
    # 0 beats once an aim is held (finding 1).
    assert hb.finished and hb.beats == 40, hb
    assert hb.worst_period_us < 60_000, hb


def test_every_action_was_tried(run):
    actions = [ln for ln in run[1] if re.match(r"atk-vgic: action \d+: ", ln)]
    assert len(actions) == ACTIONS, actions
    assert f"atk-vgic: line 1; {ACTIONS} actions; SYSTEM_OFF" in run[1]


@pytest.mark.parametrize("line", [
    "atk-vgic: SGI enables after clearing 0-7: 0xffff",     # GIC-400: SGIs always enabled
    # ITARGETSR 0 / only CPUs it does not have: not forwarded, the line stays pending
    "atk-vgic: targets 0x0 reads back 0x0, line 1, pending 1, taken 0",
    "atk-vgic: targets 0xfc reads back 0x0, line 1, pending 1, taken 0",
    # several targets: GICv2 1-of-N, always the lowest of its own vCPUs
    "atk-vgic: targets 0xff reads back 0x3, taken on vcpu0 1 vcpu1 0",
    # an idle CPU holding its own partition's level SPI does not loop: CPU_ON still works
    "atk-vgic: CPU_ON 0, vcpu1 back 1, its SPI taken on vcpu1 1",
    "atk-vgic: SGIs taken after both floods: 0",
    "atk-vgic: race done 1, SGIs with a source it does not have: 0",
    "atk-vgic: SPENDSGIR sources 0xfc read back 0x0",
    # one list register per SGI whatever its source: the second waits for the first's DIR
    # (two made QEMU signal one it never acknowledged: over 100 on the unfixed hypervisor)
    "atk-vgic: SGI 13 from sources 0x3 under EOImode 1: taken 1 (SGI 12 below it 1), "
    "after DIR 2, after both 2, sources 0x3",
    "atk-vgic: virtual SPIs taken during the storm: 14 of 14 lines",
    # the physical pending/active loop leaves nothing active, and the SPI still arrives
    "atk-vgic: after the loop, active SPI 0 PPIs 0x0, its SPI taken 1",
    # disabled: held pending at the distributor, never taken (no storm at EL2), then taken
    "atk-vgic: disabled, line 1: pending 1, taken 0",
    "atk-vgic: enabled again: taken 1",
    "atk-vgic: physical timer storm stopped by its handler: 1",
    "atk-vgic: sweep done, 10 of 10 narrow stores refused",
    # after the sweep (lowest priorities, every SGI pended from both sources) its GIC works
    "atk-vgic: after the sweep, SGI to itself taken 1",
])
def test_attack_outcome(run, line):
    assert line in run[1]


def test_no_interrupt_reached_a_foreign_cpu(run):
    console = run[0]
    assert "arrived here: masked" not in console
    assert "PANIC" not in console
    assert "[hyp] atk_vgic: halted" in console
    # the refused narrow stores, one health event each, nothing else
    assert len(re.findall(r"^\[hyp\] atk_vgic: stage-2 fault: write of [12] bytes at ipa=0x80",
                          console, re.M)) == 10
