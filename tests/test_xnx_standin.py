# SPDX-License-Identifier: Apache-2.0
"""sealed-strict with a hostile stand-in kernel (tests/seal/xnx_exec.S, docs/integrity.md):
after the seal, EL1 calls code it wrote into its RAM and a word of its rodata, which the
sealed tables make execute-never at EL1 (FEAT_XNX, QEMU `max`): refused as on_violation says,
next to the heartbeat partition. And the run-time check: the same image on a core without
FEAT_XNX is not started (its stage-2 EL1 execute-never bit would be RES0, i.e. ignored)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvcfg import hypercalls, smccc, surface
from qemu_run import ROOT, run_to_power_off
from test_seal_build import write_layout
from test_seal_standin import RODATA, TEXT, assemble, board

pytestmark = pytest.mark.qemu

SOURCE = ROOT / "tests" / "seal" / "xnx_exec.S"
MAX = "max,pauth=off,sve=off,sme=off"       # FEAT_XNX (tests/boards/xnx-linux.yaml says why)
FETCH = re.compile(r"\[hyp\] k: integrity: execution outside sealed kernel text at "
                   r"ipa=0x([0-9a-f]+) pc=0x([0-9a-f]+) blocked \(violation (\d+)\) -> (\w+)")


def run(tmp: Path, action: str, extra: tuple[str, ...] = ()) -> str:
    _, binary = assemble(tmp, SOURCE, "xnx", {
        "HC_SEAL": hypercalls.by_name()["seal"].fid,
        "HC_CONSOLE": hypercalls.by_name()["console"].fid,
        "PSCI_SYSTEM_OFF": smccc.constants()["PSCI_SYSTEM_OFF"]})
    write_layout(binary, TEXT, RODATA, 0x40)
    path = board(tmp, "xnx-standin", "xnx.bin",
                 ["hypercalls: [console, seal]",
                  f"integrity: {{kernel: sealed-strict, on_violation: {action}}}"])
    path.write_text(path.read_text().replace("cpu: cortex-a53", f'cpu: "{MAX}"'))
    return run_to_power_off(str(path), tmp / "build", 120, extra=extra)


def lines_of(out: str) -> list[str]:
    return [ln.strip() for ln in re.findall(r"\[k\] (xnx: [^\n]*)", out)]


def beats(out: str) -> list[str]:
    return re.findall(r"\[heartbeat\] heartbeat (\d+)", out)[-5:]


def test_code_written_after_the_seal_is_refused_under_block(tmp_path: Path) -> None:
    """`block` cannot skip a fetch: each is injected as an instruction abort, which the
    stand-in's vector takes; reported once per site, counted."""
    out = run(tmp_path, "block")
    assert lines_of(out) == ["xnx: code in RAM ran", "xnx: sealed", "xnx: code in RAM refused",
                             "xnx: rodata refused", "xnx: code in RAM refused"], out
    found = FETCH.findall(out)
    assert [(int(ipa, 16) - 0x40000000 >= TEXT[1], n, act) for ipa, _, n, act in found] == [
        (True, "1", "inject"), (True, "2", "inject"), (True, "3", "inject")], out
    assert re.search(r"k: integrity: 0 kernel patches done \(0 counter ticks each in the "
                     r"decoder, on average\), 0 writes refused, 3 EL1 fetches outside the text "
                     r"refused", out), out
    assert beats(out) == ["1", "2", "3", "4", "5"]
    # `hvcfg surface` can name the fetch path and the start check (docs/attack-surface.md)
    code = surface.read_elf(tmp_path / "build" / "board" / "hyp.elf")
    assert [n for n in ("hv_seal_fetch_abort", "hv_seal_can_start") if not code.lookup(n)] == []


def test_code_written_after_the_seal_under_halt_stops_only_the_stand_in(tmp_path: Path) -> None:
    out = run(tmp_path, "halt")
    assert lines_of(out) == ["xnx: code in RAM ran", "xnx: sealed"], out
    assert [act for *_, act in FETCH.findall(out)] == ["halt"], out
    assert "[hyp] k: halted" in out
    assert beats(out) == ["1", "2", "3", "4", "5"]


def test_strict_partition_is_not_started_on_a_core_without_feat_xnx(tmp_path: Path) -> None:
    """The board says `max`, QEMU runs a Cortex-A53 (the wrong hardware for the build): the
    hypervisor reads ID_AA64MMFR1_EL1.XNX and does not start the partition; the others run."""
    out = run(tmp_path, "block", extra=("--qemu-arg=-cpu", "--qemu-arg=cortex-a53"))
    assert re.search(r"\[hyp\] k: integrity: sealed-strict needs FEAT_XNX, which CPU 0 "
                     r"lacks \(ID_AA64MMFR1_EL1.XNX = 0\).* -> not started", out), out
    assert not lines_of(out) and "k: loaded" not in out
    assert beats(out) == ["1", "2", "3", "4", "5"]
