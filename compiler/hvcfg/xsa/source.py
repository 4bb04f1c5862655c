# SPDX-License-Identifier: Apache-2.0
"""Reading the security process's own YAML files (SUPPORT.yaml, advisories, bug reports):
YAML with a position for every node, then JSON Schema validation, errors as ConfigError.

Kept separate from the configuration loader on purpose: these files have their own schemas
and error codes (E05x), and this module has no knowledge of board files.
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml

from ..diagnostics import ConfigError, Pos, error

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"

YamlPath = tuple[Any, ...]


@dataclass(frozen=True)
class Doc:
    """A loaded YAML document: plain data, and the position of every node by its YAML path."""

    path: Path
    data: Any
    positions: dict[YamlPath, Pos] = field(hash=False)

    def pos(self, ypath: YamlPath = ()) -> Pos:
        """The position of a node, or of its nearest ancestor that has one."""
        ypath = tuple(ypath)
        while ypath not in self.positions and ypath:
            ypath = ypath[:-1]
        return self.positions.get(ypath, Pos(str(self.path), 1, 1))


def parse_yaml(text: str, filename: str) -> Doc:
    """Parse YAML text; dates become ISO strings, duplicate keys are errors (E001)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        positions: dict[YamlPath, Pos] = {}
        data = _convert(loader, node, (), filename, positions) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(filename, mark.line + 1, mark.column + 1) if mark else Pos(filename, 1)
        raise ConfigError(error("E001", str(exc.problem or exc), pos)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(error("E001", str(exc), Pos(filename, 1))) from None
    finally:
        loader.dispose()
    return Doc(Path(filename), data, positions)


def _convert(loader: yaml.SafeLoader, node: yaml.Node, ypath: YamlPath, filename: str,
             positions: dict[YamlPath, Pos]) -> Any:
    positions[ypath] = Pos(filename, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            if isinstance(key, (datetime.date, datetime.datetime)):
                key = key.isoformat()
            if not isinstance(key, (str, int, bool)) or isinstance(key, bool):
                raise ConfigError(error("E003", "mapping keys must be strings",
                                        Pos(filename, knode.start_mark.line + 1,
                                            knode.start_mark.column + 1)))
            if key in out:
                raise ConfigError(error("E001", f"duplicate key {key!r}",
                                        Pos(filename, knode.start_mark.line + 1,
                                            knode.start_mark.column + 1)))
            out[key] = _convert(loader, vnode, ypath + (key,), filename, positions)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, v, ypath + (i,), filename, positions)
                for i, v in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def load_yaml(path: Path) -> Doc:
    """Read and parse a YAML file; a missing file is E006."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read {path}: {exc.strerror or exc}"
        raise ConfigError(error("E006", message, None)) from None
    return parse_yaml(text, str(path))


def load_schema(name: str) -> dict[str, Any]:
    """A schema from compiler/hvcfg/schema/."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return schema


def validate(doc: Doc, schema_name: str, code: str, what: str) -> None:
    """Validate a document against a schema; every violation becomes a diagnostic at its node."""
    schema = load_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc.data), key=lambda e: (list(map(str, e.absolute_path)),
                                                                     e.message))
    if not errors:
        return
    diags = []
    for e in errors:
        where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        diags.append(error(code, f"{what}: {where}: {_message(e)}", doc.pos(_error_path(e))))
    raise ConfigError(diags)


def _error_path(e: jsonschema.ValidationError) -> YamlPath:
    """Where to point: an unknown key itself rather than the mapping that holds it."""
    path = tuple(e.absolute_path)
    if (e.validator == "additionalProperties" and isinstance(e.instance, dict)
            and isinstance(e.schema, Mapping)):
        allowed = set(e.schema.get("properties", {}))
        extra = [k for k in e.instance if k not in allowed]
        if extra:
            return path + (extra[0],)
    return path


def _message(e: jsonschema.ValidationError) -> str:
    """A shorter message than jsonschema's for the common cases."""
    if e.validator == "additionalProperties":
        return e.message.replace("Additional properties are not allowed", "unknown key(s)")
    if e.validator == "enum":
        choices = cast("list[Any]", e.validator_value)     # an enum's value is its list
        return f"{e.instance!r} is not one of {', '.join(map(repr, choices))}"
    if e.validator in ("oneOf", "anyOf") and e.context:
        best = jsonschema.exceptions.best_match(e.context)
        return str(best.message)
    return e.message
