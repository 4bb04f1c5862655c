# SPDX-License-Identifier: Apache-2.0
"""The trap benchmark partition (partitions/bench, scripts/bench-traps) runs to completion under
QEMU icount and prints a well-formed table. Functional only: no timing figure is asserted."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def output():
    proc = subprocess.run([str(ROOT / "scripts/bench-traps")], cwd=ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_calibration_one_tick_per_instruction(output):
    # The nop loops are the measuring stick: k nops + 3 loop instructions per iteration.
    for k in (1, 2, 9):
        m = re.search(rf"loop of {k} nop\(s\) \+ 3 = {k + 3} instructions/iteration -> "
                      r"([\d.]+) ticks/iteration", output)
        assert m, output
        assert abs(float(m.group(1)) - (k + 3)) < 0.01


@pytest.mark.parametrize("label, goal, ref", [
    ("null hypercall", "60", "146"),
    ("PSCI_VERSION", "-", "-"),
    ("GICD_TYPER read", "100", "224"),
    ("GICD_ISENABLER0 read", "120", "1,289"),
    ("trapped SMC (PSCI_VERSION)", "-", "-"),
    ("ACTLR_EL1 read", "-", "-"),
    ("virtual SGI to the other vCPU: sender", "-", "-"),
    ("virtual SGI round trip", "-", "-"),
])
def test_table_row(output, label, goal, ref):
    rows = [line for line in output.splitlines() if line.startswith(f"| {label}")]
    assert len(rows) == 1, output
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert len(cells) == 4
    figure = cells[1].replace(" (missed)", "").replace(",", "")
    assert float(figure) > 0                      # a positive instruction count, whatever it is
    assert cells[2:] == [goal, ref]


def test_sender_measured_alone(output):
    # vCPU 1 must not have run during the SGI sender loop, or the figure is not the sender's.
    assert "vCPU 1 ran during the sender loop" not in output


def test_channel_round_trip_row(output):
    # partitions/chanping and chanpong with BENCH: request and answer through two channels
    m = re.search(r"^\| channel round trip \(two partitions, doorbell both ways.*\| ([\d,]+) \|$",
                  output, re.M)
    assert m, output
    assert int(m.group(1).replace(",", "")) > 0
