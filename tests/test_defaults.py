# SPDX-License-Identifier: Apache-2.0
"""Defaults are written once, in the schema (`default`), and applied when loading: the model
reads values that are always present, and no module keeps a second copy of one."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from helpers_cfg import hand_board
from hvcfg.load import BOARD_SCHEMA, load_config, resolve, schema, schema_default
from hvcfg.model import board_spec_from_doc, build_system

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler/hvcfg"

MINIMAL = """\
board:
  name: minimal
  devicetree: {qemu: {machine: virt, smp: 2, memory: 1G}}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
"""
PARTITION = """\
partitions:
  - name: a
    cpus: [0]
    memory: [{base: 0x40000000, size: 2M}]
    image: {binary: a.bin}
"""

Path_ = tuple[str | int, ...]


def defaults(sch: dict[str, Any], at: Path_ = (), base: str = BOARD_SCHEMA,
             seen: frozenset[str] = frozenset()) -> Iterator[tuple[Path_, Any]]:
    """(instance path, default) for every property with a schema default below `sch`; list
    entries are followed at index 0."""
    if "$ref" in sch and sch["$ref"] not in seen:
        ref = sch["$ref"]
        target = resolve(ref, base)
        file = ref.split("#")[0] or base
        yield from defaults(target, at, file, seen | {ref})
    for key, sub in sch.get("properties", {}).items():
        value = schema_default(sub)
        if value is not schema_default({}):
            yield at + (key,), value
        yield from defaults(sub, at + (key,), base, seen)
    if isinstance(sch.get("items"), dict):
        yield from defaults(sch["items"], at + (0,), base, seen)
    for key in ("then", "else"):
        if isinstance(sch.get(key), dict):
            yield from defaults(sch[key], at, base, seen)


def _doc(tmp_path: Path, text: str):
    (tmp_path / "a.bin").write_bytes(b"\0" * 16)
    path = tmp_path / "board.yaml"
    path.write_text(text)
    return load_config(path)


def test_every_schema_default_is_what_a_minimal_configuration_gets(tmp_path):
    found = list(defaults(schema(BOARD_SCHEMA)))
    assert len(found) >= 10, found
    with_part, without = _doc(tmp_path, MINIMAL + PARTITION), _doc(tmp_path, MINIMAL)
    checked = 0
    for path, value in found:
        for doc in (with_part, without):
            parent = doc.get(path[:-1])
            if not isinstance(parent, dict):
                continue                     # e.g. partitions[0] of the configuration without
            got = parent.get(path[-1])
            if isinstance(value, dict):      # an object's default; its keys get theirs
                assert {k: got[k] for k in value} == value, path
            elif path[-1] not in _written(doc, path):
                assert got == value, path
                checked += 1
    assert checked >= 10


def _written(doc, path: Path_) -> set[str]:
    """Keys the minimal texts write themselves (none of the defaulted ones but `partitions`)."""
    return {"partitions"} if path == ("partitions",) and doc.get(("partitions",)) else set()


def test_the_model_reads_the_schema_defaults(tmp_path):
    doc = _doc(tmp_path, MINIMAL + PARTITION)
    system = build_system(doc, hand_board(), board_spec_from_doc(doc))
    p = system.partitions[0]
    want = dict(defaults(schema(BOARD_SCHEMA)))
    at = ("partitions", 0)
    assert p.memory[0].perm == want[at + ("memory", 0, "perm")]
    assert list(p.devices) == want[at + ("devices",)]
    assert list(p.hypercalls) == want[at + ("hypercalls",)]
    assert dict(p.defines) == want[at + ("defines",)]
    assert (p.vuart is not None) == want[at + ("vuart",)]
    assert p.vgic is not None and p.vgic.lines is None      # computed: interrupts.vgic_lines
    assert list(p.vgic.virtual) == want[at + ("vgic", "virtual")]
    assert p.bootargs == want[at + ("bootargs",)]
    assert p.on_fault.action == want[at + ("on_fault", "action")]
    assert p.on_fault.limit == want[at + ("on_fault", "limit")]
    assert p.reset_limit == want[at + ("on_reset", "limit")]
    assert system.board_spec.qemu is not None
    assert system.board_spec.qemu.serials == want[("board", "devicetree", "qemu", "serials")]
    # A filled key has no position of its own: diagnostics point at the partition entry.
    assert p.on_fault.pos == doc.pos(at) and p.on_fault.pos.line == 8


def test_no_second_copy_of_a_default_in_the_compiler():
    """Heuristic: reading a defaulted key with a fallback (`x.get("limit", 3)`) restates the
    default; so did the model's RESET_LIMIT_DEFAULT. The package's top-level modules read the
    configuration (verify/ and xsa/ read other documents, such as the manifest)."""
    keys = {path[-1] for path, _ in defaults(schema(BOARD_SCHEMA))}
    pattern = re.compile(r"""\.get\(\s*["']({})["']\s*,""".format("|".join(map(re.escape, keys))))
    found = []
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in pattern.finditer(text)]
        if "RESET_LIMIT_DEFAULT" in text:
            found.append(f"{path.relative_to(ROOT)}: RESET_LIMIT_DEFAULT")
    assert found == []
