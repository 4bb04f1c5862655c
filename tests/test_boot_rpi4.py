# SPDX-License-Identifier: Apache-2.0
"""boards/rpi4.yaml on QEMU's raspi4b: the real Pi 4 DTB, spin-table secondaries, no PSCI
firmware (the hypervisor never issues an SMC), GIC-400 through the same vGIC, power-off through
the PM watchdog."""
from __future__ import annotations

import re
import subprocess

import pytest

from qemu_run import HVCFG, ROOT, spawn_run

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
    assert "[hyp] hvcfg 0.1.0 on rpi4: 3 partition(s), 4 CPU(s), EL2 MMU on" in console


def test_isolation_attacker_handled_by_policy_others_keep_running(console):
    faults = re.findall(r"\[hyp\] rogue: stage-2 fault: write of 4 bytes at ipa=0x11100000 "
                        r"pc=0x[0-9a-f]+ esr=0x[0-9a-f]+ -> (.*)", console)
    assert faults == ["restart", "restart", "halt (restart limit reached)"]
    halted = console.index("[hyp] rogue: halted")
    assert "[smp] vcpu1: heartbeat" in console[halted:]
    before = re.search(r"\[smp\] victim checksum before: (0x[0-9a-f]+)", console).group(1)
    after = re.search(r"\[smp\] victim checksum after: (0x[0-9a-f]+)", console).group(1)
    assert before == after


def test_the_pi_image_never_issues_an_smc(tmp_path):
    """No PSCI firmware on the Pi: an SMC from EL2 would never return."""
    from hvcfg import pipeline
    result = pipeline.build(ROOT / "boards/rpi4.yaml", tmp_path / "build")
    dis = subprocess.run(["aarch64-linux-gnu-objdump", "-d", str(result.elf)],
                         capture_output=True, text=True, check=True).stdout
    assert not re.search(r"\tsmc\t", dis)
    assert "hv_platform_cpu_on" in dis


def test_partitions_on_different_cores_one_started_with_cpu_on(console):
    assert "[hyp] heartbeat: starting vCPU 0 on CPU 0" in console
    assert "[hyp] smp: starting vCPU 0 on CPU 1" in console     # a spin-table secondary
    assert "[smp] CPU_ON vcpu1 -> 0" in console                   # PSCI emulated, no firmware
    assert "[smp] vcpu1: up" in console
    assert "[heartbeat] heartbeat 5" in console


def test_clean_power_off_through_the_watchdog(console):
    assert console.rstrip().endswith("[hyp] no partition left running: powering off")


def test_linux_with_two_vcpus_on_the_pi_next_to_a_heartbeat(tmp_path):
    """Linux reaches /init with 2 vCPUs while the heartbeat goes on, before and after Linux
    powers itself off (QEMU is stopped by the test: the heartbeat would go on for minutes)."""
    if not (ROOT / "build/guests/rpi4/Image").exists():
        pytest.fail("the generic kernel is missing: run scripts/bootstrap (scripts/fetch-guests)")
    child, log = spawn_run("boards/rpi4-linux.yaml", tmp_path / "build", 400)
    try:
        child.expect(r"\[linux\] hvcfg-linux: init reached")
        child.expect(r"\[linux\] hvcfg-linux: \S+-arm64, 2 CPU\(s\), console ttyAMA0")
        child.expect(r"\[hyp\] linux: halted")
        child.expect(r"\[heartbeat\] heartbeat \d+")      # goes on after Linux
    finally:
        child.terminate(force=True)
    out = log.getvalue().replace("\r", "")
    assert re.search(r"\[heartbeat\] heartbeat \d+", out[:out.index("init reached")])
