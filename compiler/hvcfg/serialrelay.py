# SPDX-License-Identifier: Apache-2.0
"""`hvcfg run`'s terminal: the hypervisor console as is, every other UART filtered and labelled.

The first UART is the hypervisor's console: QEMU reads it from this terminal, and what it
prints passes through unchanged (the hypervisor already filters and prefixes what partitions
send through it). Every other UART belongs to a partition that drives it directly, so nothing
stands between a hostile partition and the terminal but this module: QEMU hands each such UART
to a Unix socket, and its bytes reach the terminal filtered more bluntly than the hypervisor's
console (hyp/core/linedisc.c interprets line editing; nothing here does): whole lines only, CR
dropped, every other non-printable byte (ESC, BEL, BS, NUL, 8-bit C1 codes) as '?', at most
LINE bytes a line, each
line prefixed with `[<partition>:uartN] `. A UART line is written only where a console line
ends, or after the console has been mid-line for CONSOLE_IDLE_S (the focused partition's open
line, e.g. a shell prompt): that line is then ended, the UART lines follow, and the console
line is written again as the terminal showed it (ConsoleLine), with its prefix, so that what the
hypervisor sends next continues it there and never starts a line of its own. So a UART line
can neither splice into nor pose as a console line. With `--uart-dir DIR` the lines go,
filtered but unlabelled, to DIR/uartN.log instead.

What the terminal does not take yet waits (write_all): QEMU makes its stdin non-blocking, and
when that is this terminal the flag is shared with our stdout, so a full terminal (a slow reader,
Ctrl-S) would otherwise end the run in the middle of a line. QEMU killed by a signal is an
emulator crash, not anything the hypervisor decided: the run says so (QEMU_CRASHED) and exits
128 + the signal's number, as a shell would.
"""
from __future__ import annotations

import os
import select
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .model import System

LINE = 240                   # as HV_LD_LINE, hyp/include/hv/linedisc.h
CONSOLE_IDLE_S = 0.2         # a console line left open this long (a prompt) lets UART lines out
QEMU_CRASHED = "hvcfg: QEMU crashed"   # how a run that QEMU's own crash ended says so


def write_all(stream: BinaryIO, data: bytes, deadline: float | None = None) -> None:
    """All of `data` to `stream`, waiting while its file is full even if it is non-blocking;
    past `deadline` (time.monotonic()) the rest is dropped: a terminal that takes nothing
    must not stretch the run's own time bound."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):      # not a file (io.BytesIO in tests)
        stream.write(data)
        stream.flush()
        return
    stream.flush()
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            select.select([], [fd], [], left)


@dataclass
class LineFilter:
    """Bytes of one UART -> whole, printable, labelled lines."""

    prefix: bytes
    line: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[bytes]:
        out = []
        for c in data:
            if c == 0x0A:
                out.append(self._take())
            elif c != 0x0D:
                self.line.append(c if 0x20 <= c < 0x7F else 0x3F)
                if len(self.line) == LINE:
                    out.append(self._take())
        return out

    def end(self) -> list[bytes]:
        """The unfinished line when the UART closes."""
        return [self._take()] if self.line else []

    def _take(self) -> bytes:
        text = self.prefix + bytes(self.line) + b"\n"
        self.line.clear()
        return text


@dataclass
class ConsoleLine:
    """The console's unfinished line as the terminal shows it: the hypervisor sends printable
    text, BS, CR and LF only (hyp/core/linedisc.c)."""

    text: bytearray = field(default_factory=bytearray)
    col: int = 0

    def feed(self, data: bytes) -> None:
        for c in data:
            if c == 0x0A:
                self.text.clear()
                self.col = 0
            elif c == 0x0D:
                self.col = 0
            elif c == 0x08:
                self.col = max(self.col - 1, 0)
            else:
                self.text.extend(b" " * (self.col + 1 - len(self.text)))
                self.text[self.col] = c
                self.col += 1

    def redraw(self) -> bytes:
        """The line again, on a fresh terminal line, the cursor where it was."""
        return bytes(self.text) + b"\b" * (len(self.text) - self.col)


def uart_labels(system: System, serials: int) -> list[str]:
    """`<partition>:uartN` (or `uartN` when no partition owns it) for QEMU's -serial N >= 1.

    QEMU connects -serial N to the board's N-th UART in address order (virt: 0x09000000, then
    0x09040000); the first is the hypervisor console."""
    console = system.hypervisor.console.device.path
    pl011s = sorted((d for d in system.board.devices.values()
                     if d.regs and any("pl011" in c for c in d.compatible)),
                    key=lambda d: d.regs[0].base)
    extra = [d.path for d in pl011s if d.path != console]
    owner = {d.device.path: p.name for p in system.partitions for d in p.devices}
    labels = []
    for n in range(1, serials):
        path = extra[n - 1] if n - 1 < len(extra) else None
        labels.append(f"{owner[path]}:uart{n}" if path in owner else f"uart{n}")
    return labels


@dataclass
class _Uart:
    n: int
    filter: LineFilter
    sink: BinaryIO | None        # a --uart-dir file; None: the terminal
    listener: socket.socket
    conn: socket.socket | None = None


class Relay:
    """Runs QEMU and copies its console and UARTs to `out` until it exits."""

    def __init__(self, system: System, serials: int, uart_dir: Path | None,
                 out: BinaryIO | None = None):
        self.out = out if out is not None else sys.stdout.buffer
        self.tmp = tempfile.TemporaryDirectory(prefix="hvcfg-uart-")
        self.uarts: list[_Uart] = []
        for n, label in enumerate(uart_labels(system, serials), start=1):
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(Path(self.tmp.name) / f"uart{n}"))
            listener.listen(1)
            sink = (uart_dir / f"uart{n}.log").open("wb") if uart_dir else None
            prefix = b"" if sink else f"[{label}] ".encode()
            self.uarts.append(_Uart(n, LineFilter(prefix), sink, listener))
        self.console_open = False           # the console's last byte was not a newline
        self.console_since = 0.0
        self.console_line = ConsoleLine()
        self.pending: list[bytes] = []
        self.deadline: float | None = None  # run()'s: writes to a full terminal wait until then

    @property
    def sockets(self) -> list[Path]:
        """Where QEMU connects -serial N (N >= 1), in order."""
        return [Path(u.listener.getsockname()) for u in self.uarts]

    def run(self, cmd: list[str], timeout: float | None) -> int:
        sel = selectors.DefaultSelector()
        try:
            qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        except BaseException:
            self.close()
            raise
        assert qemu.stdout is not None
        console = qemu.stdout.fileno()
        sel.register(console, selectors.EVENT_READ, None)
        for u in self.uarts:
            sel.register(u.listener, selectors.EVENT_READ, u)
        deadline = None if timeout is None else time.monotonic() + timeout
        self.deadline = deadline
        self.console_done = False
        try:
            while not self.console_done:
                wait = CONSOLE_IDLE_S if self.pending else None
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._stop(qemu)
                        self._flush_pending(force=True)
                        self._write(f"\nhvcfg: QEMU stopped after the {timeout} s timeout\n"
                                    .encode(), err=True)
                        return 124
                    wait = left if wait is None else min(wait, left)
                for key, _ in sel.select(wait):
                    self._ready(sel, key, console)
                self._flush_pending(force=False)
            # QEMU closed its console: it is exiting. What its UARTs still hold comes next.
            for u in self.uarts:
                self._drain(u)
            qemu.wait()
            if qemu.returncode < 0:
                sig = signal.Signals(-qemu.returncode).name
                self._flush_pending(force=True)
                self._write(f"\n{QEMU_CRASHED}: killed by {sig} (an emulator bug: what the "
                            "hypervisor printed last is above)\n".encode(), err=True)
                return 128 - qemu.returncode
        except BaseException:
            self._stop(qemu)
            raise
        finally:
            for u in self.uarts:
                for line in u.filter.end():
                    self._emit(u, line)
            self._flush_pending(force=True)
            self.close()
        return qemu.returncode

    def _ready(self, sel: selectors.BaseSelector, key: selectors.SelectorKey,
               console: int) -> None:
        u: _Uart | None = key.data
        if u is None:                                   # the hypervisor console
            data = os.read(console, 65536)
            if not data:
                sel.unregister(console)
                self.console_done = True
                return
            self._flush_pending(force=not self.console_open)
            self._write(data)
            self.console_line.feed(data)
            self.console_open = not data.endswith(b"\n")
            self.console_since = time.monotonic()
        elif key.fileobj is u.listener:                 # QEMU connects at start
            u.conn, _ = u.listener.accept()
            sel.unregister(u.listener)
            sel.register(u.conn, selectors.EVENT_READ, u)
        else:
            assert u.conn is not None
            data = u.conn.recv(65536)
            if not data:
                sel.unregister(u.conn)
            for line in u.filter.feed(data):
                self._emit(u, line)

    def _drain(self, u: _Uart) -> None:
        if u.conn is None:
            return
        u.conn.settimeout(5)
        try:
            while data := u.conn.recv(65536):
                for line in u.filter.feed(data):
                    self._emit(u, line)
        except OSError:
            pass

    def _emit(self, u: _Uart, line: bytes) -> None:
        if u.sink is not None:
            u.sink.write(line)
            u.sink.flush()
        else:
            self.pending.append(line)

    def _flush_pending(self, force: bool) -> None:
        """UART lines go out between console lines; a console line left open (a prompt) for
        CONSOLE_IDLE_S is closed first, so that no UART text continues it."""
        if not self.pending:
            return
        reopen = b""
        if self.console_open:
            if not force and time.monotonic() - self.console_since < CONSOLE_IDLE_S:
                return
            self._write(b"\r\n")
            reopen = self.console_line.redraw()
        self._write(b"".join(self.pending) + reopen)
        self.pending.clear()

    def _write(self, data: bytes, err: bool = False) -> None:
        write_all(sys.stderr.buffer if err else self.out, data, self.deadline)

    @staticmethod
    def _stop(qemu: subprocess.Popen[bytes]) -> None:
        if qemu.poll() is None:
            qemu.terminate()
            try:
                qemu.wait(timeout=5)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()

    def close(self) -> None:
        for u in self.uarts:
            for s in (u.conn, u.listener):
                if s is not None:
                    s.close()
            if u.sink is not None:
                u.sink.close()
        self.tmp.cleanup()
