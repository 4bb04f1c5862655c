# SPDX-License-Identifier: Apache-2.0
"""A hostile partition under the `inject` policy: every forbidden attempt becomes a health
monitor line and an exception delivered to the guest, which goes on; its neighbour is untouched."""
from __future__ import annotations

import re

import pytest

from qemu_run import run_to_power_off

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    console = run_to_power_off("tests/boards/qemu-virt-hostile.yaml", tmp / "build", 90,
                               tmp / "uarts")
    assert "[hostile] hostile: still alive, SYSTEM_OFF" in console
    return console, (tmp / "uarts" / "uart1.log").read_text()


HEX = r"0x[0-9a-f]+"


@pytest.mark.parametrize("event, guest_line", [
    (rf"stage-2 fault: read of 4 bytes at ipa=0x40200000 pc={HEX} esr={HEX}",
     "unmapped read: injected EC=0x25 FAR=0x40200000"),
    (rf"stage-2 fault: write of 4 bytes at ipa=0x40000000 pc={HEX} esr={HEX}",
     "write to rx code: injected EC=0x25 FAR=0x40000000"),
    (r"console hypercall: buffer ipa=0x40200000 len=16 outside its memory or over 256 bytes",
     "console hypercall, foreign buffer: injected EC=0x0"),
    (r"console hypercall: buffer ipa=0x40000000 len=4096 outside its memory or over 256 bytes",
     "console hypercall, 4096 bytes: injected EC=0x0"),
    (rf"trapped system register access \(EC=0x18\) pc={HEX} esr={HEX}",
     "dc isw: injected EC=0x0"),
])
def test_each_attempt_is_logged_and_injected(run, event, guest_line):
    console = run[0]
    assert re.search(rf"^\[hyp\] hostile: {event} -> inject$", console, re.M), event
    assert re.search(rf"^\[hostile\] {re.escape(guest_line)}", console, re.M), guest_line


def test_code_mapped_rx_is_not_written(run):
    # One event for the one write: the store never reached memory, nothing retried it.
    assert len(re.findall(r"hostile: stage-2 fault: write", run[0])) == 1


def test_ungranted_hypercall_is_quietly_not_supported(run):
    assert "[hostile] identity (not granted) -> -1" in run[0]
    assert not re.search(r"\[hyp\] hostile: .*identity", run[0])


def test_neighbour_keeps_running(run):
    assert "ticker: heartbeat 12" in run[1]
    assert "[hyp] ticker: PSCI SYSTEM_OFF" in run[0]
