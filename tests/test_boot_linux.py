# SPDX-License-Identifier: Apache-2.0
"""Unmodified Debian Linux in a partition (boards/qemu-virt-linux.yaml): two vCPUs, the virtual
GIC and timer, the virtual UART both ways, and a bare-metal heartbeat that keeps going while
Linux boots and after it powers itself off."""
from __future__ import annotations

import re

import pytest

from linux_shell import shell
from qemu_run import ROOT, spawn_run, stop_and_keep

GUESTS = ROOT / "build" / "guests" / "linux"

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def linux(tmp_path_factory):
    if not (GUESTS / "Image").exists():
        pytest.fail("build/guests/linux/Image is missing: "
                    "run scripts/bootstrap (it fetches the guests)")
    child, log = spawn_run("boards/qemu-virt-linux.yaml",
                           tmp_path_factory.mktemp("linux") / "build", 300)
    child.expect(r"\[linux\] hvcfg-linux: init reached")
    child.expect(r"press Enter within \d+ s for a shell")
    child.sendline("")
    yield child, log
    stop_and_keep(child, log, "test-linux-console.log")


def test_linux_runs_smp_with_timer_and_uart_interrupts(linux):
    child, log = linux
    assert shell(child, "nproc").strip().splitlines()[-1] == "2"
    interrupts = shell(child, "cat /proc/interrupts")
    timer = re.search(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+GIC-0\s+27 Level\s+arch_timer", interrupts, re.M)
    assert timer and int(timer.group(1)) > 0 and int(timer.group(2)) > 0, interrupts
    uart = re.search(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+GIC-0\s+33 Level\s+uart-pl011", interrupts, re.M)
    assert uart and int(uart.group(1)) + int(uart.group(2)) > 0, interrupts
    assert re.search(r"^\s*IPI0:\s+\d+\s+\d+", interrupts, re.M)      # SGIs between vCPUs


def test_boot_log_loses_no_line(linux):
    """A Debian boot's console output fits the partition's output burst (hv/pconsole.h,
    HV_PCONSOLE_BURST): with a smaller one a fast boot lost /init's first lines."""
    child, log = linux
    boot = log.getvalue().split("press Enter within", 1)[0]
    assert "[linux] hvcfg-linux: init reached" in boot
    assert not re.search(r"\[hyp\] linux: \d+ lines suppressed", boot), boot[-3000:]


def test_heartbeat_keeps_going_during_linux_boot(linux):
    child, log = linux
    text = log.getvalue()
    booted = text.index("[linux] hvcfg-linux: init reached")
    assert "[heartbeat] heartbeat 1" in text[:booted]
    assert re.search(r"\[heartbeat\] heartbeat \d+", text[booted:]) or \
        child.expect(r"\[heartbeat\] heartbeat \d+") == 0


def test_linux_poweroff_stops_only_linux(linux):
    child, log = linux
    child.sendline("poweroff -f")
    child.expect(r"\[hyp\] linux: PSCI SYSTEM_OFF")
    child.expect(r"\[hyp\] linux: halted")
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    first = int(child.match.group(1))
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    assert int(child.match.group(1)) == first + 1
    assert "no partition left running" not in log.getvalue()
