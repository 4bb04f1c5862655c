# SPDX-License-Identifier: Apache-2.0
"""One name per thing: generated C macros are HV_ for the hypervisor and HVCFG_ for partitions
(docs/architecture.md, "Each fact once"); one word per permission from the configuration to
the tables and verify."""
from __future__ import annotations

import itertools
import re
from pathlib import Path

from hvcfg import codegen, perms, pipeline, tables
from hvcfg.load import definition

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "boards/qemu-virt.yaml"


def _sources(top: str) -> list[Path]:
    return [p for p in (ROOT / top).rglob("*") if p.suffix in (".c", ".h", ".S", ".s")]


def test_hyp_uses_no_partition_macro_and_partitions_no_hypervisor_macro():
    found = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("hyp")
             for m in re.findall(r"\bHVCFG_\w+", p.read_text())]
    found += [f"{p.relative_to(ROOT)}: {m}" for p in _sources("partitions")
              for m in re.findall(r"\bHV_\w+", p.read_text())]
    assert found == []


def test_generated_headers_follow_the_prefix_rule():
    system = pipeline.analyse(BOARD, ROOT / "build").system
    hyp = codegen.render_config_h(system, 0x4000, ())
    guest = codegen.render_partition_header(system, system.partitions[0], ())
    hyp_names = re.findall(r"^#\s*define\s+(\w+)", hyp, re.M)
    guest_names = re.findall(r"^#\s*define\s+(\w+)", guest, re.M)
    assert len(hyp_names) > 20 and len(guest_names) > 8
    assert [n for n in hyp_names if not n.startswith("HV_")] == []
    assert [n for n in guest_names if not n.startswith("HVCFG_")] == []


def test_one_word_per_permission():
    assert perms.PERMS == tuple(definition("region")["properties"]["perm"]["enum"])
    readable = {perms.word(True, w, x) for w, x in itertools.product((False, True), repeat=2)}
    assert readable == set(perms.PERMS)
    assert perms.word(False, False, False) == "none"
    for perm in perms.PERMS:          # every word the configuration offers can be encoded
        ts = tables.stage2_tables([tables.Mapping(0, 0x40000000, 0x1000, perm, "normal", perm)],
                                  0x80000000, blocks=False)
        assert ts.pages


def test_layout_tables_and_verify_spell_no_other_word():
    """Heuristic: "r" (the tables' old word for read-only) is spelt nowhere but perms.word."""
    files = [ROOT / "compiler/hvcfg" / f for f in ("layout.py", "tables.py", "codegen.py")]
    files += sorted((ROOT / "compiler/hvcfg/verify").glob("*.py"))
    found = [f"{p.relative_to(ROOT)}: {line.strip()}" for p in files
             for line in p.read_text().splitlines() if re.search(r"""["']r["']""", line)]
    assert found == []
