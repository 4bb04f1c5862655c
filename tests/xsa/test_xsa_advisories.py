# SPDX-License-Identifier: Apache-2.0
"""Advisories: format, `xsa check` logic on affected and unaffected systems, OSV export."""
from __future__ import annotations

import json

import jsonschema
import pytest
from xsa_builders import FIXTURES, UART1, make_partition, make_system

from hvcfg.diagnostics import ConfigError
from hvcfg.xsa.advisories import check, check_facts, load_advisories, load_advisory, to_osv
from hvcfg.xsa.facts import FACT_SCHEMA, conforms, system_facts
from hvcfg.xsa.support import REPO_ROOT, load_support

BOARDS = load_support().board_compatibles()

ADV = FIXTURES / "advisories"


@pytest.fixture(scope="module")
def advisories():
    return load_advisories(ADV)


def results(system, advisories, version="0.1.0"):
    return {r.advisory.id: r for r in check(system, advisories, version)}


def test_fixture_advisories_load(advisories):
    assert [a.id for a in advisories] == ["XSA-901", "XSA-902", "XSA-903", "XSA-904"]
    a = advisories[0]
    assert a.rating == "high" and a.criterion == "C4"
    assert a.published == "2025-01-02"        # YAML dates become ISO strings


def test_real_advisories_directory_is_valid():
    # xsa/advisories/ holds real advisories only; each of them must load
    load_advisories(REPO_ROOT / "xsa" / "advisories")


def test_missing_directory_is_an_error_not_a_clean_bill(tmp_path):
    """A typo in --advisories must not answer "0 apply" (issue 18): E093, for a missing
    directory and for a file; an existing empty directory holds none."""
    for bad in (tmp_path / "none", tmp_path / "file.yaml"):
        if bad.suffix:
            bad.write_text("id: XSA-001\n")
        with pytest.raises(ConfigError) as info:
            load_advisories(bad)
        d = info.value.diagnostics[0]
        assert d.code == "E093" and str(bad) in d.message
    (tmp_path / "empty").mkdir()
    assert load_advisories(tmp_path / "empty") == ()


def test_system_without_console_on_gicv2_is_not_affected(advisories):
    system = make_system(make_partition("hello", 20, hypercalls=("identity",)))
    r = results(system, advisories)
    assert not any(x.applies for x in r.values())
    assert "no partition in partitions satisfies" in r["XSA-901"].why
    assert 'partition.hypercalls = ["identity"]' in r["XSA-901"].why
    assert "withdrawn" in r["XSA-904"].why
    assert "0.1.0 is not affected" in r["XSA-903"].why


def test_console_on_gicv2_is_affected(advisories):
    system = make_system(make_partition("hello", 20),
                         make_partition("mon", 40, cpus=(1,), hypercalls=("console",)))
    r = results(system, advisories)
    assert r["XSA-901"].applies
    assert 'partition "mon"' in r["XSA-901"].why
    assert "board.gic_version = 2" in r["XSA-901"].why
    assert "hvcfg 0.1.0 is in the affected range" in r["XSA-901"].why


def test_same_partitions_on_gicv3_are_not_affected(advisories):
    system = make_system(make_partition("mon", 40, hypercalls=("console",)), gic_version=3)
    r = results(system, advisories)
    assert not r["XSA-901"].applies
    assert r["XSA-901"].why == "`board.gic_version == 2` is false (board.gic_version = 3)"


def test_passthrough_advisory_needs_smp_and_a_pl011(advisories):
    up = make_system(make_partition("linux", 20, cpus=(0,), devices=(UART1,)))
    smp = make_system(make_partition("linux", 20, cpus=(0, 1), devices=(UART1,)))
    smp_nodev = make_system(make_partition("linux", 20, cpus=(0, 1)))
    assert not results(up, advisories)["XSA-902"].applies
    assert results(smp, advisories)["XSA-902"].applies
    assert not results(smp_nodev, advisories)["XSA-902"].applies
    # XSA-902 lists version 0.1.0 only
    r = results(smp, advisories, version="0.2.0")["XSA-902"]
    assert not r.applies and "0.2.0 is not affected" in r.why


def test_fixed_version_is_not_affected_even_when_the_predicate_holds(advisories):
    system = make_system(make_partition("linux", 20, on_fault="restart"))
    assert not results(system, advisories)["XSA-903"].applies
    assert results(system, advisories, version="0.0.5")["XSA-903"].applies


def test_facts_conform_to_the_schema():
    system = make_system(make_partition("linux", 20, cpus=(0, 1), devices=(UART1,),
                                        hypercalls=("console",), perms=("rx", "rwx")))
    f = system_facts(system, board_ids=BOARDS)
    assert conforms(f, FACT_SCHEMA)
    p = f["partitions"][0]
    assert p["devices"] == ["/pl011@9040000"] and "arm,pl011" in p["compatibles"]
    assert p["irqs"] == [40] and p["writable_executable"] and p["smp"]
    assert "passthrough" in f["features"] and "region/rwx" in f["features"]


def test_check_facts_is_pure(advisories):
    f = system_facts(make_system(make_partition("m", 20, hypercalls=("console",))),
                     board_ids=BOARDS)
    before = json.dumps(f, sort_keys=True)
    check_facts(f, advisories)
    assert json.dumps(f, sort_keys=True) == before


@pytest.mark.parametrize("name, code, words", [
    ("XSA-950", "E050", "unknown key"),
    ("XSA-951", "E051", "column 22"),
    ("XSA-952", "E052", "no field 'gic_flavour'"),
    ("XSA-953", "E056", "file named XSA-953.yaml"),
    ("XSA-954", "E050", "catastrophic"),
    ("XSA-955", "E050", "affected.ranges.0"),
])
def test_bad_advisories(name, code, words):
    with pytest.raises(ConfigError) as exc:
        load_advisory(FIXTURES / "bad" / f"{name}.yaml")
    messages = " | ".join(d.message for d in exc.value.diagnostics)
    assert {d.code for d in exc.value.diagnostics} == {code}, messages
    assert words in messages
    assert all(d.pos and d.pos.file.endswith(f"{name}.yaml") for d in exc.value.diagnostics)


def test_unknown_key_points_at_the_key():
    with pytest.raises(ConfigError) as exc:
        load_advisory(FIXTURES / "bad" / "XSA-950.yaml")
    assert exc.value.diagnostics[0].pos.line == 9


def test_expression_errors_point_at_the_affects_line():
    with pytest.raises(ConfigError) as exc:
        load_advisory(FIXTURES / "bad" / "XSA-951.yaml")
    assert exc.value.diagnostics[0].pos.line == 6


def test_duplicate_ids_are_rejected(tmp_path):
    text = (ADV / "XSA-902.yaml").read_text()
    (tmp_path / "XSA-902.yaml").write_text(text)
    (tmp_path / "XSA-902.yml").write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_advisories(tmp_path)
    assert exc.value.diagnostics[0].code == "E056"


# A subset of the OSV schema (https://ossf.github.io/osv-schema/): the fields we emit.
OSV_SUBSET = {
    "type": "object",
    "required": ["schema_version", "id", "modified"],
    "properties": {
        "id": {"type": "string"},
        "modified": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"},
        "published": {"type": "string", "pattern": "Z$"},
        "withdrawn": {"type": "string", "pattern": "Z$"},
        "summary": {"type": "string"}, "details": {"type": "string"},
        "severity": {"type": "array", "items": {"type": "object", "required": ["type", "score"]}},
        "affected": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "package": {"type": "object", "required": ["ecosystem", "name"]},
                "ranges": {"type": "array", "items": {
                    "type": "object", "required": ["type", "events"],
                    "properties": {"type": {"enum": ["GIT", "SEMVER", "ECOSYSTEM"]},
                                   "events": {"type": "array", "minItems": 1}},
                    "if": {"properties": {"type": {"const": "GIT"}}},
                    "then": {"required": ["repo"]}}},
                "versions": {"type": "array", "items": {"type": "string"}},
            }}},
        "references": {"type": "array", "items": {"type": "object", "required": ["type", "url"]}},
        "credits": {"type": "array", "items": {"type": "object", "required": ["name"]}},
    },
}


def test_to_osv(advisories):
    by_id = {a.id: a for a in advisories}
    osv = to_osv(by_id["XSA-901"])
    jsonschema.validate(osv, OSV_SUBSET)
    assert osv["id"] == "XSA-901"
    assert osv["published"] == "2025-01-02T00:00:00Z"
    assert osv["modified"] == "2025-01-03T10:00:00Z"
    assert osv["severity"] == [{"type": "CVSS_V3",
                                "score": "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H"}]
    assert osv["affected"][0]["ranges"] == [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                                          {"fixed": "9.0.0"}]}]
    assert "board.gic_version == 2" in osv["affected"][0]["ecosystem_specific"]["affects"]
    assert osv["database_specific"] == {"severity": "high", "criterion": "C4"}
    osv3 = to_osv(by_id["XSA-903"])
    jsonschema.validate(osv3, OSV_SUBSET)
    git = osv3["affected"][0]["ranges"][1]
    assert git["type"] == "GIT" and git["repo"].endswith("hvcfg.git")
    assert to_osv(by_id["XSA-904"])["withdrawn"] == "2025-04-02T00:00:00Z"
    json.dumps(osv)   # serialisable
