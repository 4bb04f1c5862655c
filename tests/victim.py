# SPDX-License-Identifier: Apache-2.0
"""What the victim partition (partitions/victim) printed: how many beats, how regular.

Attack tests boot a hostile partition next to the victim and assert, from the console text,
that the victim kept beating and that no beat was delayed beyond a bound. Periods come from
the victim's virtual counter, so under `-icount` they do not depend on the host's load."""
from __future__ import annotations

import re
from dataclasses import dataclass

ICOUNT = ["--qemu-arg=-icount", "--qemu-arg=shift=0,sleep=off"]


@dataclass(frozen=True)
class Heartbeat:
    beats: int              # beats printed
    worst_period_us: int    # longest time between two beats (0 when fewer than one)
    finished: bool          # the summary line was printed (BEATS beats done)


def heartbeat(console: str, name: str = "victim") -> Heartbeat:
    periods = [int(p) for p in re.findall(
        rf"^\[{re.escape(name)}\] victim: beat \d+ period_us (\d+)$", console, re.M)]
    summary = re.search(rf"^\[{re.escape(name)}\] victim: summary beats (\d+) "
                        rf"worst_period_us (\d+)$", console, re.M)
    return Heartbeat(len(periods), max(periods, default=0), summary is not None)
