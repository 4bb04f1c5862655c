# SPDX-License-Identifier: Apache-2.0
"""rules.py owns the rules; the compiler's layers show in its imports; `hvcfg dt` prints the
device tree `build` stores."""
from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import subprocess
from pathlib import Path

import pytest

from helpers_cfg import hand_board, write_system
from hvcfg import cli, rules
from hvcfg.board import Reg
from hvcfg.diagnostics import ConfigError
from hvcfg.load import load_config
from hvcfg.model import board_spec_from_doc, build_system

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler" / "hvcfg"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
RAISED = re.compile(r"\b(?:error|warning)\(\s*\"([EW]\d{3})\"")
# Codes about a command's arguments or a built image, not a configuration.
COMMAND_CODES = {("cli", "E043"), ("cli", "E094"), ("scaffold", "E095"), ("diagnostics", "E089"),
                 ("bootfolder", "E044"),
                 ("bootfolder", "E029"), ("bootfolder", "W009"), ("bootfolder", "W010"),
                 ("pipeline", "E047")}


def _raised() -> set[tuple[str, str]]:
    return {(m, code) for m in MODULES
            for code in RAISED.findall((PACKAGE / f"{m}.py").read_text())}


def test_rules_table_names_every_raise_site() -> None:
    """Every code a module raises is in RULES under that module (or is a command's)."""
    owner = {r.code: r.modules for r in rules.RULES}
    stray = sorted((m, c) for m, c in _raised() - COMMAND_CODES if m not in owner.get(c, ()))
    assert not stray, f"raised outside the module rules.RULES names: {stray}"


def test_every_rule_is_raised_where_listed() -> None:
    raised = _raised()
    missing = [(m, r.code) for r in rules.RULES for m in r.modules
               if "." not in m and (m, r.code) not in raised]
    assert not missing


def test_rules_table_is_one_entry_per_code() -> None:
    codes = [r.code for r in rules.RULES]
    assert len(codes) == len(set(codes))
    assert {r.layer for r in rules.RULES} <= {"schema", "devicetree", "model", "semantics",
                                               "placement", "images"}


# ---------------------------------------------------------------- layers

def _tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text())


@pytest.mark.parametrize("module", MODULES)
def test_imports_cleanly(module: str) -> None:
    importlib.import_module(f"hvcfg.{module}")


@pytest.mark.parametrize("module", MODULES)
def test_no_late_imports(module: str) -> None:
    """An import inside a function hides a cycle: every import is at the top."""
    late = [node.lineno for fn in ast.walk(_tree(module))
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert not late, f"hvcfg/{module}.py imports inside functions at lines {late}"


def _imports(module: str) -> set[str]:
    """The package's top-level modules `module` imports."""
    out: set[str] = set()
    for node in _tree(module).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out & set(MODULES)


def test_import_graph_has_no_cycle() -> None:
    graph = {m: _imports(m) for m in MODULES}
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert m not in path, f"import cycle: {' -> '.join(path + (m,))}"
        if m in done:
            return
        for n in sorted(graph[m]):
            visit(n, path + (m,))
        done.add(m)
    for m in MODULES:
        visit(m, ())


def test_only_the_command_line_prints() -> None:
    printing = [m for m in MODULES if m not in ("cli", "serialrelay")
                for node in ast.walk(_tree(m)) if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name) and node.func.id == "print"]
    assert not printing, printing


def test_no_assert_on_input() -> None:
    """`assert` vanishes under -O and turns bad input into exit 70: preconditions are rules.
    (serialrelay's two are about QEMU's pipes, not input.)"""
    found = [(m, node.lineno) for m in MODULES if m != "serialrelay"
             for node in ast.walk(_tree(m)) if isinstance(node, ast.Assert)]
    assert not found, found


# ---------------------------------------------------------------- rules without the corpus

def _system(tmp_path: Path, partitions: str):
    path = write_system(tmp_path, partitions)
    doc = load_config(path)
    return build_system(doc, hand_board(), board_spec_from_doc(doc))


def test_board_rules_name_what_is_missing(tmp_path: Path) -> None:
    """The hand board lacks GICC/GICH/GICV, a timer and PSCI: E012 for each, at the YAML key."""
    system = _system(tmp_path, "- {name: a, cpus: [0], memory: [{base: 0x40000000, size: 2M, "
                               "perm: rx}], image: {binary: a.bin}}\n")
    found = rules.board_rules(system.board, system.board_spec)
    assert [d.code for d in found] == ["E012"] * 3
    text = " ".join(d.message for d in found)
    assert "GICC, GICH, GICV" in text and "timer" in text and "PSCI" in text
    assert all(d.pos == system.board_spec.pos for d in found)
    assert "hand.dtb" in found[0].message


def test_e061_stage2_over_the_hypervisor_and_another_partition(tmp_path: Path) -> None:
    """The safety net under E020/E021: driven directly, past the semantic rules."""
    system = _system(tmp_path, """\
        - {name: a, cpus: [0], memory: [{base: 0x40000000, size: 2M, perm: rx}],
           image: {binary: a.bin}}
        - {name: b, cpus: [1], memory: [{base: 0x40100000, size: 2M, perm: rx}],
           image: {binary: a.bin}}
        """)
    clean = rules.stage2_over_hypervisor(system, Reg(0x7F000000, 16 << 20))
    assert [d.code for d in clean] == ["E061"]           # b's RAM over a's
    assert "partition 'a'" in clean[0].message and clean[0].pos == system.partitions[1].pos
    over = rules.stage2_over_hypervisor(system, Reg(0x40000000, 16 << 20))
    assert sum("hypervisor's memory" in d.message for d in over) == 2


# ---------------------------------------------------------------- hvcfg dt = what build stores

LINUX = ROOT / "tests" / "boards" / "qemu-virt-linux-alone.yaml"


def _dts(blob: bytes) -> str:
    return subprocess.run(["dtc", "-I", "dtb", "-O", "dts", "-o", "-", "-"], input=blob,
                          capture_output=True, check=True).stdout.decode()


def test_dt_prints_the_built_device_tree(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if not (ROOT / "build" / "guests").exists():
        pytest.skip("no guests (scripts/fetch-guests)")
    monkeypatch.chdir(ROOT)
    build_root = tmp_path / "build"
    assert cli.main(["--build-dir", str(build_root), "build", str(LINUX)]) == 0
    capfd.readouterr()
    analysis = rules.analyse(LINUX, build_root)
    for p in analysis.system.partitions:
        assert cli.main(["--build-dir", str(build_root), "dt", str(LINUX), p.name]) == 0
        printed = capfd.readouterr().out
        stored = (build_root / LINUX.stem / "partitions" / p.name / f"{p.name}.dtb").read_bytes()
        assert printed == _dts(stored)
        if p.bootargs:
            assert "bootargs" in printed
        if p.initrd:
            assert "linux,initrd-start" in printed and "linux,initrd-end" in printed
    assert cli.main(["--build-dir", str(build_root), "dt", str(LINUX), "nosuch"]) == 1
    assert "E043" in capfd.readouterr().err


def test_board_rules_refuse_more_cpus_than_a_gicv2_addresses(tmp_path: Path) -> None:
    """ITARGETSR, SGI targets and sources are 8-bit: a ninth CPU would get no interrupts."""
    system = _system(tmp_path, "- {name: a, cpus: [0], memory: [{base: 0x40000000, size: 2M, "
                               "perm: rx}], image: {binary: a.bin}}\n")
    nine = dataclasses.replace(system.board, cpus=hand_board(ncpus=9).cpus)
    found = rules.board_rules(nine, system.board_spec)
    assert sum("9 CPUs" in d.message for d in found) == 1
    assert not any("CPUs;" in d.message for d in rules.board_rules(system.board,
                                                                    system.board_spec))


def test_an_unreadable_image_is_a_diagnostic_not_an_internal_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An image the compiler cannot read (permissions; root running the tests reads anything,
    so the read fails here by hand) is E029 at its YAML key, never exit 70."""
    def unreadable(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(rules.partimage, "prebuilt", unreadable)
    cfg = tmp_path / "b.yaml"
    cfg.write_text(f"""\
board:
  name: t
  devicetree: {{qemu: {{machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 2,
                        memory: 1G}}}}
hypervisor: {{console: /pl011@9000000, memory: {{size: 16M}}}}
partitions:
  - name: a
    cpus: [0]
    memory: [{{base: 0x40000000, size: 2M, perm: rx}}]
    image: {{binary: {ROOT / "tests/negative/partitions/blob.bin"}}}
""")
    with pytest.raises(ConfigError) as exc:
        rules.analyse(cfg, tmp_path)
    codes = [d.code for d in exc.value.diagnostics]
    assert "E029" in codes and "Permission denied" in str(exc.value.diagnostics), codes
