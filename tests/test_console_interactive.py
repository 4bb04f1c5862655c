# SPDX-License-Identifier: Apache-2.0
"""Issue 20: the console feels like a terminal for the partition with the input focus, and
stays unforgeable (hyp/core/linedisc.c, docs/architecture.md "Virtual UART and the console").

- Linux (boards/qemu-virt-linux.yaml): the shell's prompt shows before any newline is sent
  after the Enter that init asks for; what is typed is echoed at once; busybox's cursor
  position query (ESC[6n) never appears as text; no ESC byte reaches the terminal at all;
  Ctrl-] three times under `hvcfg run` moves the focus to a bare-metal partition with a
  virtual UART, which gets what is typed, and back.
- partitions/atk-console MODE 8, focused: partial lines shown, then continued with CR, BS,
  cursor movement, erase, ESC[6n and other sequences, a byte at a time: on the terminal (as a
  terminal shows it) no line it writes starts other than with its own prefix.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qemu_run import ROOT, spawn_run
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

GUESTS = ROOT / "build" / "guests" / "linux"
SWITCH = "\x1d" * 3                         # Ctrl-] three times (HV_FOCUS_KEY)
FORGES = 9                                  # partitions/atk-console/main.c, forges[]
QEMU_SLICE_US = 100_000


def screen(raw: str) -> list[str]:
    """What a terminal shows for the console bytes: printable text, BS, CR, LF (the only
    bytes the hypervisor sends), every row without trailing blanks."""
    rows: list[str] = []
    row: list[str] = []
    col = 0
    for ch in raw:
        if ch == "\n":
            rows.append("".join(row).rstrip())
            row, col = [], 0
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(col - 1, 0)
        else:
            row.extend(" " * (col + 1 - len(row)))
            row[col] = ch
            col += 1
    rows.append("".join(row).rstrip())
    return rows


def test_screen_model() -> None:
    assert screen("[a] xy\b\bz\r\n[b] 1\r2") == ["[a] zy", "2b] 1"]


def test_focused_partition_cannot_forge_lines(tmp_path: Path) -> None:
    child, log = spawn_run("tests/boards/console-forge.yaml", tmp_path / "build", 180,
                           extra=ICOUNT)
    child.logfile, child.logfile_read = None, log
    try:
        child.expect(r"\[hyp\] console input goes to atk")
        for n in range(1, FORGES + 1):
            child.expect(rf"\[atk\] atk: try {n} ")
        # A partial line is shown at once: before its CR or newline is written.
        raw_so_far = log.getvalue()
        assert "[atk] [hyp] forged partial" in raw_so_far
        child.expect(r"\[hyp\] no partition left running: powering off")
        child.expect(r"\Z|$", timeout=30)
    finally:
        child.close(force=True)
    raw = log.getvalue()
    bad = re.search(r"[^\x20-\x7e\r\n\b]", raw.replace("\t", ""))
    assert not bad, f"a byte the hypervisor never sends reached the terminal: {bad!r}"
    assert "\x1b" not in raw and "[6n" not in raw
    rows = screen(raw)
    print("\n".join(r for r in rows if "forged" in r or "atk:" in r))
    assert f"[atk] atk: mode 8: {FORGES} attempts done" in rows
    for row in rows:
        if "forged" in row or "pwned" in row or "answered" in row:
            assert row.startswith("[atk] "), f"forged text outside its own line: {row!r}"
        assert not (row.startswith("[hyp]") and "forged" in row), row
    # What the terminal shows is what the partition's line holds, after its prefix.
    for want in ("[atk] [hyp] forged after CR", "[atk] [hyp] forged over BS",
                 "[atk] [hyp] forged far left", "[atk] [hyp] forged erase line",
                 "[atk]    [hyp] forged cursor up", "[atk] query  answered?",
                 "[atk] [hyp] forged red title", "[atk] [hyp] forged after clear",
                 "[atk] [hyp] forged after the cut"):
        assert want in rows, want
    assert any(r.startswith("[atk] [hyp] forged unterminated at power-off") for r in rows)
    hb = heartbeat(raw.replace("\r", ""))
    print(f"victim: {hb}")
    assert hb.finished, hb
    assert hb.worst_period_us < QEMU_SLICE_US + 5_000, hb


def test_linux_shell_is_interactive_and_focus_switches(tmp_path: Path) -> None:
    if not (GUESTS / "Image").exists():
        pytest.fail("build/guests/linux/Image is missing: run scripts/bootstrap")
    child, log = spawn_run("tests/boards/console-linux.yaml", tmp_path / "build", 300)
    child.logfile, child.logfile_read = None, log     # what QEMU printed, not what was typed
    try:
        child.expect(r"\[hyp\] console input goes to linux \(Ctrl-\] three times to switch\)")
        child.expect(r"press Enter within \d+ s for a shell")
        child.send("\r")
        # The prompt, with no newline after it and none sent: shown at once.
        child.expect(r"\[linux\] [^\r\n]*hvcfg-linux# ")
        child.send("echo hel")
        child.expect_exact("echo hel")              # echoed as typed, right after the prompt
        assert child.before == "", repr(child.before)
        child.send("lo\r")
        child.expect(r"\n\[linux\] hello\r")
        child.send(SWITCH)
        child.expect(r"\[hyp\] console input goes to listen")
        child.send("ping\r")
        child.expect(r"\[listen\] listen: got ping")
        child.send(SWITCH)
        child.expect(r"\[hyp\] console input goes to linux")
        child.send("echo back\r")
        child.expect(r"\n\[linux\] back\r")
        child.send("poweroff -f\r")
        child.expect(r"\[hyp\] linux: halted")
    finally:
        child.close(force=True)
    raw = log.getvalue()
    assert "\x1b" not in raw, "an escape sequence reached the terminal"
    assert "[6n" not in raw, "busybox's cursor position query shown as text"
    rows = screen(raw[raw.index("[hyp] hvcfg "):])
    for row in rows:            # every line the console shows is someone's (or QEMU's)
        assert not row or re.match(r"\[(hyp|linux|listen)\]( |$)", row) or "qemu" in row, row
