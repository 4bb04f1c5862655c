"""The negative corpus: one bad board file per error code, each naming the exact code and line.

Every tests/negative/*.yaml starts with `# expect: E0NN [file] line N [note line M]`: the
diagnostic code and where it must point (file relative to tests/negative/, default the board
file itself) and, for rules about two objects, the line of the other one (its note).
`hvcfg check` must exit 1, print `<file>:<line>:<col>: error <code> ...`, print no traceback
and write no build output. A second test drives load/board/model/checks directly.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import dump_qemu_dtb

from hvcfg.board import parse_dtb
from hvcfg.checks import check
from hvcfg.diagnostics import ConfigError, Diagnostic, Severity
from hvcfg.load import load_config
from hvcfg.model import board_spec_from_doc, build_system
from hvcfg.units import format_size

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "negative"
EXPECT = re.compile(r"^# expect: (?P<code>[EW]\d{3})(?: (?P<file>\S+))? line (?P<line>\d+)"
                    r"(?: note line (?P<note>\d+))?\s*$")


@dataclass(frozen=True)
class Expect:
    code: str
    file: str          # as the diagnostics name it (relative to ROOT)
    line: int
    note: int | None   # line of the related object, in the same file


def expectation(path: Path) -> Expect:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = EXPECT.match(first)
    assert m, f"{path}: first line must be '# expect: E0NN [file] line N', not {first!r}"
    target = path.parent / m["file"] if m["file"] else path
    return Expect(m["code"], os.path.normpath(os.path.relpath(target, ROOT)), int(m["line"]),
                  int(m["note"]) if m["note"] else None)


CASES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_covers_every_reachable_code() -> None:
    codes = {expectation(p).code for p in CASES}
    reachable = {"E001", "E002", "E003", "E004", "E005", "E006", "E007", "E010", "E011",
                 "E020", "E021", "E022", "E023", "E024", "E025", "E026", "E027", "E028",
                 "E029", "E030", "E032", "E035", "E036", "E038", "E040", "E041", "E045",
                 "E046", "E048"}
    assert reachable <= codes, sorted(reachable - codes)


def _files_under(d: Path) -> set[Path]:
    return {p for p in d.rglob("*") if p.is_file()} if d.exists() else set()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_cli_check_rejects(path: Path, capfd: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    cli = pytest.importorskip("hvcfg.cli")
    exp = expectation(path)
    monkeypatch.chdir(ROOT)
    before = _files_under(ROOT / "build")
    status = cli.main(["check", str(path.relative_to(ROOT))])
    out, err = capfd.readouterr()
    text = out + err
    assert status == 1, text
    assert "Traceback" not in text
    all_lines = text.splitlines()
    hits = [i for i, ln in enumerate(all_lines)
            if ln.startswith(f"{exp.file}:{exp.line}:") and f" {exp.code} " in ln]
    assert hits, f"expected {exp.code} at {exp.file}:{exp.line}, got:\n{text}"
    if exp.note is not None:
        assert any(all_lines[i + 1].startswith(f"  {exp.file}:{exp.note}:")
                   and "note:" in all_lines[i + 1] for i in hits if i + 1 < len(all_lines)), \
            f"expected a note at {exp.file}:{exp.note}, got:\n{text}"
    # `check` writes nothing but (possibly) a cached QEMU DTB.
    new = {p for p in _files_under(ROOT / "build") - before if p.suffix != ".dtb"}
    assert not new, sorted(map(str, new))


# ---------------------------------------------------------------- the same, layer by layer

@pytest.fixture(scope="module")
def dtb_cache() -> dict[tuple, Path]:
    return {}


def _layers(path: Path, cache: dict[tuple, Path], tmp: Path) -> list[Diagnostic]:
    """load -> board -> model -> checks as the CLI runs them; diagnostics of the first failure."""
    try:
        doc = load_config(path)
        spec = board_spec_from_doc(doc)
        if spec.dtb is not None:
            dtb = spec.dtb
        else:
            q = spec.qemu
            assert q is not None
            key = (q.machine, q.cpu, q.smp, q.memory, q.serials)
            if key not in cache:
                cache[key] = dump_qemu_dtb(tmp / f"{len(cache)}.dtb", q.machine, q.cpu, q.smp,
                                           format_size(q.memory), q.serials)
            dtb = cache[key]
        board = parse_dtb(dtb, spec.pos, ram=spec.memory)
        system = build_system(doc, board, spec)
    except ConfigError as exc:
        return exc.diagnostics
    hyp = system.hypervisor
    base = hyp.base if hyp.base is not None else max(b.end for b in board.ram) - hyp.size
    return check(system, base, hyp.size)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_layers_reject(path: Path, dtb_cache: dict[tuple, Path], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    exp = expectation(path)
    monkeypatch.chdir(ROOT)
    diags = _layers(path.relative_to(ROOT), dtb_cache, tmp_path)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    rendered = "\n".join(d.render() for d in diags)
    assert errors, f"no error for {path.name}"
    assert any(d.code == exp.code and d.pos and d.pos.file == exp.file and d.pos.line == exp.line
               and (exp.note is None or any(r.pos and r.pos.line == exp.note for r in d.related))
               for d in errors), f"expected {exp.code} at {exp.file}:{exp.line}, got:\n{rendered}"
