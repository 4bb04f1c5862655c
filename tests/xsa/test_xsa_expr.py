# SPDX-License-Identifier: Apache-2.0
"""The `affects` expression language: syntax, types, evaluation and explanations."""
from __future__ import annotations

import re

import pytest

from hvcfg.xsa.expr import (
    MAX_DEPTH,
    ExprError,
    check_types,
    compile_expr,
    evaluate,
    parse,
    tokenize,
)
from hvcfg.xsa.facts import FACT_SCHEMA


def facts(**board):
    def part(name, hypercalls=(), cpus=1, compatibles=(), on_fault="halt", perms=("rw",)):
        return {"name": name, "cpus": cpus, "cpu_ids": list(range(cpus)),
                "hypercalls": list(hypercalls), "devices": [], "compatibles": list(compatibles),
                "irqs": [], "passthrough": bool(compatibles), "on_fault": on_fault,
                "fault_limit": 0, "perms": list(perms), "regions": 1, "memory_size": 1 << 21,
                "writable_executable": "rwx" in perms, "smp": cpus > 1, "shared_memory": []}
    return {
        "version": "0.1.0",
        "board": {"name": "qemu-virt", "model": "m", "compatible": [], "gic_version": 2,
                  "cpus": 4, "enable_method": "psci", "psci_conduit": "smc", **board},
        "hypervisor": {"console": "/pl011@9000000", "memory_size": 16 << 20},
        "partitions": [part("linux", cpus=2, compatibles=("arm,pl011",)),
                       part("monitor", hypercalls=("console", "identity"), on_fault="restart")],
        "shared_memory": [],
        "features": ["core", "vgic/v2"],
    }


def run(source, f=None):
    return evaluate(compile_expr(source, FACT_SCHEMA), f or facts())


@pytest.mark.parametrize("source, expected", [
    ("board.gic_version == 2", True),
    ("board.gic_version != 2", False),
    ("board.gic_version in [2, 3]", True),
    ("board.gic_version >= 3", False),
    ("board.cpus > 2 and board.cpus <= 4", True),
    ('board.name == "qemu-virt"', True),
    ("board.name == 'rpi4' or board.psci_conduit == \"smc\"", True),
    ('"vgic/v2" in features', True),
    ('"vgic/v3" not in features', True),
    ('"virt" in board.name', True),
    ("not board.gic_version == 3", True),
    ("not not true", True),
    ("false or (true and not false)", True),
    ('any partition: "console" in partition.hypercalls', True),
    ('all partition: "console" in partition.hypercalls', False),
    ("all p in partitions: p.cpus >= 1", True),
    ('any p in partitions: p.smp and "arm,pl011" in p.compatibles', True),
    ('any p in partitions: p.smp and p.on_fault == "restart"', False),
    ('any p in partitions: any h in p.hypercalls: h == "identity"', True),
    ('not any partition: partition.writable_executable', True),
    ("any s in shared_memory: s == \"x\"", False),
    ("all s in shared_memory: s == \"x\"", True),
    ("board.gic_version == 0x2", True),
    ("hypervisor.memory_size == 16_777_216", True),
    ("board.gic_version in []", False),
])
def test_evaluates(source, expected):
    assert run(source).value is expected


def test_and_binds_tighter_than_or():
    assert run("true or false and false").value is True
    assert run("(true or false) and false").value is False


def test_quantifier_body_extends_right():
    # any p: (false or true)  -- not (any p: false) or true
    e = parse("any partition: false or true")
    assert type(e.root).__name__ == "Quant"


def test_why_names_the_deciding_facts():
    out = run('board.gic_version == 2 and any partition: "console" in partition.hypercalls')
    assert out.value
    assert "board.gic_version = 2" in out.why
    assert 'partition "monitor"' in out.why
    assert 'partition.hypercalls = ["console", "identity"]' in out.why

    out = run("board.gic_version == 3 and board.cpus == 4")
    assert not out.value
    assert out.why == "`board.gic_version == 3` is false (board.gic_version = 2)"

    out = run('any partition: partition.on_fault == "inject"')
    assert not out.value
    assert out.why.startswith("no partition in partitions satisfies")
    assert 'partition "linux"' in out.why and 'partition "monitor"' in out.why

    out = run("all partition: partition.cpus == 1")
    assert not out.value and out.why.startswith('for partition "linux"')


@pytest.mark.parametrize("source, col, words", [
    ("board.gic_version == == 2", 22, "expected a value"),
    ("board.gic_version = 2", 19, "'=='"),
    ("board.gic_version ==", 21, "end of expression"),
    ("(board.gic_version == 2", 24, "expected ')'"),
    ('board.name == "qemu', 15, "unterminated string"),
    ("board.gic_version == 2 board", 24, "unexpected 'board'"),
    ("board.", 7, "field name after '.'"),
    ("any : true", 5, "variable name"),
    ("any p true", 7, "':'"),
    ("1 < 2 < 3", 7, "do not chain"),
    ("board.gic_version == 2 && true", 24, "unexpected character '&'"),
    ("12abc == 1", 1, "malformed number"),
    ("[1, 2 3]", 7, "',' or ']'"),
    ('"a\\q" == "b"', 3, "unknown escape"),
])
def test_syntax_errors_have_a_column(source, col, words):
    with pytest.raises(ExprError) as exc:
        parse(source)
    assert exc.value.col == col, exc.value.render()
    assert words in exc.value.message
    rendered = exc.value.render().splitlines()
    assert rendered[1].strip() == source
    assert rendered[2].index("^") - 2 == col - 1


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "board.__class__",
    "open('/etc/passwd')",
    "board.name.upper()",
    "exec('1')",
    "lambda: 1",
    "[x for x in partitions]",
    "board['name'] == 'x'",
    "1 + 1 == 2",
    "board.cpus * 2 == 8",
    "f'{board}'",
    "board.gic_version == 2; import os",
    "`id`",
])
def test_rejects_anything_eval_like(source):
    with pytest.raises(ExprError):
        compile_expr(source, FACT_SCHEMA)


@pytest.mark.parametrize("source, col, words", [
    ("board.gic_flavour == 2", 1, "no field 'gic_flavour'"),
    ("boards.name == 'x'", 1, "unknown fact 'boards'"),
    ("board.gic_version == '2'", 1, "cannot compare a int with a str"),
    ("board.name > 1", 1, "compares numbers"),
    ("board.gic_version", 1, "must be true or false"),
    ("board.cpus and true", 1, "needs true or false"),
    ("any b in board: true", 10, "ranges over a list"),
    ("any partition: partition.name", 16, "needs true or false"),
    ("1 in partitions", 6, "list of numbers, strings or booleans"),
    ('"x" in board.cpus', 8, "list or a string"),
    ("2 in features", 1, "needs a str"),
    ("[1, 'a'] == 1", 1, "one type"),
    ("partitions == 1", 1, "expected a number, string or boolean"),
    ("any partition: any partition: true", 16, "already in use"),
    ("any board in partitions: true", 1, "already in use"),
    ("any thing: true", 5, "unknown fact 'things'"),
])
def test_type_errors_have_a_column(source, col, words):
    with pytest.raises(ExprError) as exc:
        check_types(parse(source), FACT_SCHEMA)
    assert words in exc.value.message, exc.value.message
    assert exc.value.col == col, exc.value.render()


def test_type_checking_sees_branches_evaluation_would_skip():
    # `false and ...` never evaluates its right side, but the typo is still found at load time
    with pytest.raises(ExprError, match="no field 'hypercals'"):
        compile_expr('false and any partition: "x" in partition.hypercals', FACT_SCHEMA)


def test_limits():
    with pytest.raises(ExprError, match="longer than"):
        tokenize("true or " * 1000 + "true")
    with pytest.raises(ExprError, match="nested deeper"):
        parse("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1))
    assert parse("(" * 10 + "true" + ")" * 10).root.value is True


def test_no_eval_in_the_implementation():
    import inspect

    import hvcfg.xsa.expr as module
    text = inspect.getsource(module)
    for word in ("eval(", "exec(", "compile(", "__import__", "getattr("):
        assert word not in text.replace("evaluate(", "").replace("compile_expr(", "")


def test_readme_examples_compile():
    from hvcfg.xsa.support import REPO_ROOT
    readme = (REPO_ROOT / "xsa" / "README.md").read_text()
    block = readme.split("### Examples")[1].split("```")[1]
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(lines) >= 5
    for line in lines:
        evaluate(compile_expr(line, FACT_SCHEMA), facts())


def test_readme_fact_table_matches_the_schema():
    from hvcfg.xsa.support import REPO_ROOT
    readme = (REPO_ROOT / "xsa" / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", readme, re.M))
    expected = {k for k, v in FACT_SCHEMA.items() if not isinstance(v, dict)}
    expected |= {f"{k}.{f}" for k, v in FACT_SCHEMA.items() if isinstance(v, dict) for f in v}
    expected |= {f"partition.{f}" for f in FACT_SCHEMA["partitions"][0]}
    assert documented == expected
