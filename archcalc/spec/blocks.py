"""Reusable blocks: define a group of layers once, use it as a layer type with arguments.

    blocks:
      basic:                                  # a ResNet basic block
        args: {filters: null, stride: 1}      # null: the argument is required
        layers:
          - {name: conv1, type: conv, filters: $filters, kernel: 3, stride: $stride, padding: 1}
          - {name: conv2, type: conv, filters: $filters, kernel: 3, padding: 1}
          - {name: sum, type: add, inputs: [conv2, input]}    # 'input': what the block reads
    layers:
      - {name: layer2.0, type: basic, filters: 128, stride: 2}

An instance's layers are named after it (`layer2.0.conv1`); its own name stands for its last
layer, so `inputs: [layer2.0]` reads the block's output. `$name` is an argument; `$filters * 4`
is simple integer arithmetic on arguments (+ − * //). Blocks may use other blocks.

This works on the raw YAML rows, before the layers are parsed: what comes out is ordinary rows
whose names are full and whose inputs are explicit, each remembering its block for messages.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from archcalc.errors import SpecError
from archcalc.yamlmap import Map, remap

INSTANCE_KEYS = ("name", "type", "inputs", "split", "gpu", "output")
MAX_DEPTH = 16


@dataclass(frozen=True)
class Block:
    name: str
    args: dict[str, Any]  # name -> default (None: required)
    rows: tuple[Map, ...]
    line: int


def read_blocks(raw: Any, label: str, builtin: Container[str], line: int | None = None) -> dict[str, Block]:
    """The blocks of the spec file `label`, whose 'blocks' key is on `line`."""
    if raw is None:
        return {}
    if not isinstance(raw, Map):
        raise SpecError(label if line is None else f"{label}:{line}", "'blocks' must map block names to {args, layers}")
    blocks = {}
    for name, body in raw.items():
        where = f"{label}:{raw.key_lines.get(str(name), raw.line)}: block '{name}'"
        if not str(name).isprintable():
            raise SpecError(f"{label}:{raw.key_lines.get(str(name), raw.line)}", f"the block name {name!r:.60} holds a control character")
        if name in builtin or name == "input":
            raise SpecError(where, f"'{name}' is a built-in layer type; give the block another name")
        if not isinstance(body, Map) or set(body) - {"args", "layers"} or "layers" not in body:
            raise SpecError(where, "a block is {args: {name: default, ...}, layers: [...]}")
        args = body.get("args") or Map()
        rows = body["layers"]
        if not isinstance(args, Map):
            raise SpecError(where, "'args' must map argument names to defaults (null: required)")
        if not isinstance(rows, list) or not rows or not all(isinstance(r, Map) for r in rows):
            raise SpecError(where, "'layers' must be a non-empty list of layers")
        blocks[str(name)] = Block(str(name), dict(args), tuple(rows), raw.key_lines.get(str(name), raw.line))
    return blocks


class Expander:
    """Turns rows that use blocks into plain rows, and instance names into their last layer."""

    def __init__(self, blocks: dict[str, Block], label: str) -> None:
        self.blocks = blocks
        self.label = label
        self.aliases: dict[str, str] = {}
        self.instances: dict[str, int] = {}  # block instance -> the line it is used on

    def expand(self, rows: list[Any]) -> list[Any]:
        out: list[Any] = []
        for row in rows:
            if isinstance(row, Map) and isinstance(row.get("type"), str) and row["type"] in self.blocks:
                prev = out[-1].get("name") if out else "input"
                reads = row.get("inputs", [prev])
                out.extend(self.instance(row, reads if isinstance(reads, list) else [reads], "", 0))
            else:
                out.append(row)
        return [self.resolve(r) for r in out]

    def resolve(self, row: Any) -> Any:
        if not isinstance(row, Map) or "inputs" not in row or not isinstance(row["inputs"], list):
            return row
        return remap(row, {**row, "inputs": [self.aliases.get(i, i) if isinstance(i, str) else i for i in row["inputs"]]})

    def instance(self, row: Map, reads: list[Any], prefix: str, depth: int) -> list[Map]:
        block = self.blocks[row["type"]]
        name = f"{prefix}{row.get('name')}"
        where = f"{self.label}:{row.line}: layer '{name}'"
        if not isinstance(row.get("name"), str) or not row["name"]:
            raise SpecError(f"{self.label}:{row.line}", f"a use of block '{block.name}' needs a 'name'")
        if row["name"] == "input":
            raise SpecError(f"{self.label}:{row.line}", f"a use of block '{block.name}' cannot be named 'input'",
                            "'input' is the network's input (in a block: what the block reads); give it another name")
        if name in self.instances:
            raise SpecError(where, "duplicate name: another use of a block has it", f"first used at {self.label}:{self.instances[name]}")
        self.instances[name] = row.line
        if depth > MAX_DEPTH:
            raise SpecError(where, f"blocks nest more than {MAX_DEPTH} deep", "does a block use itself?")
        args = dict(block.args)
        for key, value in row.items():
            if key in INSTANCE_KEYS:
                continue
            if key not in block.args:
                near = difflib.get_close_matches(str(key), list(block.args), n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"block '{block.name}' takes: {', '.join(block.args) or 'no arguments'}"
                raise SpecError(f"{self.label}:{row.key_lines.get(str(key), row.line)}: layer '{name}'", f"unknown argument {str(key)!r:.60} for block '{block.name}'", hint)
            args[key] = value
        missing = [k for k, v in args.items() if v is None]
        if missing:
            raise SpecError(where, f"block '{block.name}' needs the argument '{missing[0]}'")
        local = [r.get("name") for r in block.rows]
        out: list[Map] = []
        prev: list[Any] = reads
        note = f" (in block '{block.name}' used at line {row.line})"
        for inner in block.rows:
            inner_name = inner.get("name")
            if not isinstance(inner_name, str) or not inner_name:
                raise SpecError(f"{self.label}:{inner.line}", f"every layer of block '{block.name}' needs a 'name'")
            if inner_name == "input":
                raise SpecError(f"{self.label}:{inner.line}", f"a layer of block '{block.name}' cannot be named 'input'",
                                "in a block, 'input' means what the block reads; give the layer another name")
            given = inner.get("inputs")
            if given is None:
                inputs = prev
            else:
                given = given if isinstance(given, list) else [given]
                inputs = []
                for i in given:
                    if i == "input":
                        inputs.extend(reads)
                    elif i in local:
                        inputs.append(f"{name}.{i}")
                    else:
                        near = difflib.get_close_matches(str(i), [str(n) for n in local] + ["input"], n=1)
                        raise SpecError(f"{self.label}:{inner.line}: layer '{name}.{inner_name}'{note}",
                                        f"'inputs' names '{i}', which is no layer of block '{block.name}'",
                                        f"did you mean '{near[0]}'?" if near else "name a layer of the block, or 'input'")
            items = {k: substitute(v, args, f"{self.label}:{inner.key_lines.get(str(k), inner.line)}: layer '{name}.{inner_name}'{note}")
                     for k, v in inner.items() if k not in ("name", "inputs")}
            for key in ("split", "gpu"):
                if key in row and key not in items:
                    items[key] = row[key]
            full = remap(inner, {"name": f"{name}.{inner_name}", **items, "inputs": list(inputs)})
            full.note = note + getattr(inner, "note", "")
            if isinstance(full.get("type"), str) and full["type"] in self.blocks:
                out.extend(self.instance(remap(full, {**full, "name": inner_name}), list(inputs), f"{name}.", depth + 1))
            else:
                out.append(full)
            prev = [out[-1]["name"]]
        if "output" in row:  # `output: true` on a use of a block marks its last layer
            out[-1] = remap(out[-1], {**out[-1], "output": row["output"]})
        self.aliases[name] = out[-1]["name"]
        return out


def substitute(value: Any, args: dict[str, Any], where: str) -> Any:
    """'$filters' -> the argument; '$filters * 4' -> integer arithmetic; lists element by element."""
    if isinstance(value, list):
        return [substitute(v, args, where) for v in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    text = value.strip()
    if text.startswith("$") and text[1:].isidentifier():
        if text[1:] not in args:
            raise SpecError(where, f"'{text}' names no argument of the block", f"arguments: {', '.join(args) or 'none'}")
        return args[text[1:]]
    try:
        return Arithmetic(text, args).value()
    except ValueError as exc:
        raise SpecError(where, f"cannot work out '{value}': {exc}", "use $name, or whole-number arithmetic with + - * // and ( )") from None


_TOKEN = re.compile(r"\s*(?:(\d+)|\$?([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*()]))")


class Arithmetic:
    """The $ arithmetic of block arguments, archcalc's own small language (never Python's parser):

        expression := term (('+' | '-') term)*        term := factor (('*' | '//') factor)*
        factor := '-' factor | '(' expression ')' | whole number | $name

    Names are the block's arguments, which must be whole numbers; `//` divides and rounds down."""

    MAX_DIGITS = 30  # a value past 10^30 is no layer's size: refuse it rather than compute it

    def __init__(self, text: str, args: dict[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos, text = 0, text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ValueError(f"'{text[pos:].strip()[:1]}' is not part of the arithmetic")
            number, name, op = m.groups()
            self.tokens.append(("number", number) if number else ("name", name) if name else ("op", op))
            pos = m.end()
        self.args, self.at = args, 0

    def value(self) -> int:
        result = self.expression()
        if self.at < len(self.tokens):
            raise ValueError(f"'{self.tokens[self.at][1]}' does not belong there")
        return result

    def next(self, *ops: str) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "op" and self.tokens[self.at][1] in ops:
            self.at += 1
            return self.tokens[self.at - 1][1]
        return None

    def expression(self) -> int:
        result = self.term()
        while (op := self.next("+", "-")) is not None:
            result = self.bounded(result + self.term() if op == "+" else result - self.term())
        return result

    def term(self) -> int:
        result = self.factor()
        while (op := self.next("*", "//")) is not None:
            right = self.factor()
            if op == "//" and right == 0:
                raise ValueError("division by zero")
            result = self.bounded(result * right if op == "*" else result // right)
        return result

    def factor(self) -> int:
        if self.next("-"):
            return -self.factor()
        if self.next("("):
            result = self.expression()
            if not self.next(")"):
                raise ValueError("a '(' is not closed")
            return result
        if self.at >= len(self.tokens):
            raise ValueError("it ends where a number or a $name should come")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "number":
            return self.bounded(int(text[: self.MAX_DIGITS + 1]))
        if kind == "name":
            if text not in self.args:
                raise ValueError(f"'{text}' names no argument of the block")
            value = self.args[text]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"'{text}' is {value!r:.40}, not a whole number")
            return self.bounded(value)
        raise ValueError(f"'{text}' where a number or a $name should come")

    def bounded(self, value: int) -> int:
        if abs(value) >= 10**self.MAX_DIGITS:
            raise ValueError(f"a value past 10^{self.MAX_DIGITS}")
        return value
