# SPDX-License-Identifier: Apache-2.0
"""Load a board file (and the partition files it includes) into plain data with source positions.

`load_config(path)` parses YAML with PyYAML's composer so that every node keeps its
file:line:col, builds plain Python data (dict/list/int/str/bool/None), merges each
`partitions[i].include` file into its entry, and validates everything against the JSON
Schemas in schema/. Any problem is raised as one ConfigError carrying every diagnostic found.
"""
from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import ConfigError, Diagnostic, Pos, Related, error

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
BOARD_SCHEMA = "board.schema.json"
PARTITION_SCHEMA = "partition.schema.json"
MAX_NODES = 200_000           # guards against alias expansion bombs

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class Doc:
    """A loaded, validated configuration: data plus where every node came from."""

    path: Path                                   # the board file as given
    data: dict[str, Any]
    positions: dict[JsonPath, Pos]               # value node positions
    key_positions: dict[JsonPath, Pos]           # mapping key positions (path of the value)
    files: tuple[Path, ...]                      # every YAML file read, board file first
    includes: dict[int, Path] = field(default_factory=dict)  # partition index -> included file
    dirs: dict[str, Path] = field(default_factory=dict)      # Pos.file -> that file's directory

    def pos(self, path: Iterable[str | int]) -> Pos:
        """Position of the node at `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        for i in range(len(p), -1, -1):
            if p[:i] in self.positions:
                return self.positions[p[:i]]
        return Pos(str(self.path), 1, 1)

    def key_pos(self, path: Iterable[str | int]) -> Pos:
        """Position of the mapping key naming the node at `path` (else the node's position)."""
        p = tuple(path)
        return self.key_positions.get(p) or self.pos(p)

    def get(self, path: Iterable[str | int], default: Any = None) -> Any:
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    def dir_of(self, path: Iterable[str | int]) -> Path:
        """Directory of the file in which the node at `path` was written."""
        f = self.pos(path).file
        return self.dirs.get(f, Path(f).parent)


def where(path: JsonPath) -> str:
    """A JSON path for messages: partitions[0].memory[1].base."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


# ---------------------------------------------------------------- YAML with positions

@dataclass
class _Parsed:
    data: Any
    positions: dict[JsonPath, Pos]
    key_positions: dict[JsonPath, Pos]


def _mark_pos(file: str, mark: yaml.Mark | None) -> Pos:
    return Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)


def _parse(path: Path, display: str, prefix: JsonPath, ref_pos: Pos | None) -> _Parsed:
    """Parse one YAML file; E006 if unreadable, E001 for syntax errors and duplicate keys."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(error("E006", f"cannot read {display}: {exc.strerror or exc}",
                                ref_pos)) from exc
    try:
        root = yaml.compose(raw, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(s) for s in (exc.context, exc.problem) if s) or "invalid YAML"
        raise ConfigError(error("E001", msg, _mark_pos(display, mark))) from exc
    except yaml.reader.ReaderError as exc:
        line = raw[: exc.position].count(b"\n") + 1
        raise ConfigError(error("E001", f"cannot decode the file: {exc.reason}",
                                Pos(display, line, 1), hint="save the file as UTF-8")) from exc
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(error("E001", f"invalid YAML: {exc}", Pos(display, 1, 1))) from exc
    parsed = _Parsed(None, {prefix: Pos(display, 1, 1)}, {})
    if root is None:
        return parsed
    errors: list[Diagnostic] = []
    builder = _Builder(display, parsed, errors)
    try:
        parsed.data = builder.build(root, prefix)
    except RecursionError:
        errors.append(error("E001", "the document is nested too deeply", Pos(display, 1, 1)))
    if errors:
        raise ConfigError(errors)
    return parsed


@dataclass
class _Builder:
    file: str
    out: _Parsed
    errors: list[Diagnostic]
    loader: yaml.SafeLoader = field(default_factory=lambda: yaml.SafeLoader(""))
    count: int = 0
    active: set[int] = field(default_factory=set)

    def pos(self, node: Node) -> Pos:
        return _mark_pos(self.file, node.start_mark)

    def build(self, node: Node, path: JsonPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig()
        self.out.positions[path] = self.pos(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            self.errors.append(error("E001", "recursive alias", self.pos(node)))
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            if not isinstance(node, MappingNode):
                raise TypeError(f"a YAML node of kind {type(node).__name__}")
            result: dict[str, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, ScalarNode):
                    self.errors.append(error("E001", "a mapping key must be a plain scalar",
                                             self.pos(knode)))
                    continue
                key = knode.value
                if key in result:
                    first = self.out.key_positions.get(path + (key,))
                    self.errors.append(error(
                        "E001", f"duplicate key '{key}' in {where(path)}", self.pos(knode),
                        hint="a key may appear once in a mapping; remove one of them",
                        related=[Related(f"'{key}' first given here", first)]))
                    continue
                self.out.key_positions[path + (key,)] = self.pos(knode)
                result[key] = self.build(vnode, path + (key,))
            return result
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.errors.append(error("E001", str(exc.problem), self.pos(node)))
            return None
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return node.value           # timestamps, binary, ...: keep the text as written


class _TooBig(Exception):
    pass


def _parse_file(path: Path, display: str, prefix: JsonPath, ref_pos: Pos | None) -> _Parsed:
    try:
        return _parse(path, display, prefix, ref_pos)
    except _TooBig as exc:
        raise ConfigError(error("E001", f"the document expands to more than {MAX_NODES} nodes",
                                Pos(display, 1, 1), hint="avoid deeply nested aliases")) from exc


# ---------------------------------------------------------------- schema validation

@cache
def schema(name: str) -> dict[str, Any]:
    """One of the JSON Schemas in schema/ (board.schema.json, partition.schema.json)."""
    doc: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return doc


@cache
def _registry() -> referencing.Registry:
    """The configuration schemas by $id, so that the board schema's `$ref`s to the partition
    schema (which owns every definition a partition uses) resolve without a network."""
    return referencing.Registry().with_resources(
        (schema(n)["$id"], referencing.Resource.from_contents(schema(n)))
        for n in (BOARD_SCHEMA, PARTITION_SCHEMA))


def resolve(ref: str, base: str = BOARD_SCHEMA) -> dict[str, Any]:
    """The subschema a `$ref` written in schema file `base` names."""
    resolver = _registry().resolver(base_uri=schema(base)["$id"])
    contents: dict[str, Any] = resolver.lookup(ref).contents
    return contents


def definition(name: str) -> dict[str, Any]:
    """A shared definition of the partition schema, e.g. definition("onFault")."""
    found: dict[str, Any] = schema(PARTITION_SCHEMA)["$defs"][name]
    return found


def _is_int(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as JSON Schema means it (ECMA-262): a final `$` ends the string. Python's `$`
    also matches before a final newline, which let a name such as "hyp\\n" through the schema,
    past E060, into generated C (red team: check accepted it, build failed with exit 70)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(_validator: Any, pattern: str, instance: Any, _sch: dict[str, Any]) -> Any:
    if isinstance(instance, str) and not _ecma_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


# YAML gives real ints: a float such as 1.0 is not an integer here.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _pattern},
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_int))


@cache
def _validator(name: str) -> Any:
    return _Validator(schema(name), registry=_registry())


def _fill_properties(validator: Any, properties: dict[str, Any], instance: Any,
                     sch: dict[str, Any]) -> Any:
    """The `properties` keyword, which first gives every absent key its schema `default`."""
    if isinstance(instance, dict):
        for key, sub in properties.items():
            default = schema_default(sub)
            if key not in instance and default is not _NO_DEFAULT:
                instance[key] = copy.deepcopy(default)
    yield from jsonschema.Draft202012Validator.VALIDATORS["properties"](
        validator, properties, instance, sch)


_NO_DEFAULT = object()
_Filler = jsonschema.validators.extend(_Validator, {"properties": _fill_properties})


def schema_default(sub: dict[str, Any]) -> Any:
    """The `default` of a property's schema, given there or in the definition it `$ref`s."""
    if "default" in sub:
        return sub["default"]
    if "$ref" in sub:
        return schema_default(_resolve_def(sub["$ref"]))
    return _NO_DEFAULT


def fill_defaults(data: dict[str, Any]) -> None:
    """Give every absent key that has a schema `default` that value, in place: the schema is
    the only place a default is written, and the model reads keys that are always there. Run
    on valid data (its findings were reported already); a filled key has no position of its
    own, so diagnostics about it point at the mapping that lacks it."""
    for _ in _Filler(schema(BOARD_SCHEMA), registry=_registry()).iter_errors(data):
        pass


_TYPE_NAMES = {"integer": "an integer", "string": "a string", "array": "a list",
               "object": "a mapping", "boolean": "true or false", "number": "a number",
               "null": "null"}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing (null)"


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 9:
        return f"{value:#x}" if value >= 0x1000 else str(value)
    return json.dumps(value) if isinstance(value, (str, bool)) or value is None else repr(value)


def _schema_errors(validator_name: str, data: Any, prefix: JsonPath,
                   pos: Any, key_pos: Any) -> list[Diagnostic]:
    """Validate `data` (which lives at `prefix`) and map each schema error to a diagnostic."""
    out: list[Diagnostic] = []
    for err in _validator(validator_name).iter_errors(data):
        path = prefix + tuple(err.absolute_path)
        out.extend(_diagnose(err, path, pos, key_pos))
    return out


def _diagnose(err: jsonschema.ValidationError, path: JsonPath, pos: Any,
              key_pos: Any) -> list[Diagnostic]:
    kind = err.validator
    # JSON values: the keyword's argument in the schema and the value it rejected (the stubs
    # also allow `Unset`, which only a ValidationError made by hand carries).
    value: Any = err.validator_value
    inst: Any = err.instance
    sch: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    desc = sch.get("description", "")
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_keys(sch)
        out = []
        for key in inst:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + \
                f"allowed keys in {where(path)}: {', '.join(allowed)}"
            out.append(error("E002", f"unknown key '{key}' in {where(path)}",
                             key_pos(path + (key,)), hint=hint))
        return out
    if kind == "required":
        missing = [k for k in value if isinstance(inst, dict) and k not in inst]
        return [error("E004", f"{where(path)} lacks the required key '{k}'", pos(path),
                      hint=f"add '{k}': {_describe(sch, k)}") for k in missing]
    if kind == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return [error("E003", f"{where(path)} must be {expected}, not {_type_of(inst)}",
                      pos(path), hint=desc)]
    if kind == "enum":
        return [error("E005", f"{where(path)} is {_show(inst)}; allowed: "
                      f"{', '.join(str(v) for v in value)}", pos(path))]
    if kind == "oneOf" and all(set(b) == {"required"} for b in value):
        names = ", ".join(k for b in value for k in b["required"])
        return [error("E005", f"{where(path)} must have exactly one of: {names}", pos(path),
                      hint=desc)]
    if kind == "dependentRequired":
        return [error("E004", f"{where(path)} has '{key}' but lacks '{need}', which it needs",
                      pos(path), hint=f"add '{need}': {_describe(sch, need)}")
                for key, needs in value.items() if isinstance(inst, dict) and key in inst
                for need in needs if need not in inst]
    if kind in ("minProperties", "maxProperties") and "properties" in sch:
        names = ", ".join(sch["properties"])
        return [error("E005", f"{where(path)} must have exactly one of: {names}", pos(path),
                      hint=desc)]
    if kind == "pattern":
        return [error("E005", f"{where(path)} is {_show(inst)}, which is not valid here",
                      pos(path), hint=desc)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "maximum": "at most",
                 "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[kind]
        return [error("E005", f"{where(path)} is {_show(inst)}; it must be {bound} "
                      f"{_show(value)}", pos(path), hint=desc)]
    if kind in ("minItems", "maxItems", "minLength", "maxLength"):
        what = "entries" if kind.endswith("Items") else "characters"
        bound = "at least" if kind.startswith("min") else "at most"
        return [error("E005", f"{where(path)} must have {bound} {value} {what}", pos(path),
                      hint=desc)]
    return [error("E005", f"{where(path)}: {err.message}", pos(path), hint=desc)]


def _allowed_keys(sch: dict[str, Any]) -> list[str]:
    """Keys an object schema allows: its own properties and those of the schema it `$ref`s
    (every such `$ref` names its file, so it resolves from any base)."""
    keys = list(sch.get("properties", {}))
    if "$ref" in sch:
        keys += [k for k in _allowed_keys(resolve(sch["$ref"])) if k not in keys]
    return keys


def _describe(sch: dict[str, Any], key: str) -> str:
    """The schema description of `key`, from `sch` or else from any shared definition."""
    candidates = [sch.get("properties", {}).get(key)]
    for name in (BOARD_SCHEMA, PARTITION_SCHEMA):
        candidates += [d.get("properties", {}).get(key)
                       for d in schema(name).get("$defs", {}).values()]
    for sub in candidates:
        if not sub:
            continue
        d: str | None = sub.get("description") or (
            _resolve_def(sub["$ref"]).get("description") if "$ref" in sub else None)
        if d:
            return d
    return "see docs/configuration.md"


def _resolve_def(ref: str) -> dict[str, Any]:
    """A `#/$defs/name` or `partition.schema.json#/$defs/name` reference's target."""
    name = ref.rsplit("/", 1)[-1]
    for file in (BOARD_SCHEMA, PARTITION_SCHEMA):
        if name in schema(file).get("$defs", {}):
            found: dict[str, Any] = schema(file)["$defs"][name]
            return found
    return {}


def required_partition_keys() -> tuple[str, ...]:
    """Keys every partition needs once its include is merged (from the board schema)."""
    return tuple(schema(BOARD_SCHEMA)["$defs"]["partition"]["then"]["required"])


# ---------------------------------------------------------------- load_config

def _display_join(base_display: str, rel: str) -> str:
    if os.path.isabs(rel):
        return os.path.normpath(rel)
    return os.path.normpath(os.path.join(os.path.dirname(base_display), rel))


def load_config(path: Path) -> Doc:
    """Load and validate a board file and its includes; raise ConfigError on any problem."""
    path = Path(path)
    display = str(path)
    board = _parse_file(path, display, (), None)
    positions = dict(board.positions)
    key_positions = dict(board.key_positions)
    dirs = {display: path.resolve().parent}
    files = [path]
    includes: dict[int, Path] = {}

    def pos(p: JsonPath) -> Pos:
        for i in range(len(p), -1, -1):
            if p[:i] in positions:
                return positions[p[:i]]
        return Pos(display, 1, 1)

    def key_pos(p: JsonPath) -> Pos:
        return key_positions.get(p) or pos(p)

    diags = _schema_errors(BOARD_SCHEMA, board.data, (), pos, key_pos)
    data = board.data
    entries = data.get("partitions") if isinstance(data, dict) else None
    required = required_partition_keys()
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("include"), str):
            continue
        prefix: JsonPath = ("partitions", i)
        inc_display = _display_join(display, entry["include"])
        inc_path = (path.resolve().parent / entry["include"])
        try:
            inc = _parse_file(inc_path, inc_display, prefix, pos(prefix + ("include",)))
        except ConfigError as exc:
            diags.extend(exc.diagnostics)
            continue
        files.append(Path(inc_display))
        includes[i] = Path(inc_display)
        dirs[inc_display] = inc_path.resolve().parent

        def inc_pos(p: JsonPath, inc: _Parsed = inc, d: str = inc_display,
                    prefix: JsonPath = prefix) -> Pos:
            for j in range(len(p), len(prefix) - 1, -1):
                if p[:j] in inc.positions:
                    return inc.positions[p[:j]]
            return Pos(d, 1, 1)

        def inc_key_pos(p: JsonPath, inc: _Parsed = inc, f: Any = inc_pos) -> Pos:
            return inc.key_positions.get(p) or f(p)

        diags.extend(_schema_errors(PARTITION_SCHEMA, inc.data, prefix, inc_pos, inc_key_pos))
        if not isinstance(inc.data, dict):
            continue
        for key, value in inc.data.items():
            kp = prefix + (key,)
            if key in entry:
                diags.append(error(
                    "E007", f"'{key}' of partition {i} is set both here and in {inc_display}",
                    key_pos(kp), related=[Related(f"'{key}' set in {inc_display}",
                                                  inc.key_positions.get(kp))]))
                continue
            entry[key] = value
            for p, ps in inc.positions.items():
                if p[: len(kp)] == kp:
                    positions[p] = ps
            for p, ps in inc.key_positions.items():
                if p[: len(kp)] == kp:
                    key_positions[p] = ps
        for key in required:
            if key not in entry:
                diags.append(error(
                    "E004", f"partition {i} lacks the required key '{key}' (neither set here "
                    f"nor in {inc_display})", pos(prefix),
                    hint=f"add '{key}' to the partition entry or to {inc_display}"))
    if diags:
        raise ConfigError(_sorted(_unique(diags), display))
    fill_defaults(data)
    return Doc(path, data, positions, key_positions, tuple(files), includes, dirs)


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, Pos | None]] = set()
    out = []
    for d in diags:
        k = (d.code, d.message, d.pos)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


def _sorted(diags: list[Diagnostic], board_file: str) -> list[Diagnostic]:
    def key(d: Diagnostic) -> tuple[int, str, int, int]:
        if d.pos is None:
            return (0, "", 0, 0)
        return (0 if d.pos.file == board_file else 1, d.pos.file, d.pos.line, d.pos.col)
    return sorted(diags, key=key)
