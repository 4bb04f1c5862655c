# SPDX-License-Identifier: Apache-2.0
"""What `hvcfg check` accepts, `hvcfg build` (compile, link, verify) accepts too; whatever it
refuses, it refuses with a coded error at file:line; no input gives a traceback or exit 70.

Three parts (tests/cfgfuzz.py does the work, docs/testing-attacks.md "Configuration fuzzer"):

- the project's own boards pass `check`;
- a fixed, seeded set of mutated boards (the CI share; `make fuzz-config N=... SEED=...` runs
  more) and every mutated DTB keep the promise;
- tests/fuzz_config/*.yaml: minimized inputs that broke it. Each starts with
  `# expect: E0NN` (the code `check` should refuse it with; `refused`: with any code; `any`:
  refused or built, either fixes it),
  `# status: open|fixed`, `# reason: ...` and, for open ones, `# fuzz-signature: kind|detail`
  (what cfgfuzz.Outcome.problem() says about it). Open cases are xfail(strict=True), so they
  turn into failures (XPASS) the day they are fixed: then set `status: fixed`. A fuzz finding
  with the signature of an open case is reported, not failed: that case owns the bug.
"""
from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import cfgfuzz
from hvcfg.board import parse_dtb
from hvcfg.diagnostics import ConfigError

ROOT = cfgfuzz.ROOT
OUT = ROOT / "build" / "fuzz-config"
CORPUS = ROOT / "tests" / "fuzz_config"
SEED = os.environ.get("HVCFG_FUZZ_CONFIG_SEED", "ci")
N = int(os.environ.get("HVCFG_FUZZ_CONFIG_N", "12"))
# The CI share mutates the two cheap bare-metal boards; `make fuzz-config` mutates all of them.
ALL_BASES = os.environ.get("HVCFG_FUZZ_CONFIG_ALL", "") == "1"
OPS = tuple(op for op in os.environ.get("HVCFG_FUZZ_CONFIG_OPS", "").split(",") if op)
CI_BASES = [ROOT / "boards" / "qemu-virt-hello.yaml", ROOT / "boards" / "qemu-virt.yaml"]
PROJECT_BOARDS = sorted((ROOT / "boards").glob("*.yaml")) + \
    sorted((ROOT / "tests" / "boards").glob("*.yaml"))


# ----------------------------------------------------------------------------- the corpus

HEADER = re.compile(r"^# expect: (?P<expect>E\d{3}|refused|any)\n# status: (?P<status>open|fixed)\n"
                    r"# reason: (?P<reason>.+)\n"
                    r"(?:# fuzz-signature: (?P<kind>[\w-]+)\|(?P<detail>.*)\n)?"
                    r"(?:# dtb-mutation: (?P<dtb>[\w-]+)\n)?")


@dataclass(frozen=True)
class Regression:
    path: Path
    expect: str            # E0NN, "refused" (any code) or "any" (refused or built)
    open: bool
    reason: str
    dtb: str | None        # a named structural DTB mutation the board file points at
    signature: tuple[str, str] | None   # how the fuzzer sees an open case: Outcome.problem()

    @property
    def name(self) -> str:
        return self.path.stem


def regressions() -> list[Regression]:
    out = []
    for p in sorted(CORPUS.glob("*.yaml")):
        m = HEADER.match(p.read_text())
        assert m, f"{p}: must start with '# expect: ...', '# status: ...', '# reason: ...'"
        out.append(Regression(p, m["expect"], m["status"] == "open", m["reason"], m["dtb"],
                              (m["kind"], m["detail"]) if m["kind"] else None))
    return out


def _virt_dtb() -> Path:
    """The QEMU virt DTB boards/qemu-virt-hello.yaml uses (cached under build/fuzz-config)."""
    return cfgfuzz.board_facts(CI_BASES[0], OUT / "root").dtb


def prepare_inputs() -> None:
    """The generated files the corpus names: mutated DTBs and a 3 MiB binary."""
    dtb_dir, files = OUT / "dtb", OUT / "files"
    dtb_dir.mkdir(parents=True, exist_ok=True)
    files.mkdir(parents=True, exist_ok=True)
    for name, blob in cfgfuzz.structural_mutations(_virt_dtb()):
        if not (dtb_dir / f"{name}.dtb").exists():
            (dtb_dir / f"{name}.dtb").write_bytes(blob)
    if not (files / "big.bin").exists():
        (files / "big.bin").write_bytes(bytes(3 << 20))


def _params() -> list:
    return [pytest.param(r, id=r.name, marks=[pytest.mark.xfail(strict=True, reason=r.reason)]
                         if r.open else []) for r in regressions()]


@pytest.mark.parametrize("case", _params())
def test_regression(case: Regression) -> None:
    """The promise holds for this input; when `check` refuses it, it uses the expected code."""
    prepare_inputs()
    outcome = cfgfuzz.run_case(case.path, OUT / "root")
    if outcome.check.rc == 1 and "build/guests/" in outcome.check.out and \
            re.search(r"error E0(10|29) ", outcome.check.out):
        pytest.skip("needs a guest download (scripts/fetch-guests)")
    problem = outcome.problem()
    if case.open and case.signature:
        assert problem != case.signature, f"{case.name}: still {problem}"
    build_out = outcome.build.out if outcome.build else ""
    assert problem is None, f"{problem}:\n{outcome.check.out}{build_out}"
    if outcome.check.rc != 0 and case.expect.startswith("E"):
        codes = {m["code"] for m in cfgfuzz.CODED.finditer(outcome.check.out)}
        assert case.expect in codes, outcome.check.out
    if case.expect != "any":
        assert outcome.check.rc != 0, f"{case.name}: expected a refusal with {case.expect}, " \
            f"but check accepted and build succeeded:\n{outcome.check.out}"


def test_corpus_names_only_existing_dtb_mutations() -> None:
    known = {name for name, _ in cfgfuzz.structural_mutations(_virt_dtb())}
    for r in regressions():
        assert r.dtb is None or r.dtb in known, (r.path, r.dtb)


def open_signatures() -> dict[tuple[str, str], str]:
    """Problem signatures that open corpus cases own (their `# fuzz-signature:`)."""
    return {r.signature: r.name for r in regressions() if r.open and r.signature}


def owner(signature: tuple[str, str], owned: dict[tuple[str, str], str]) -> str | None:
    """The open case owning a finding: the same signature, or for a verification failure
    (E047 and finding names) open cases owning each of its findings between them."""
    if signature in owned:
        return owned[signature]
    kind, detail = signature
    if not detail.startswith("E047 "):
        return None
    owners = [owned.get((kind, f"E047 {name}")) for name in detail.split()[1:]]
    return " + ".join(o for o in owners if o) if all(owners) else None


# ----------------------------------------------------------------------------- the boards

@pytest.mark.parametrize("board", PROJECT_BOARDS, ids=[b.stem for b in PROJECT_BOARDS])
def test_project_board_is_accepted(board: Path) -> None:
    run = cfgfuzz.hvcfg(["--build-dir", str(OUT / "root"), "check", str(board)])
    if run.rc == 1 and "E029" in run.out and "build/guests" in run.out:
        pytest.skip("needs a guest download (scripts/fetch-guests)")
    assert run.rc == 0, run.out


# ----------------------------------------------------------------------------- the fuzzer

def test_mutated_configurations_keep_the_promise() -> None:
    """SEED's cases 0..N-1: a finding fails the test unless an open corpus case owns it."""
    bases = PROJECT_BOARDS if ALL_BASES else CI_BASES
    bases = [b for b in bases if cfgfuzz.hvcfg(["--build-dir", str(OUT / "root"), "check",
                                                 str(b)]).rc == 0]
    start = time.monotonic()
    assert set(OPS) <= set(cfgfuzz.MUTATORS), sorted(set(OPS) - set(cfgfuzz.MUTATORS))
    findings, built = cfgfuzz.fuzz(SEED, N, bases, OUT, OPS)
    elapsed = time.monotonic() - start
    owned = open_signatures()
    new = [f for f in findings if owner(f.signature(), owned) is None]
    print(f"fuzz-config: seed {SEED}, {N} cases, {built} built, {len(findings)} finding(s) "
          f"({len(findings) - len(new)} owned by open corpus cases), {elapsed:.1f} s")
    for f in findings:
        who = owner(f.signature(), owned)
        print(f"  {f.case.name}: {f.kind} {f.detail} -> {OUT / 'findings' / f.case.path.name}"
              + (f" (open: {who})" if who else ""))
    assert not new, "\n".join(
        f"{f.case.name} [{', '.join(f.case.applied)}]: {f.kind} {f.detail}; see "
        f"{OUT / 'findings' / f.case.path.with_suffix('.txt').name}" for f in new)


def test_owner_of_a_combined_verification_failure() -> None:
    owned = {("build-refused", "E047 a"): "case-a", ("build-refused", "E047 b"): "case-b",
             ("build-refused", "E031"): "case-c"}
    assert owner(("build-refused", "E031"), owned) == "case-c"
    assert owner(("build-refused", "E047 a b"), owned) == "case-a + case-b"
    assert owner(("build-refused", "E047 a c"), owned) is None
    assert owner(("build-internal-error", "KeyError"), owned) is None


def test_cases_are_reproducible(tmp_path: Path) -> None:
    facts = {b: cfgfuzz.board_facts(b, OUT / "root") for b in CI_BASES}
    a = cfgfuzz.make_case("repro", 3, CI_BASES, facts, tmp_path / "a")
    b = cfgfuzz.make_case("repro", 3, CI_BASES, facts, tmp_path / "b")
    assert a.applied == b.applied
    assert a.path.read_text().replace(str(tmp_path / "a"), "") == \
        b.path.read_text().replace(str(tmp_path / "b"), "")


def test_a_broken_promise_is_detected() -> None:
    """The oracle itself: an internal error, an uncoded refusal, a refusal without position
    and a failing build after an accepted check are each a problem."""
    ok = cfgfuzz.Run(0, "x.yaml: ok\n")
    built = cfgfuzz.Run(0, "built\nverified hyp.elf: clean: 0 findings\n")
    assert cfgfuzz.Outcome(ok, built).problem() is None
    coded = cfgfuzz.Run(1, "b.yaml:3:5: error E021 memory-overlaps-hypervisor: ...\n")
    assert cfgfuzz.Outcome(coded, None).problem() is None
    assert cfgfuzz.Outcome(cfgfuzz.Run(70, "hvcfg: internal error: KeyError: 'x'"), None
                           ).problem() == ("check-internal-error", "KeyError")
    assert cfgfuzz.Outcome(cfgfuzz.Run(1, "it broke\n"), None).problem()[0] == "check-uncoded"
    assert cfgfuzz.Outcome(cfgfuzz.Run(1, "error E039 build-failed: x\n"), None
                           ).problem() == ("check-no-position", "E039")
    assert cfgfuzz.Outcome(ok, cfgfuzz.Run(1, "error E031 hypervisor-too-small: x\n")
                           ).problem() == ("build-refused", "E031")
    assert cfgfuzz.Outcome(ok, cfgfuzz.Run(1, "s2-maps-gic: a: maps\nerror E047 x: y\n")
                           ).problem() == ("build-refused", "E047 s2-maps-gic")


# ----------------------------------------------------------------------------- DTBs

def test_mutated_dtbs_parse_or_give_e011_e012(tmp_path: Path) -> None:
    """board.parse_dtb on truncated, bit-flipped and edited DTBs: a Board or E011/E012."""
    rng = random.Random(f"{SEED}:dtb")
    mutations = [m for _ in range(4) for m in cfgfuzz.dtb_mutations(_virt_dtb(), rng)]
    for i, (name, blob) in enumerate(mutations):
        path = tmp_path / f"{i}-{name}.dtb"
        path.write_bytes(blob)
        try:
            parse_dtb(path, None)
        except ConfigError as exc:
            codes = {d.code for d in exc.diagnostics}
            assert codes <= {"E011", "E012"}, (name, exc)
