"""boards/rpi4.yaml on QEMU's raspi4b: the real Pi 4 DTB, spin-table secondaries, no PSCI
firmware (the hypervisor never issues an SMC), GIC-400 through the same vGIC, power-off through
the PM watchdog."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HVCFG = str(Path(sys.executable).with_name("hvcfg"))

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    if not (ROOT / "build/guests/rpi4/bcm2711-rpi-4-b.dtb").exists():
        pytest.fail("the Pi 4 DTB is missing: run scripts/bootstrap (scripts/fetch-guests)")
    proc = subprocess.run([HVCFG, "--build-dir", str(tmp_path_factory.mktemp("rpi4") / "build"),
                           "run", "boards/rpi4.yaml", "--rebuild", "--timeout", "90"],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout.replace("\r", "")


def test_banner_on_the_pi(console):
    assert "[hyp] hvcfg 0.1.0 on rpi4: 2 partition(s), 4 CPU(s), EL2 MMU on" in console


def test_partitions_on_different_cores_one_started_with_cpu_on(console):
    assert "[hyp] heartbeat: starting vCPU 0 on CPU 0" in console
    assert "[hyp] smp: starting vCPU 0 on CPU 1" in console     # a spin-table secondary
    assert "[smp] CPU_ON vcpu1 -> 0" in console                   # PSCI emulated, no firmware
    assert "[smp] vcpu1: up" in console
    assert "[heartbeat] heartbeat 5" in console


def test_clean_power_off_through_the_watchdog(console):
    assert console.rstrip().endswith("[hyp] no partition left running: powering off")


@pytest.fixture(scope="module")
def linux_console(tmp_path_factory):
    if not (ROOT / "build/guests/rpi4/Image").exists():
        pytest.fail("the generic kernel is missing: run scripts/bootstrap (scripts/fetch-guests)")
    proc = subprocess.run([HVCFG, "--build-dir", str(tmp_path_factory.mktemp("rpi4l") / "build"),
                           "run", "boards/rpi4-linux.yaml", "--rebuild", "--timeout", "240"],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout.replace("\r", "")


def test_linux_with_two_vcpus_on_the_pi_next_to_a_heartbeat(linux_console):
    out = linux_console
    assert "[linux] hvcfg-linux: init reached" in out
    assert "[linux] hvcfg-linux: 6.1.0-56-arm64, 2 CPU(s), console ttyAMA0" in out or \
        re.search(r"\[linux\] hvcfg-linux: \S+-arm64, 2 CPU\(s\), console ttyAMA0", out)
    assert re.search(r"\[heartbeat\] heartbeat \d+", out[:out.index("init reached")])
    halted = out.index("[hyp] linux: halted")
    assert re.search(r"\[heartbeat\] heartbeat \d+", out[halted:])   # goes on after Linux
    assert out.rstrip().endswith("[hyp] no partition left running: powering off")
