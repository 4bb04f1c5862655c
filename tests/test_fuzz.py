# SPDX-License-Identifier: Apache-2.0
"""The randomized hostile partition (partitions/fuzz) next to the victim, a few seeds.

Each seed boots under icount (deterministic) for its virtual time and must end with: no PANIC
from the hypervisor (no exception at EL2), every victim beat on time, the machine powered off,
no violation seen by the fuzzer, at least MIN_KINDS kinds of action. `make fuzz SEEDS=...
DURATION=...` runs longer and more seeds (tests/test_fuzz_long.py). A seed that breaks the
current hypervisor is marked xfail(strict) with its finding: the fix makes it pass, and must
remove the mark (docs/testing-attacks.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from fuzzrun import run_fuzz

pytestmark = pytest.mark.qemu

WORST_US = 21_000           # alone: 20 002 us (tests/test_victim.py); 1 ms of slack
MIN_KINDS = 17              # of fz_kind's 20 (partitions/fuzz/fuzz.h)


@dataclass(frozen=True)
class Case:
    seed: int
    fuzz_ms: int
    races: bool             # SYSTEM_RESET, and CPU_ON right before the final SYSTEM_OFF
    end_race: bool = False  # always end with CPU_ON right before SYSTEM_OFF
    known: str = ""         # the finding that breaks it today (xfail, strict)


CASES = [
    Case(1, 200, races=False),
    Case(2, 200, races=False),
    Case(3, 200, races=False, end_race=True),     # hung on c7d0199 (finding 6)
    Case(4, 200, races=True),
]


def case_param(c: Case):
    marks = [pytest.mark.xfail(strict=True, reason=c.known)] if c.known else []
    return pytest.param(c, marks=marks, id=f"seed{c.seed}-{c.fuzz_ms}ms"
                                           f"{'-races' if c.races else ''}"
                                           f"{'-end-race' if c.end_race else ''}")


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_fuzz_seed_is_contained(tmp_path, case):
    beats = case.fuzz_ms // 20
    run = run_fuzz(case.seed, tmp_path, fuzz_ms=case.fuzz_ms, beats=beats, races=case.races,
                   timeout=25, defines={"FUZZ_END_RACE": 2} if case.end_race else {})
    kinds = run.kinds()
    print(f"seed {case.seed}: {sum(kinds.values())} actions of {len(kinds)} kinds: {kinds}")
    failures = run.failures(beats, WORST_US)
    assert not failures, f"seed {case.seed}: {failures}\n{run.last_actions()}"
    assert len(kinds) >= MIN_KINDS, kinds


def test_fuzz_quietens_a_line_its_peer_holds_high(tmp_path):
    """A level line that stays high must not stop the fuzzer. Its doorbell (channel fz-in,
    ivshmem INTx) is high until the fuzzer reads IntrStatus; the victim's halt halfway (its
    BEATS) rings it, and FUZZ_ARM_DOORBELLS makes every IRQ window raise it toward vCPU 0
    (IntrMask, IntrStatus, enable, target). Before the IRQ handler quietened the doorbell,
    vCPU 0 took it again after each EOI and never left its IRQ window (seed 4 with races after
    its SYSTEM_RESET: the machine never powered off; docs/testing-attacks.md). The victim's
    beats are asserted as in every fuzz run."""
    fuzz_ms, beats = 200, 4
    run = run_fuzz(1, tmp_path, fuzz_ms=fuzz_ms, beats=beats, races=False, timeout=25,
                   defines={"FUZZ_ARM_DOORBELLS": 1})
    failures = run.failures(beats, WORST_US)
    assert not failures, f"{failures}\n{run.last_actions()}"
    assert run.summary_count("doorbell_irqs") >= 1, run.fuzz_log[-2000:]
