# SPDX-License-Identifier: Apache-2.0
"""The long fuzz run (`make fuzz SEEDS=1-50 DURATION=2000`): every seed of FUZZ_SEEDS for
FUZZ_DURATION ms of virtual time each, with the fuzzer's trace on when FUZZ_TRACE=1 and
without SYSTEM_RESET races when FUZZ_RACES=0. Without
FUZZ_SEEDS nothing runs (it is not part of `make test`)."""
from __future__ import annotations

import os

import pytest

from fuzzrun import run_fuzz

pytestmark = pytest.mark.qemu


def seeds(spec: str) -> list[int]:
    """'1-5,9' -> [1, 2, 3, 4, 5, 9]"""
    out: list[int] = []
    for part in filter(None, spec.split(",")):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


SEEDS = seeds(os.environ.get("FUZZ_SEEDS", ""))
DURATION = int(os.environ.get("FUZZ_DURATION", "1000"))
TRACE = os.environ.get("FUZZ_TRACE") == "1"
RACES = os.environ.get("FUZZ_RACES", "1") == "1"


@pytest.mark.skipif(not SEEDS, reason="set FUZZ_SEEDS (make fuzz SEEDS=...)")
@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_long(tmp_path, seed):
    beats = max(DURATION // 20, 5)
    # ~10 s of host time per second of guest time under icount, plus the build
    run = run_fuzz(seed, tmp_path, fuzz_ms=DURATION, beats=beats, trace=TRACE,
                   timeout=30 + DURATION * 15 // 1000, races=RACES)
    failures = run.failures(beats, 21_000)
    assert not failures, f"seed {seed}: {failures}\n{run.last_actions(40)}"
