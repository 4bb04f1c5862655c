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

from test_seal_linux import GUESTS, booted, shell, violations
from test_seal_linux import test_function_tracer_works as function_tracer_works
from test_seal_linux import test_heartbeat_unaffected as heartbeat_unaffected
from test_seal_linux import test_static_key_flip_works as static_key_flip_works

FETCH = re.compile(r"\[hyp\] linux: integrity: execution outside sealed kernel text at "
                   r"ipa=0x([0-9a-f]+) pc=0x([0-9a-f]+) blocked \(violation \d+\) -> inject")

pytestmark = pytest.mark.qemu


strict = booted("strict", "tests/boards/xnx-linux.yaml")


def fetches(log) -> list[tuple[int, int]]:
    return [(int(m.group(1), 16), int(m.group(2), 16)) for m in FETCH.finditer(log.getvalue())]


def test_sealed_before_init_with_kpti_and_nothing_refused(strict):
    """The seal comes before /init's first line; KPTI is on, so every exception from user space
    since went through the trampoline EL1 still executes; nothing was refused."""
    child, log = strict
    text = log.getvalue()
    assert text.index("kernel sealed:") < text.index("hvcfg-linux: init reached")
    # the kernel's own log: the console's copy of the boot may have lines rate-limited away
    assert "Kernel page table isolation (KPTI)" in shell(child, "dmesg | grep -F KPTI")
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
    static_key_flip_works(strict)
    function_tracer_works(strict)
    assert not fetches(strict[1])


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
    heartbeat_unaffected(strict)
