# SPDX-License-Identifier: Apache-2.0
"""serialrelay: the filter, the labels, and the relay against a stand-in for QEMU."""
from __future__ import annotations

import io
import os
import pty
import signal
import sys
import threading
import time
import tty
from pathlib import Path

from hvcfg import pipeline, serialrelay, toolchain
from hvcfg.serialrelay import LINE, LineFilter, Relay

ROOT = Path(__file__).resolve().parent.parent
FORGE = ROOT / "tests" / "boards" / "qemu-virt-forge.yaml"


def test_filter_mirrors_the_hypervisors() -> None:
    f = LineFilter(b"[p:uart1] ")
    assert f.feed(b"[hyp] a\r\n\x1b[2Jb\x07\x00\x9b\x7f\n") == [
        b"[p:uart1] [hyp] a\n", b"[p:uart1] ?[2Jb????\n"]
    assert f.feed(b"partial") == [] and f.end() == [b"[p:uart1] partial\n"] and f.end() == []
    long = f.feed(b"x" * (LINE + 3) + b"\n")
    assert long == [b"[p:uart1] " + b"x" * LINE + b"\n", b"[p:uart1] xxx\n"]


def test_labels_name_the_owner(tmp_path: Path) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    assert serialrelay.uart_labels(system, 2) == ["atk_forge:uart1"]
    assert serialrelay.uart_labels(system, 3) == ["atk_forge:uart1", "uart2"]


def test_print_command_never_puts_a_partition_uart_on_the_terminal(tmp_path: Path) -> None:
    spec = pipeline.analyse(FORGE, tmp_path).system.board_spec
    assert spec.qemu is not None
    cmd = toolchain.qemu_run_command(spec.qemu, Path("hyp.bin"))
    serials = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-serial"]
    assert serials == ["chardev:console", "null"]
    cmd = toolchain.qemu_run_command(spec.qemu, Path("hyp.bin"), (), [tmp_path / "s1"])
    serials = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-serial"]
    assert serials == ["chardev:console", "chardev:uart1"]
    assert f"socket,id=uart1,path={tmp_path / 's1'},server=off" in cmd


FAKE_QEMU = r"""
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
out = sys.stdout.buffer
out.write(b"[victim] beat 1 "); out.flush()        # the console, mid-line
s.sendall(b"[hyp] forged\n\x1b[2J"); time.sleep(0.05)
out.write(b"period 20\n[hyp] real\n"); out.flush()
s.sendall(b"tail"); s.close()
"""


def test_relay_keeps_console_lines_whole(tmp_path: Path) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    out = io.BytesIO()
    relay = Relay(system, 2, None, out)
    status = relay.run([sys.executable, "-c", FAKE_QEMU, str(relay.sockets[0])], timeout=30)
    assert status == 0
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "[victim] beat 1 period 20"       # not split by the UART's line
    assert "[atk_forge:uart1] [hyp] forged" in lines
    assert "[atk_forge:uart1] ?[2Jtail" in lines and "[hyp] real" in lines
    assert all(ln.startswith(("[victim]", "[hyp] real", "[atk_forge:uart1] ")) for ln in lines)


def test_relay_files_with_uart_dir(tmp_path: Path) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    out = io.BytesIO()
    relay = Relay(system, 2, tmp_path, out)
    assert relay.run([sys.executable, "-c", FAKE_QEMU, str(relay.sockets[0])], timeout=30) == 0
    assert (tmp_path / "uart1.log").read_bytes() == b"[hyp] forged\n?[2Jtail\n"
    assert out.getvalue() == b"[victim] beat 1 period 20\n[hyp] real\n"


def test_relay_timeout_stops_qemu(tmp_path: Path) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    relay = Relay(system, 2, None, io.BytesIO())
    hang = "import time, socket, sys; s = socket.socket(socket.AF_UNIX); " \
           "s.connect(sys.argv[1]); time.sleep(60)"
    assert relay.run([sys.executable, "-c", hang, str(relay.sockets[0])], timeout=1) == 124


def test_console_line_model() -> None:
    line = serialrelay.ConsoleLine()
    line.feed(b"[hyp] x\r\n[linux] ab\b\bc")
    assert bytes(line.text) == b"[linux] cb" and line.col == 9
    assert line.redraw() == b"[linux] cb\b"


# The focused partition's open line (a prompt) stays open past CONSOLE_IDLE_S while a UART line
# arrives; then the partition continues it with "[hyp] forged" (as the hypervisor would send
# it: the same line, no prefix of its own).
FAKE_QEMU_PROMPT = r"""
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
out = sys.stdout.buffer
out.write(b"[linux] prompt# "); out.flush()
s.sendall(b"uart line\n"); time.sleep(0.6)
out.write(b"[hyp] forged\r\n"); out.flush()
s.close()
"""


def test_relay_reopens_an_open_console_line_after_uart_lines(tmp_path: Path) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    out = io.BytesIO()
    relay = Relay(system, 2, None, out)
    assert relay.run([sys.executable, "-c", FAKE_QEMU_PROMPT, str(relay.sockets[0])],
                     timeout=30) == 0
    lines = out.getvalue().decode().replace("\r", "").splitlines()
    assert lines == ["[linux] prompt# ", "[atk_forge:uart1] uart line",
                     "[linux] prompt# [hyp] forged"], lines


FAKE_QEMU_FLOOD = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
out = sys.stdout.buffer
for i in range(4000):
    out.write(b"[victim] beat %05d padding padding padding padding padding\n" % i)
out.flush()
s.close()
"""


def test_relay_waits_for_a_full_terminal(tmp_path: Path) -> None:
    """QEMU makes its stdin non-blocking; when stdin is the terminal, so is our stdout (one open
    file description), and a full terminal then takes nothing more without a word: the end of
    the run was lost, with exit status 0 (CI's test_attack_console[longlines] at stop 25).
    A terminal read 0.5 s late, 240 KB behind, must lose nothing."""
    system = pipeline.analyse(FORGE, tmp_path).system
    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(slave, False)
    got = bytearray()

    def late_reader() -> None:
        time.sleep(0.5)
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:             # EIO: the terminal's other side is closed
                return
            if not data:
                return
            got.extend(data)

    reader = threading.Thread(target=late_reader)
    reader.start()
    with open(slave, "wb") as out:
        relay = Relay(system, 2, None, out)
        assert relay.run([sys.executable, "-c", FAKE_QEMU_FLOOD, str(relay.sockets[0])],
                         timeout=30) == 0
    reader.join(timeout=30)
    os.close(master)
    lines = got.decode().splitlines()
    assert len(lines) == 4000 and lines[-1].startswith("[victim] beat 03999 "), lines[-3:]


def test_relay_timeout_holds_with_a_terminal_that_takes_nothing(tmp_path: Path) -> None:
    """A terminal nobody reads (a stopped pexpect, Ctrl-S held) must not stretch --timeout:
    what it cannot take by then is dropped, and QEMU is stopped on time."""
    system = pipeline.analyse(FORGE, tmp_path).system
    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(slave, False)
    flood_then_wait = FAKE_QEMU_FLOOD.replace("s.close()", "time.sleep(60)").replace(
        "import socket, sys", "import socket, sys, time")
    start = time.monotonic()
    with open(slave, "wb") as out:
        relay = Relay(system, 2, None, out)
        assert relay.run([sys.executable, "-c", flood_then_wait, str(relay.sockets[0])],
                         timeout=2) == 124
    assert time.monotonic() - start < 10
    os.close(master)


FAKE_QEMU_CRASH = r"""
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
sys.stdout.buffer.write(b"[hyp] last words\n"); sys.stdout.flush()
os.kill(os.getpid(), signal.SIGSEGV)
"""


def test_relay_says_when_qemu_crashed(tmp_path: Path, capsys) -> None:
    system = pipeline.analyse(FORGE, tmp_path).system
    out = io.BytesIO()
    relay = Relay(system, 2, None, out)
    status = relay.run([sys.executable, "-c", FAKE_QEMU_CRASH, str(relay.sockets[0])], 30)
    assert status == 128 + signal.SIGSEGV
    assert out.getvalue() == b"[hyp] last words\n"
    assert f"{serialrelay.QEMU_CRASHED}: killed by SIGSEGV" in capsys.readouterr().err
