# SPDX-License-Identifier: Apache-2.0
"""A hardware interrupt meeting its own software copy in a list register is never lost.

The red-team review of issue 12 found that a guest could pend (GICD_ISPENDR) a copy of its
timer PPI or passed-through SPI, keep it in a list register with its IRQs masked, and let the
physical interrupt fire: the hypervisor dropped the physical one's only record, so it stayed
active at the GIC and never arrived again, not even after SYSTEM_RESET. Now the pending copy
becomes the hardware one (or, behind an active copy, it waits for the guest's EOI)."""
from __future__ import annotations

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu


def test_the_next_incarnation_still_gets_its_interrupts(tmp_path):
    console = run_to_power_off("tests/boards/qemu-virt-atk-vgic-lost.yaml", tmp_path / "build",
                               90, extra=ICOUNT)
    assert "[atk_lost:uart1] atk-lost: incarnation 1: timer before attack 1" in console
    assert "[hyp] atk_lost: restarted on request (1 of 100)" in console
    assert ("[atk_lost:uart1] atk-lost: incarnation 2: timer arrived 1, uart line 1, SPI arrived 1"
            in console), console[-2000:]
    assert "PANIC" not in console
    hb = heartbeat(console)
    assert hb.finished and hb.beats == 30 and hb.worst_period_us < 25_000, hb
