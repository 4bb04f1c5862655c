# SPDX-License-Identifier: Apache-2.0
"""The CLI subcommands, driven through argparse with a stub system loader."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from xsa_builders import FIXTURES, make_partition, make_system

from hvcfg.xsa.commands import register

ADV = FIXTURES / "advisories"


def run(argv, loader=None):
    parser = argparse.ArgumentParser(prog="hvcfg")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub, load_system=loader)
    args = parser.parse_args(argv)
    return args.func(args)


def affected_loader(path: Path):
    assert path == Path("boards/x.yaml")
    return make_system(make_partition("mon", 20, hypercalls=("console",)))


def clean_loader(path: Path):
    return make_system(make_partition("mon", 20, hypercalls=("identity",)))


def test_xsa_check_affected_exits_2(capsys):
    assert run(["xsa", "check", "boards/x.yaml", "--advisories", str(ADV)], affected_loader) == 2
    out = capsys.readouterr().out
    assert "XSA-901 [high] APPLIES" in out
    assert "XSA-902 [medium] does not apply" in out
    assert 'because hvcfg 0.1.0 is in the affected range' in out
    assert "4 advisories checked against boards/x.yaml: 1 apply: XSA-901" in out


def test_xsa_check_clean_exits_0(capsys):
    assert run(["xsa", "check", "boards/x.yaml", "--advisories", str(ADV)], clean_loader) == 0
    out = capsys.readouterr().out
    assert "APPLIES" not in out and "0 apply" in out
    assert "because no partition in partitions satisfies" in out


def test_xsa_check_bad_advisory_exits_1(capsys, tmp_path):
    (tmp_path / "XSA-951.yaml").write_text((FIXTURES / "bad" / "XSA-951.yaml").read_text())
    assert run(["xsa", "check", "b.yaml", "--advisories", str(tmp_path)], clean_loader) == 1
    err = capsys.readouterr().err
    assert "error E051 expression-syntax" in err and "Traceback" not in err


def test_xsa_check_config_error_from_loader_exits_1(capsys):
    from hvcfg.diagnostics import ConfigError, Pos, error

    def broken(path):
        raise ConfigError(error("E035", "no partitions", Pos("b.yaml", 1)))
    assert run(["xsa", "check", "b.yaml", "--advisories", str(ADV)], broken) == 1
    assert "b.yaml:1:1: error E035" in capsys.readouterr().err


def test_xsa_check_uses_the_pipeline_by_default(monkeypatch, capsys):
    import sys
    import types
    fake = types.ModuleType("hvcfg.pipeline")
    fake.load_system = clean_loader
    monkeypatch.setitem(sys.modules, "hvcfg.pipeline", fake)
    assert run(["xsa", "check", "b.yaml", "--advisories", str(ADV)]) == 0


@pytest.mark.parametrize("command", [["xsa", "check", "b.yaml"], ["xsa", "export"]])
def test_xsa_missing_advisories_directory_exits_1_with_e093(command, tmp_path, capsys):
    assert run(command + ["--advisories", str(tmp_path / "typo")], clean_loader) == 1
    err = capsys.readouterr().err
    assert "E093" in err and "typo" in err and "does not exist" in err


def test_xsa_export(tmp_path, capsys):
    assert run(["xsa", "export", "--advisories", str(ADV), "--out", str(tmp_path / "osv")]) == 0
    files = sorted(p.name for p in (tmp_path / "osv").iterdir())
    assert files == ["XSA-901.json", "XSA-902.json", "XSA-903.json", "XSA-904.json"]
    assert json.loads((tmp_path / "osv" / "XSA-901.json").read_text())["id"] == "XSA-901"


@pytest.mark.parametrize("name, verdict", [
    ("C6-mundane-leak.yaml", "not a security issue"),
    ("C4-privilege-escalation.yaml", "SECURITY ISSUE"),
])
def test_triage_command(name, verdict, capsys):
    assert run(["triage", str(FIXTURES / "reports" / name)]) == 0
    out = capsys.readouterr().out
    assert f"decision: {verdict}" in out
    assert f"criterion: {name.split('-')[0]} (" in out


def test_triage_bad_report_exits_1(tmp_path, capsys):
    bad = tmp_path / "r.yaml"
    bad.write_text("trigger: nobody\n")
    assert run(["triage", str(bad)]) == 1
    assert "E054" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["file/osv", "ro/osv"])
def test_xsa_export_to_an_unwritable_directory_is_e089(out, tmp_path, capsys):
    """--out under a file, or in a directory without write permission: a diagnostic naming
    the directory and why, exit 1, nothing written."""
    (tmp_path / "file").write_text("")
    (tmp_path / "ro").mkdir(mode=0o500)
    if out.startswith("ro") and os.access(tmp_path / "ro", os.W_OK):
        pytest.skip("running as a user that ignores directory permissions (root)")
    assert run(["xsa", "export", "--advisories", str(ADV), "--out", str(tmp_path / out)]) == 1
    captured = capsys.readouterr()
    assert "E089" in captured.err and str(tmp_path / out) in captured.err
    assert "Traceback" not in captured.err and "wrote" not in captured.out
