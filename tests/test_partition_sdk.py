# SPDX-License-Identifier: Apache-2.0
"""The partition SDK (issue 18): `hvcfg new partition` makes a directory that builds, prints and
blinks; the guest library is named by `image.lib`, not by paths into the checkout; the
partition boots alone and added to another board."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hvcfg import guestlib, scaffold
from hvcfg.diagnostics import ConfigError
from hvcfg.load import SCHEMA_DIR
from qemu_run import HVCFG, ROOT, run_to_power_off


def new(name: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HVCFG, "new", "partition", name, "--dir", str(directory)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_schema_names_exactly_the_libraries() -> None:
    schema = json.loads((SCHEMA_DIR / "partition.schema.json").read_text())
    assert tuple(schema["$defs"]["image"]["properties"]["lib"]["enum"]) == guestlib.NAMES
    for name in guestlib.NAMES:
        lib = guestlib.get(name)
        assert lib.include_dir.is_dir() and all(s.is_file() for s in lib.sources)


def test_new_partition_refuses_what_it_would_overwrite(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    for name, where in (("ok", tmp_path / "taken"), ("9lives", tmp_path / "x"),
                        ("a" * 32, tmp_path / "y")):
        with pytest.raises(ConfigError) as info:
            scaffold.new_partition(name, where)
        assert info.value.diagnostics[0].code == "E095"
        r = new(name, where)
        assert r.returncode == 1 and "E095" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists() and not list((tmp_path / "taken").iterdir())


def test_new_partition_refuses_names_check_refuses(tmp_path: Path) -> None:
    """Red team 1: a name with a final newline (re.match's `$`) and the reserved names passed
    `new`, whose files check then refused (E060) or build failed on (exit 70); a dangling
    symbolic link or a file on the way was an internal error (exit 70): a file on the way is
    an output it cannot create (E089, saying why), not a refused name."""
    (tmp_path / "file").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    for name, where in (("foo\n", tmp_path / "a"), ("hyp", tmp_path / "b"),
                        ("uart1", tmp_path / "c"), ("ok", tmp_path / "link")):
        r = new(name, where)
        assert r.returncode == 1 and "E095" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = new("ok", tmp_path / "file" / "sub")
    assert r.returncode == 1 and "E089" in r.stderr and "Not a directory" in r.stderr, r.stderr
    assert "partition name" not in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "link"]
    assert not (tmp_path / "nowhere").exists()


def test_new_partition_prints_a_command_that_runs_from_anywhere(tmp_path: Path) -> None:
    """The next step names the hvcfg that ran (absolute), not ./hvcfg of the current directory."""
    r = subprocess.run([HVCFG, "new", "partition", "blinky", "--dir", str(tmp_path / "blinky")],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("run it alone:"))
    command, verb, board = line.split()[3:]
    assert (command, verb, board) == (HVCFG, "run", str(tmp_path / "blinky" / "blinky-board.yaml"))


def test_new_partition_files_use_the_library_key(tmp_path: Path) -> None:
    files = scaffold.new_partition("blinky", tmp_path / "blinky").files
    assert "lib: hvcfg" in files["partition.yaml"]
    assert "../" not in files["main.c"] and '#include "guest.h"' in files["main.c"]
    assert "lib/" not in files["partition.yaml"]     # no path into the checkout


@pytest.mark.qemu
def test_new_partition_boots_alone_and_in_another_board(tmp_path: Path) -> None:
    part = tmp_path / "parts" / "blinky"
    r = new("blinky", part)
    assert r.returncode == 0, r.stderr
    assert f"{HVCFG} run {part / 'blinky-board.yaml'}" in r.stdout

    alone = run_to_power_off(str(part / "blinky-board.yaml"), tmp_path / "b1", 60)
    assert "[blinky] hello from blinky: 1 vCPU(s), RAM at 0x40000000" in alone
    for i in range(1, 6):
        assert f"[blinky] blink {i} of 5" in alone
    assert "[hyp] blinky: PSCI SYSTEM_OFF" in alone

    # Added to an existing board as its entry says: an include, CPUs and memory of its own.
    hello = (ROOT / "boards" / "qemu-virt-hello.yaml").read_text()
    board = tmp_path / "mixed.yaml"
    board.write_text(hello.replace("../partitions/", str(ROOT / "partitions") + "/")
                     + f"""
  - include: {part / "partition.yaml"}
    cpus: [1]
    memory:
      - {{base: 0x61000000, size: 1M, perm: rx}}
      - {{base: 0x61100000, size: 1M}}
""")
    both = run_to_power_off(str(board), tmp_path / "b2", 60)
    assert "hello from hello" in both and "[hyp] hello: stage-2 fault" in both
    assert "[blinky] blink 5 of 5" in both and "[hyp] blinky: PSCI SYSTEM_OFF" in both
