# SPDX-License-Identifier: Apache-2.0
"""Every recorded triage (xsa/triage/) still decides as its file name says."""
from __future__ import annotations

from pathlib import Path

import pytest

from hvcfg.xsa.source import load_yaml
from hvcfg.xsa.support import REPO_ROOT, load_support
from hvcfg.xsa.triage import triage

RECORDS = sorted((REPO_ROOT / "xsa" / "triage").glob("*/*.yaml"))


def test_records_exist():
    assert len(RECORDS) >= 17


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_recorded_decision_holds(path: Path):
    decision = triage(load_yaml(path).data, load_support())
    assert decision.criterion == path.name.split("-")[0], decision
