# SPDX-License-Identifier: Apache-2.0
"""Triage: apply xsa/POLICY.md's criteria, in order, to a structured bug report.

Each criterion below carries the id and title POLICY.md uses (a test keeps them in step); the
first criterion whose condition holds decides, and the decision names it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import ConfigError, Pos, error
from .source import Doc, load_yaml, parse_yaml, validate
from .support import Support, load_support

TRIGGERS = ("partition-kernel", "partition-user", "hypervisor-internal", "host-build")


@dataclass(frozen=True)
class Report:
    trigger: str
    effect: str                  # privilege-escalation | data-read | denial-of-service
    # data-read: partition-data | user-data | hypervisor-mundane | hypervisor-secret
    what: str | None
    victim: str | None           # denial-of-service: other-partition | hypervisor | same-partition
    # denial-of-service: crash | hang | cpu-starvation | interrupt-delay | other
    how: str | None
    bounded: bool                # denial-of-service: the delay or starvation has a known bound
    guest_os_exposed: bool
    feature: str
    title: str = ""


@dataclass(frozen=True)
class Decision:
    is_security: bool
    criterion: str               # "C1" ... as in xsa/POLICY.md
    reason: str

    def render(self) -> str:
        verdict = "security issue: an advisory is due" if self.is_security else \
            "not a security issue: fix in public"
        return f"{verdict} ({self.criterion}: {self.reason})"


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    is_security: bool
    applies: Callable[[Report, Support], bool]
    reason: Callable[[Report, Support], str]


def _dos(r: Report) -> bool:
    return r.effect == "denial-of-service"


def _victim(r: Report) -> str:
    return "another partition" if r.victim == "other-partition" else "the hypervisor"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("C1", "Security-supported features only", False,
              lambda r, s: not s.is_supported(r.feature),
              lambda r, s: f"{r.feature} is {s.status(r.feature)} in xsa/SUPPORT.yaml; "
                           f"advisories cover supported features only"),
    Criterion("C2", "Trusted inputs", False,
              lambda r, s: r.trigger == "host-build",
              lambda r, s: "triggering it needs control of the configuration, device tree, "
                           "partition images or build host, which are trusted"),
    Criterion("C3", "A guest OS must be exposed", False,
              lambda r, s: not r.guest_os_exposed,
              lambda r, s: "no guest OS in a supported configuration can be exposed to it"),
    Criterion("C4", "Privilege escalation", True,
              lambda r, s: r.effect == "privilege-escalation",
              lambda r, s: f"a {r.trigger} trigger gains privilege it was not given"),
    Criterion("C5", "Reading data one must not", True,
              lambda r, s: r.effect == "data-read" and r.what in
              ("partition-data", "user-data", "hypervisor-secret"),
              lambda r, s: f"a {r.trigger} trigger can read {r.what}"),
    Criterion("C6", "Mundane hypervisor information", False,
              lambda r, s: r.effect == "data-read" and r.what == "hypervisor-mundane",
              lambda r, s: "the data read is mundane hypervisor information that cannot carry "
                           "partition or user data"),
    Criterion("C7", "Denial of service of another partition or the hypervisor", True,
              lambda r, s: _dos(r) and r.victim in ("other-partition", "hypervisor")
              and not (r.bounded and r.how in ("cpu-starvation", "interrupt-delay")),
              lambda r, s: f"a {r.trigger} trigger can deny service to "
                           f"{_victim(r)}"
                           f"{f' ({r.how})' if r.how else ''}"),
    Criterion("C8", "Bounded interference", False,
              lambda r, s: _dos(r) and r.victim in ("other-partition", "hypervisor"),
              lambda r, s: f"the {r.how} has a known bound: a performance bug, not a denial "
                           "of service"),
    Criterion("C9", "An unprivileged user denying service to its own partition", True,
              lambda r, s: (_dos(r) and r.victim == "same-partition"
                            and r.trigger == "partition-user"),
              lambda r, s: "an unprivileged user can, through the hypervisor, stop or hang the "
                           "partition it runs in"),
    Criterion("C10", "A partition hurting only itself", False,
              lambda r, s: _dos(r) and r.victim == "same-partition",
              lambda r, s: "only the partition that triggers it is affected, and its kernel could "
                           "stop itself anyway"),
)


def parse_report(doc: Doc, support: Support) -> Report:
    """Validate a report document (E054) and check its feature against the matrix (E055)."""
    validate(doc, "triage.schema.json", "E054", "report")
    d = doc.data
    if support.get(d["feature"]) is None:
        raise ConfigError(error("E055", f"unknown feature {d['feature']!r} (known: "
                                        f"{', '.join(sorted(support.features))})",
                                doc.pos(("feature",))))
    effect = d["effect"]
    return Report(trigger=d["trigger"], effect=effect["type"], what=effect.get("what"),
                  victim=effect.get("victim"), how=effect.get("how"),
                  bounded=bool(effect.get("bounded", False)),
                  guest_os_exposed=d["guest_os_exposed"], feature=d["feature"],
                  title=d.get("title", ""))


def decide(report: Report, support: Support) -> Decision:
    """The first criterion that holds decides."""
    for c in CRITERIA:
        if c.applies(report, support):
            return Decision(c.is_security, c.id, c.reason(report, support))
    raise AssertionError(f"no criterion decides {report}")   # the schema makes this unreachable


def triage(report: Mapping[str, Any] | Report, support: Support | None = None) -> Decision:
    """Triage a report given as a dict (validated like a REPORT.yaml) or a Report."""
    support = support or load_support()
    if not isinstance(report, Report):
        doc = Doc(Path("<report>"), dict(report), {(): Pos("<report>", 1)})
        report = parse_report(doc, support)
    return decide(report, support)


def load_report(path: Path, support: Support) -> Report:
    return parse_report(load_yaml(path), support)


def triage_text(text: str, filename: str, support: Support) -> Decision:
    """Triage YAML text (for tests and tools that do not have a file)."""
    return decide(parse_report(parse_yaml(text, filename), support), support)
