# SPDX-License-Identifier: Apache-2.0
"""Host-compiled unit tests of hypervisor code (tests/host/README.md): each tests/host/test_*.c
is built by tests/host/Makefile with the host compiler, under AddressSanitizer and
UndefinedBehaviorSanitizer, and run; its own report is the failure message."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HOST = Path(__file__).resolve().parent / "host"
TESTS = sorted(p.stem for p in HOST.glob("test_*.c"))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    for tool in ("make", "cc"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: run scripts/bootstrap")
    return tmp_path_factory.mktemp("host-tests")


def test_there_are_host_tests():
    assert len(TESTS) >= 4, TESTS


@pytest.mark.parametrize("name", TESTS)
def test_host(out_dir, name):
    proc = subprocess.run(["make", "-s", "-C", str(HOST), f"O={out_dir}", f"run-{name}"],
                          capture_output=True, text=True, timeout=300)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert " 0 failed" in report and "FAIL" not in report, report
