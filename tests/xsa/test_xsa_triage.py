# SPDX-License-Identifier: Apache-2.0
"""Triage: one report per criterion of xsa/POLICY.md, report validation, policy consistency."""
from __future__ import annotations

import re

import pytest
from xsa_builders import FIXTURES

from hvcfg.diagnostics import ConfigError
from hvcfg.xsa.source import load_yaml
from hvcfg.xsa.support import REPO_ROOT, load_support
from hvcfg.xsa.triage import CRITERIA, Decision, load_report, triage, triage_text

REPORTS = sorted((FIXTURES / "reports").glob("*.yaml"))
SECURITY = {"C4", "C5", "C7", "C9"}


@pytest.fixture(scope="module")
def support():
    return load_support()


def test_one_fixture_per_criterion():
    assert sorted(p.name.split("-")[0] for p in REPORTS) == sorted(c.id for c in CRITERIA)


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_each_criterion_decides_its_report(path, support):
    expected = path.name.split("-")[0]
    decision = triage(load_yaml(path).data, support)
    assert decision.criterion == expected, decision
    assert decision.is_security is (expected in SECURITY)
    assert decision.reason


def test_mundane_leak_is_not_a_security_issue(support):
    d = triage(load_yaml(FIXTURES / "reports" / "C6-mundane-leak.yaml").data, support)
    assert d == Decision(False, "C6", d.reason) and "mundane" in d.reason


def test_leak_of_hypervisor_data_that_may_carry_partition_data_is(support):
    report = {"trigger": "partition-kernel", "guest_os_exposed": True, "feature": "core",
              "effect": {"type": "data-read", "what": "hypervisor-secret"}}
    assert triage(report, support) == Decision(True, "C5", triage(report, support).reason)


def test_no_guest_exposed_beats_any_effect(support):
    report = {"trigger": "partition-kernel", "guest_os_exposed": False, "feature": "vgic/v2",
              "effect": {"type": "privilege-escalation"}}
    assert triage(report, support).criterion == "C3"


def test_unsupported_feature_beats_everything(support):
    report = {"trigger": "partition-user", "guest_os_exposed": True, "feature": "passthrough",
              "effect": {"type": "privilege-escalation"}}
    d = triage(report, support)
    assert (d.is_security, d.criterion) == (False, "C1")
    assert "experimental" in d.reason


def test_unbounded_interrupt_delay_is_a_denial_of_service(support):
    report = {"trigger": "partition-kernel", "guest_os_exposed": True, "feature": "vgic/v2",
              "effect": {"type": "denial-of-service", "victim": "other-partition",
                         "how": "interrupt-delay"}}
    assert triage(report, support).criterion == "C7"


def test_starving_another_cpu_is_a_denial_of_service(support):
    report = {"trigger": "partition-user", "guest_os_exposed": True, "feature": "core",
              "effect": {"type": "denial-of-service", "victim": "other-partition",
                         "how": "cpu-starvation"}}
    assert triage(report, support) == Decision(True, "C7", triage(report, support).reason)


@pytest.mark.parametrize("text, code, words", [
    ("trigger: partition-kernel\neffect: {type: data-read}\nguest_os_exposed: true\n"
     "feature: core\n",
     "E054", "effect"),
    ("trigger: guest\neffect: {type: privilege-escalation}\nguest_os_exposed: true\n"
     "feature: core\n",
     "E054", "'guest' is not one of"),
    ("trigger: partition-kernel\neffect: {type: privilege-escalation}\nfeature: core\n",
     "E054", "guest_os_exposed"),
    ("trigger: partition-kernel\neffect: {type: privilege-escalation}\n"
     "guest_os_exposed: yes please\nfeature: core\n", "E054", "is not of type 'boolean'"),
    ("trigger: partition-kernel\neffect: {type: privilege-escalation}\nguest_os_exposed: true\n"
     "feature: warp-drive\n", "E055", "unknown feature 'warp-drive'"),
    ("trigger: [\n", "E001", ""),
])
def test_bad_reports(text, code, words, support):
    with pytest.raises(ConfigError) as exc:
        triage_text(text, "report.yaml", support)
    d = exc.value.diagnostics[0]
    assert d.code == code and words in d.message, d.message
    assert d.pos and d.pos.file == "report.yaml"


def test_unknown_feature_points_at_its_line(support):
    text = ("trigger: partition-kernel\neffect: {type: privilege-escalation}\n"
            "guest_os_exposed: true\nfeature: warp-drive\n")
    with pytest.raises(ConfigError) as exc:
        triage_text(text, "report.yaml", support)
    assert exc.value.diagnostics[0].pos.line == 4


def test_policy_lists_the_criteria_in_order():
    """POLICY.md and the code must say the same thing: every criterion is a heading
    `### Cn: title` in the same order, and its outcome is stated."""
    policy = (REPO_ROOT / "xsa" / "POLICY.md").read_text()
    headings = re.findall(r"^### (C[0-9]+): (.+)$", policy, re.M)
    assert [(c.id, c.title) for c in CRITERIA] == headings
    for c in CRITERIA:
        section = policy.split(f"### {c.id}: ")[1].split("\n### ")[0]
        outcome = ("**Outcome: security issue.**" if c.is_security
                   else "**Outcome: not a security issue.**")
        assert outcome in section, c.id


def test_report_fixtures_validate_against_the_schema(support):
    for path in REPORTS:
        load_report(path, support)
