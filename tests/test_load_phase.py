# SPDX-License-Identifier: Apache-2.0
"""The load phase on every CPU (issue 16, hyp/core/load.c): what a partition wrote is scrubbed
before each restart, also next to its blobs (the scrub leaves the blobs' ranges to the copies,
which zero the rest of a blob's last block), the reload runs on the partition's own CPUs, and
the victim next to it keeps its beat."""
from __future__ import annotations

import re

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

RESETS = 3                          # on_reset.limit of tests/boards/fsverity-scrub.yaml


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("fsverity-scrub")
    return run_to_power_off("tests/boards/fsverity-scrub.yaml", tmp / "build", 120,
                            extra=ICOUNT)


def test_every_start_finds_the_last_ones_writes_gone(console):
    assert "DIRTY" not in console, [ln for ln in console.splitlines() if "DIRTY" in ln]
    clean = re.findall(r"\[scrubcheck\] scrubcheck: clean: (\d+) bytes after the DTB, "
                       r"(\d+) bytes of scratch", console)
    # the first start and each restart; the DTB's end is no multiple of 64
    assert len(clean) == RESETS + 1, console[-3000:]
    assert all(int(tail) % 64 and int(scratch) == 0x301000 for tail, scratch in clean), clean
    assert console.count("scrubcheck: filled, SYSTEM_RESET") == RESETS + 1
    assert f"restart limit reached ({RESETS} requested restarts) -> halt" in console


def test_reload_on_the_partitions_own_cpus(console):
    reloads = re.findall(r"\[hyp\] scrubcheck: reloaded: (\d+) units on (\d) of its 2 CPU\(s\)",
                         console)
    assert len(reloads) == RESETS, reloads
    # 1 span each for image and DTB; RAM: 1 + 1 + 2 chunks of 2 MiB
    assert all(int(units) == 6 and 1 <= int(cpus) <= 2 for units, cpus in reloads), reloads
    boot = re.search(r"\[hyp\] load phase: (\d+) units on (\d) CPU\(s\)", console)
    assert boot and 1 <= int(boot[2]) <= 3, boot


def test_victim_keeps_its_beat(console):
    hb = heartbeat(console)
    assert hb.finished and hb.beats == 25, hb
    assert 20_000 <= hb.worst_period_us < 21_000, hb
