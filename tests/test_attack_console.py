# SPDX-License-Identifier: Apache-2.0
"""Console floods (issue 12, findings 2 and 3): a partition floods the shared console from 7
vCPUs at once (partitions/atk-console) next to the victim on the remaining CPU. The victim must
keep its beats; the attacker's output stays within its budget (HV_PCONSOLE_BURST lines, then
HV_PCONSOLE_PER_SECOND) and its health-monitor events within theirs, with what was dropped
summarised, and nothing it prints escapes the filter.

Under -icount QEMU runs all 8 vCPUs round robin on one host thread: 7 busy neighbours alone
stretch a victim's period to QEMU's 100 ms time slice (the `spin` control measures exactly
that). The hypervisor's own bound is far below it (docs/architecture.md, "Console"); what these
tests catch is the unbounded wait of finding 2 (seconds on main, a whole attack long)."""
from __future__ import annotations

import re

import pytest

from qemu_run import hyp_define, run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu

BURST = hyp_define("pconsole.h", "HV_PCONSOLE_BURST")
PER_SECOND = hyp_define("pconsole.h", "HV_PCONSOLE_PER_SECOND")
CHARS = hyp_define("pconsole.h", "HV_PCONSOLE_CHARS")
EVENT_BURST = hyp_define("console.h", "HV_EVENT_BURST")
EVENT_PER_SECOND = hyp_define("console.h", "HV_EVENT_PER_SECOND")
ATTACK_S = 0.6 + 0.4                        # ATTACK_MS, then REPORT_PAUSE_MS (atk-console)
QEMU_SLICE_US = 100_000                     # QEMU's round-robin time slice under -icount


# The distinct hostile actions each attack board tries.
ATTACKS: dict[str, tuple[str, ...]] = {
    "newlines": ("console hypercalls of 256 newlines from 7 vCPUs at once",),
    "longlines": ("console hypercalls of 256 bytes without a newline from 7 vCPUs at once",
                  "escape sequences, BEL, DEL and 8-bit bytes in console output",
                  "a forged '[hyp] victim:' prefix and a CR inside a line"),
    "vuart": ("virtual-UART byte flood (a trap per byte) from 7 vCPUs at once",),
    "faults": ("an inject-policy fault loop on 7 vCPUs: health-monitor events",),
}


def run(name: str, tmp_path) -> str:
    """Boot the attack board until the machine powers off; the console text (CRs removed)."""
    return run_to_power_off(f"tests/boards/qemu-virt-atk-console-{name}.yaml",
                            tmp_path / "build", 120, extra=ICOUNT)


def lines(console: str, prefix: str) -> list[str]:
    return re.findall(rf"^\[{re.escape(prefix)}\] (.*)$", console, re.M)


def wire_units(line: str) -> int:
    """What a console line costs its partition (hv/pconsole.h, HV_PCONSOLE_UNITS): its
    characters on the wire, CR LF included."""
    return 1 + (len(line) + 2) // CHARS


def suppressed(console: str, what: str) -> int:
    return sum(int(n) for n in re.findall(rf"^\[hyp\] atk: (\d+) {what} suppressed$", console,
                                          re.M))


def assert_victim_unharmed(console: str) -> None:
    hb = heartbeat(console)
    print(f"victim: {hb}")
    assert hb.finished and hb.beats == 20, hb
    # Never starved: every beat within QEMU's slice of its 20 ms (main: one console call
    # blocked for the whole attack).
    assert 20_000 <= hb.worst_period_us < QEMU_SLICE_US + 5_000, hb


def attack_report(console: str) -> int:
    m = re.search(r"^\[atk\] .*atk: mode \d: (\d+) actions from 7 vCPUs", console, re.M)
    assert m, "the attacker's own report must get through once its budget refills"
    return int(m.group(1))


@pytest.mark.parametrize("name", ["newlines", "longlines", "vuart"])
def test_output_flood_is_budgeted_and_victim_beats(name, tmp_path):
    console = run(name, tmp_path)
    print("hostile actions:", "; ".join(ATTACKS[name]))
    assert_victim_unharmed(console)
    made = attack_report(console)
    out = lines(console, "atk")
    dropped = suppressed(console, "lines")
    print(f"attacker: {made} actions, {len(out)} lines printed, {dropped} summarised as suppressed")
    # Budget, in the units it is kept in (a line's characters on the wire, prefix and CR LF
    # included, and the summaries too): the burst, then the rate over the attack, + 16 for what
    # the open line and the first and last line may take past it.
    summaries = re.findall(r"^\[hyp\] atk: \d+ lines suppressed$", console, re.M)
    units = sum(wire_units(f"[atk] {text}") for text in out) + \
        sum(wire_units(line) for line in summaries)
    print(f"attacker: {units} units charged in {len(out)} lines and {len(summaries)} summaries")
    assert units <= BURST + PER_SECOND * ATTACK_S + 16, units
    assert dropped > 10 * len(out), "a flood far over budget, and every dropped line counted"
    for text in out:                        # the filter held: printable ASCII only
        assert re.fullmatch(r"[\x20-\x7e]*", text), repr(text)
    if name == "longlines":
        full = [t for t in out if len(t) == 240]
        assert full, "a line without a newline is cut at 240 characters"
        # The CR takes it to the start of the partition's own text, after its prefix; the clear
        # screen and the title are dropped, DEL and 0x80 shown as '?' (hyp/core/linedisc.c).
        assert any("[hyp] victim: forged??" in t for t in out), "shown, defused"
        assert not any("title" in t or "[2J" in t for t in out)
        assert not re.search(r"^\[hyp\] victim: forged", console, re.M)
        assert "\x1b" not in console and "\x07" not in console


def test_fault_loop_events_are_rate_limited(tmp_path):
    console = run("faults", tmp_path)
    print("hostile actions:", "; ".join(ATTACKS["faults"]))
    assert_victim_unharmed(console)
    made = attack_report(console)
    events = re.findall(r"^\[hyp\] atk: stage-2 fault: .* -> inject$", console, re.M)
    dropped = suppressed(console, "events")
    print(f"attacker: {made} faults, {len(events)} event lines, {dropped} summarised as suppressed")
    assert made > 1000, "thousands of health-monitor events attempted"
    assert len(events) <= EVENT_BURST + EVENT_PER_SECOND * ATTACK_S + 1, len(events)
    assert dropped > 0 and len(events) + dropped <= made + 7


def test_control_busy_neighbours_without_attack(tmp_path):
    """The -icount reference: 7 vCPUs that only spin in the guest. Whatever the victim's worst
    period is here is QEMU's scheduling, not the hypervisor's."""
    console = run("spin", tmp_path)
    hb = heartbeat(console)
    print(f"control victim: {hb}")
    assert hb.finished and hb.beats == 20
    assert 20_000 <= hb.worst_period_us <= QEMU_SLICE_US + 5_000, hb
