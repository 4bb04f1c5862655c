# SPDX-License-Identifier: Apache-2.0
"""scripts/bench-linux-boot reads the hypervisor's load phase from its boot log."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    loader = importlib.machinery.SourceFileLoader("bench_linux_boot",
                                                  str(ROOT / "scripts" / "bench-linux-boot"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module           # its dataclasses look their module up
    loader.exec_module(module)
    return module


LOG = (b"[hyp] hvcfg 0.1.0 on qemu-virt: 1 partition(s), 2 CPU(s), EL2 MMU on\n"
       b"[hyp] linux: image sha256 "
       b"d418ce578d1c70b65bd5f3688c4ffbe97307cb48cf49270155af974931626047 "
       b"(27303872 bytes, 25000000 counter ticks)\n"
       b"[hyp] linux: initrd sha256 "
       b"d8ce330520ad6c1b08c415806d396d55806d5ef99b4ba1305d83a2ae9fe7d8f2 "
       b"(988285 bytes, 1000000 counter ticks)\n"
       b"[hyp] linux: loaded 27303872 bytes at 0x48000000, entry 0x48000000, 2 vCPU(s) "
       b"(scrub, copy, measure: 31250000 counter ticks = 500000 us)\n")


def test_load_phase_from_the_boot_log():
    bench = load_script()
    load, hashing = bench.load_phase(LOG)
    assert load == 0.5
    assert abs(hashing - 26_000_000 / 62_500_000) < 1e-9      # 62.5 MHz from ticks / us


def test_no_load_line_no_phase():
    assert load_script().load_phase(b"[    0.000000] Booting Linux") is None
