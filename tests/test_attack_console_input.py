# SPDX-License-Identifier: Apache-2.0
"""Console input against a deaf partition (issue 12, finding 4). `deaf` has a virtual UART and
the input focus and never reads its receive FIFO; `listen` echoes what it is sent; the victim
beats on the boot CPU, which takes the console UART's interrupt. The hypervisor must keep
draining the UART: bytes for the full FIFO are dropped and counted, the focus switch sequence
(Ctrl-] three times) is seen and announced, and the deaf partition's restart leaves neither
its held input nor its partial output line to the next incarnation."""
from __future__ import annotations

import pytest

from qemu_run import spawn_run
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

QEMU_SLICE_US = 100_000
SWITCH = "\x1d" * 3                         # Ctrl-] three times (HV_FOCUS_KEY)
RX_BUF = 64                                 # drivers/vuart.c: its RX FIFO and backlog
HOSTILE_ACTIONS = (
    "a focused virtual-UART partition never reads its receive FIFO while input arrives",
    "more input than its FIFO holds, then the focus switch sequence behind it",
    "a partial output line left in the hypervisor's buffer, then a fault (restart)",
    "the switch key alone, passed to a guest (a non-printable byte in its output)",
)


def test_deaf_partition_cannot_freeze_console_input(tmp_path):
    child, log = spawn_run("tests/boards/qemu-virt-atk-console-deaf.yaml", tmp_path / "build",
                           120, extra=ICOUNT)
    child.logfile, child.logfile_read = None, log     # what QEMU printed, not what was typed
    print("hostile actions:", "; ".join(HOSTILE_ACTIONS))
    try:
        child.expect(r"\[hyp\] console input goes to deaf \(Ctrl-\] three times to switch\)")
        child.expect(r"\[deaf\] deaf: up, rx FIFO empty")
        child.expect(r"\[listen\] listen: up")

        # 100 bytes and a newline for 64 that nobody reads, the switch right behind. (Under
        # -icount QEMU hands typed bytes over slowly, about 10 a second: deaf waits
        # DEAF_RESET_MS = 1.5 s of its time, some 20 s here, before it restarts.)
        child.send("x" * 100 + "\n" + SWITCH)
        child.expect(r"\[hyp\] deaf: console input: (\d+) bytes dropped "
                     r"\(its receive FIFO was full\)")
        assert int(child.match.group(1)) == 101 - RX_BUF
        child.expect(r"\[hyp\] console input goes to listen \(Ctrl-\] three times to switch\)")

        # deaf faults with a partial line pending; its next incarnation starts clean.
        child.expect(r"\[deaf\] deaf: rx FIFO still full, never read")
        child.expect(r"\[hyp\] deaf: stage-2 fault: read of 4 bytes at ipa=0x40200000 "
                     r".* -> restart")
        child.expect(r"\[hyp\] deaf: restarted \(1 of 3\)")
        for first in ("atk: mode 5 on 1 vCPUs", "deaf: up, rx FIFO empty"):
            child.expect(r"\[deaf\] ([^\r\n]*)\r*\n")     # no partial line glued in front
            assert child.match.group(1) == first, child.match.group(1)

        child.send("ping\n")
        child.expect(r"\[listen\] listen: got ping")
        child.send("\x1d" + "ab\n")        # one Ctrl-] is the guest's, shown as '?'
        child.expect(r"\[listen\] listen: got \?ab")
        child.send(SWITCH)                  # and back to the deaf one: still switchable
        child.expect(r"\[hyp\] console input goes to deaf")
        child.send(SWITCH + "off\n")
        child.expect(r"\[listen\] listen: got off")
        child.expect(r"\[hyp\] listen: halted")
    finally:
        child.close(force=True)
    console = log.getvalue().replace("\r", "")
    assert "deaf: partial line" not in console, "a partial line never reaches the console"
    hb = heartbeat(console)
    print(f"victim: {hb}")
    assert hb.beats >= 20, hb
    # Under -icount the three vCPUs share one host thread round robin: QEMU's 100 ms slice
    # bounds what busy neighbours alone do to a period (tests/test_attack_console.py).
    assert 20_000 <= hb.worst_period_us < QEMU_SLICE_US + 5_000, hb
