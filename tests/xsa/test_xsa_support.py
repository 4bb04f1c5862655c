# SPDX-License-Identifier: Apache-2.0
"""xsa/SUPPORT.yaml: its schema, its content, and W001 warnings naming YAML positions."""
from __future__ import annotations

from dataclasses import replace

import jsonschema
import pytest
from xsa_builders import UART1, make_partition, make_system

from hvcfg.diagnostics import ConfigError, Pos, Severity
from hvcfg.xsa.facts import system_facts
from hvcfg.xsa.source import load_schema, parse_yaml
from hvcfg.xsa.support import default_support_path, load_support, parse_support, support_warnings

REQUIRED_FEATURES = {
    "core", "board/qemu-virt", "board/rpi4", "vgic/v2", "vgic/v3", "psci", "psci/cpu-on",
    "hypercall/console", "hypercall/identity", "passthrough", "vuart", "shared-memory",
    "on-fault/halt", "on-fault/restart", "on-fault/inject",
    "region/ro", "region/rw", "region/rx", "region/rwx",
}


@pytest.mark.parametrize("name", ["support.schema.json", "advisory.schema.json",
                                  "triage.schema.json"])
def test_schemas_are_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(load_schema(name))


def test_support_yaml_is_valid_and_complete():
    support = load_support()
    assert support.path == default_support_path()
    assert REQUIRED_FEATURES <= set(support.features)
    assert {f.status for f in support.features.values()} <= {"supported", "experimental",
                                                              "unsupported"}
    # the isolation core is security-supported; stateful or untested features are not
    for fid in ("core", "board/qemu-virt", "vgic/v2", "on-fault/halt", "on-fault/restart",
                "region/rw"):
        assert support.is_supported(fid)
    for fid in ("board/rpi4", "passthrough", "on-fault/inject", "region/rwx", "shared-memory"):
        assert not support.is_supported(fid)
    assert support.status("no/such-feature") == "unsupported"


def _support(text: str):
    return parse_support(parse_yaml(text, "SUPPORT.yaml"))


GOOD = """\
schema: 1
release: "0.1"
features:
  core: {status: supported, summary: s, rationale: r}
"""


def test_minimal_support_is_accepted():
    assert _support(GOOD).status("core") == "supported"


@pytest.mark.parametrize("text, words, line", [
    (GOOD.replace("supported,", "maybe,"), "'maybe' is not one of", 4),
    (GOOD.replace("rationale: r", "rationale: r, colour: red"), "unknown key", 4),
    (GOOD.replace("summary: s, ", ""), "'summary' is a required property", 4),
    (GOOD.replace("  core:", "  Core_Feature:"), "Core_Feature", 4),
    (GOOD.replace('release: "0.1"\n', ""), "'release' is a required property", 1),
    (GOOD.replace("schema: 1", "schema: 2"), "1 was expected", 1),
])
def test_bad_support_is_rejected_with_position(text, words, line):
    with pytest.raises(ConfigError) as exc:
        _support(text)
    d = exc.value.diagnostics[0]
    assert d.code == "E053"
    assert words in d.message, d.message
    assert d.pos.line == line


def test_duplicate_keys_are_rejected():
    with pytest.raises(ConfigError) as exc:
        _support(GOOD + "  core: {status: experimental, summary: s, rationale: r}\n")
    assert exc.value.diagnostics[0].code == "E001"
    assert exc.value.diagnostics[0].pos == Pos("SUPPORT.yaml", 5, 3)


def test_supported_configuration_has_no_warnings(supported_system):
    assert support_warnings(supported_system) == []


def test_warnings_name_every_unsupported_feature_and_its_position():
    p = make_partition("linux", 20, cpus=(1, 2), hypercalls=("console", "doorbell"),
                       devices=(UART1,), on_fault="inject", perms=("rx", "rwx"))
    system = make_system(p, gic_version=3, board_name="rpi4")
    system = replace(system, board=replace(system.board, compatible=("raspberrypi,4-model-b",
                                                                     "brcm,bcm2711")))
    warnings = support_warnings(system)
    assert all(w.code == "W001" and w.severity is Severity.WARNING for w in warnings)
    by_feature = {w.message.split(" enables ")[1].split(",")[0]: w for w in warnings}
    assert set(by_feature) == {"board/rpi4", "vgic/v3", "hypercall/doorbell",
                               "passthrough", "on-fault/inject", "region/rwx"}
    assert by_feature["board/rpi4"].pos == system.board_spec.pos
    assert "psci/cpu-on" not in by_feature      # supported since its stress test passed
    assert by_feature["passthrough"].pos == p.devices[0].pos
    assert by_feature["on-fault/inject"].pos == p.on_fault.pos
    assert by_feature["region/rwx"].pos == p.memory[1].pos
    assert by_feature["hypercall/doorbell"].pos == p.pos     # no finer position known
    assert "experimental" in by_feature["hypercall/doorbell"].message
    assert "on-fault/restart" not in by_feature   # supported: shares PSCI SYSTEM_RESET's restart
    assert "experimental" in by_feature["passthrough"].message
    assert "boards/test.yaml:" in by_feature["passthrough"].render()


@pytest.mark.parametrize("name", ["qemu-virt", "myboard", "rpi4"])
def test_board_support_follows_the_hardware_not_the_name(name):
    """A renamed QEMU virt board is still board/qemu-virt (supported); calling a QEMU board
    `rpi4` does not make it one (issue 18)."""
    system = make_system(make_partition("a", 20), board_name=name)
    assert support_warnings(system) == []
    ids = load_support().board_compatibles()
    assert "board/qemu-virt" in system_facts(system, board_ids=ids)["features"]


def test_unknown_hardware_is_unlisted_whatever_its_name():
    system = make_system(make_partition("a", 20), board_name="qemu-virt")
    system = replace(system, board=replace(system.board, compatible=("acme,widget",)))
    [w] = support_warnings(system)
    assert w.code == "W001" and "board/unlisted" in w.message and "acme,widget" in w.message


def test_warnings_use_item_positions_when_given():
    p = make_partition("linux", 20, hypercalls=("console", "doorbell"))
    exact = Pos("boards/test.yaml", 30, 27)
    warnings = support_warnings(make_system(p),
                                positions={("partitions", 0, "hypercalls", 1): exact})
    assert [w.pos for w in warnings] == [exact]


def test_warnings_use_the_models_hypercall_positions():
    from dataclasses import replace
    p = make_partition("linux", 20, hypercalls=("console", "doorbell"))
    exact = Pos("boards/test.yaml", 31, 29)
    p = replace(p, hypercalls_pos=(Pos("boards/test.yaml", 31, 18), exact))
    assert [w.pos for w in support_warnings(make_system(p))] == [exact]


def test_unlisted_feature_warns():
    support = _support(GOOD)
    warnings = support_warnings(make_system(make_partition("a", 20)), support)
    assert any("does not list" in w.message and "board/unlisted" in w.message for w in warnings)
    assert not any(" core," in w.message for w in warnings)
