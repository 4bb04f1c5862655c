# SPDX-License-Identifier: Apache-2.0
"""Kernel sealing (issue 15, docs/integrity.md) on unmodified Debian Linux
(tests/boards/seal-linux.yaml): once user space runs, root in the Linux partition cannot
change the kernel's text or read-only data, while the kernel's own run-time patching (static
keys, ftrace) works as without the hypervisor; the heartbeat partition next to it goes on."""
from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pexpect
import pytest

import linux_shell
from qemu_run import ROOT, spawn_run, stop_and_keep

GUESTS = ROOT / "build" / "guests" / "linux"
TRACING = "/sys/kernel/tracing"
SCHEDSTATS = "/proc/sys/kernel/sched_schedstats"
BLOCKED = re.compile(r"\[hyp\] linux: integrity: write to sealed kernel (text|read-only data) "
                     r"at ipa=0x([0-9a-f]+) pc=0x[0-9a-f]+ blocked")

pytestmark = pytest.mark.qemu


def shell(child: pexpect.spawn, command: str, timeout: int = 120) -> str:
    """linux_shell.shell in 8-byte pieces: a guest tracing every function reads its UART slowly."""
    return linux_shell.shell(child, command, timeout, chunk=8)


def prepare() -> None:
    """The kernel layout the board's `integrity` needs and the initramfs with the test module
    (scripts/kernel-layout, scripts/seal-test-module: no-ops when current; else they fetch the
    -dbg package and the kernel headers once, through apt, and keep only what they derive)."""
    for script in ("kernel-layout", "seal-test-module"):
        r = subprocess.run([str(ROOT / "scripts" / script)], capture_output=True, text=True)
        if r.returncode:
            pytest.fail(f"scripts/{script} failed:\n{r.stdout}{r.stderr}")


def boot(board: str, build: Path) -> tuple[pexpect.spawn, io.StringIO]:
    """`board` booted until its Linux partition is sealed and a root shell sits in tracefs
    (tests/test_xnx_linux.py boots the strict mode's board with it too)."""
    if not (GUESTS / "Image").exists():
        pytest.fail("build/guests/linux/Image is missing: run scripts/bootstrap")
    prepare()
    child, log = spawn_run(board, build, 600)
    child.expect(r"\[hyp\] linux: kernel sealed: text (\d+) KiB, rodata (\d+) KiB")
    child.expect(r"\[linux\] hvcfg-linux: init reached")
    child.expect(r"press Enter within \d+ s for a shell")
    child.sendline("")
    shell(child, f"mount -t tracefs nodev {TRACING}; cd {TRACING}")
    return child, log


def booted(name: str, board: str):
    """A module fixture `name`: `board` booted by boot(), stopped at the module's end and its
    console kept in build/test-<board>-console.log (tests/test_xnx_linux.py makes one too)."""
    @pytest.fixture(scope="module", name=name)
    def fixture(tmp_path_factory):
        child, log = boot(board, tmp_path_factory.mktemp(name) / "build")
        yield child, log
        stop_and_keep(child, log, f"test-{Path(board).stem}-console.log")
    return fixture


sealed = booted("sealed", "tests/boards/seal-linux.yaml")


def violations(log) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2), 16)) for m in BLOCKED.finditer(log.getvalue())]


def test_sealed_before_init_with_the_layouts_sizes(sealed):
    child, log = sealed
    text = log.getvalue()
    m = re.search(r"kernel sealed: text (\d+) KiB, rodata (\d+) KiB", text)
    assert m and text.index(m.group(0)) < text.index("hvcfg-linux: init reached")
    doc = json.loads((GUESTS / "Image.layout.json").read_text())
    assert int(m.group(1)) == (doc["text"]["end"] - doc["text"]["start"]) // 1024
    assert int(m.group(2)) == (doc["rodata"]["end"] - doc["rodata"]["start"]) // 1024
    assert not violations(log), "the boot itself must not write sealed pages"


def test_static_key_flip_works(sealed):
    child, log = sealed
    before = len(violations(log))
    for value in ("1", "0", "1"):
        out = shell(child, f"echo {value} > {SCHEDSTATS}; cat {SCHEDSTATS}")
        assert out.strip().splitlines()[-1] == value
    assert len(violations(log)) == before


def test_function_tracer_works(sealed):
    child, log = sealed
    before = len(violations(log))
    shell(child, "echo function > current_tracer", timeout=300)
    shell(child, "sleep 1; echo 0 > tracing_on")
    out = shell(child, "grep -c ' <-' trace", timeout=300)
    assert int(out.strip().splitlines()[-1]) > 100, out        # functions were traced
    shell(child, "echo nop > current_tracer", timeout=300)
    shell(child, "echo 1 > tracing_on")
    assert len(violations(log)) == before


def test_function_graph_tracer_works(sealed):
    """function_graph: 6.1's arm64 ftrace has no ftrace_graph_call site; the graph tracer is
    entered through ftrace_call (BL to the tracer) and the traced functions' calls. Only the
    VFS's functions: graphing every function (the function tracer above patches them all)
    slows the guest so much that on a loaded host its timer interrupt outlasts its period
    ("hrtimer: interrupt took 8309648 ns") and Linux stopped answering for minutes."""
    child, log = sealed
    before = len(violations(log))
    shell(child, "echo 'vfs_*' > set_ftrace_filter; echo function_graph > current_tracer",
          timeout=300)
    shell(child, "sleep 1; cat /proc/version >/dev/null; echo 0 > tracing_on")
    out = shell(child, "grep -c '^ *[0-9]*) .*[|] *vfs_[a-z_]*();' trace", timeout=300)
    print("vfs calls graphed:", out)
    assert int(out.strip().splitlines()[-1]) > 100, out        # calls and returns were traced
    shell(child, "echo nop > current_tracer; echo > set_ftrace_filter", timeout=300)
    shell(child, "echo 1 > tracing_on")
    assert len(violations(log)) == before


def test_kprobe_is_blocked_and_linux_goes_on(sealed):
    child, log = sealed
    shell(child, "echo 'p:hvcfgx do_sys_openat2' > kprobe_events")
    shell(child, "echo 1 > events/kprobes/hvcfgx/enable")
    found = violations(log)
    assert found and found[-1][0] == "text", log.getvalue()[-2000:]
    # The BRK was never written: opening files does not hit the probe, the shell still works.
    out = shell(child, "cat /proc/version >/dev/null; grep -c hvcfgx trace")
    assert out.strip().splitlines()[-1] == "0", out
    shell(child, "echo 0 > events/kprobes/hvcfgx/enable")
    shell(child, "echo > kprobe_events")
    assert shell(child, "echo alive").strip().splitlines()[-1] == "alive"


def test_module_writing_text_and_syscall_table_is_blocked(sealed):
    """Root loads a module (guests/seal-test/) that writes a BRK over a kernel function's entry
    and a zero over the syscall table's first entry, each through a writable vmap alias of the
    page, as a rootkit would: both writes are refused, Linux goes on."""
    child, log = sealed
    before = len(violations(log))
    symbols = json.loads((GUESTS / "Image.layout.json").read_text())["symbols"]
    shell(child, f"insmod /lib/hvcfg/hvcfg_seal_test.ko vfree_offset={symbols['vfree']} "
                 f"sys_call_table_offset={symbols['sys_call_table']}")
    out = shell(child, "dmesg | grep hvcfg-seal-test")
    assert re.search(r"hvcfg-seal-test: text at \S+: unchanged", out), out
    assert re.search(r"hvcfg-seal-test: syscall table at \S+: unchanged", out), out
    kinds = [kind for kind, _ in violations(log)[before:]]
    assert kinds == ["text", "read-only data"], kinds
    assert shell(child, "echo alive").strip().splitlines()[-1] == "alive"


def test_heartbeat_unaffected(sealed):
    child, log = sealed
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    first = int(child.match.group(1))
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    assert int(child.match.group(1)) == first + 1
    assert "heartbeat: halted" not in log.getvalue()
