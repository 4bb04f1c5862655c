# SPDX-License-Identifier: Apache-2.0
"""scripts/bench-linux-boot reads the hypervisor's load phase from its boot log."""
from __future__ import annotations

from scripts_module import load_script as load


def load_script():
    return load("bench-linux-boot")


LOG = (b"[hyp] hvcfg 0.1.0 on qemu-virt: 1 partition(s), 2 CPU(s), EL2 MMU on\n"
       b"[hyp] load phase: 184 units on 2 CPU(s) (at most 93 on one), "
       b"12500000 counter ticks = 200000 us; "
       b"CPU time scrub 50000 us, copy 100000 us, hash 250000 us\n"
       b"[hyp] linux: image fsverity-sha256:"
       b"d418ce578d1c70b65bd5f3688c4ffbe97307cb48cf49270155af974931626047 (27303872 bytes)\n")


def test_load_phase_from_the_boot_log():
    phase = load_script().load_phase(LOG)
    assert (phase.cpus, phase.wall, phase.scrub, phase.copy, phase.hash) == \
        (2, 0.2, 0.05, 0.1, 0.25)
    assert abs(phase.hash_wall - 0.2 * 0.25 / 0.4) < 1e-12     # its share of the wall time


def test_no_load_line_no_phase():
    assert load_script().load_phase(b"[    0.000000] Booting Linux") is None


def test_linux_time_is_its_clock_at_run_init():
    out = (b"[linux] [    0.000067] sched_clock: 57 bits at 63MHz\n"
           b"[linux] [    1.024381] Run /init as init process\n"
           b"[linux] hvcfg-linux: init reached\n")
    assert load_script().linux_time(out) == 1.024381
    assert load_script().linux_time(b"[    0.919100] Run /init as init\n") is None
