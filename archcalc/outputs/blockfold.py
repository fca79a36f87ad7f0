"""Repeated sub-modules folded into blocks: what makes an imported ResNet-50 a screen, not 170 rows.

An instance is a dotted prefix (`layer1.0`) whose rows come one after another, read one tensor from outside (the
block's `input`) and are read from outside only through their last row (the block's output, as a block use is).
Instances with the same rows (relative names, kinds, inputs) are uses of one block; the values that differ between
them become the block's arguments. The deepest repeated instances fold first, then the rows they left are looked at
again, so that blocks may use blocks (a stage of basic blocks), until nothing repeats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from archcalc.outputs.specyaml import INPUT, Block, Row

MIN_LAYERS = 3  # a block stands for this many layers at least (a conv and its batch norm stay two rows)
DEFAULTS = Mapping[str, Mapping[str, Any]]  # kind -> its keys' defaults (a block's kind: its arguments, none)


@dataclass(frozen=True)
class _Instance:
    prefix: str
    start: int  # its rows are rows[start:end]
    end: int
    source: str  # the one tensor it reads from outside
    body: tuple[Row, ...]  # its rows, named relative to the prefix, the outside tensor as INPUT

    @property
    def shape(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        return tuple((r.name, r.kind, r.inputs) for r in self.body)


def fold(rows: Sequence[Row], classes: Mapping[str, str], defaults: DEFAULTS, reserved: frozenset[str] = frozenset()) -> tuple[list[Row], list[Block]]:
    """`rows` with its repeated instances as uses of blocks, and the blocks (inner ones first); `classes`: each
    prefix's module class (the block's name), `defaults` the kinds' default values, `reserved` names no block may take."""
    rows, blocks = list(rows), list[Block]()
    taken = set(reserved)
    sizes: dict[str, int] = {}  # a block -> the layers a use of it stands for
    while True:
        groups = _repeated(rows, sizes)
        if not groups:
            return rows, blocks
        group = groups[0]  # one at a time: the rows' places change with each
        block = _block(group, classes, defaults, taken, blocks)
        taken.add(block.name)
        blocks.append(block)
        sizes[block.name] = _size(block.rows, sizes)
        defaults = {**defaults, block.name: {}}
        rows = _replace(rows, group, block, defaults)


def _candidates(rows: Sequence[Row]) -> list[_Instance]:
    index = {r.name: i for i, r in enumerate(rows)}
    prefixes = {".".join(r.name.split(".")[:n]) for r in rows for n in range(1, r.name.count(".") + 1)}
    found = []
    for prefix in prefixes:
        members = [i for i, r in enumerate(rows) if r.name.startswith(prefix + ".")]
        start, end = members[0], members[-1] + 1
        if len(members) < 2 or members != list(range(start, end)) or prefix in index:
            continue
        inside = {rows[i].name for i in members}
        outside = {i for m in members for i in rows[m].inputs if i not in inside}
        last = rows[end - 1].name
        read_inside = any(i in inside and i != last for r in [*rows[:start], *rows[end:]] for i in r.inputs)
        if len(outside) != 1 or read_inside:
            continue
        source = outside.pop()
        cut = len(prefix) + 1
        body = tuple(replace(rows[m], name=rows[m].name[cut:], inputs=tuple(i[cut:] if i in inside else INPUT for i in rows[m].inputs))
                     for m in members)
        found.append(_Instance(prefix, start, end, source, body))
    return found


def _size(rows: Sequence[Row], sizes: Mapping[str, int]) -> int:
    return sum(sizes.get(r.kind, 1) for r in rows)


def _repeated(rows: Sequence[Row], sizes: Mapping[str, int]) -> list[list[_Instance]]:
    """Groups of two or more instances of one shape, of MIN_LAYERS layers or more, deepest first, none overlapping another chosen."""
    by_shape: dict[tuple[Any, ...], list[_Instance]] = {}
    for inst in sorted(_candidates(rows), key=lambda i: (-i.prefix.count("."), i.start)):
        if _size(inst.body, sizes) < MIN_LAYERS:
            continue
        by_shape.setdefault(inst.shape, []).append(inst)
    chosen: list[list[_Instance]] = []
    used: set[int] = set()
    for group in sorted(by_shape.values(), key=lambda g: (-g[0].prefix.count("."), len(g[0].body), g[0].start)):  # the plainer first
        free = [i for i in group if not used & set(range(i.start, i.end))]
        if len(free) >= 2 and (not chosen or free[0].prefix.count(".") == chosen[0][0].prefix.count(".")):
            chosen.append(free)
            for i in free:
                used.update(range(i.start, i.end))
    return chosen


def _value(row: Row, key: str, defaults: DEFAULTS) -> Any:
    return row.keys.get(key, defaults.get(row.kind, {}).get(key))


def _block(group: Sequence[_Instance], classes: Mapping[str, str], defaults: DEFAULTS, taken: set[str], made: Sequence[Block]) -> Block:
    """The block of a group: the first instance's rows, with the values that differ as $arguments."""
    first = group[0]
    args: dict[tuple[Any, ...], str] = {}  # the values across instances -> the argument's name
    rows = []
    for n, row in enumerate(first.body):
        keys = dict.fromkeys([*row.keys, *(k for inst in group for k in inst.body[n].keys)])
        values: dict[str, Any] = {}
        for key in keys:
            across = tuple(_value(inst.body[n], key, defaults) for inst in group)
            if len(set(map(repr, across))) == 1:
                if key in row.keys:
                    values[key] = row.keys[key]
                continue
            if across not in args:
                args[across] = _fresh(key, row.name, set(args.values()))
            values[key] = f"${args[across]}"
        rows.append(replace(row, keys=values))
    name = _name(first.prefix, classes, taken, [r.name for r in rows], made)
    return Block(name, tuple(args.values()), tuple(rows), classes.get(first.prefix, ""))


def _fresh(key: str, row: str, names: set[str]) -> str:
    if key not in names:
        return key
    part = re.sub(r"[^A-Za-z0-9_]", "_", row)
    base = f"{part}_{key}" if part[:1].isalpha() else f"{key}_{part}"  # an argument is a name: a letter first
    name, n = base, 2
    while name in names:
        name, n = f"{base}_{n}", n + 1
    return name


def _name(prefix: str, classes: Mapping[str, str], taken: set[str], rows: Sequence[str], made: Sequence[Block]) -> str:
    """'BasicBlock' -> basic_block; a Sequential or ModuleList by its own name without digits (layer1 -> layer); a second
    block of one class by what it has that the first lacks (basic_block_downsample)."""
    cls = classes.get(prefix, "")
    if cls in ("", "Sequential", "ModuleList", "ModuleDict"):
        parts = [re.sub(r"[\d_]+$", "", p) for p in prefix.split(".")]
        cls = next((p for p in reversed(parts) if p), "block")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).lower()
    base = re.sub(r"\W+", "_", snake).strip("_") or "block"
    if base in taken and "." in prefix and all(b.name != base for b in made):  # a Sequential named `conv`, as a kind: by its owner too
        base = f"{_name(prefix.rsplit('.', 1)[0], classes, set(), [], [])}_{base}"
    same = next((b for b in made if b.name == base), None)
    extra = [r.split(".")[0] for r in rows if same is not None and r not in {s.name for s in same.rows}]
    if extra and re.fullmatch(r"[A-Za-z]\w*", extra[0]):
        base = f"{base}_{extra[0]}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _replace(rows: Sequence[Row], group: Sequence[_Instance], block: Block, defaults: DEFAULTS) -> list[Row]:
    """Each instance's rows as one use of the block, and every row that read its last row reading the use."""
    renamed: dict[str, str] = {}
    out: list[Row] = []
    starts = {i.start: i for i in group}
    skip: set[int] = set()
    for inst in group:
        renamed[rows[inst.end - 1].name] = inst.prefix
        skip.update(range(inst.start + 1, inst.end))
    for n, row in enumerate(rows):
        if n in skip:
            continue
        if n in starts:
            inst = starts[n]
            values = {a: _arg_value(inst, block, a, defaults) for a in block.args}
            out.append(Row(inst.prefix, block.name, values, (inst.source,)))
        else:
            out.append(row)
    return [replace(r, inputs=tuple(renamed.get(i, i) for i in r.inputs)) for r in out]


def _arg_value(inst: _Instance, block: Block, arg: str, defaults: DEFAULTS) -> Any:
    for brow, row in zip(block.rows, inst.body):
        for key, value in brow.keys.items():
            if value == f"${arg}":
                return _value(row, key, defaults)
    raise AssertionError(f"argument {arg} of block {block.name} is used by none of its rows")
