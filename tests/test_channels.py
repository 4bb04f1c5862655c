# SPDX-License-Identifier: Apache-2.0
"""Channels between two bare-metal partitions on QEMU virt and on the Raspberry Pi 4 (QEMU
raspi4b with the real DTB: tests/boards/chan-qemu.yaml, chan-rpi4.yaml):
request/reply over two channels with doorbells both ways, a one-way telemetry channel, and the
attacks of the client (partitions/chanping): indices that are not its own, a write into a
read-only channel (a fault by policy, then a restart its peer sees), a doorbell flood while the
server (partitions/chanpong) keeps a victim's beat."""
from __future__ import annotations

import re

import pytest

from qemu_run import ROOT, run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu
# board -> chanping's RAM base (its req channel is placed by default right above its 2 MiB)
BOARDS = {"chan-qemu": 0x40000000, "chan-rpi4": 0x10000000}


@pytest.fixture(scope="module", params=sorted(BOARDS))
def run(request, tmp_path_factory) -> tuple[str, int]:
    if request.param == "chan-rpi4" and \
            not (ROOT / "build/guests/rpi4/bcm2711-rpi-4-b.dtb").exists():
        pytest.fail("the Pi 4 DTB is missing: run scripts/bootstrap (scripts/fetch-guests)")
    tmp = tmp_path_factory.mktemp(request.param)
    console = run_to_power_off(f"tests/boards/{request.param}.yaml", tmp / "build", 150,
                               extra=ICOUNT)
    return console, BOARDS[request.param]


@pytest.fixture
def console(run) -> str:
    return run[0]


def test_ping_pong(run):
    console, ram = run
    assert "[chanping] chanping: 100 round trips, 0 wrong answers" in console
    assert "[chanping] chanping: telemetry served 100" in console     # read through `ro`
    # Both see both ends started once; req: writable, can ring (flags 3); telemetry: read-only
    # for chanping, written by chanpong (its flags: writable only).
    assert f"[chanping] chanping: generation 1, peer generation 1, req at {ram + 0x200000:#x} " \
           "(4096 bytes), flags 3" in console
    assert "[chanpong] chanpong: generation 1, peer generation 1, telemetry flags 1" in console
    # chanping started first: a doorbell it rang before chanpong's start is not lost
    assert "[chanpong] chanpong: doorbell pending at start 1" in console


def test_foreign_indices_are_errors_not_faults(console):
    for call in ("ring telemetry (no doorbell out)", "ring index 3 (none)",
                 "ring index 0x100000000", "ring index -1", "channel_info index 3",
                 "channel_info index 0x100000000"):
        assert f"[chanping] chanping: {call} -> -1" in console, call
    # The only fault of chanping is the write into the read-only channel below.
    assert console.count("[hyp] chanping: stage-2 fault") == 1


def test_writing_a_read_only_channel_faults_by_policy(console):
    assert re.search(r"\[hyp\] chanping: stage-2 fault: write of 4 bytes at ipa=0x50000000 "
                     r"pc=0x[0-9a-f]+ esr=0x[0-9a-f]+ -> restart", console), console
    assert "[hyp] chanping: restarted (1 of 1)" in console
    assert "the write went through" not in console


def test_restart_is_visible_to_the_peer_and_keeps_the_contents(console):
    assert "[chanping] chanping: generation 2, peer generation 1" in console
    assert "[chanpong] chanpong: peer generation 1 -> 2" in console
    assert "[chanping] chanping: incarnation 2: req seq 100 kept" in console
    # the hypervisor rang chanpong's doorbell for the restart, before chanping rang again
    assert "[chanping] chanping: chanpong took 1 restart doorbell(s) before it rang" in console


def test_halt_is_visible_to_the_peer(console):
    # chanping powers itself off after its flood: its partition halts, and chanpong's
    # channel_info says so (flag PEER_HALTED) while its generation stays 2.
    halted = console.index("[hyp] chanping: halted")
    assert "[chanpong] chanpong: peer halted (generation 2)" in console[halted:]
    assert "peer halted" not in console[:halted]


def test_doorbell_flood_does_not_starve_the_receiver(console):
    flood = re.search(r"chanping: flood done: (\d+) rings, errors 0", console)
    assert flood and int(flood[1]) > 100_000, console[-2000:]
    taken = re.search(r"chanpong: (\d+) doorbell interrupts, 100 requests served", console)
    assert taken, console[-2000:]
    # Coalescing: the receiver takes far fewer interrupts than were rung.
    assert int(taken[1]) < int(flood[1]) // 10
    hb = heartbeat(console, "chanpong")
    assert hb.finished and hb.beats == 30, hb
    assert hb.worst_period_us < 30_000, hb      # measured: 20.05 ms (20 ms period)
