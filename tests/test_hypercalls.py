# SPDX-License-Identifier: Apache-2.0
"""hvcfg's hypercalls have one table, hyp/hypercalls.yaml: every other place is generated from
it, and adding a call is one row plus its handler file."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvcfg import codegen, hypercalls, pipeline, surface
from hvcfg.hypercalls import TableError

ROOT = Path(__file__).resolve().parent.parent
HYP = ROOT / "hyp"
BOARD = ROOT / "boards/qemu-virt.yaml"


def _doc_section() -> str:
    text = (ROOT / "docs/hypercalls.md").read_text()
    start = text.index("| name | id | arguments | result |")
    end = text.find("\n\n", start)
    return text[start:] if end < 0 else text[start:end + 1]


def test_docs_table_is_the_generated_one():
    assert _doc_section() == hypercalls.doc_table(), \
        "docs/hypercalls.md drifted from hyp/hypercalls.yaml; replace its table with:\n" + \
        hypercalls.doc_table()


def test_every_row_names_a_real_handler():
    for hc in hypercalls.table():
        source = (HYP / hc.source).read_text()
        assert re.search(rf"^void {hc.handler}\(struct hv_regs \*regs\)$", source, re.M), hc
        for fn in hc.reaches:
            assert any(re.search(rf"^\S.*\b{fn}\(", p.read_text(), re.M)
                       for p in HYP.rglob("*.c")), fn


def test_grant_bits_follow_the_function_ids():
    calls = hypercalls.table()
    assert [c.bit for c in calls] == sorted({c.bit for c in calls})
    assert all(0 <= c.bit < hypercalls.MAX_CALLS for c in calls)


def _write_table(tmp: Path, text: str) -> Path:
    path = tmp / "hypercalls.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("old, new", [
    ("  reaches: []\n", ""),                   # a key missing
    ("0xc6000002", "0xc6000100"),              # an id outside the grant bits
    ("0xc6000002", "0xc6000001"),              # two calls, one id
])
def test_malformed_tables_are_refused(tmp_path, old, new):
    text = hypercalls.TABLE.read_text()
    assert old in text
    with pytest.raises(TableError):
        hypercalls.table(_write_table(tmp_path, text.replace(old, new, 1)))


def test_no_hand_kept_copy_of_an_id():
    """A function id is written in the table only: C, partitions, the compiler and the docs'
    prose use the generated names (the docs' table is generated, checked above)."""
    pattern = re.compile("|".join(f"{c.fid:#x}|{c.fid & ~0x40000000:#x}"
                                  for c in hypercalls.table()), re.I)
    found = []
    for top in ("hyp", "partitions", "compiler/hvcfg", "docs", "tests"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in (".c", ".h", ".S", ".py", ".j2", ".md", ".yaml") \
                    or path in (hypercalls.TABLE, Path(hypercalls.__file__), Path(__file__)) \
                    or path.parent == ROOT / "hyp" / "check":     # a generated sample
                continue
            text = path.read_text(errors="replace")
            if path.name == "hypercalls.md":
                text = text.replace(_doc_section(), "")
            found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in pattern.finditer(text)]
    assert found == []


DOORBELL = """
doorbell:
  fid: 0xc6000003
  handler: hv_hc_doorbell
  source: core/hc_doorbell.c
  reaches: []
  arguments: x1 = channel
  result: x0 = 0
"""


def test_a_new_call_is_one_row(tmp_path, monkeypatch):
    """A doorbell row (the next issue's call) reaches the C ids, the dispatch list, the
    partitions' header, `check`, `hvcfg surface` and the docs without any other edit."""
    table = _write_table(tmp_path, hypercalls.TABLE.read_text() + DOORBELL)
    monkeypatch.setattr(hypercalls, "TABLE", table)
    board = tmp_path / "board.yaml"
    text = BOARD.read_text().replace("    devices: [/pl011@9040000]",
                                     "    devices: [/pl011@9040000]\n    hypercalls: [doorbell]")
    assert "doorbell" in text
    board.write_text(text.replace("include: ../", f"include: {ROOT}/"))
    system = pipeline.analyse(board, ROOT / "build").system
    p = next(p for p in system.partitions if "doorbell" in p.hypercalls)
    header = codegen.render_config_h(system, 0x4000, ())
    assert "#define HV_HC_DOORBELL 2\n#define HV_HC_DOORBELL_FID 0xc6000003u" in header
    assert "X(DOORBELL, hv_hc_doorbell)" in header
    assert "void hv_hc_doorbell(struct hv_regs *regs);" in header
    guest = codegen.render_partition_header(system, p, ())
    assert "#define HVCFG_HC_DOORBELL 0xc6000003u" in guest
    assert "core/hc_doorbell.c" in [str(s.relative_to(HYP))
                                    for s in codegen.hyp_sources(system, HYP)]
    spec = [s for s in surface.entry_specs(system, p) if s.name == "doorbell"]
    assert spec and spec[0].symbols == ("hv_hc_doorbell",) and "0xc6000003" in spec[0].detail
    assert "| `doorbell` | 0xc6000003 | x1 = channel | x0 = 0 |" in hypercalls.doc_table()


def test_grant_bits_in_the_generated_tables():
    system = pipeline.analyse(BOARD, ROOT / "build").system
    header = codegen.render_config_h(system, 0x4000, ())
    for hc in hypercalls.table():
        assert f"#define HV_HC_{hc.macro} {hc.bit}\n" in header
        assert f"#define HV_HC_{hc.macro}_FID {hc.fid:#x}u\n" in header
    used = " ".join(f"X({hc.macro}, {hc.handler})" for hc in codegen.hypercalls_used(system))
    assert f"#define HV_HYPERCALLS_USED(X) {used}\n" in header
