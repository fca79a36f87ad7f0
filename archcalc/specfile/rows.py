"""The fast reader of one-line layer rows (`- {name: conv1, type: conv, filters: 96, kernel: 11}`), the form
most of a spec is written in; anything it is not sure of it leaves to PyYAML (archcalc.specfile.yamlmap)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from archcalc.limits import MAX_YAML_DIGITS
from archcalc.specfile.yamlbase import INT, STR, TAGS_MAX, Loader, Map, Seq

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PIECE = re.compile(r"[^,\[]*(?:\[[^\]]*\][^,\[]*)*")  # a pair: text and whole [ ] lists, up to a comma outside them
_PLAIN = re.compile(r"(?:[A-Za-z0-9_.$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.$+\-*/ ]*")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_NOT_SIMPLE = object()
_SCALARS: dict[str, Any] = {}  # text -> value (immutable: str, int, float, bool, None, or _NOT_SIMPLE)


def _scalar(text: str) -> Any:
    """A plain scalar as PyYAML's safe loader reads it, or _NOT_SIMPLE where this is not sure."""
    known = _SCALARS.get(text, _NOT_SIMPLE)
    if known is not _NOT_SIMPLE:
        return known
    value = _read_scalar(text.strip())
    if len(_SCALARS) < TAGS_MAX:
        _SCALARS[text] = value
    return value


def _read_scalar(text: str) -> Any:
    if not _PLAIN.fullmatch(text):
        return _NOT_SIMPLE
    tag = _LOADER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == STR:
        return text
    if tag == INT and _DECIMAL.fullmatch(text) and len(text) <= MAX_YAML_DIGITS:
        return int(text)
    if tag == "tag:yaml.org,2002:float" and _FLOAT.fullmatch(text):
        return float(text)
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS[text.lower()]
    if tag == "tag:yaml.org,2002:null":
        return None
    return _NOT_SIMPLE


def row(line: str, number: int) -> Map | None:
    """`  - {key: value, key: [a, b], ...}` as a Map, or None where the line is anything else."""
    start, end = line.find("- {"), line.rfind("}")
    if end < start or line[:start].strip() or line[end + 1:].strip() or "#" in line or "\t" in line:
        return None
    body = line[start + 3:end]
    if any(c in body for c in "{}'\"&*!|>%@`"):
        return None
    pairs = _pairs(body)
    if pairs is None:
        return None
    row = Map()
    row.line, row.key_lines = number, {}
    for pair in pairs:
        key, sep, value = pair.strip().partition(": ")
        if not sep or not _KEY.fullmatch(key) or key in row or _scalar(key) != key:
            return None
        value = value.strip()
        if "[" in value or "]" in value:
            if not (value.startswith("[") and value.endswith("]")) or "[" in value[1:-1] or "]" in value[1:-1]:
                return None
            items = [_scalar(v) for v in value[1:-1].split(",")] if value[1:-1].strip() else []
            if any(v is _NOT_SIMPLE for v in items):
                return None
            seq = Seq(items)
            seq.item_lines = [number] * len(items)
            row[key] = seq
        else:
            scalar = _scalar(value)
            if scalar is _NOT_SIMPLE:
                return None
            row[key] = scalar
        row.key_lines[key] = number
    return row


def _pairs(body: str) -> list[str] | None:
    """`body` split on the commas outside [ ], in one pass (a lookahead per comma made a long line quadratic);
    None where a [ is not closed on the line."""
    pairs, at = [], 0
    while True:
        piece = _PIECE.match(body, at)
        assert piece is not None  # the pattern matches the empty text
        pairs.append(piece[0])
        at = piece.end()
        if at == len(body):
            return pairs
        if body[at] != ",":  # an unclosed [
            return None
        at += 1


_LOADER = Loader("")  # its resolver only (PyYAML's implicit tags), for the rows read by row
