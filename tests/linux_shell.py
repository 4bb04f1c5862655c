# SPDX-License-Identifier: Apache-2.0
"""The shell of the Linux guest's initramfs (guests/initramfs/init) over the hypervisor console,
for the QEMU tests: one command at a time, and its output told apart from everything else that
shares the console.

The console carries more than the command's output: the kernel's own messages (a loaded host
makes Linux print e.g. "hrtimer: interrupt took 115576304 ns" between a command's lines), the
echo of what was typed, and other partitions' lines. So the guest marks each line of the
output itself, and only marked lines are output."""
from __future__ import annotations

import time

import pexpect

# The guest marks each output line `@@ `, and the console's pieces of a line too long for it
# (HV_LD_LINE) `@@+`. The typed text builds the mark from `$m$m`, so that its echo never
# contains it, however the terminal wraps the echo.
MARK, MORE = "@@ ", "@@+"
PIECE = 200
# A shell function, typed once per shell: prints the output file, marked, then the end line.
PRINTER = ("hvcfg_out() { r=$?; m=@; awk -v m=\"$m$m\" '{ s = m \" \"; "
           f"while (length($0) > {PIECE}) {{ print s substr($0, 1, {PIECE}); "
           f"$0 = substr($0, {PIECE + 1}); s = m \"+\" }} print s $0 }}' /tmp/.hvcfg-out; "
           "echo __END__ rc=$r; }")


def run(child: pexpect.spawn, command: str, timeout: int = 120, chunk: int = 32,
        name: str = "linux") -> tuple[str, int]:
    """Run `command` in the current shell (so `cd`, `mount`, `trap` and `stty` last); its
    output lines (stdout and stderr, the console's `[name] ` and the marks removed) and its
    exit status. Typed in pieces of `chunk` bytes: the virtual UART's receive buffer (64 bytes)
    drops what a busy guest has not read yet."""
    line = f"{{ {command}; }} >/tmp/.hvcfg-out 2>&1; hvcfg_out"
    if not getattr(child, "hvcfg_printer", False):     # this shell has not got it yet
        line = f"{PRINTER}; {line}"
    for i in range(0, len(line), chunk):
        child.send(line[i:i + chunk])
        time.sleep(0.2)
    child.send("\r")
    child.expect(rf"\n\[{name}\] __END__ rc=(\d+)\r", timeout=timeout)
    setattr(child, "hvcfg_printer", True)  # noqa: B010 (pexpect.spawn declares no such field)
    rc = int(child.match.group(1))
    prefix = f"[{name}] "
    out: list[str] = []
    for ln in child.before.replace("\r", "").splitlines():
        if ln.startswith(prefix + MORE) and out:
            out[-1] += ln[len(prefix + MORE):]
        elif ln.startswith(prefix + MARK.rstrip()):  # an empty line may lose its blank
            out.append(ln[len(prefix + MARK):])
    return "\n".join(out), rc


def shell(child: pexpect.spawn, command: str, timeout: int = 120, chunk: int = 32) -> str:
    """`run`'s output only."""
    return run(child, command, timeout, chunk)[0]
