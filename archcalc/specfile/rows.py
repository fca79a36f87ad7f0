"""The fast reader of one-line layer rows (`- {name: conv1, type: conv, filters: 96, kernel: 11}`), the form
most of a spec is written in; anything it is not sure of it leaves to PyYAML (archcalc.specfile.yamlmap)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from archcalc.limits import MAX_YAML_DIGITS
from archcalc.specfile.yamlbase import INT, STR, TAGS_MAX, Loader, Map, Row, Seq

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PIECE = re.compile(r"[^,\[]*(?:\[[^\]]*\][^,\[]*)*")  # a pair: text and whole [ ] lists, up to a comma outside them
_PLAIN = re.compile(r"(?:[A-Za-z0-9_.$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.$+\-*/ ]*")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
# the usual row: its name (a plain scalar without spaces, as _PLAIN reads one), the rest
_NAMED = re.compile(r" *- \{name: ((?:[A-Za-z0-9_.$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.$+\-/]*), ([^\t]*)\} *")
_ODD = re.compile(r"[{}'\"&*!|>%@`#\t]")  # what only PyYAML reads (quotes, anchors, tags, comments, tabs ...)
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
    if _RESOLVED is not None and text[0] not in _RESOLVED:  # no implicit tag starts with it (a layer's name, conv12): a str, as PyYAML reads it
        return text
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
    named = _NAMED.fullmatch(line)
    if named is not None:  # `- {name: conv1, ...}`: its name (the same as _read_pairs reads it), and the rest remembered
        text, rest = named[1], _rest(named[2])
        name = text if _RESOLVED is not None and text[0] not in _RESOLVED else _scalar(text)  # conv12: a str (see _read_scalar)
        return None if rest is None or name is _NOT_SIMPLE else _alike_row(name, rest, number)
    start, end = line.find("- {"), line.rfind("}")
    if end < start or line[:start].strip() or line[end + 1:].strip() or "\t" in line[:start] or "\t" in line[end + 1:]:
        return None
    body = line[start + 3:end]
    head, comma, tail = body.partition(",")
    if comma and "[" not in head:  # the first pair (a layer's name, its own) apart from the rest, which layers repeat
        first, others = _read_pairs(head), _remembered(tail)
        pairs = None if first is None or others is None else first + others
    else:
        pairs = _read_pairs(body)
    if pairs is None:
        return None
    row = Row(pairs)
    if len(row) < len(pairs):  # a key twice: PyYAML's message
        return None
    row.line = number
    for key, value in pairs:
        if type(value) is tuple:  # a list: its own, with its line
            seq = row[key] = Seq(value)
            seq.item_lines = [number] * len(value)
    return row


class Rest:
    """What follows a row's name, read once per text: the rows that share it are alike but for their names and lines
    (Map.alike), so that the reader checks its keys once."""

    __slots__ = ("row", "lists")

    def __init__(self, pairs: tuple[tuple[str, Any], ...]) -> None:
        self.row = {"name": None, **dict(pairs)}  # a row's keys in order, its name to be filled in
        self.lists = tuple(k for k, v in pairs if type(v) is tuple)  # lists, each row's own Seq


def _rest(text: str) -> Rest | None:
    """The Rest of a row whose first pair is its name, or None where this is not sure of it or a key is there twice."""
    known = _RESTS.get(text, _NOT_SIMPLE)
    if known is not _NOT_SIMPLE:
        return known  # type: ignore[return-value]  # a Rest or None, as stored below
    pairs = _read_pairs(text)
    rest = None if pairs is None or len({k for k, _ in pairs} | {"name"}) <= len(pairs) else Rest(pairs)
    if len(_RESTS) < TAGS_MAX:
        _RESTS[text] = rest
    return rest


def _alike_row(name: Any, rest: Rest, number: int) -> Map:
    row = Row(rest.row)
    row["name"], row.line, row.alike = name, number, rest
    for key in rest.lists:  # a list: its own, with its line
        seq = row[key] = Seq(row[key])
        seq.item_lines = [number] * len(seq)
    return row


_RESTS: dict[str, Rest | None] = {}  # the text after a row's name -> its Rest
_BODIES: dict[str, tuple[tuple[str, Any], ...] | None] = {}  # the text after a row's first pair -> _read_pairs of it


def _remembered(text: str) -> tuple[tuple[str, Any], ...] | None:
    known = _BODIES.get(text, _NOT_SIMPLE)
    if known is not _NOT_SIMPLE:
        return known  # type: ignore[return-value]  # a tuple or None, as stored below
    pairs = _read_pairs(text)
    if len(_BODIES) < TAGS_MAX:
        _BODIES[text] = pairs
    return pairs


def _read_pairs(body: str) -> tuple[tuple[str, Any], ...] | None:
    """The (key, value) pairs of a row's text between its braces (a list's value as a tuple of its items), or None
    where this is not sure of them."""
    if _ODD.search(body):
        return None
    pieces = _pairs(body) if "," in body or "[" in body else [body]
    if pieces is None:
        return None
    pairs = []
    for pair in pieces:
        key, sep, value = pair.strip().partition(": ")
        if not sep or not _KEY.fullmatch(key) or _scalar(key) != key:
            return None
        value = value.strip()
        if "[" in value or "]" in value:
            if not (value.startswith("[") and value.endswith("]")) or "[" in value[1:-1] or "]" in value[1:-1]:
                return None
            items = tuple(_scalar(v) for v in value[1:-1].split(",")) if value[1:-1].strip() else ()
            if any(v is _NOT_SIMPLE for v in items):
                return None
            pairs.append((key, items))
        else:
            scalar = _scalar(value)
            if scalar is _NOT_SIMPLE:
                return None
            pairs.append((key, scalar))
    return tuple(pairs)


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
# the first characters some implicit tag may start with (None: a resolver for any, and then every text is asked)
_RESOLVED = frozenset(str(k) for k in _LOADER.yaml_implicit_resolvers) if None not in _LOADER.yaml_implicit_resolvers else None
