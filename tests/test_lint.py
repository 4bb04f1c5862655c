# SPDX-License-Identifier: Apache-2.0
"""`make lint` runs in `make test`; the SPDX rule (scripts/spdx) does what CONTRIBUTING.md says."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(name, str(ROOT / "scripts" / name))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


spdx = _load("spdx")


def test_lint_is_clean():
    """Every lint step passes on the tree as committed; the output names each finding."""
    r = subprocess.run([sys.executable, "scripts/lint"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().splitlines()[-1].startswith("lint: ok")


def _git_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_spdx_header_form_follows_the_language():
    frag: set[str] = {"common.ld.j2"}
    c, h = spdx.C_FORM, spdx.HASH_FORM
    assert spdx.wanted_header("hyp/core/a.c", "", frag) == c
    assert spdx.wanted_header("hyp/aarch64/head.S", "", frag) == c
    assert spdx.wanted_header("compiler/hvcfg/x.py", "", frag) == h
    assert spdx.wanted_header("scripts/tool", "#!/usr/bin/env bash", frag) == h
    assert spdx.wanted_header("boards/b.yaml", "", frag) == h
    # Templates: the generated file's language, so that the output carries the header too;
    # a fragment included by other templates carries it as a Jinja comment.
    assert spdx.wanted_header("t/hvcfg_config.h.j2", "", frag) == c
    assert spdx.wanted_header("t/pgtables.s.j2", "", frag) == c
    assert spdx.wanted_header("t/common.ld.j2", "", frag) == spdx.JINJA_FORM
    for exempt in ("docs/a.md", "compiler/hvcfg/schema/b.schema.json", "LICENSE",
                   "tests/negative/e001-x.yaml", "tests/xsa/fixtures/bad/X.yaml", "boards/x.dtb",
                   "tests/fuzz_config/binary-empty.yaml"):
        assert spdx.wanted_header(exempt, "", frag) is None, exempt
    # The corpus's support files are sources like any other.
    assert spdx.wanted_header("tests/fuzz_config/files/nostart.c", "", frag) == c


def test_spdx_fix_adds_what_check_reports(tmp_path):
    root = _git_repo(tmp_path, {
        "a.c": "/* what a.c does */\nint x;\n",
        "run": "#!/bin/sh\necho hi\n",
        "ok.py": f"# {spdx.TAG}\n\"\"\"Doc.\"\"\"\n",
        "t/main.ld.j2": '{% include "frag.ld.j2" %}\n',
        "t/frag.ld.j2": "/* SECTIONS */\n",
    })
    assert spdx.check(root, spdx.tracked_files(root), fix=False) == \
        ["a.c", "run", "t/frag.ld.j2", "t/main.ld.j2"]
    spdx.check(root, spdx.tracked_files(root), fix=True)
    assert (root / "a.c").read_text().splitlines()[0] == spdx.C_FORM
    assert (root / "run").read_text().splitlines()[:2] == ["#!/bin/sh", spdx.HASH_FORM]
    assert (root / "t/frag.ld.j2").read_text().splitlines()[0] == spdx.JINJA_FORM
    assert (root / "t/main.ld.j2").read_text().splitlines()[0] == spdx.C_FORM
    assert spdx.check(root, spdx.tracked_files(root), fix=False) == []

