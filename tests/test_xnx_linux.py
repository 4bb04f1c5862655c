# SPDX-License-Identifier: Apache-2.0
"""The stronger sealing mode, sealed-strict (issue 15, docs/integrity.md), on unmodified Debian
Linux (tests/boards/xnx-linux.yaml, QEMU `max`: FEAT_XNX; KPTI forced on): once sealed, EL1
executes nothing but the kernel text and KPTI's trampoline. User space, its vDSO, static keys
and ftrace work; a module root loads afterwards cannot run its code, Linux goes on; the
heartbeat partition next to it beats throughout."""
from __future__ import annotations

import json
import re

import pytest

from qemu_run import spawn_run
from test_seal_linux import GUESTS, SCHEDSTATS, TRACING, prepare, shell, violations

FETCH = re.compile(r"\[hyp\] linux: integrity: execution outside sealed kernel text at "
                   r"ipa=0x([0-9a-f]+) pc=0x([0-9a-f]+) blocked \(violation \d+\) -> inject")

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    if not (GUESTS / "Image").exists():
        pytest.fail("build/guests/linux/Image is missing: run scripts/bootstrap")
    prepare()
    child, log = spawn_run("tests/boards/xnx-linux.yaml",
                           tmp_path_factory.mktemp("xnx") / "build", 600)
    child.expect(r"\[hyp\] linux: kernel sealed: text (\d+) KiB, rodata (\d+) KiB")
    child.expect(r"\[linux\] hvcfg-linux: init reached")
    child.expect(r"press Enter within \d+ s for a shell")
    child.sendline("")
    shell(child, f"mount -t tracefs nodev {TRACING}; cd {TRACING}")
    yield child, log
    child.terminate(force=True)
    (GUESTS.parent.parent / "test-xnx-linux-console.log").write_text(log.getvalue())


def fetches(log) -> list[tuple[int, int]]:
    return [(int(m.group(1), 16), int(m.group(2), 16)) for m in FETCH.finditer(log.getvalue())]


def test_sealed_before_init_with_kpti_and_nothing_refused(strict):
    """The seal comes before /init's first line; KPTI is on, so every exception from user space
    since went through the trampoline EL1 still executes; nothing was refused."""
    child, log = strict
    text = log.getvalue()
    assert text.index("kernel sealed:") < text.index("hvcfg-linux: init reached")
    assert "Kernel page table isolation (KPTI)" in text
    assert not fetches(log) and not violations(log)


def test_user_space_and_the_vdso_run(strict):
    """EL0 still executes user memory and the vDSO in the kernel's rodata: a signal handler
    returns through the vDSO's sigreturn trampoline (arm64's glibc gives no SA_RESTORER)."""
    child, log = strict
    out = shell(child, "trap 'echo caught' USR1; kill -USR1 $$; echo after; grep -c vdso "
                       "/proc/self/maps")
    assert out.strip().splitlines()[-3:] == ["caught", "after", "1"], out
    assert not fetches(log)


def test_static_key_flip_and_function_tracer_work(strict):
    child, log = strict
    before = len(violations(log))
    for value in ("1", "0", "1"):
        out = shell(child, f"echo {value} > {SCHEDSTATS}; cat {SCHEDSTATS}")
        assert out.strip().splitlines()[-1] == value
    shell(child, "echo function > current_tracer", timeout=300)
    shell(child, "sleep 1; echo 0 > tracing_on")
    out = shell(child, "grep -c ' <-' trace", timeout=300)
    assert int(out.strip().splitlines()[-1]) > 100, out        # functions were traced
    shell(child, "echo nop > current_tracer", timeout=300)
    shell(child, "echo 1 > tracing_on")
    assert len(violations(log)) == before and not fetches(log)


def test_a_module_loaded_after_the_seal_cannot_run(strict):
    """Root loads a module after the seal: its init function lies outside the sealed text,
    EL1's fetch of it is refused and reported once, the guest gets the abort (the insmod
    process dies of the oops, the module's code never ran), Linux goes on."""
    child, log = strict
    symbols = json.loads((GUESTS / "Image.layout.json").read_text())["symbols"]
    text_ipa = 0x48000000
    shell(child, f"insmod /lib/hvcfg/hvcfg_seal_test.ko vfree_offset={symbols['vfree']} "
                 f"sys_call_table_offset={symbols['sys_call_table']}", timeout=300)
    found = fetches(log)
    assert len(found) == 1, log.getvalue()[-3000:]
    ipa, pc = found[0]
    assert not text_ipa <= ipa < text_ipa + symbols["_etext"]      # outside the text
    assert pc >> 48 == 0xffff                                       # EL1, a kernel address
    out = shell(child, "dmesg | grep -c hvcfg-seal-test:; dmesg | grep -c 'Internal error'")
    assert out.strip().splitlines()[-2:] == ["0", "1"], out        # init never ran; one oops
    assert shell(child, "echo alive").strip().splitlines()[-1] == "alive"


def test_heartbeat_unaffected(strict):
    child, log = strict
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    first = int(child.match.group(1))
    child.expect(r"\[heartbeat\] heartbeat (\d+)\r")
    assert int(child.match.group(1)) == first + 1
    assert "heartbeat: halted" not in log.getvalue()
