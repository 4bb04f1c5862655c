# SPDX-License-Identifier: Apache-2.0
"""Boot the default board in QEMU and watch the console: the walking skeleton end to end."""
from __future__ import annotations

import pexpect
import pytest

from qemu_run import spawn_run

pytestmark = pytest.mark.qemu


def test_hello_boots_faults_and_powers_off(tmp_path):
    child, _ = spawn_run("boards/qemu-virt-hello.yaml", tmp_path, 60)
    child.expect(r"\[hyp\] hvcfg \S+ on qemu-virt: 1 partition\(s\), 4 CPU\(s\), EL2 MMU on")
    child.expect(r"\[hyp\] hello: starting vCPU 0 on CPU 0")
    child.expect("hello from hello")
    child.expect(r"\[hyp\] hello: stage-2 fault: read of 4 bytes at ipa=0x60200000 "
                 r"pc=0x[0-9a-f]+ esr=0x[0-9a-f]+ -> halt")
    child.expect(r"\[hyp\] no partition left running: powering off")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, "QEMU must exit by itself (PSCI SYSTEM_OFF), not time out"
    assert "read something" not in child.before and "returned zero" not in child.before
