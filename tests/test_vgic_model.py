# SPDX-License-Identifier: Apache-2.0
"""The hypervisor's virtual GICv2 distributor (hyp/gic/vgic_dist.c), compiled for the host with a
simulated physical distributor (tests/host/vgic/harness.c), against a model of the distributor
written from the GICv2 specification (tests/host/vgic/gicv2_model.py). Hypothesis drives random
sequences of byte, halfword and word reads and writes from several vCPUs of two partitions (one
with three vCPUs and 96 lines, one uniprocessor with 64; hardware lines among them); every read
must agree, and so must every register of every vCPU after the sequence. The harness exits if
the emulation touches an interrupt its partition does not own in hardware; it runs under the
address and undefined-behaviour sanitizers."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "host" / "vgic"))
from gicv2_model import REFUSED, Distributor, System  # noqa: E402

Op = tuple[str, int, int, int, int]     # ("r" | "w", slot, offset, size, value)

# Register families (base, bytes) the accesses aim at, and the whole page for the rest.
FAMILIES = [(0x000, 0x10), (0x080, 0x10), (0x100, 0x10), (0x180, 0x10), (0x200, 0x10),
            (0x280, 0x10), (0x300, 0x10), (0x380, 0x10), (0x400, 0x68), (0x800, 0x68),
            (0xC00, 0x20), (0xF00, 0x4), (0xF10, 0x20), (0xFD0, 0x30), (0x000, 0x1000)]
# What the final sweep reads: every register that covers the lines, and one word past them.
SWEEP = sorted({b + o for b, n in FAMILIES[:-1] for o in range(0, n, 4)} | {0xD00, 0xE00})


def new_system() -> System:
    return System(parts=[Distributor(ncpus=3, lines=96), Distributor(ncpus=1, lines=64)],
                  slots=[(0, 0), (0, 1), (0, 2), (1, 0)])


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    """hyp/gic/vgic_dist.c with tests/host/vgic/harness.c, built by tests/host/Makefile (its
    sanitizers: an index past an array or any undefined behaviour ends the harness)."""
    for tool in ("make", "cc"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: run scripts/bootstrap")
    out = tmp_path_factory.mktemp("vgic")
    subprocess.run(["make", "-s", "-C", str(ROOT / "tests" / "host"), f"O={out}",
                    str(out / "vgic_harness")], check=True, timeout=300)
    return out / "vgic_harness"


def run(harness: Path, ops: list[Op]) -> list[str]:
    text = "reset\n" + "".join(
        f"{k} {s} {o:x} {n} {v:x}\n" if k == "w" else f"{k} {s} {o:x} {n}\n"
        for k, s, o, n, v in ops)
    proc = subprocess.run([str(harness)], input=text, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stdout[-500:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "ok" and len(lines) == len(ops) + 1, lines[-3:]
    return lines[1:]


def check(harness: Path, ops: list[Op]) -> None:
    """Every answer of the emulation equals the model's, then a sweep of every register of
    every vCPU."""
    ops = ops + [("r", s, o, 4, 0) for s in range(4) for o in SWEEP]
    model = new_system()
    for op, got in zip(ops, run(harness, ops), strict=True):
        kind, slot, off, size, value = op
        if kind == "r":
            want = model.read(slot, off, size)
            assert got == ("refused" if want is REFUSED else f"{want:x}"), (op, got, want)
        else:
            want_ok = model.write(slot, off, size, value)
            assert got == ("ok" if want_ok else "refused"), (op, got)


@st.composite
def access(draw: st.DrawFn) -> Op:
    base, span = draw(st.sampled_from(FAMILIES))
    size = draw(st.sampled_from([4, 4, 4, 1, 1, 2]))
    off = base + draw(st.integers(0, span - 1))
    off -= off % size if draw(st.integers(0, 19)) else 0    # now and then unaligned
    value = draw(st.one_of(st.sampled_from([0, 0xFFFFFFFF, 0xFF, 0x1000000, 0x2000000]),
                           st.integers(0, 0xFFFFFFFF)))
    return (draw(st.sampled_from("rww")), draw(st.integers(0, 3)), off & 0xFFF, size, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(access(), min_size=1, max_size=60))
def test_emulation_agrees_with_the_specification(harness, ops):
    check(harness, ops)


def test_sweep_of_the_reset_state(harness):
    """Reset values: the fixed registers (TYPER, IIDR, ICPIDR2, SGI configuration), targets,
    and nothing enabled, pending or active."""
    check(harness, [])


@pytest.mark.parametrize("ops", [
    # priority: 5 bits on every INTID in range, RAZ/WI beyond; halfword refused
    [("w", 0, 0x400 + i, 1, 0xFF) for i in range(0, 100, 7)] + [("r", 0, 0x456, 2, 0)],
    # targets: kept, CPU interfaces the partition lacks RAZ/WI; uniprocessor RAZ/WI
    [("w", 1, 0x830, 4, 0xFF0403FF), ("w", 3, 0x830, 4, 0x01010101)],
    # SGIs: all filters, sources from each vCPU, cleared per source
    [("w", s, 0xF00, 4, f << 24 | 0xFF << 16 | sgi) for s in range(4) for f in range(4)
     for sgi in (0, 15)] + [("w", 2, 0xF10, 1, 0x01), ("w", 0, 0xF1F, 1, 0xFF)],
    # hardware lines (SPI 40, 70, 33; PPIs 27, 30) pended, activated, cleared
    [("w", 0, 0x204, 4, 0xFFFFFFFF), ("w", 1, 0x308, 4, 0x40), ("w", 3, 0x204, 4, 2),
     ("w", 2, 0x200, 4, 0x48000000), ("w", 2, 0x300, 4, 0x48000000), ("w", 0, 0x284, 4, 0x100),
     ("w", 2, 0x380, 4, 0x8000000)],
])
def test_named_cases(harness, ops):
    check(harness, ops)
