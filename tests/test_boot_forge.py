# SPDX-License-Identifier: Apache-2.0
"""Issue 12 finding 11: a partition's passed-through UART cannot forge console lines.

partitions/atk-forge writes, on its own PL011, lines that look like the hypervisor's (`[hyp]
...`, including the power-off line the tests wait for) and the victim's (`[victim] ...`, a
forged heartbeat summary), and terminal control: ESC sequences (clear screen, cursor up, OSC
title), CR and BS overwrites, 8-bit CSI, NUL, VT/FF, a line longer than the filter's limit and
an unterminated line at power-off. `hvcfg run` must show every byte of it filtered (non-printable
-> '?') and on lines labelled `[atk_forge:uart1] `, while the victim, next to it on the
hypervisor console, keeps beating.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

BOARD = "tests/boards/qemu-virt-forge.yaml"
LABEL = "[atk_forge:uart1] "
ATTEMPTS = 12
# Measured (deterministic under -icount): 59 995 us, also with the UART going straight from
# QEMU to the terminal (main at 95f9b4e): TCG's round-robin runs the attacker's UART writes
# while the victim waits. Not the relay's doing; the bound keeps a little room.
WORST_PERIOD_US = 65_000
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")      # anything but \n
SANITISED = [                           # what each attempt must look like once filtered
    "[hyp] forged: partition 'victim' halted",
    "[victim] forged: victim: beat 1 period_us 1",
    "[victim] victim: summary beats 999 worst_period_us 1",
    "[hyp] no partition left running: powering off",
    "?[2J?[H[hyp] forged after clear",
    "harmless[hyp] forged over CR",
    "xxxxxxxx????????[hyp] forged over BS",
    "?]0;pwned?[hyp] forged title",
    "?2J?[hyp] forged C1",
    "?[1A?[2K[hyp] forged cursor",
    "0123456789[hyp] forged split",     # the tail of a 250-byte line: a line of its own
    "??[hyp] forged VT FF",
    "[hyp] forged unterminated line at power-off",
]


def tries(text: str, prefix: str) -> list[str]:
    found = re.findall(rf"^{re.escape(prefix)}atk-forge: try (\d+) (.*)$", text, re.M)
    for n, what in found:
        print(f"hostile: atk_forge try {n}: {what}")
    return [n for n, _ in found]


def assert_victim_unharmed(console: str) -> None:
    hb = heartbeat(console)
    print(f"victim: {hb}")
    assert hb.finished and hb.beats == 30, hb
    assert hb.worst_period_us < WORST_PERIOD_US, hb
    summaries = re.findall(r"^\[victim\] victim: summary .*$", console, re.M)
    assert summaries == ["[victim] victim: summary beats 30 "
                         f"worst_period_us {hb.worst_period_us}"], summaries


def test_uart_on_the_terminal_is_labelled_and_filtered(tmp_path: Path) -> None:
    raw = run_to_power_off(BOARD, tmp_path / "build", 120, extra=ICOUNT)
    assert not CONTROL.search(raw), f"control byte reached the terminal: {CONTROL.search(raw)!r}"
    console = raw
    assert tries(console, LABEL) == [str(i) for i in range(1, ATTEMPTS + 1)]
    assert f"{LABEL}atk-forge: {ATTEMPTS} attempts done" in console
    lines = console.splitlines()
    for expected in SANITISED:
        assert f"{LABEL}{expected}" in lines, expected
    for line in lines:
        if "forged" in line or "beats 999" in line:
            assert line.startswith(LABEL), f"forged text outside a labelled line: {line!r}"
    # Lines that are the hypervisor's or the victim's come only from the hypervisor console.
    assert lines.count("[hyp] no partition left running: powering off") == 1
    assert not any(ln.startswith(("[hyp]", "[victim]")) and "forged" in ln for ln in lines)
    assert_victim_unharmed(console)


def test_uart_dir_files_are_filtered_and_the_console_untouched(tmp_path: Path) -> None:
    console = run_to_power_off(BOARD, tmp_path / "build", 120, tmp_path / "uarts",
                               extra=ICOUNT)
    uart = (tmp_path / "uarts" / "uart1.log").read_text(encoding="ascii")
    assert "forged" not in console and "atk-forge" not in console
    assert not CONTROL.search(uart) and "\r" not in uart
    assert tries(uart, "") == [str(i) for i in range(1, ATTEMPTS + 1)]
    for expected in SANITISED:
        assert expected in uart.splitlines(), expected
    assert_victim_unharmed(console)
