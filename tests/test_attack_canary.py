# SPDX-License-Identifier: Apache-2.0
"""Every general register across the hypervisor's fast paths (partitions/atk-canary): canaries
in x0-x30 while the partition's timer and the SGIs of its second vCPU interrupt it (the
partial-frame IRQ path, with its own interrupts unmasked and masked), while one emulated
distributor load lands in each register and one store leaves from each (the fast path must
decline x19-x29), and across an HVC. A clobbered register (say x21 after the IRQ path's C
call, or x19 served by the fast path) prints CORRUPT or a short count. The victim keeps its
beat next to it."""
from __future__ import annotations

import re

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("atk-canary")
    return run_to_power_off("tests/boards/qemu-virt-atk-canary.yaml", tmp / "build", 120,
                            extra=ICOUNT)


def said(console: str) -> list[str]:
    return re.findall(r"^\[atk_canary\] atk-canary: (.*)$", console, re.M)


def test_no_register_changed(console):
    lines = said(console)
    assert not [ln for ln in lines if ln.startswith("CORRUPT")], lines
    assert lines[-1].endswith("; corrupted registers 0"), lines


def test_the_spin_rounds_were_interrupted(console):
    pattern = r"(\d+) spin rounds \((\d+) masked\): timer interrupts (\d+), SGIs taken (\d+)"
    m = next((m for ln in said(console) if (m := re.fullmatch(pattern, ln))), None)
    assert m, said(console)
    rounds, masked, timer, sgis = (int(g) for g in m.groups())
    assert rounds >= 20 and 0 < masked < rounds, m.group(0)     # both kinds of round ran
    # Measured 26 and 114 in 40 rounds (each an exception into EL2 in the middle of a round).
    assert timer >= 10 and sgis >= 50, m.group(0)


def test_every_register_takes_an_emulated_load_and_gives_a_store(console):
    assert "emulated loads exact into 31 of 31 registers, stores exact from 31 of 31" \
        in said(console)
    assert any(ln.startswith("HVC PSCI_VERSION answered 0x") for ln in said(console))


def test_victim_keeps_its_beat(console):
    hb = heartbeat(console)
    assert hb.finished and hb.beats == 30, hb
    assert hb.worst_period_us < 21_000, hb        # alone: < 21 ms (tests/test_victim.py)
