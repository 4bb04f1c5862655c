# SPDX-License-Identifier: Apache-2.0
"""The default board: three partitions on four CPUs, PSCI from a guest, a hypercall console,
a passed-through UART, and a partition attacking another one's memory (restarted, then halted)
while the others keep running."""
from __future__ import annotations

import re

import pytest

from qemu_run import run_to_power_off

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Boot boards/qemu-virt.yaml once to power-off; return (console text, uart1 text)."""
    tmp = tmp_path_factory.mktemp("demo")
    console = run_to_power_off("boards/qemu-virt.yaml", tmp / "build", 120, tmp / "uarts")
    assert re.search(r"\[hyp\] hvcfg \S+ on qemu-virt: 3 partition\(s\), 4 CPU\(s\)", console)
    assert "[hyp] rogue: halted" in console
    return console, (tmp / "uarts" / "uart1.log").read_text().replace("\r", "")


def lines_of(text: str, prefix: str) -> list[str]:
    return [line[len(prefix):].strip() for line in text.splitlines() if line.startswith(prefix)]


def test_psci_return_codes_seen_by_a_guest(demo):
    smp = lines_of(demo[0], "[smp]")
    for expected in ["vcpu0: up, PSCI version 0x10001",
                     "AFFINITY_INFO vcpu1 before CPU_ON -> 1",
                     "CPU_ON vcpu1 -> 0",
                     "AFFINITY_INFO vcpu1 after CPU_ON -> 0",
                     "CPU_ON vcpu1 again -> -4",           # ALREADY_ON
                     "CPU_ON foreign cpu 2 -> -2",         # INVALID_PARAMETERS
                     "CPU_ON entry outside my code -> -9",  # INVALID_ADDRESS
                     "unknown function 0xc6001234 -> -1",  # NOT_SUPPORTED
                     "PSCI_VERSION through SMC -> 0x10001",
                     "AFFINITY_INFO vcpu1 after its CPU_OFF -> 1"]:
        assert expected in smp, expected


def test_both_vcpus_print_heartbeats(demo):
    smp = lines_of(demo[0], "[smp]")
    for vcpu in (0, 1):
        assert [f"vcpu{vcpu}: heartbeat {i}" in smp for i in range(1, 9)] == [True] * 8


def test_hypercall_console_lines_are_whole(demo):
    for line in demo[0].splitlines():
        if line.startswith("[smp]") or line.startswith("[rogue]"):
            assert re.fullmatch(r"\[(smp|rogue)\] [ -~]+", line), line


def test_passed_through_uart_belongs_to_ticker(demo):
    uart1 = demo[1].splitlines()
    assert uart1[0] == "ticker: up on my own UART"
    beats = [line for line in uart1 if "heartbeat" in line]
    assert [f"ticker: heartbeat {i}" for i in range(1, 13)] == beats
    assert "[hyp] ticker: PSCI SYSTEM_OFF" in demo[0]


def test_attacker_is_restarted_then_halted_and_victim_unchanged(demo):
    console = demo[0]
    faults = re.findall(r"\[hyp\] rogue: stage-2 fault: write of 4 bytes at ipa=0x40100000 "
                        r"pc=0x[0-9a-f]+ esr=0x[0-9a-f]+ -> (.*)", console)
    assert faults == ["restart", "restart", "halt (restart limit reached)"]
    assert "[hyp] rogue: restarted (1 of 2)" in console
    assert "[hyp] rogue: restarted (2 of 2)" in console
    assert "the write went through" not in console
    before = re.search(r"\[smp\] victim checksum before: (0x[0-9a-f]+)", console).group(1)
    after = re.search(r"\[smp\] victim checksum after: (0x[0-9a-f]+)", console).group(1)
    assert before == after


def test_others_keep_running_after_the_attacker_halted(demo):
    console = demo[0]
    halted = console.index("[hyp] rogue: halted")
    assert "[smp] vcpu0: heartbeat" in console[halted:]
    assert "[smp] vcpu1: heartbeat" in console[halted:]
    assert console.index("[hyp] smp: PSCI SYSTEM_OFF") > halted
