# SPDX-License-Identifier: Apache-2.0
"""README.md's command table runs as written (issue 18): every row parses with the real
argument parser, and each command that needs no terminal or SD card runs through the `./hvcfg`
wrapper at the repository root on a real board."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from hvcfg import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BOARD = "boards/qemu-virt-hello.yaml"
# The table's placeholders and what a newcomer would put there.
PLACEHOLDERS = {"BOARD.yaml": BOARD, "PARTITION": "hello", "S": "5", "DIR": "DIR",
                "ARG": "-d", "REPORT.yaml": "tests/xsa/fixtures/reports/C2-host-build.yaml",
                "NAME": "blinky",
                "build/<board>/hyp.elf": "build/qemu-virt-hello/hyp.elf"}


def table_commands() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Command line"):text.index("## Layout")]
    return re.findall(r"^\| `(\./hvcfg [^`]+)` \|", section, re.M)


def argv(command: str, optional: bool) -> list[str]:
    """The command's words after ./hvcfg, placeholders filled; [optional parts] kept or not."""
    text = re.sub(r"\[([^\]]*)\]", r"\1" if optional else "", command)
    return [_fill(w) for w in shlex.split(text)[1:]]


def _fill(word: str) -> str:
    if word.startswith("--") and "=" in word:      # --qemu-arg=ARG: a value may start with -
        option, value = word.split("=", 1)
        return f"{option}={PLACEHOLDERS.get(value, value)}"
    return PLACEHOLDERS.get(word, word)


def test_the_table_lists_every_command() -> None:
    names = {argv(c, False)[0] for c in table_commands()}
    parser_names = set(cli.build_parser()._subparsers._group_actions[0].choices)  # type: ignore
    assert names == parser_names


@pytest.mark.parametrize("command", table_commands())
@pytest.mark.parametrize("optional", [False, True])
def test_every_row_parses(command: str, optional: bool) -> None:
    args = cli.build_parser().parse_args(argv(command, optional))
    assert callable(args.func)


def test_the_wrapper_finds_the_tool_from_anywhere(tmp_path: Path) -> None:
    r = subprocess.run([str(ROOT / "hvcfg"), "--version"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("hvcfg "), r.stderr


def _run(words: list[str], build: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["./hvcfg", "--build-dir", str(build), *words], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_rows_run_as_written(tmp_path: Path) -> None:
    """Each row in table order (check, build, run --print-command, verify, flash, dt, surface,
    xsa, triage), into a private build directory; flash on a QEMU board is E094."""
    build = tmp_path / "build"
    expect = {"check": (0,), "build": (0,), "verify": (0,), "dt": (0,), "surface": (0,),
              "xsa": (0, 2), "triage": (0,), "run": (0,), "flash": (1,), "new": (0,)}
    for command in table_commands():
        words = argv(command, False)
        assert words[0] in expect, f"{command}: say here how the test runs it"
        words = [str(build / w[len("build/"):]) if w.startswith("build/") else w for w in words]
        if words[0] == "run":
            words.append("--print-command")       # boots nothing: the QEMU command only
        if words[:2] == ["xsa", "export"]:
            words += ["--out", str(tmp_path / "osv")]
        if words[0] == "flash":
            words[words.index("DIR")] = str(tmp_path / "sd")
        if words[0] == "new":                     # not into the checkout's partitions/
            words += ["--dir", str(tmp_path / "blinky")]
        r = _run(words, build)
        assert r.returncode in expect[words[0]], (command, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr, command
        if words[0] == "flash":
            assert "E094" in r.stderr
        if words[0] == "run":
            assert "qemu-system-aarch64" in r.stdout
        if words[0] == "dt":
            assert "compatible" in r.stdout
        if words[0] == "new":
            assert (tmp_path / "blinky" / "blinky-board.yaml").is_file()
