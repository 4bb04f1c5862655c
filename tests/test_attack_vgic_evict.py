# SPDX-License-Identifier: Apache-2.0
"""A deferred SGI is not stranded when its list-register copy is evicted (issue 13, red team 2).

SGI 1 pending from both vCPUs: one source in a list register, the other deferred until that copy
is deactivated. The guest then raises SGI 1's priority above its copy's and pends a higher SGI 5
into full list registers: the flush evicts SGI 1's copy, and SGI 1 (both sources back in
software) was still marked deferred for that pass, with no copy left to bring a maintenance
interrupt. It waited for some unrelated trap. Now eviction undefers it in the same pass."""
from __future__ import annotations

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu


def test_an_evicted_copy_does_not_strand_its_deferred_sgi(tmp_path):
    console = run_to_power_off("tests/boards/qemu-virt-atk-vgic-evict.yaml", tmp_path / "build",
                               90, extra=ICOUNT)
    assert "atk-vgic-evict: after 50 ms: SGI1 taken 2 (expect 2), SGI5 1, 2-4 1 1 1" in console, \
        console[-2000:]
    assert "PANIC" not in console
    hb = heartbeat(console)
    assert hb.finished and hb.beats == 40 and hb.worst_period_us < 25_000, hb
