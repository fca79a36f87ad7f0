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
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from archcalc.errors import SpecError
from archcalc.limits import MAX_LAYERS
from archcalc.specfile.arithmetic import Arithmetic, substitute
from archcalc.specfile.condition import present, refuse_outside
from archcalc.specfile.yamlbase import Map, remap
from archcalc.text import printable

INSTANCE_KEYS = ("name", "type", "inputs", "split", "gpu", "output")
MAX_DEPTH = 16


@dataclass(frozen=True)
class Block:
    name: str
    args: dict[str, Any]  # name -> default (None: required)
    rows: tuple[Map, ...]
    line: int
    label: str = ""  # the file it is defined in, where not the spec's own (include:)


def read_blocks(raw: Any, label: str, builtin: Container[str], line: int | None = None, own: bool = True) -> dict[str, Block]:
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
            raise SpecError(where, "a block is {args: {name: default, ...}, layers: [...]}", "give it 'layers:', a list of layers as the spec's own")
        args = body.get("args") or Map()
        rows = body["layers"]
        if not isinstance(args, Map):
            raise SpecError(where, "'args' must map argument names to defaults (null: required)")
        if not isinstance(rows, list) or not rows or not all(isinstance(r, Map) for r in rows):
            raise SpecError(where, "'layers' must be a non-empty list of layers")
        blocks[str(name)] = Block(str(name), dict(args), tuple(rows), raw.key_lines.get(str(name), raw.line), "" if own else label)
    return blocks


@dataclass(frozen=True)
class Instance:
    """One use of a block: its full name, its block, how deep it is nested (0: used in the spec's
    own layers) and its layers' full names in the block's order (the last is its output)."""

    name: str
    block: str
    depth: int
    layers: tuple[str, ...]


class Expander:
    """Turns rows that use blocks into plain rows, and instance names into their last layer.

    The layers are counted before a use of a block is expanded (a block's count is the sum of its
    rows', a use of another block counting that block's), so that ten blocks each using the one
    before ten times (10^9 layers from 2 KB) are refused at once, naming the chain; a type given
    by an argument ($kind) is counted as it expands."""

    def __init__(self, blocks: dict[str, Block], label: str, max_layers: int = MAX_LAYERS) -> None:
        self.blocks = blocks
        self.label = label
        self.aliases: dict[str, str] = {}
        self.instances: list[Instance] = []  # in the order their expansion ends: the nested first
        self.max_layers = max_layers
        self.counts: dict[str, int] = {}
        self.made = 0  # layers expanded so far
        self.used_at: dict[str, int] = {}  # block instance -> the line it is used on
        self.spent = [0]  # tokens of `when:` conditions worked out (archcalc.specfile.condition bounds them)

    def expand(self, rows: list[Any]) -> list[Any]:
        out: list[Any] = []
        if not self.blocks and self.made + len(rows) <= self.max_layers:  # no block to expand, no limit to reach
            self.made += len(rows)
            for row in rows:
                refuse_outside(row, self.label)
            return list(rows)  # no instance to name in inputs (resolve: aliases are made by blocks; the reader takes `inputs: x`)
        for row in rows:
            if isinstance(row, Map) and isinstance(row.get("type"), str) and row["type"] in self.blocks:
                self.check(row, self.count(row["type"]))
                prev = out[-1].get("name") if out else "input"
                reads = row.get("inputs", [prev])
                out.extend(self.instance(row, reads if isinstance(reads, list) else [reads], "", 0))
            else:
                refuse_outside(row, self.label)
                self.check(row, 1)
                out.append(row)
        return [self.resolve(r) for r in out]

    def count(self, name: str, open_: frozenset[str] = frozenset()) -> int:
        """The layers one use of block `name` expands to (a block that uses itself counts 1 there: the depth check refuses it)."""
        if name not in self.counts:
            inner = [r.get("type") for r in self.blocks[name].rows]
            self.counts[name] = sum(self.count(t, open_ | {name}) if isinstance(t, str) and t in self.blocks and t not in open_ | {name}
                                    else 1 for t in inner)
        return self.counts[name]

    def check(self, row: Any, layers: int) -> None:
        """Refuse a row whose `layers` would take the spec past the limit."""
        self.made += layers
        if self.made <= self.max_layers:
            return
        line = row.line if isinstance(row, Map) else 0
        if not isinstance(row, Map) or row.get("type") not in self.blocks:
            raise SpecError(f"{self.label}:{line}", f"the spec has more than {self.max_layers:,} layers",
                            "archcalc --max-layers N raises the limit")
        name = printable(str(row.get("name")))[:60]
        raise SpecError(f"{self.label}:{line}: layer '{name}'",
                        f"block '{row['type']}' expands to {layers:,} layers ({self.chain(row['type'])}), "
                        f"taking the spec past {self.max_layers:,} layers", "archcalc --max-layers N raises the limit")

    def chain(self, name: str) -> str:
        """'b9: 10 × b8, b8: 10 × b7, …': how a block's layers multiply, following the largest part at each level."""
        parts: list[str] = []
        seen: set[str] = set()
        while name not in seen and len(parts) < 6:
            seen.add(name)
            uses: dict[str, int] = {}
            for r in self.blocks[name].rows:
                t = r.get("type")
                if isinstance(t, str) and t in self.blocks and t not in seen:
                    uses[t] = uses.get(t, 0) + 1
            if not uses:
                break
            big = max(uses, key=lambda t: uses[t] * self.counts.get(t, 1))
            parts.append(f"{name}: {uses[big]} × {big}" + (f" + {self.counts[name] - uses[big] * self.counts[big]:,} more" if self.counts[name] != uses[big] * self.counts[big] else ""))
            name = big
        return ", ".join(parts) + (", …" if len(parts) == 6 else "") if parts else f"{name}: {self.counts.get(name, 1):,} rows"

    def resolve(self, row: Any) -> Any:  # an instance's name as its last layer; `inputs: x` as `inputs: [x]`
        if not isinstance(row, Map) or "inputs" not in row or not isinstance(given := row["inputs"], (list, str)):
            return row
        return remap(row, {**row, "inputs": [self.aliases.get(i, i) if isinstance(i, str) else i for i in ([given] if isinstance(given, str) else given)]})

    def instance(self, row: Map, reads: list[Any], prefix: str, depth: int) -> list[Map]:
        block = self.blocks[row["type"]]
        name = f"{prefix}{row.get('name')}"
        where = f"{row.file or self.label}:{row.line}: layer '{name}'"
        if not isinstance(row.get("name"), str) or not row["name"].strip():
            raise SpecError(f"{row.file or self.label}:{row.line}", f"a use of block '{block.name}' needs a 'name'" + (", not a blank one" if row.get("name") else ""))
        if row["name"] == "input":
            raise SpecError(f"{row.file or self.label}:{row.line}", f"a use of block '{block.name}' cannot be named 'input'",
                            "'input' is the network's input (in a block: what the block reads); give it another name")
        if name in self.used_at:
            raise SpecError(where, "duplicate name: another use of a block has it", f"first used at {self.label}:{self.used_at[name]}")
        self.used_at[name] = row.line
        if depth > MAX_DEPTH:
            raise SpecError(where, f"blocks nest more than {MAX_DEPTH} deep", "does a block use itself?")
        args = dict(block.args)
        for key, value in row.items():
            if key in INSTANCE_KEYS:
                continue
            if key not in block.args:
                near = difflib.get_close_matches(str(key), list(block.args), n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"block '{block.name}' takes: {', '.join(block.args) or 'no arguments'}"
                raise SpecError(f"{row.file or self.label}:{row.key_lines.get(str(key), row.line)}: layer '{name}'", f"unknown argument {str(key)!r:.60} for block '{block.name}'", hint)
            args[key] = value
        missing = [k for k, v in args.items() if v is None]
        if missing:
            raise SpecError(where, f"block '{block.name}' needs the argument '{missing[0]}'", f"give it where the block is used: {missing[0]}: ...")
        local = [r.get("name") for r in block.rows]
        absent: dict[str, list[Any]] = {}  # a layer whose `when:` fails -> what it stands for: its first input
        out: list[Map] = []
        prev: list[Any] = reads
        note, label = f" (in block '{block.name}' used at {row.file + ':' if row.file else 'line '}{row.line})", block.label or self.label
        for inner in block.rows:
            inner_name = inner.get("name")
            if not isinstance(inner_name, str) or not inner_name.strip():
                raise SpecError(f"{label}:{inner.line}", f"every layer of block '{block.name}' needs a 'name'" + (", not a blank one" if inner_name else ""))
            if inner_name == "input":
                raise SpecError(f"{label}:{inner.line}", f"a layer of block '{block.name}' cannot be named 'input'",
                                "in a block, 'input' means what the block reads; give the layer another name")
            given = inner.get("inputs")
            if given is None:
                inputs = prev
            else:
                given = given if isinstance(given, list) else [given]
                inputs, first = [], 0
                for i in given:
                    if i == "input":
                        inputs.extend(reads)
                    elif i in local:
                        inputs.extend(absent.get(i, [f"{name}.{i}"]))
                    else:
                        near = difflib.get_close_matches(str(i), [str(n) for n in local] + ["input"], n=1)
                        raise SpecError(f"{label}:{inner.line}: layer '{name}.{inner_name}'{note}",
                                        f"'inputs' names '{i}', which is no layer of block '{block.name}'",
                                        f"did you mean '{near[0]}'?" if near else "name a layer of the block, or 'input'")
                    first = first or len(inputs)
            if "when" in inner and not present(inner, args, f"{label}:{inner.key_lines.get('when', inner.line)}: layer '{name}.{inner_name}'{note}", self.spent):
                prev = absent[inner_name] = list(inputs[:first] if given is not None else inputs)
                continue
            items = {k: substitute(v, args, f"{label}:{inner.key_lines.get(str(k), inner.line)}: layer '{name}.{inner_name}'{note}")
                     for k, v in inner.items() if k not in ("name", "inputs", "when")}
            for key in ("split", "gpu"):
                if key in row and key not in items:
                    items[key] = row[key]
            full = remap(inner, {"name": f"{name}.{inner_name}", **items, "inputs": list(inputs)})
            full.note = note + getattr(inner, "note", "")
            if isinstance(full.get("type"), str) and full["type"] in self.blocks:
                if inner.get("type") != full["type"]:  # a type given by an argument: not in the count made before
                    self.check(full, self.count(full["type"]) - 1)
                out.extend(self.instance(remap(full, {**full, "name": inner_name}), list(inputs), f"{name}.", depth + 1))
            else:
                out.append(full)
            prev = [self.aliases.get(full["name"], out[-1]["name"])]  # a nested use: its output
        if not out:
            raise SpecError(where, f"no layer of block '{block.name}' is there at this use: every 'when' fails", "a block needs one layer that is always there")
        last = next((i for i, r in enumerate(out) if r["name"] == prev[0]), len(out) - 1)  # the output: an absent last layer's stand-in
        if "output" in row:  # `output: true` on a use of a block marks its last layer
            out[last] = remap(out[last], {**out[last], "output": row["output"]})
        self.aliases[name] = self.aliases.get(prev[0], prev[0])
        self.instances.append(Instance(name, block.name, depth, tuple(r["name"] for r in out)))
        return out


__all__ = ["Arithmetic", "Block", "Expander", "read_blocks", "substitute"]
