# SPDX-License-Identifier: Apache-2.0
"""The victim partition alone: the baseline that attack tests compare against."""
from __future__ import annotations

import pytest

from qemu_run import run_to_power_off
from victim import ICOUNT, heartbeat

pytestmark = pytest.mark.qemu


def test_victim_alone_beats_on_time(tmp_path):
    console = run_to_power_off("tests/boards/qemu-virt-victim.yaml", tmp_path / "build", 60,
                               extra=ICOUNT)
    hb = heartbeat(console)
    assert hb.finished and hb.beats == 50
    # 20 ms of delay plus the console call: alone, no beat is more than 1 ms late.
    assert 20_000 <= hb.worst_period_us < 21_000, hb
