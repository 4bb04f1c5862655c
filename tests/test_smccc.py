# SPDX-License-Identifier: Apache-2.0
"""SMCCC and PSCI constants have one place, hyp/include/hv/psci.h and spectre.h: partitions get
them generated, `hvcfg surface` and the docs' ids agree with them, nobody keeps a copy."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvcfg import codegen, pipeline, smccc, surface
from hvcfg.smccc import HeaderError

ROOT = Path(__file__).resolve().parent.parent


def test_constants_are_read_and_evaluated():
    c = smccc.constants()
    assert c["PSCI_CPU_ON_64"] == c["PSCI_CPU_ON"] | c["PSCI_SMC64"]
    assert c["PSCI_NOT_SUPPORTED"] == -1 and c["SMCCC_ARCH_WORKAROUND_1"] > 0
    assert smccc.evaluate("(A | 0x10u)", {"A": 1}) == 0x11
    with pytest.raises(HeaderError):
        smccc.evaluate("B + 1", {})
    with pytest.raises(HeaderError):
        smccc.evaluate("UNDEFINED | 1", {})


def test_partitions_get_every_constant():
    system = pipeline.analyse(ROOT / "boards/qemu-virt.yaml", ROOT / "build").system
    header = codegen.render_partition_header(system, system.partitions[0], ())
    defined = dict(re.findall(r"^#define (HVCFG_\w+) (\S+)$", header, re.M))
    for name, value in smccc.constants().items():
        text = defined[f"HVCFG_{name}"]
        assert int(text.strip("()").rstrip("u"), 0) == value, name


def _psci_section() -> str:
    text = (ROOT / "docs/hypercalls.md").read_text()
    return text[text.index("## PSCI"):text.index("## hvcfg calls")]


def test_docs_psci_ids_are_the_headers():
    section = _psci_section()
    for f in surface.PSCI_FUNCTIONS:
        ids = " / ".join(f"{i:#x}" for i in f.fids)
        assert re.search(rf"^\| {f.name} \| {re.escape(ids)} \|", section, re.M), f.name
    values = set(smccc.constants().values())
    stray = [i for i in re.findall(r"\b0x[0-9a-f]{8}\b", section) if int(i, 16) not in values]
    assert stray == []


def test_no_hand_kept_copy_of_an_id():
    """Function ids (other than the range bases, VERSION, that a fuzzer builds ids from) are
    written in the headers only."""
    c = smccc.constants()
    ids = {v for k, v in c.items() if v > 0xffff and v & 0xffff and k != "PSCI_SMC64"}
    pattern = re.compile(r"\b({})".format("|".join(f"{v:#x}" for v in sorted(ids))), re.I)
    skip = {ROOT / "hyp" / h for h in smccc.HEADERS}
    found = []
    for top in ("hyp", "partitions", "compiler/hvcfg"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix in (".c", ".h", ".S", ".py", ".j2") and path not in skip:
                found += [f"{path.relative_to(ROOT)}: {m.group()}"
                          for m in pattern.finditer(path.read_text())]
    assert found == []


def test_psci_features_promises_exactly_what_hv_psci_call_answers():
    """PSCI_FEATURES' list and hv_psci_call's cases are two lists in one file: they agree."""
    from test_surface import _case_labels, _function_body
    psci_c = ROOT / "hyp/core/psci.c"
    c = smccc.constants()

    def ids(signature: str) -> set[int]:
        return {smccc.evaluate(label, c)
                for label in _case_labels(_function_body(psci_c, signature))}

    # SMCCC_ARCH_FEATURES is the SMCCC's own discovery call, not a PSCI function.
    assert ids("static int64_t features(") == ids("int hv_psci_call(") - {
        c["SMCCC_ARCH_FEATURES"]}
