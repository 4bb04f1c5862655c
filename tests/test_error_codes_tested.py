# SPDX-License-Identifier: Apache-2.0
"""Every diagnostic code has a test that produces it.

The codes are read from diagnostics.CODES and from docs/errors.md (both must list the same
ones). A code a configuration can reach has a bad input in tests/negative/eNNN-*.yaml (run by
tests/test_negative.py). The others are in ELSEWHERE with the reason no YAML can produce them
and the test file that does: that file must name the code.
"""
from __future__ import annotations

import re
from pathlib import Path

from hvcfg.diagnostics import CODES

ROOT = Path(__file__).resolve().parent.parent
NEGATIVE = ROOT / "tests" / "negative"

# code -> (test file, why not a board YAML in tests/negative)
ELSEWHERE: dict[str, tuple[str, str]] = {
    "E037": ("tests/test_checks.py", "two devices sharing an SPI: no board the project can "
             "produce a DTB for (QEMU virt, Pi 4) has one, the test edits the model"),
    "E043": ("tests/test_guestdt.py", "`hvcfg dt BOARD PART` names an unknown partition: a "
             "command-line argument"),
    "E044": ("tests/test_bootfolder.py", "`hvcfg flash` target is not a Pi boot partition: a "
             "command-line argument"),
    "E093": ("tests/xsa/test_xsa_advisories.py", "`xsa check --advisories DIR` names a "
             "missing directory: a command-line argument"),
    "E094": ("tests/test_bootfolder.py", "`hvcfg flash` on a board without a boot folder, "
             "`run` on one without QEMU: a command, not a configuration error"),
    "E095": ("tests/test_partition_sdk.py", "`hvcfg new partition` refuses a name or a "
             "directory: a command-line argument"),
    "E089": ("tests/xsa/test_xsa_commands.py", "`xsa export --out DIR` (and `new partition "
             "--dir DIR`) cannot create its output directory: a command-line argument"),
    "E061": ("tests/test_rules.py", "a stage-2 mapping over the hypervisor's pages that the "
             "semantic rules (E020-E022, E028, E045, E046) do not catch first: none is known, "
             "the test drives the rule directly"),
    "E047": ("tests/test_build_gate.py", "the built image fails verification: needs a "
             "corrupted build, not a configuration"),
    "E050": ("tests/xsa/test_xsa_advisories.py", "an advisory file (xsa/), not a board"),
    "E051": ("tests/xsa/test_xsa_advisories.py", "an advisory's `affects` expression"),
    "E052": ("tests/xsa/test_xsa_advisories.py", "an advisory's `affects` expression"),
    "E053": ("tests/xsa/test_xsa_support.py", "xsa/SUPPORT.yaml, not a board"),
    "E054": ("tests/xsa/test_xsa_triage.py", "a bug report for triage, not a board"),
    "E055": ("tests/xsa/test_xsa_triage.py", "a bug report naming an unknown feature"),
    "E056": ("tests/xsa/test_xsa_advisories.py", "two advisories with one id"),
    "W001": ("tests/xsa/test_xsa_support.py", "a warning from xsa/SUPPORT.yaml's support "
             "levels; every experimental board draws it"),
    "W002": ("tests/test_checks.py", "a warning: tests/negative holds errors (check exits 1)"),
    "W007": ("tests/test_checks.py", "a warning: tests/negative holds errors (check exits 1)"),
    "W003": ("tests/test_rpi4_board.py", "a warning: tests/negative holds errors (check exits 1)"),
    "W006": ("tests/test_seal_build.py", "a warning: tests/negative holds errors (check exits 1)"),
    "W009": ("tests/test_pi_firmware.py", "`hvcfg flash` onto a card without the overlay: a "
             "command-line argument"),
    "W010": ("tests/test_pi_firmware.py", "`hvcfg flash` onto a card without the board DTB: a "
             "command-line argument"),
}

def docs_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text()
    return set(re.findall(r"^### ([EW]\d{3}) ", text, re.M))


def test_docs_and_diagnostics_list_the_same_codes() -> None:
    assert docs_codes() == set(CODES), (sorted(docs_codes() ^ set(CODES)))


def test_every_code_has_a_negative_test() -> None:
    yaml_codes = {p.name[:4].upper() for p in NEGATIVE.glob("[ew][0-9][0-9][0-9]-*.yaml")}
    missing = []
    for code in sorted(CODES):
        if code in yaml_codes:
            continue
        if code in ELSEWHERE:
            path = ROOT / ELSEWHERE[code][0]
            text = path.read_text() if path.is_file() else ""
            if re.search(rf"\b{code}\b", text):
                continue
            missing.append(f"{code}: {ELSEWHERE[code][0]} does not name it")
        else:
            missing.append(f"{code}: no tests/negative/{code.lower()}-*.yaml")
    assert not missing, "\n".join(missing)


def test_exceptions_are_not_stale() -> None:
    """A code with a YAML needs no exception; an exception names a code that exists."""
    yaml_codes = {p.name[:4].upper() for p in NEGATIVE.glob("[ew][0-9][0-9][0-9]-*.yaml")}
    assert set(ELSEWHERE) <= set(CODES), sorted(set(ELSEWHERE) - set(CODES))
    assert not set(ELSEWHERE) & yaml_codes, sorted(set(ELSEWHERE) & yaml_codes)
