"""A spec written as YAML text, as a person writes one: one flow-style row per layer, blocks before the layers.

What `archcalc import` writes (archcalc.torch_backend.tracing finds the rows, archcalc.outputs.blockfold folds
repeated ones into blocks). The text is read back by archcalc.specfile like any hand-written spec.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

INPUT = "input"  # a row's input that is the network's (or, inside a block, the block's) input


@dataclass(frozen=True)
class Row:
    """One spec row: a layer of a kind, or a use of a block (`kind` is then the block's name)."""

    name: str
    kind: str
    keys: dict[str, Any]  # the keys written beside name and type, in order (defaults left out)
    inputs: tuple[str, ...]  # the rows it reads, by name; INPUT for the network's (block's) input
    source: str = ""  # what it was made from (the module's class, the function), for comments


@dataclass(frozen=True)
class Block:
    name: str
    args: tuple[str, ...]
    rows: tuple[Row, ...]
    source: str = ""  # the module class its uses are instances of


@dataclass(frozen=True)
class SpecText:
    name: str
    description: str
    input: tuple[int, ...]
    rows: tuple[Row, ...]
    blocks: tuple[Block, ...] = ()
    header: tuple[str, ...] = field(default=())  # comment lines at the top


_PLAIN = re.compile(r"[A-Za-z_][\w.\-]*")
_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none", "y", "n"})


def scalar(value: Any) -> str:
    """One YAML value as the reader parses it back: 1.0e-05 (PyYAML reads 1e-05 as text), quoted names that would
    read as numbers or booleans, [h, w] lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{value:.1f}"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if exponent else text
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if text.startswith("$") and _PLAIN.fullmatch(text[1:]):
        return text
    return text if _PLAIN.fullmatch(text) and text.lower() not in _WORDS else json.dumps(text)


def row_text(row: Row, previous: str | None) -> str:
    """`{name: conv1, type: conv, filters: 64, kernel: 7}`; `inputs` only where it is not the row before."""
    parts = [f"name: {scalar(row.name)}", f"type: {row.kind}"]
    parts += [f"{k}: {scalar(v)}" for k, v in row.keys.items()]
    if row.inputs != ((previous,) if previous is not None else (INPUT,)):
        parts.append(f"inputs: {scalar(row.inputs[0]) if len(row.inputs) == 1 else scalar(list(row.inputs))}")
    return "{" + ", ".join(parts) + "}"


def rows_text(rows: Sequence[Row], indent: str) -> list[str]:
    lines, previous = [], None
    for row in rows:
        comment = f"  # {row.source}" if row.source else ""
        lines.append(f"{indent}- {row_text(row, previous)}{comment}")
        previous = row.name
    return lines


def spec_text(spec: SpecText) -> str:
    lines = [f"# {line}" if line else "#" for line in spec.header]
    lines += [f"name: {scalar(spec.name)}", f"description: {scalar(spec.description)}", f"input: {scalar(list(spec.input))}", ""]
    if spec.blocks:
        lines.append("blocks:")
        for block in spec.blocks:
            comment = f"  # {block.source}" if block.source else ""
            lines.append(f"  {block.name}:{comment}")
            if block.args:
                lines.append("    args: {" + ", ".join(f"{a}: null" for a in block.args) + "}")
            lines.append("    layers:")
            lines += rows_text(block.rows, "      ")
        lines.append("")
    lines.append("layers:")
    lines += rows_text(spec.rows, "  ")
    return "\n".join(lines) + "\n"
