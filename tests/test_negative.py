# SPDX-License-Identifier: Apache-2.0
"""The negative corpus: one bad board file per error code, each naming the exact code and line.

Every tests/negative/*.yaml starts with `# expect: E0NN [file] line N [note line M]`: the
diagnostic code and where it must point (file relative to tests/negative/, default the board
file itself) and, for rules about two objects, the line of the other one (its note).
`hvcfg check` must exit 1, print `<file>:<line>:<col>: error <code> ...`, print no traceback
and write no build output (only build/.cache: the QEMU DTB and partitions built from sources).
`hvcfg build` must refuse each the same way, with the same code at the same place, and leave
no build/<board>/ behind. A third test drives the layers (rules.analyse) directly.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from hvcfg.diagnostics import CODES, ConfigError, Diagnostic, Severity
from hvcfg.rules import RULES, analyse

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


# Codes of rules.RULES that no configuration reaches while the rules before them hold: E061
# re-checks, on the stage-2 maps themselves, what E020-E022, E028, E045 and E046 already
# refuse (tests/test_rules.py drives it directly).
SAFETY_NETS = {"E061"}
# Reachable only on a board whose DT gives two devices one SPI (none of the corpus's boards):
# tests/test_checks.py::test_e037_shared_spi covers it on a hand-made board.
OTHER_BOARDS = {"E037"}


def test_corpus_covers_every_reachable_code() -> None:
    codes = {expectation(p).code for p in CASES}
    reachable = {r.code for r in RULES if r.code.startswith("E")} - SAFETY_NETS - OTHER_BOARDS
    assert reachable <= codes, sorted(reachable - codes)
    assert all(c in CODES for c in codes)


def _files_under(d: Path) -> set[Path]:
    return {p for p in d.rglob("*") if p.is_file()} if d.exists() else set()


def _run(argv: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str]:
    cli = pytest.importorskip("hvcfg.cli")
    status = cli.main(argv)
    out, err = capfd.readouterr()
    return status, out + err


def _assert_refused(exp: Expect, status: int, text: str) -> None:
    assert status == 1, text
    assert "Traceback" not in text and "internal error" not in text, text
    all_lines = text.splitlines()
    hits = [i for i, ln in enumerate(all_lines)
            if ln.startswith(f"{exp.file}:{exp.line}:") and f" {exp.code} " in ln]
    assert hits, f"expected {exp.code} at {exp.file}:{exp.line}, got:\n{text}"
    if exp.note is not None:
        assert any(all_lines[i + 1].startswith(f"  {exp.file}:{exp.note}:")
                   and "note:" in all_lines[i + 1] for i in hits if i + 1 < len(all_lines)), \
            f"expected a note at {exp.file}:{exp.note}, got:\n{text}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_cli_check_rejects(path: Path, capfd: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    exp = expectation(path)
    monkeypatch.chdir(ROOT)
    before = _files_under(ROOT / "build")
    status, text = _run(["check", str(path.relative_to(ROOT))], capfd)
    _assert_refused(exp, status, text)
    # `check` writes nothing but its cache (a QEMU DTB, partitions built from sources).
    cache = ROOT / "build" / ".cache"
    new = {p for p in _files_under(ROOT / "build") - before if cache not in p.parents}
    assert not new, sorted(map(str, new))


@pytest.fixture(scope="module")
def build_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build directory for all cases: its cache (the QEMU DTB) is made once."""
    return tmp_path_factory.mktemp("negative-build")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_cli_build_rejects_alike(path: Path, build_root: Path,
                                 capfd: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What `check` refuses, `build` refuses by the same rule before compiling anything."""
    exp = expectation(path)
    monkeypatch.chdir(ROOT)
    status, text = _run(["--build-dir", str(build_root), "build",
                         str(path.relative_to(ROOT))], capfd)
    _assert_refused(exp, status, text)
    assert not [d for d in build_root.iterdir() if d.name != ".cache"]


# ---------------------------------------------------------------- the same, layer by layer

def _layers(path: Path, build_root: Path) -> list[Diagnostic]:
    """rules.analyse, as the CLI runs it: every error found, or the warnings."""
    try:
        return list(analyse(path, build_root).warnings)
    except ConfigError as exc:
        return exc.diagnostics


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_layers_reject(path: Path, build_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exp = expectation(path)
    monkeypatch.chdir(ROOT)
    diags = _layers(path.relative_to(ROOT), build_root)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    rendered = "\n".join(d.render() for d in diags)
    assert errors, f"no error for {path.name}"
    assert any(d.code == exp.code and d.pos and d.pos.file == exp.file and d.pos.line == exp.line
               and (exp.note is None or any(r.pos and r.pos.line == exp.note for r in d.related))
               for d in errors), f"expected {exp.code} at {exp.file}:{exp.line}, got:\n{rendered}"
