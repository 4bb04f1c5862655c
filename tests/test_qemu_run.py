# SPDX-License-Identifier: Apache-2.0
"""qemu_run's own rules, against a stand-in for `hvcfg run`: a run that QEMU's crash ended is
booted once more (with a warning), a second crash fails with the console's digest."""
from __future__ import annotations

import io
import sys

import pytest

import qemu_run
from hvcfg.serialrelay import QEMU_CRASHED

CRASHED = f"[hyp] up\r\n\r\n{QEMU_CRASHED}: killed by SIGSEGV\r\n"
POWERED_OFF = "[hyp] up\r\n[hyp] no partition left running: powering off\r\n"


def fake_runs(monkeypatch, outputs: list[tuple[str, int]]) -> list[str]:
    """spawn_run replaced: the n-th boot prints outputs[n][0] and exits with outputs[n][1]."""
    boots: list[str] = []

    def spawn(board, build_dir, timeout, uart_dir=None, rebuild=True, extra=()):
        text, status = outputs[len(boots)]
        boots.append(board)
        log = io.StringIO()
        code = f"import sys; sys.stdout.write({text!r}); sys.stdout.flush(); sys.exit({status})"
        child = qemu_run.ConsoleChild(sys.executable, ["-c", code], encoding="utf-8",
                                      timeout=30, logfile=log)
        return child, log

    monkeypatch.setattr(qemu_run, "spawn_run", spawn)
    return boots


def test_a_qemu_crash_is_booted_again(monkeypatch, tmp_path) -> None:
    boots = fake_runs(monkeypatch, [(CRASHED, 139), (POWERED_OFF, 0)])
    with pytest.warns(UserWarning, match=f"b.yaml: {QEMU_CRASHED}: killed by SIGSEGV; booted"):
        console = qemu_run.run_to_power_off("b.yaml", tmp_path, 30)
    assert boots == ["b.yaml", "b.yaml"] and console.endswith("powering off\n")


def test_a_second_crash_fails(monkeypatch, tmp_path) -> None:
    boots = fake_runs(monkeypatch, [(CRASHED, 139), (CRASHED, 139), (POWERED_OFF, 0)])
    with pytest.warns(UserWarning), pytest.raises(AssertionError, match="exit status 139"):
        qemu_run.run_to_power_off("b.yaml", tmp_path, 30)
    assert len(boots) == 2


def test_no_power_off_is_a_failure_without_a_second_boot(monkeypatch, tmp_path) -> None:
    boots = fake_runs(monkeypatch, [("[hyp] up\r\n", 0), (POWERED_OFF, 0)])
    with pytest.raises(AssertionError, match="the hypervisor's last 40:\n\\[hyp\\] up"):
        qemu_run.run_to_power_off("b.yaml", tmp_path, 30)
    assert len(boots) == 1
