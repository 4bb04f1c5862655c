# SPDX-License-Identifier: Apache-2.0
"""load: YAML with positions, includes, JSON Schema validation; units."""
from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hvcfg.diagnostics import ConfigError, Diagnostic, Pos
from hvcfg.load import (
    BOARD_SCHEMA,
    PARTITION_SCHEMA,
    SCHEMA_DIR,
    load_config,
    required_partition_keys,
    resolve,
    schema,
    where,
)
from hvcfg.units import format_range, format_size, parse_size

ROOT = Path(__file__).resolve().parent.parent

BOARD = """\
board:
  name: test
  devicetree: {qemu: {machine: virt, smp: 2, memory: 1G}}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
partitions:
  - name: a
    cpus: [0]
    memory:
      - {base: 0x40000000, size: 2M}
      - {base: 0x41000000, size: 0x1000, ipa: 0x0, perm: rx}
    image: {binary: a.bin}
"""


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def diags(path: Path) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.diagnostics


def one(path: Path, code: str) -> Diagnostic:
    found = [d for d in diags(path) if d.code == code]
    assert found, f"no {code} in {[d.render() for d in diags(path)]}"
    return found[0]


# ---------------------------------------------------------------- units

@pytest.mark.parametrize("text,value", [
    (4096, 4096), ("4096", 4096), ("64K", 64 << 10), ("2M", 2 << 20), ("1G", 1 << 30),
    ("3T", 3 << 40), (" 16M ", 16 << 20)])
def test_parse_size(text: Any, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("bad", [0, -1, True, "0K", "2MB", "1.5G", "x", "", None, 1.0, "0x1000"])
def test_parse_size_rejects(bad: Any) -> None:
    with pytest.raises(ValueError):
        parse_size(bad)


@pytest.mark.parametrize("n,text", [(2 << 20, "2M"), (1 << 30, "1G"), (0x1800, "6K"),
                                    (100, "100"), (3 << 40, "3T"), (0, "0")])
def test_format_size(n: int, text: str) -> None:
    assert format_size(n) == text


def test_format_range() -> None:
    assert format_range(0x60000000, 2 << 20) == "[0x60000000, 0x60200000) (2M)"


def test_where() -> None:
    assert where(("partitions", 0, "memory", 1, "base")) == "partitions[0].memory[1].base"
    assert where(()) == "the document"


# ---------------------------------------------------------------- schemas

@pytest.mark.parametrize("name", [BOARD_SCHEMA, PARTITION_SCHEMA])
def test_schema_is_valid_and_editor_friendly(name: str) -> None:
    s = schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["$schema"].endswith("2020-12/schema")
    assert s["$id"].endswith(name) and s["title"] and s["description"]

    def objects(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for v in node.values():
                yield from objects(v)
        elif isinstance(node, list):
            for v in node:
                yield from objects(v)

    for obj in objects(s):
        if "propertyNames" in obj:          # a free-form map (defines)
            continue
        closed = obj.get("additionalProperties") is False or \
            (obj.get("unevaluatedProperties") is False and "$ref" in obj)
        assert closed, obj
        for key, sub in obj.get("properties", {}).items():
            assert "description" in sub or "$ref" in sub, key


def test_definitions_are_written_once() -> None:
    """The partition schema owns every definition a partition uses; the board schema refers to
    them (by relative `$ref`s that resolve offline) and copies none."""
    board, part = schema(BOARD_SCHEMA), schema(PARTITION_SCHEMA)
    assert set(board["$defs"]) & set(part["$defs"]) == set()
    assert set(board["$defs"]) == {"partition", "ramBank", "channel", "channelEnd"}

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for v in node.values():
                yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    for name, s in ((BOARD_SCHEMA, board), (PARTITION_SCHEMA, part)):
        for ref in refs(s):
            assert not ref.startswith(("http:", "https:")), ref
            assert resolve(ref, name), ref
    entry = board["$defs"]["partition"]
    assert resolve(entry["$ref"]) is part["$defs"]["partitionKeys"]
    assert set(entry["properties"]) == {"include"}
    assert required_partition_keys() == ("name", "cpus", "memory", "image")


def test_partition_entry_and_file_allow_the_same_keys(tmp_path: Path) -> None:
    """One list of keys: an unknown key is E002 in a board entry and in a partition file, with
    the same allowed keys in the hint (plus `include` in the board)."""
    (tmp_path / "p.yaml").write_text("name: p\nimage: {binary: a.bin}\nbogus: 1\n")
    text = BOARD + "  - include: p.yaml\n    cpus: [1]\n    memory: [{base: 0x42000000, " \
        "size: 1M}]\n    bogus2: 1\n"
    found = diags(write(tmp_path, "b.yaml", text))
    assert sorted(d.code for d in found) == ["E002", "E002"]
    keys = set(part_keys := schema(PARTITION_SCHEMA)["$defs"]["partitionKeys"]["properties"])
    assert len(part_keys) == 15
    for d in found:
        listed = set(d.hint.split(": ", 1)[1].split(", "))
        assert listed == keys | ({"include"} if "bogus2" in d.message else set())


def test_schema_files_are_packaged() -> None:
    assert (SCHEMA_DIR / BOARD_SCHEMA).is_file() and (SCHEMA_DIR / PARTITION_SCHEMA).is_file()


def test_repository_board_files_load() -> None:
    paths = sorted((ROOT / "boards").glob("*.yaml"))
    assert paths
    for path in paths:
        load_config(path)


# ---------------------------------------------------------------- data and positions

def test_data_and_positions(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD)
    doc = load_config(p)
    assert doc.data["partitions"][0]["memory"][0]["base"] == 0x40000000
    assert doc.data["partitions"][0]["memory"][1]["size"] == 0x1000
    assert doc.data["hypervisor"]["memory"]["size"] == "16M"
    f = str(p)
    assert doc.pos(("partitions", 0, "memory", 1, "ipa")) == Pos(f, 12, 47)
    assert doc.pos(("partitions", 0, "memory", 1)) == Pos(f, 12, 9)
    assert doc.pos(("partitions", 0)) == Pos(f, 8, 5)
    assert doc.key_pos(("partitions", 0, "cpus")) == Pos(f, 9, 5)
    assert doc.pos(("partitions", 0, "cpus", 0)) == Pos(f, 9, 12)
    # a path not in the file: its nearest ancestor
    assert doc.pos(("partitions", 0, "memory", 0, "perm")) == Pos(f, 11, 9)
    assert doc.pos(("nothing", 3)) == doc.pos(())
    assert doc.get(("partitions", 0, "memory", 1, "perm")) == "rx"
    assert doc.get(("partitions", 5, "x"), "dflt") == "dflt"
    assert doc.files == (p,)
    assert doc.dir_of(("partitions", 0, "image")) == tmp_path.resolve()


def test_include_merges_with_positions(tmp_path: Path) -> None:
    write(tmp_path, "parts/p/partition.yaml", """\
        # the partition
        name: inc
        image:
          sources: [main.c]
        hypercalls: [console]
        """)
    p = write(tmp_path, "boards/b.yaml", BOARD.replace(
        "  - name: a\n", "  - include: ../parts/p/partition.yaml\n").replace(
        "    image: {binary: a.bin}\n", ""))
    doc = load_config(p)
    entry = doc.data["partitions"][0]
    assert entry["name"] == "inc" and entry["cpus"] == [0]
    assert entry["image"] == {"sources": ["main.c"]}
    inc = str(Path(str(tmp_path), "parts/p/partition.yaml"))
    assert doc.pos(("partitions", 0, "image", "sources", 0)) == Pos(inc, 4, 13)
    assert doc.key_pos(("partitions", 0, "hypercalls")) == Pos(inc, 5, 1)
    assert doc.pos(("partitions", 0)).file == str(p)          # the entry stays in the board
    assert doc.pos(("partitions", 0, "cpus")).file == str(p)
    assert doc.includes[0] == Path(inc)
    assert doc.files == (p, Path(inc))
    assert doc.dir_of(("partitions", 0, "image")) == (tmp_path / "parts/p").resolve()


def test_include_conflict_is_e007(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "name: inc\nimage: {binary: x.bin}\n")
    p = write(tmp_path, "b.yaml", BOARD.replace("  - name: a\n", "  - include: p.yaml\n"))
    d = one(p, "E007")
    assert d.pos == Pos(str(p), 13, 5)                          # image: in the board file
    assert d.related[0].pos == Pos(str(tmp_path / "p.yaml"), 2, 1)
    assert "image" in d.message


def test_include_missing_is_e006(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace("  - name: a\n", "  - include: nope.yaml\n"))
    d = one(p, "E006")
    assert d.pos == Pos(str(p), 8, 14)
    assert "nope.yaml" in d.message


def test_included_file_is_validated(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "name: inc\nimage: {binary: x.bin}\ninclude: other.yaml\n"
                              "on_fault: {action: explode}\n")
    p = write(tmp_path, "b.yaml", BOARD.replace("  - name: a\n", "  - include: p.yaml\n")
              .replace("    image: {binary: a.bin}\n", ""))
    found = {d.code: d for d in diags(p)}
    inc = str(tmp_path / "p.yaml")
    assert found["E002"].pos == Pos(inc, 3, 1)                  # no nested includes
    assert found["E005"].pos == Pos(inc, 4, 20)


def test_merged_entry_needs_required_keys(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "name: inc\n")
    p = write(tmp_path, "b.yaml", BOARD.replace("  - name: a\n", "  - include: p.yaml\n")
              .replace("    image: {binary: a.bin}\n", ""))
    d = one(p, "E004")
    assert "'image'" in d.message and d.pos == Pos(str(p), 8, 5)


def test_board_entry_without_include_needs_required_keys(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace("    cpus: [0]\n", ""))
    d = one(p, "E004")
    assert "'cpus'" in d.message and d.pos == Pos(str(p), 8, 5)


# ---------------------------------------------------------------- errors

def test_missing_board_file_is_e006(tmp_path: Path) -> None:
    d = one(tmp_path / "none.yaml", "E006")
    assert d.pos is None and "none.yaml" in d.message


def test_syntax_error_is_e001(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace("[0]", "[0"))
    d = one(p, "E001")
    assert d.pos is not None and d.pos.file == str(p) and d.pos.line == 10


def test_duplicate_key_is_e001(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml",
              BOARD.replace("    cpus: [0]\n", "    cpus: [0]\n    cpus: [1]\n"))
    d = one(p, "E001")
    assert d.pos == Pos(str(p), 10, 5) and "cpus" in d.message
    assert d.related[0].pos == Pos(str(p), 9, 5)


def test_unknown_key_is_e002_at_the_key(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml",
              BOARD.replace("    cpus: [0]\n", "    cpus: [0]\n    cpsu: [1]\n"))
    d = one(p, "E002")
    assert d.pos == Pos(str(p), 10, 5)
    assert "'cpsu'" in d.message and "did you mean 'cpus'" in d.hint


@pytest.mark.parametrize("old,new,line,col", [
    ("cpus: [0]", "cpus: zero", 9, 11),
    ("smp: 2", "smp: two", 3, 43),
    ("ipa: 0x0", "ipa: 1.0", 12, 47),
    ("console: /pl011@9000000", "console: [a]", 5, 12),
])
def test_wrong_type_is_e003(tmp_path: Path, old: str, new: str, line: int, col: int) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace(old, new))
    assert one(p, "E003").pos == Pos(str(p), line, col)


@pytest.mark.parametrize("old,new,line", [
    ("perm: rx", "perm: wx", 12),                               # enum
    ("size: 2M", "size: 2MB", 11),                              # size pattern
    ("name: test", "name: 9test", 2),                           # identifier pattern
    ("name: a", "name: a-b", 8),
    ("cpus: [0]", "cpus: [-1]", 9),                              # minimum
    ("{qemu: {machine: virt, smp: 2, memory: 1G}}", "{}", 3),   # file, qemu or both
    ("image: {binary: a.bin}", "image: {}", 13),
    ("image: {binary: a.bin}", "image: {binary: a.bin}\n    defines: {1X: 2}", 14),
    ("image: {binary: a.bin}", "image: {binary: a.bin, sources: [a.c]}", 13),
])
def test_invalid_value_is_e005(tmp_path: Path, old: str, new: str, line: int) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace(old, new))
    d = one(p, "E005")
    assert d.pos is not None and d.pos.line == line, d.render()


def test_missing_key_is_e004_at_the_mapping(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace("  memory: {size: 16M}\n", ""))
    d = one(p, "E004")
    assert d.pos == Pos(str(p), 5, 3) and "'memory'" in d.message


def test_all_errors_are_collected_and_sorted(tmp_path: Path) -> None:
    p = write(tmp_path, "b.yaml", BOARD.replace("perm: rx", "perm: wx")
              .replace("name: test", "name: 9test").replace("cpus: [0]", "cpus: 0"))
    found = diags(p)
    assert [d.code for d in found] == ["E005", "E003", "E005"]
    assert [d.pos.line for d in found if d.pos] == [2, 9, 12]


@pytest.mark.parametrize("text", [
    "", "[]", "- a\n- b\n", "42\n", "board: {name: x}\n", "a: &a [*a]\n",
    "a: &a\n  b: *a\n", "a: !!python/object:os.system {}\n", "? [a, b]\n: c\n",
    "a: 1\n---\nb: 2\n", "\t- x\n", "a: [" * 200 + "\n",
    "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "board: 2020-01-01\n",
])
def test_bad_input_never_escapes_as_a_traceback(tmp_path: Path, text: str) -> None:
    p = write(tmp_path, "b.yaml", text)
    found = diags(p)
    assert found and all(d.code.startswith("E00") for d in found)


def test_undecodable_file_is_e001(tmp_path: Path) -> None:
    p = tmp_path / "b.yaml"
    p.write_bytes(b"board:\n  name: \xff\xfe\x00bad\n")
    assert one(p, "E001").pos is not None


def test_every_schema_key_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()

    def keys(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            yield from node.get("properties", {})
            for v in node.values():
                yield from keys(v)

    missing = sorted({k for k in keys(schema(BOARD_SCHEMA)) if f"`{k}`" not in text})
    assert not missing


@pytest.mark.parametrize("old,new", [
    ("  - name: a\n", '  - name: "hyp\\n"\n'),                  # past E060 into C: exit 70
    ("  - name: a\n", '  - name: "a\\n"\n'),
    ("  name: test\n", '  name: "test\\n"\n'),                 # the banner's C string
    ("size: 2M}", 'size: "2M\\n"}'),
])
def test_pattern_refuses_a_final_newline(tmp_path: Path, old: str, new: str) -> None:
    """JSON Schema's `pattern` is ECMA-262, where `$` ends the string; Python's re.search also
    matched before a final newline (red team 1: `name: "hyp\\n"` passed check and E060, then
    the build failed compiling the generated C, exit 70)."""
    assert old in BOARD
    p = write(tmp_path, "b.yaml", BOARD.replace(old, new, 1))
    assert one(p, "E005")
