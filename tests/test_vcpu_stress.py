# SPDX-License-Identifier: Apache-2.0
"""Stress of the partition/vCPU state machine (issue 12): partitions/atk_psci in MODE 7 makes
seeded pseudo-random CPU_ON/CPU_OFF/AFFINITY_INFO/SYSTEM_RESET/SYSTEM_OFF calls from all four
vCPUs at once, next to the victim, under -icount (a run is reproducible from its seed).

Asserted whatever the run's end (restart limit, SYSTEM_OFF, or the last CPU_OFF): every
restart completed and entered a new incarnation, the partition halted exactly once, no vCPU of
an earlier incarnation ran after a restart (it would print STALE, or write a marker that
vCPU 0 finds at the start of the next incarnation), the machine powered off, and the victim
beat on time. CI runs HVCFG_STRESS_SEEDS (default "1") with HVCFG_STRESS_RESTARTS (default
80) restarts at most; `make stress` runs more seeds and restarts."""
from __future__ import annotations

import os
import re

import pytest

from qemu_run import run_to_power_off
from test_attack_psci import assert_contained, board_variant, lines
from victim import ICOUNT

pytestmark = pytest.mark.qemu

SEEDS = [int(s) for s in os.environ.get("HVCFG_STRESS_SEEDS", "1").split()]
RESTARTS = int(os.environ.get("HVCFG_STRESS_RESTARTS", "80"))
ENDS = (f"restart limit reached ({RESTARTS} requested restarts) -> halt", "PSCI SYSTEM_OFF",
        "last vCPU off")


@pytest.mark.parametrize("seed", SEEDS)
def test_psci_stress(tmp_path, seed):
    board = board_variant(tmp_path, 7, RESTARTS, f", SEED: {seed}, OPS: 400")
    console = run_to_power_off(str(board), tmp_path / "build", 60 + 2 * RESTARTS, extra=ICOUNT)
    guest = lines(console, "[atk_psci] ")
    assert f"stress: seed {seed} ops 400" in guest          # printed first: reproducible
    hyp = lines(console, "[hyp] atk_psci: ")
    restarts = sum(1 for h in hyp if h.startswith("restarted on request"))
    ends = [e for e in ENDS if e in hyp]
    assert len(ends) == 1, hyp[-5:]
    assert_contained(console, restarts, ends[0])
    calls = 50 * sum(1 for g in guest if re.fullmatch(r"vcpu\d: 50 calls", g))
    print(f"seed {seed}: {restarts} restarts, >= {calls} PSCI calls, ended by {ends[0]!r}")
    if ends[0].startswith("restart limit"):
        assert calls >= 1000                # not stopped early: the calls were made
