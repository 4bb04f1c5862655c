# SPDX-License-Identifier: Apache-2.0
"""The channel demo on both Linux boards (boards/qemu-virt-linux.yaml, boards/rpi4-linux.yaml):
from the Linux shell `hvchan ping req` gets the answers the bare-metal chanpong computes, and
the one-way telemetry chanpong writes is readable. (The attacks from Linux user space run on
tests/boards/chan-linux-qemu.yaml: tests/test_chan_linux.py.)"""
from __future__ import annotations

import re

import pytest

from qemu_run import ROOT, spawn_run
from test_chan_linux import shell

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("board,kernel", [("boards/qemu-virt-linux.yaml", "linux/Image"),
                                          ("boards/rpi4-linux.yaml", "rpi4/Image")])
def test_hvchan_ping_from_the_linux_shell(board, kernel, tmp_path):
    if not (ROOT / "build" / "guests" / kernel).exists():
        pytest.fail(f"build/guests/{kernel} is missing: run scripts/bootstrap")
    child, log = spawn_run(board, tmp_path / "build", 500)
    try:
        child.expect(r"press Enter within \d+ s for a shell", timeout=400)
        child.sendline("")
        child.expect(r"Enter 'help' for a list", timeout=30)
        out = shell(child, "hvchan ping req reply 3", timeout=120)
        assert out.endswith("rc=0"), out
        for seq, value in ((1, 1000), (2, 1001), (3, 1002)):
            assert f"request {seq} value {value} -> answer {value * 3 + 7} (ok)" in out, out
        tel = shell(child, "hvchan dump telemetry 3")
        m = re.search(r"^telemetry: (\d+) (\d+) (\d+)$", tel, re.M)
        assert m and int(m.group(1)) == 3, tel        # chanpong served the three requests
    finally:
        child.terminate(force=True)
        (ROOT / "build" / f"test-chan-demo-{board.split('/')[-1]}.log").write_text(log.getvalue())
