# SPDX-License-Identifier: Apache-2.0
"""Booting the fuzzer (partitions/fuzz) next to the victim, and judging the run.

One run = one seed: the board tests/boards/qemu-virt-fuzz.yaml with that seed's defines, under
icount (deterministic), bounded by a host timeout. What the hypervisor must guarantee whatever
the fuzzer does: no PANIC (no exception at EL2), the victim's beats all on time, the machine
powers off, and the fuzzer saw no violation (a preserved register changed, a forbidden call
accepted...)."""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from victim import ICOUNT, Heartbeat, heartbeat

ROOT = Path(__file__).resolve().parent.parent
HVCFG = str(Path(sys.executable).with_name("hvcfg"))
BOARD = ROOT / "tests/boards/qemu-virt-fuzz.yaml"
POWER_OFF = "[hyp] no partition left running: powering off"


@dataclass(frozen=True)
class FuzzRun:
    seed: int
    console: str            # the hypervisor console (CRs removed)
    fuzz_log: str           # the fuzzer's own UART
    timed_out: bool

    @property
    def heartbeat(self) -> Heartbeat:
        return heartbeat(self.console)

    @property
    def powered_off(self) -> bool:
        return POWER_OFF in self.console

    def kinds(self) -> dict[str, int]:
        """Actions of each kind, summed over every incarnation's summary."""
        out: dict[str, int] = {}
        for name, n in re.findall(r"^fuzz: kind (\w+) (\d+)$", self.fuzz_log, re.M):
            out[name] = out.get(name, 0) + int(n)
        return out

    def summary_count(self, name: str) -> int:
        """A counter of the summary lines (`... irqs N ...`), summed over every incarnation."""
        return sum(int(n) for n in re.findall(rf"^fuzz: .*: actions .* {name} (\d+) ",
                                             self.fuzz_log, re.M))

    def failures(self, beats: int, worst_bound_us: int) -> list[str]:
        """Everything the hypervisor got wrong in this run (empty: contained)."""
        out = [f"hypervisor: {line}" for line in re.findall(r"^\[hyp\] (?:PANIC.*|  .*)$",
                                                             self.console, re.M)]
        out += re.findall(r"^fuzz: VIOLATION .*$", self.fuzz_log, re.M)
        hb = self.heartbeat
        if not hb.finished or hb.beats != beats:
            out.append(f"victim: {hb.beats} of {beats} beats")
        elif hb.worst_period_us >= worst_bound_us:
            out.append(f"victim: worst period {hb.worst_period_us} us >= {worst_bound_us} us")
        if not self.powered_off:
            out.append("the machine did not power off" + (" (host timeout)" if self.timed_out
                                                             else ""))
        if not self.fuzz_log.startswith(f"fuzz: seed {self.seed}\n"):
            out.append("the fuzzer did not print its seed first")
        return out

    def last_actions(self, n: int = 20) -> str:
        """The fuzzer's last n traced actions (FUZZ_TRACE=1) and the console's last lines."""
        trace = [ln for ln in self.fuzz_log.splitlines() if re.match(r"t\d+ ", ln)]
        return "\n".join(trace[-n:] + ["--- console:"] + self.console.splitlines()[-n:])


def board_text(seed: int, fuzz_ms: int, trace: bool, beats: int, races: bool,
               defines: Mapping[str, int]) -> str:
    """The fuzz board with this run's defines, include paths made absolute. Without `races`
    the fuzzer makes no SYSTEM_RESET and does not end with a CPU_ON: the vCPU state machine's
    known hangs (issue 12, finding 6) then do not hide what comes after. `defines`: more of
    the fuzzer's (partitions/fuzz/fuzz.h)."""
    text = BOARD.read_text()
    text = text.replace("include: ../../", f"include: {ROOT}/")
    values = {"SEED": seed, "FUZZ_MS": fuzz_ms, "FUZZ_TRACE": int(trace)}
    values |= {} if races else {"FUZZ_RESET_PERMILLE": 0, "FUZZ_END_RACE": 0}
    values |= defines
    defines_text = ", ".join(f"{k}: {v}" for k, v in values.items())
    text = re.sub(r"SEED: \d+, FUZZ_MS: \d+, FUZZ_TRACE: \d", defines_text, text)
    return re.sub(r"BEATS: \d+", f"BEATS: {beats}", text)


def run_fuzz(seed: int, work: Path, fuzz_ms: int = 400, beats: int = 20, trace: bool = False,
             timeout: int = 60, races: bool = True, defines: Mapping[str, int] = {}) -> FuzzRun:
    """Build and boot one seed; QEMU is stopped after `timeout` host seconds."""
    work.mkdir(parents=True, exist_ok=True)
    board = work / "board.yaml"
    board.write_text(board_text(seed, fuzz_ms, trace, beats, races, defines))
    uarts = work / "uarts"
    cmd = [HVCFG, "--build-dir", str(work / "build"), "run", str(board), "--rebuild",
           "--timeout", str(timeout), "--uart-dir", str(uarts), *ICOUNT]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout + 120)
        out, err = proc.stdout, proc.stderr.decode(errors="replace")
        timed_out = "timeout" in err
    except subprocess.TimeoutExpired as e:
        out, err, timed_out = e.stdout or b"", "", True
    if "error" in err and not out:
        raise RuntimeError(f"hvcfg run failed:\n{err}")
    console = out.decode(errors="replace").replace("\r", "")
    (work / "console.log").write_text(console)
    log = uarts / "uart1.log"
    fuzz_log = log.read_bytes().decode(errors="replace").replace("\r", "") if log.exists() else ""
    return FuzzRun(seed, console, fuzz_log, timed_out or POWER_OFF not in console)
