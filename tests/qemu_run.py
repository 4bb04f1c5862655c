# SPDX-License-Identifier: Apache-2.0
"""Booting a board with `hvcfg run` under pexpect, for the QEMU tests."""
from __future__ import annotations

import io
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pexpect

from hvcfg.serialrelay import QEMU_CRASHED

ROOT = Path(__file__).resolve().parent.parent
HVCFG = str(Path(sys.executable).with_name("hvcfg"))
# QEMU's own warnings (e.g. "icount sleep disabled and no active timers" when every vCPU idles
# under -icount) share the terminal with the console and may land inside a line.
# QEMU's warnings on its stderr, which shares the terminal with the console and can cut into a
# console line, or be cut by it ("...powering oqemu-system-aarch64:ff\n warning: icount sleep
# ..." was seen): the prefix wherever it is, and a warning's text at the start of a line.
QEMU_WARNING = re.compile(r"qemu-system-aarch64:(?: warning: [^\r\n]*\r?\n)?"
                          r"|(?m:^ warning: [^\r\n]*\r?\n)")


def hyp_define(header: str, name: str) -> int:
    """A number the hypervisor defines in hyp/include/hv/`header` (read, never retyped)."""
    text = (ROOT / "hyp" / "include" / "hv" / header).read_text()
    m = re.search(rf"^#define {name}\s+(\d+)u?\b", text, re.M)
    if not m:
        raise LookupError(f"no #define {name} in hyp/include/hv/{header}")
    return int(m.group(1))


PREFIX = re.compile(r"^\[([\w.-]+)\] ")


def console_digest(text: str, hyp_lines: int = 40, per_partition: int = 6) -> str:
    """What a failed wait shows of the console: the hypervisor's last lines and each
    partition's last few, since a hang's cause is rarely in the last characters (a heartbeat
    partition next to it fills those)."""
    lines = QEMU_WARNING.sub("", text).replace("\r", "").splitlines()
    by_source: dict[str, list[str]] = {}
    for line in lines:
        m = PREFIX.match(line)
        by_source.setdefault(m.group(1) if m else "(unprefixed)", []).append(line)
    out = [f"console: {len(lines)} lines; the hypervisor's last {hyp_lines}:"]
    out += by_source.pop("hyp", [])[-hyp_lines:]
    for source, said in by_source.items():
        out.append(f"-- {source}: {len(said)} lines, the last {per_partition}:")
        out += said[-per_partition:]
    return "\n".join(out)


class ConsoleChild(pexpect.spawn):
    """pexpect.spawn whose failed wait (EOF, timeout) carries console_digest of the whole run:
    CI shows only the test report, so a hang must be diagnosable from it alone."""

    def _failed(self, e: Exception) -> Exception:
        log = self.logfile.getvalue() if isinstance(self.logfile, io.StringIO) else ""
        return type(e)(f"{e}\n{console_digest(log)}")

    def expect_list(self, *args, **kwargs):
        try:
            return super().expect_list(*args, **kwargs)
        except (pexpect.EOF, pexpect.TIMEOUT) as e:
            raise self._failed(e) from None

    def expect_exact(self, *args, **kwargs):
        try:
            return super().expect_exact(*args, **kwargs)
        except (pexpect.EOF, pexpect.TIMEOUT) as e:
            raise self._failed(e) from None


def spawn_run(board: str, build_dir: Path, timeout: int, uart_dir: Path | None = None,
              rebuild: bool = True, extra: Sequence[str] = ()) -> tuple[pexpect.spawn, io.StringIO]:
    """`hvcfg run BOARD` (QEMU bounded by `timeout` s too); returns the child and its log.
    `extra`: more `hvcfg run` arguments (e.g. victim.ICOUNT)."""
    args = ["--build-dir", str(build_dir), "run", board, "--timeout", str(timeout)]
    args += ["--rebuild"] if rebuild else []
    args += ["--uart-dir", str(uart_dir)] if uart_dir else []
    args += list(extra)
    log = io.StringIO()
    child = ConsoleChild(HVCFG, args, cwd=str(ROOT), encoding="utf-8", timeout=timeout,
                         logfile=log)
    return child, log


def stop_and_keep(child: pexpect.spawn, log: io.StringIO, name: str) -> None:
    """End a module's boot: QEMU stopped, its console kept in build/`name` to read afterwards."""
    child.terminate(force=True)
    (ROOT / "build" / name).write_text(log.getvalue())


def run_to_power_off(board: str, build_dir: Path, timeout: int, uart_dir: Path | None = None,
                     rebuild: bool = True, extra: Sequence[str] = ()) -> str:
    """Boot until the hypervisor powers the machine off; the console text (CRs removed).

    A run that QEMU's own crash ended (`hvcfg run` says so: serialrelay.QEMU_CRASHED) is booted
    once more, with a warning in the test report: QEMU 10.0's GICv2 model can dereference a
    null current CPU (docs/testing-attacks.md, "QEMU's own crash"), which says nothing about
    the hypervisor. A second crash fails the test."""
    for attempt in (1, 2):
        child, log = spawn_run(board, build_dir, timeout, uart_dir, rebuild, extra)
        child.expect(pexpect.EOF)
        child.close()
        console = QEMU_WARNING.sub("", log.getvalue()).replace("\r", "")
        crash = next((ln for ln in console.splitlines() if ln.startswith(QEMU_CRASHED)), None)
        if crash is None or attempt == 2:
            break
        warnings.warn(f"{board}: {crash}; booted again", stacklevel=2)
    # QEMU must exit by itself, and with status 0, after the last partition stopped.
    assert child.exitstatus == 0 and "[hyp] no partition left running: powering off" in console, \
        f"exit status {child.exitstatus}, {len(console)} characters\n{console_digest(console)}"
    return console


def run_with_uart(board: str, tmp: Path, timeout: int,
                  extra: Sequence[str] = ()) -> tuple[str, list[str]]:
    """`run_to_power_off` with the passed-through UART logged under `tmp`: the console text
    and the lines of the second UART (uart1.log), CRs removed."""
    console = run_to_power_off(board, tmp / "build", timeout, uart_dir=tmp, extra=extra)
    return console, (tmp / "uart1.log").read_text().replace("\r", "").splitlines()
