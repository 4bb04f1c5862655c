# SPDX-License-Identifier: Apache-2.0
"""The `affects` expression language: a tokenizer, a recursive-descent parser, a type checker
and an evaluator that explains its answer. Nothing here calls `eval`, `exec`, `getattr` on
user-named attributes or imports anything by name: an expression can only read the fact
dictionary it is given (see facts.py) and compare values.

Grammar (xsa/README.md has the user's version):

    expr        = quantified | or_expr
    quantified  = ("any" | "all") NAME ["in" path] ":" expr
    or_expr     = and_expr { "or" and_expr }
    and_expr    = not_expr { "and" not_expr }
    not_expr    = "not" not_expr | quantified | comparison
    comparison  = operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") operand ]
    operand     = STRING | INT | "true" | "false" | path | list | "(" expr ")"
    list        = "[" [ operand { "," operand } [","] ] "]"
    path        = NAME { "." NAME }

`any partition: body` is short for `any partition in partitions: body`. A quantifier's body
extends as far to the right as possible; parenthesise it to stop earlier.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

MAX_LENGTH = 4096        # characters in one expression
MAX_DEPTH = 64           # nesting of parentheses, lists, not and quantifiers

KEYWORDS = frozenset({"and", "or", "not", "in", "any", "all", "true", "false"})
COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")


class ExprError(Exception):
    """A syntax or type error in an expression, with the 1-based column it was found at."""

    def __init__(self, message: str, source: str, col: int):
        self.message = message
        self.source = source
        self.col = col
        super().__init__(f"column {col}: {message}")

    def render(self) -> str:
        """The message, the expression and a caret under the column."""
        return f"column {self.col}: {self.message}\n  {self.source}\n  {' ' * (self.col - 1)}^"


# ---------------------------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    kind: str            # STRING INT NAME KEYWORD OP PUNCT END
    value: Any
    start: int           # 0-based offsets into the source
    end: int


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", source[:40] + "...", 1)
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in " \t\r\n":
            i += 1
        elif c in "\"'":
            i = _string(source, i, tokens)
        elif c.isdigit():
            i = _number(source, i, tokens)
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and source[j].isascii() and (source[j].isalnum() or source[j] == "_"):
                j += 1
            word = source[i:j]
            tokens.append(Token("KEYWORD" if word in KEYWORDS else "NAME", word, i, j))
            i = j
        elif source.startswith(("==", "!=", "<=", ">="), i):
            tokens.append(Token("OP", source[i:i + 2], i, i + 2))
            i += 2
        elif c in "<>":
            tokens.append(Token("OP", c, i, i + 1))
            i += 1
        elif c in "()[],:.":
            tokens.append(Token("PUNCT", c, i, i + 1))
            i += 1
        elif c == "=":
            raise ExprError("'=' is not an operator; compare with '=='", source, i + 1)
        elif c == "_":
            raise ExprError("names start with a letter", source, i + 1)
        else:
            raise ExprError(f"unexpected character {c!r}", source, i + 1)
    tokens.append(Token("END", None, n, n))
    return tokens


_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


def _string(source: str, i: int, tokens: list[Token]) -> int:
    quote, j = source[i], i + 1
    out: list[str] = []
    while j < len(source):
        c = source[j]
        if c == quote:
            tokens.append(Token("STRING", "".join(out), i, j + 1))
            return j + 1
        if c == "\\":
            if j + 1 >= len(source) or source[j + 1] not in _ESCAPES:
                raise ExprError("unknown escape in string (use \\\\, \\\", \\', \\n or \\t)",
                                source, j + 1)
            out.append(_ESCAPES[source[j + 1]])
            j += 2
        else:
            out.append(c)
            j += 1
    raise ExprError("unterminated string", source, i + 1)


def _number(source: str, i: int, tokens: list[Token]) -> int:
    j = i
    if source.startswith(("0x", "0X"), i):
        j = i + 2
        while j < len(source) and source[j] in "0123456789abcdefABCDEF_":
            j += 1
        text, base = source[i + 2:j], 16
    else:
        while j < len(source) and (source[j].isdigit() or source[j] == "_"):
            j += 1
        text, base = source[i:j], 10
    if j < len(source) and (source[j].isalnum() or source[j] == "_"):
        raise ExprError("malformed number", source, i + 1)
    try:
        value = int(text, base) if text and not text.endswith("_") else None
    except ValueError:
        value = None
    if value is None:
        raise ExprError("malformed number", source, i + 1)
    tokens.append(Token("INT", value, i, j))
    return j


# ---------------------------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Literal:
    value: str | int | bool
    start: int
    end: int


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]
    start: int
    end: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class ListLit:
    items: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class BoolOp:
    op: str              # "and" | "or"
    operands: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Compare:
    op: str              # one of COMPARE_OPS, "in", "not in"
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True)
class Quant:
    kind: str            # "any" | "all"
    var: str
    collection: Path
    body: Node
    start: int
    end: int


Node = Literal | Path | ListLit | Not | BoolOp | Compare | Quant


@dataclass(frozen=True)
class Expr:
    """A parsed expression together with its source text (for messages)."""

    source: str
    root: Node

    def text(self, node: Node) -> str:
        return self.source[node.start:node.end]


def parse(source: str) -> Expr:
    """Parse an expression; raise ExprError (with a column) on bad syntax."""
    parser = _Parser(source, tokenize(source))
    root = parser.expr()
    parser.expect_end()
    return Expr(source, root)


class _Parser:
    """Recursive descent over a token list; its only state is the cursor and the depth."""

    def __init__(self, source: str, tokens: list[Token]):
        self.source = source
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, kind: str, value: Any = None, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok.kind == kind and (value is None or tok.value == value)

    def fail(self, message: str, tok: Token | None = None) -> ExprError:
        tok = tok or self.peek()
        return ExprError(message, self.source, tok.start + 1)

    def describe(self, tok: Token) -> str:
        return "end of expression" if tok.kind == "END" else repr(self.source[tok.start:tok.end])

    def expect(self, kind: str, value: str, what: str) -> Token:
        if not self.at(kind, value):
            raise self.fail(f"expected {what}, found {self.describe(self.peek())}")
        return self.take()

    def expect_end(self) -> None:
        if not self.at("END"):
            tok = self.peek()
            hint = " (function calls are not part of the language)" if self.at("PUNCT", "(") else ""
            raise self.fail(f"unexpected {self.describe(tok)}{hint}", tok)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested deeper than {MAX_DEPTH} levels")

    # grammar
    def expr(self) -> Node:
        if self.at("KEYWORD", "any") or self.at("KEYWORD", "all"):
            return self.quantified()
        return self.or_expr()

    def quantified(self) -> Node:
        self.nest()
        kw = self.take()
        if not self.at("NAME"):
            raise self.fail(f"expected a variable name after '{kw.value}', "
                            f"found {self.describe(self.peek())}")
        var = self.take()
        if self.at("KEYWORD", "in"):
            self.take()
            collection = self.path()
        else:
            # `any partition:` ranges over the top-level list `partitions`
            collection = Path((var.value + "s",), var.start, var.end)
        self.expect("PUNCT", ":", f"':' after 'any/all {var.value}'")
        body = self.expr()
        self.depth -= 1
        return Quant(kw.value, var.value, collection, body, kw.start, body.end)

    def or_expr(self) -> Node:
        first = self.and_expr()
        operands = [first]
        while self.at("KEYWORD", "or"):
            self.take()
            operands.append(self.and_expr())
        if len(operands) == 1:
            return first
        return BoolOp("or", tuple(operands), first.start, operands[-1].end)

    def and_expr(self) -> Node:
        first = self.not_expr()
        operands = [first]
        while self.at("KEYWORD", "and"):
            self.take()
            operands.append(self.not_expr())
        if len(operands) == 1:
            return first
        return BoolOp("and", tuple(operands), first.start, operands[-1].end)

    def not_expr(self) -> Node:
        if self.at("KEYWORD", "not") and not self.at("KEYWORD", "in", 1):
            self.nest()
            tok = self.take()
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, tok.start, operand.end)
        if self.at("KEYWORD", "any") or self.at("KEYWORD", "all"):
            return self.quantified()
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "OP":
            op = self.take().value
        elif self.at("KEYWORD", "in"):
            self.take()
            op = "in"
        elif self.at("KEYWORD", "not") and self.at("KEYWORD", "in", 1):
            self.take()
            self.take()
            op = "not in"
        else:
            return left
        right = self.operand()
        if self.peek().kind == "OP" or self.at("KEYWORD", "in"):
            raise self.fail("comparisons do not chain; join them with 'and'")
        return Compare(op, left, right, left.start, right.end)

    def operand(self) -> Node:
        tok = self.peek()
        if tok.kind in ("STRING", "INT"):
            self.take()
            return Literal(tok.value, tok.start, tok.end)
        if tok.kind == "KEYWORD" and tok.value in ("true", "false"):
            self.take()
            return Literal(tok.value == "true", tok.start, tok.end)
        if tok.kind == "NAME":
            return self.path()
        if self.at("PUNCT", "("):
            self.nest()
            self.take()
            inner = self.expr()
            close = self.expect("PUNCT", ")", "')'")
            self.depth -= 1
            return _respan(inner, tok.start, close.end)
        if self.at("PUNCT", "["):
            return self.list_literal()
        raise self.fail(f"expected a value, a field or '(', found {self.describe(tok)}", tok)

    def list_literal(self) -> Node:
        self.nest()
        open_ = self.take()
        items: list[Node] = []
        while not self.at("PUNCT", "]"):
            items.append(self.operand())
            if self.at("PUNCT", ","):
                self.take()
            elif not self.at("PUNCT", "]"):
                raise self.fail(f"expected ',' or ']', found {self.describe(self.peek())}")
        close = self.take()
        self.depth -= 1
        return ListLit(tuple(items), open_.start, close.end)

    def path(self) -> Path:
        if not self.at("NAME"):
            raise self.fail(f"expected a field name, found {self.describe(self.peek())}")
        first = self.take()
        parts, end = [first.value], first.end
        while self.at("PUNCT", "."):
            self.take()
            if not self.at("NAME"):
                found = self.describe(self.peek())
                raise self.fail(f"expected a field name after '.', found {found}")
            tok = self.take()
            parts.append(tok.value)
            end = tok.end
        return Path(tuple(parts), first.start, end)


def _respan(node: Node, start: int, end: int) -> Node:
    """A parenthesised node spans its parentheses (so that messages quote them)."""
    return replace(node, start=start, end=end)


# ---------------------------------------------------------------------------------- types
#
# A fact schema (facts.FACT_SCHEMA) describes the fact dictionary: "bool", "int" and "str" are
# scalars, a one-element list [T] is a list of T, and a dict is a record with those fields.

Type = Any
ANY = "any"              # the element type of an empty list literal


def _tname(t: Type) -> str:
    if isinstance(t, list):
        return f"list of {_tname(t[0])}"
    if isinstance(t, dict):
        return "record"
    return "empty list element" if t == ANY else t


def check_types(expr: Expr, schema: Mapping[str, Type]) -> None:
    """Check that every field exists and every operator gets operands it accepts, so that a
    broken advisory is found when it is loaded, not when some configuration reaches it."""
    t = _typeof(expr, expr.root, dict(schema), {})
    if t != "bool":
        raise ExprError(f"the expression must be true or false, not a {_tname(t)}",
                        expr.source, expr.root.start + 1)


def _typeof(expr: Expr, node: Node, schema: dict, env: dict) -> Type:
    def err(msg: str, at: Node) -> ExprError:
        return ExprError(msg, expr.source, at.start + 1)

    if isinstance(node, Literal):
        if isinstance(node.value, bool):
            return "bool"
        return "int" if isinstance(node.value, int) else "str"
    if isinstance(node, Path):
        return _path_type(expr, node, schema, env)
    if isinstance(node, ListLit):
        types = {_scalar(expr, i, _typeof(expr, i, schema, env)) for i in node.items}
        if len(types) > 1:
            raise err("a list literal must hold values of one type", node)
        return [types.pop() if types else ANY]
    if isinstance(node, Not):
        _want_bool(expr, node.operand, _typeof(expr, node.operand, schema, env), "not")
        return "bool"
    if isinstance(node, BoolOp):
        for o in node.operands:
            _want_bool(expr, o, _typeof(expr, o, schema, env), node.op)
        return "bool"
    if isinstance(node, Compare):
        lt = _typeof(expr, node.left, schema, env)
        rt = _typeof(expr, node.right, schema, env)
        if node.op in ("in", "not in"):
            if rt == "str":
                if lt != "str":
                    raise err(f"'{node.op}' a string needs a string on the left, "
                              f"not a {_tname(lt)}", node.left)
            elif isinstance(rt, list):
                if isinstance(rt[0], (dict, list)):
                    raise err(f"the right side of '{node.op}' must be a list of numbers, strings "
                              f"or booleans, not a {_tname(rt)}", node.right)
                _scalar(expr, node.left, lt)
                if rt[0] != ANY and lt != rt[0]:
                    raise err(f"'{node.op}' a {_tname(rt)} needs a {_tname(rt[0])} on the left, "
                              f"not a {_tname(lt)}", node.left)
            else:
                raise err(f"the right side of '{node.op}' must be a list or a string, "
                          f"not a {_tname(rt)}", node.right)
        elif node.op in ("==", "!="):
            _scalar(expr, node.left, lt)
            _scalar(expr, node.right, rt)
            if lt != rt:
                raise err(f"cannot compare a {_tname(lt)} with a {_tname(rt)}", node)
        else:
            for side, t in ((node.left, lt), (node.right, rt)):
                if t != "int":
                    raise err(f"'{node.op}' compares numbers, not a {_tname(t)}", side)
        return "bool"
    if isinstance(node, Quant):
        ct = _path_type(expr, node.collection, schema, env)
        if not isinstance(ct, list):
            raise err(f"'{node.kind}' ranges over a list; {node.collection.text} is a {_tname(ct)}",
                      node.collection)
        if node.var in env or node.var in schema:
            raise err(f"the name '{node.var}' is already in use; pick another", node)
        inner = dict(env)
        inner[node.var] = ct[0]
        _want_bool(expr, node.body, _typeof(expr, node.body, schema, inner), node.kind)
        return "bool"
    raise AssertionError(node)


def _path_type(expr: Expr, node: Path, schema: dict, env: dict) -> Type:
    head = node.parts[0]
    if head in env:
        t = env[head]
    elif head in schema:
        t = schema[head]
    else:
        known = sorted(set(schema) | set(env))
        raise ExprError(f"unknown fact '{head}' (known: {', '.join(known)})", expr.source,
                        node.start + 1)
    for k, part in enumerate(node.parts[1:], 1):
        if not isinstance(t, dict) or part not in t:
            where = ".".join(node.parts[:k])
            fields = f" (fields: {', '.join(sorted(t))})" if isinstance(t, dict) else ""
            raise ExprError(f"'{where}' has no field '{part}'{fields}", expr.source, node.start + 1)
        t = t[part]
    return t


def _scalar(expr: Expr, node: Node, t: Type) -> Type:
    if isinstance(t, (list, dict)):
        raise ExprError(f"expected a number, string or boolean, not a {_tname(t)}",
                        expr.source, node.start + 1)
    return t


def _want_bool(expr: Expr, node: Node, t: Type, op: str) -> None:
    if t != "bool":
        raise ExprError(f"'{op}' needs true or false, not a {_tname(t)}", expr.source,
                        node.start + 1)


# ---------------------------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Outcome:
    value: bool
    why: str             # which facts decided the value, in words


def evaluate(expr: Expr, facts: Mapping[str, Any]) -> Outcome:
    """Evaluate a (type-checked) expression over a fact dictionary and explain the result."""
    return _Evaluator(expr, facts).boolean(expr.root, {})


def _show(value: Any) -> str:
    return json.dumps(value)


class _Evaluator:
    def __init__(self, expr: Expr, facts: Mapping[str, Any]):
        self.expr = expr
        self.facts = facts

    def err(self, msg: str, node: Node) -> ExprError:
        return ExprError(msg, self.expr.source, node.start + 1)

    def value(self, node: Node, env: dict) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, ListLit):
            return [self.value(i, env) for i in node.items]
        if isinstance(node, Path):
            return self.lookup(node, env)
        return self.boolean(node, env).value

    def lookup(self, node: Path, env: dict) -> Any:
        head = node.parts[0]
        if head in env:
            v = env[head]
        elif head in self.facts:
            v = self.facts[head]
        else:
            raise self.err(f"unknown fact '{head}'", node)
        for part in node.parts[1:]:
            if not isinstance(v, Mapping) or part not in v:
                raise self.err(f"no field '{part}' in {node.text}", node)
            v = v[part]
        return v

    def text(self, node: Node) -> str:
        return self.expr.text(node)

    def fields(self, node: Node, env: dict) -> list[str]:
        """'path = value' for every field a node reads (for explanations)."""
        if isinstance(node, Path):
            return [f"{node.text} = {_show(self.lookup(node, env))}"]
        if isinstance(node, ListLit):
            return [f for i in node.items for f in self.fields(i, env)]
        return []

    def boolean(self, node: Node, env: dict) -> Outcome:
        if isinstance(node, Literal):
            if not isinstance(node.value, bool):
                raise self.err("expected true or false", node)
            return Outcome(node.value, f"`{self.text(node)}` is always {str(node.value).lower()}")
        if isinstance(node, Path):
            v = self.lookup(node, env)
            if not isinstance(v, bool):
                raise self.err(f"{node.text} is not true or false", node)
            return Outcome(v, f"{node.text} is {str(v).lower()}")
        if isinstance(node, Not):
            inner = self.boolean(node.operand, env)
            return Outcome(not inner.value, inner.why)
        if isinstance(node, BoolOp):
            return self.boolop(node, env)
        if isinstance(node, Compare):
            return self.compare(node, env)
        if isinstance(node, Quant):
            return self.quant(node, env)
        raise self.err("expected true or false", node)

    def boolop(self, node: BoolOp, env: dict) -> Outcome:
        decisive = node.op == "or"      # `or` is decided by a true operand, `and` by a false one
        whys = []
        for o in node.operands:
            out = self.boolean(o, env)
            if out.value == decisive:
                return Outcome(decisive, out.why)
            whys.append(out.why)
        return Outcome(not decisive, "; ".join(whys))

    def compare(self, node: Compare, env: dict) -> Outcome:
        left, right = self.value(node.left, env), self.value(node.right, env)
        op = node.op
        if op in ("in", "not in"):
            if not isinstance(right, (list, str)) or (isinstance(right, str)
                                                       and not isinstance(left, str)):
                raise self.err("the right side of 'in' must be a list or a string", node.right)
            result = (left in right) == (op == "in")
        elif op in ("==", "!="):
            result = (left == right and type(left) is type(right)) == (op == "==")
        else:
            if not (isinstance(left, int) and isinstance(right, int)) or isinstance(left, bool) \
                    or isinstance(right, bool):
                raise self.err(f"'{op}' compares numbers", node)
            result = {"<": left < right, "<=": left <= right,
                      ">": left > right, ">=": left >= right}[op]
        shown = self.fields(node.left, env) + self.fields(node.right, env)
        why = f"`{self.text(node)}` is {str(result).lower()}"
        if shown:
            why += f" ({', '.join(shown)})"
        return Outcome(result, why)

    def quant(self, node: Quant, env: dict) -> Outcome:
        items = self.lookup(node.collection, env)
        if not isinstance(items, list):
            raise self.err(f"{node.collection.text} is not a list", node.collection)
        coll, body = node.collection.text, self.text(node.body)
        if not items:
            return Outcome(node.kind == "all", f"{coll} is empty")
        decisive = node.kind == "any"       # `any` is decided by a true body, `all` by a false one
        whys = []
        for item in items:
            inner = dict(env)
            inner[node.var] = item
            out = self.boolean(node.body, inner)
            label = self.label(node.var, item)
            if out.value == decisive:
                return Outcome(decisive, f"for {label}: {out.why}")
            whys.append(f"{label}: {out.why}")
        if node.kind == "any":
            return Outcome(False, f"no {node.var} in {coll} satisfies `{body}` ({'; '.join(whys)})")
        return Outcome(True, f"every {node.var} in {coll} ({len(items)}) satisfies `{body}`")

    @staticmethod
    def label(var: str, item: Any) -> str:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            return f"{var} {_show(item['name'])}"
        return f"{var} = {_show(item)}"


def compile_expr(source: str, schema: Mapping[str, Type]) -> Expr:
    """Parse and type-check in one step."""
    expr = parse(source)
    check_types(expr, schema)
    return expr
