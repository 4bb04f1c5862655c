# SPDX-License-Identifier: Apache-2.0
"""Advisories (xsa/advisories/XSA-NNN.yaml): loading, matching against a compiled system,
and export as OSV JSON. The format is documented in xsa/README.md."""
from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..diagnostics import ConfigError, Pos, error
from ..model import System
from .expr import Expr, ExprError, check_types, evaluate, parse
from .facts import FACT_SCHEMA, system_facts
from .source import Doc, load_yaml, validate
from .support import Support, load_support

OSV_SCHEMA_VERSION = "1.6.0"
PACKAGE = {"ecosystem": "hvcfg", "name": "hvcfg"}   # hvcfg has no OSV ecosystem of its own
_ID_RE = re.compile(r"^XSA-[0-9]{3,}$")


@dataclass(frozen=True)
class Range:
    type: str                    # "SEMVER" or "GIT"
    introduced: str              # "0" means from the beginning
    fixed: str | None = None
    last_affected: str | None = None
    repo: str | None = None      # GIT only

    def describe(self) -> str:
        bounds = [f">= {self.introduced}"] if self.introduced != "0" else []
        bounds += [f"< {self.fixed}"] if self.fixed else []
        bounds += [f"<= {self.last_affected}"] if self.last_affected else []
        text = ", ".join(bounds) or "all"
        return text if self.type == "SEMVER" else f"commits {text} of {self.repo}"


@dataclass(frozen=True)
class Advisory:
    id: str
    summary: str
    details: str
    rating: str                  # low | medium | high | critical
    cvss: tuple[tuple[str, str], ...]   # (OSV severity type, score)
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    affects: Expr
    aliases: tuple[str, ...]
    references: tuple[tuple[str, str], ...]   # (type, url)
    credits: tuple[tuple[str, tuple[str, ...], str | None], ...]   # (name, contact, type)
    published: str
    modified: str
    withdrawn: str | None
    criterion: str | None
    features: tuple[str, ...]
    path: Path
    pos: Pos


@dataclass(frozen=True)
class Result:
    advisory: Advisory
    applies: bool
    why: str


# ---------------------------------------------------------------------------------- loading

def parse_advisory(doc: Doc) -> Advisory:
    """Validate and build one advisory; ConfigError E050 (format), E051/E052 (affects)."""
    validate(doc, "advisory.schema.json", "E050", "advisory")
    d = doc.data
    affects_pos = doc.pos(("affects",))
    try:
        affects = parse(d["affects"])
    except ExprError as exc:
        raise ConfigError(error("E051", f"affects: {exc.render()}", affects_pos)) from None
    try:
        check_types(affects, FACT_SCHEMA)
    except ExprError as exc:
        raise ConfigError(error("E052", f"affects: {exc.render()}", affects_pos)) from None
    severity = d["severity"]
    cvss = tuple((t, severity[k]) for k, t in (("cvss_v3", "CVSS_V3"), ("cvss_v4", "CVSS_V4"))
                 if k in severity)
    affected = d["affected"]
    return Advisory(
        id=d["id"], summary=d["summary"], details=d["details"], rating=severity["rating"],
        cvss=cvss,
        ranges=tuple(Range(r["type"], r["introduced"], r.get("fixed"), r.get("last_affected"),
                           r.get("repo")) for r in affected.get("ranges", ())),
        versions=tuple(affected.get("versions", ())),
        affects=affects,
        aliases=tuple(d.get("aliases", ())),
        references=tuple((r["type"], r["url"]) for r in d.get("references", ())),
        credits=tuple((c["name"], tuple(c.get("contact", ())), c.get("type"))
                      for c in d.get("credits", ())),
        published=d["published"], modified=d["modified"], withdrawn=d.get("withdrawn"),
        criterion=d.get("criterion"), features=tuple(d.get("features", ())),
        path=doc.path, pos=doc.pos(),
    )


def load_advisory(path: Path) -> Advisory:
    adv = parse_advisory(load_yaml(path))
    if Path(path).stem != adv.id:
        raise ConfigError(error("E056", f"advisory {adv.id} is in a file named {Path(path).name}",
                                adv.pos))
    return adv


def load_advisories(directory: Path) -> tuple[Advisory, ...]:
    """Every *.yaml advisory of a directory, sorted by id. A directory that does not exist is
    E093: answering "none apply" for it would be a clean bill for a typo. An existing one may
    hold none (xsa/advisories/ before the first advisory); the commands print the count."""
    directory = Path(directory)
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError(error("E093", f"advisory directory {directory} {what}", None))
    advisories = [load_advisory(p) for p in sorted(directory.glob("*.yaml"))
                  + sorted(directory.glob("*.yml"))]
    seen: dict[str, Advisory] = {}
    for a in advisories:
        if a.id in seen:
            raise ConfigError(error("E056", f"advisory id {a.id} used twice", a.pos))
        seen[a.id] = a
    return tuple(sorted(advisories, key=lambda a: _id_key(a.id)))


def _id_key(advisory_id: str) -> tuple[int, str]:
    if not _ID_RE.match(advisory_id):
        return (0, advisory_id)
    return (int(advisory_id.split("-")[1]), advisory_id)


# ---------------------------------------------------------------------------------- matching

def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(".")) if v != "0" else (0,)


def _in_range(version: str, r: Range) -> bool:
    v = _version_key(version)
    if v < _version_key(r.introduced):
        return False
    if r.fixed is not None:
        return v < _version_key(r.fixed)
    if r.last_affected is not None:
        return v <= _version_key(r.last_affected)
    return True


def version_affected(advisory: Advisory, version: str) -> tuple[bool, str]:
    """Whether a release is affected, and why. GIT ranges cannot be decided from a release
    number: an advisory with only GIT ranges is taken as affecting every release."""
    semver = [r for r in advisory.ranges if r.type == "SEMVER"]
    if not semver and not advisory.versions:
        return True, (f"affected commits are given as git ranges only, so hvcfg {version} is "
                      "assumed affected")
    if version in advisory.versions:
        return True, f"hvcfg {version} is listed as affected"
    for r in semver:
        if _in_range(version, r):
            return True, f"hvcfg {version} is in the affected range ({r.describe()})"
    listed = [f"({r.describe()})" for r in semver] + list(advisory.versions)
    return False, f"hvcfg {version} is not affected (affected: {', '.join(listed)})"


def check_facts(facts: Mapping[str, Any], advisories: tuple[Advisory, ...] | list[Advisory]
                ) -> list[Result]:
    """Match advisories against a fact dictionary (facts.system_facts); pure."""
    results = []
    version = facts["version"]
    for adv in advisories:
        if adv.withdrawn:
            results.append(Result(adv, False, f"withdrawn on {adv.withdrawn}"))
            continue
        v_ok, v_why = version_affected(adv, version)
        if not v_ok:
            results.append(Result(adv, False, v_why))
            continue
        try:
            outcome = evaluate(adv.affects, facts)
        except ExprError as exc:     # only with hand-made facts: types were checked at load
            raise ConfigError(error("E052", f"{adv.id} affects: {exc.render()}", adv.pos)) from None
        if outcome.value:
            results.append(Result(adv, True, f"{v_why}, and {outcome.why}"))
        else:
            results.append(Result(adv, False, outcome.why))
    return results


def check(system: System, advisories: tuple[Advisory, ...] | list[Advisory],
          version: str = __version__, support: Support | None = None) -> list[Result]:
    """Which advisories apply to this exact system, and why (or why not); the board feature
    is the one `support` (default xsa/SUPPORT.yaml) gives its hardware."""
    ids = (support or load_support()).board_compatibles()
    return check_facts(system_facts(system, version, board_ids=ids), advisories)


# ---------------------------------------------------------------------------------- OSV

def to_osv(advisory: Advisory) -> dict[str, Any]:
    """The advisory as an OSV record (schema_version OSV_SCHEMA_VERSION). The `affects`
    predicate travels in affected[].ecosystem_specific, where OSV tools ignore it."""
    ranges = []
    for r in advisory.ranges:
        events: list[dict[str, str]] = [{"introduced": r.introduced}]
        if r.fixed:
            events.append({"fixed": r.fixed})
        if r.last_affected:
            events.append({"last_affected": r.last_affected})
        entry: dict[str, Any] = {"type": r.type, "events": events}
        if r.repo:
            entry["repo"] = r.repo
        ranges.append(entry)
    affected: dict[str, Any] = {"package": dict(PACKAGE)}
    if ranges:
        affected["ranges"] = ranges
    if advisory.versions:
        affected["versions"] = list(advisory.versions)
    affected["ecosystem_specific"] = {"affects": advisory.affects.source,
                                      "features": list(advisory.features)}
    osv: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": advisory.id,
        "modified": _rfc3339(advisory.modified),
        "published": _rfc3339(advisory.published),
    }
    if advisory.withdrawn:
        osv["withdrawn"] = _rfc3339(advisory.withdrawn)
    if advisory.aliases:
        osv["aliases"] = list(advisory.aliases)
    osv["summary"] = advisory.summary
    osv["details"] = advisory.details
    if advisory.cvss:
        osv["severity"] = [{"type": t, "score": s} for t, s in advisory.cvss]
    osv["affected"] = [affected]
    if advisory.references:
        osv["references"] = [{"type": t, "url": u} for t, u in advisory.references]
    if advisory.credits:
        osv["credits"] = [{"name": n, **({"contact": list(c)} if c else {}),
                           **({"type": t} if t else {})} for n, c, t in advisory.credits]
    osv["database_specific"] = {"severity": advisory.rating,
                                **({"criterion": advisory.criterion} if advisory.criterion else {})}
    return osv


def _rfc3339(stamp: str) -> str:
    """OSV wants RFC 3339 UTC timestamps; a bare date means midnight UTC, no zone means UTC."""
    when = datetime.datetime.fromisoformat(stamp)
    if when.tzinfo is not None:
        when = when.astimezone(datetime.UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
