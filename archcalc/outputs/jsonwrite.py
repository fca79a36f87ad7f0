"""JSON text exactly as archcalc has always written it, `json.dumps(doc, indent=2, ensure_ascii=False)`'s, encoded
by orjson (C) and given out piece by piece: a list that is an `Each` is made and written one item at a time, so
that a network's layers are never all in memory at once, as JSON text or as dicts.

orjson writes what json writes (`OPT_INDENT_2`, UTF-8 unescaped, keys in order, the same string escapes) except:
a float below 1e-4 (orjson `0.00001`, json `1e-05`) or not finite (orjson `null`, json `NaN`), and a value of a
type not JSON's own (a tuple subclass: archcalc writes it on one line, as json.dumps without indent does); each is
written as an orjson.Fragment of json's text. What orjson refuses (an int past 64 bits, a key not a str, a lone
surrogate) is made into what it takes (_careful). tests/test_jsonwrite.py holds the text to the hand-written
encoder it replaces (tests/jsontext_reference.py) and to json.dumps, on every bundled spec and generated documents.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

import orjson

INDENT = orjson.OPT_INDENT_2
CHUNK = 1 << 20  # bytes gathered before one write
BATCH = 64  # layers encoded in one call


class Each:
    """A list in a document whose items are made when they are written: `make(x)` for each x of `items`, then
    each function given to `also` adds to it. Iterating makes them afresh (and `list(each)` gives them all)."""

    def __init__(self, items: Sequence[Any], make: Callable[[Any], dict[str, Any]], fixed: bool = False) -> None:
        self.items, self.make = items, make
        self.added: list[Callable[[dict[str, Any]], None]] = []
        self.fixed = fixed  # make's items are as `fixed` leaves them (not walked again); the keys `also` adds are fixed here

    def also(self, add: Callable[[dict[str, Any]], None]) -> None:
        """`add(item)` adds keys to each item."""
        self.added.append(add)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.added:
            for x in self.items:
                yield self.one(x)
        else:
            yield from map(self.make, self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.one(self.items[i])

    def one(self, x: Any) -> dict[str, Any]:
        item = self.make(x)
        if self.added:
            before = len(item)
            for add in self.added:
                add(item)
            if self.fixed:
                for key in list(item)[before:]:
                    item[key] = _fixed(item[key])
        return item


class Shared(list):  # type: ignore[type-arg]
    """A part of the JSON that many layers have alike (a layer's arithmetic): made once per distinct value, and
    checked once for what orjson would write otherwise than json. Read it as the list it is; do not change it."""


class SharedMap(dict):  # type: ignore[type-arg]
    """Shared, for a mapping (a layer's keys)."""


_PLAIN = {str, int, bool, type(None)}
_seen: dict[int, tuple[Any, Any]] = {}  # id -> (a Shared part, kept alive so that its id stays its own; its form for orjson)


def _inline(value: Any) -> orjson.Fragment:
    return orjson.Fragment(json.dumps(value, ensure_ascii=False).encode())


def _fixed(value: Any) -> Any:
    """`value` as orjson writes it with json's text: a copy where a part differs, each such part an orjson.Fragment
    of json's text. Those parts: a float below 1e-4 or not finite (json `1e-05`, `NaN`; orjson `0.00001`, `null`),
    and a value of any other type (a tuple's subclass, say), which json.dumps writes on one line."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if value == 0.0 or 1e-4 <= abs(value) < math.inf else _inline(value)
    if kind is dict:
        if _PLAIN.issuperset(map(type, value.values())):
            return value
        out = None
        for k, v in value.items():
            if type(v) in _PLAIN:
                continue
            w = _fixed(v)
            if w is not v:
                out = dict(value) if out is None else out
                out[k] = w
        return value if out is None else out
    if kind is list or kind is tuple:
        if _PLAIN.issuperset(map(type, value)):
            return value
        items = [_fixed(v) for v in value]
        return value if all(w is v for w, v in zip(items, value)) else items
    if kind is Shared or kind is SharedMap:  # the same object for many layers: checked once
        seen = _seen.get(id(value))
        if seen is None:
            if len(_seen) >= 4096:
                _seen.clear()
            seen = _seen[id(value)] = (value, _fixed(dict(value) if kind is SharedMap else list(value)))
        return seen[1]
    if kind is orjson.Fragment:  # made here, or by one who read `fixed`
        return value
    return _inline(value)


def fixed(value: Any) -> Any:
    """`value` with each part orjson writes otherwise than json made an orjson.Fragment of json's text (a copy where one
    differs): an Each(..., fixed=True) whose items are made so is not walked again when written."""
    return _fixed(value)


def _careful(value: Any) -> Any:
    """_fixed, also for what orjson refuses: an int past 64 bits, a key that is not a str (as the str json makes of it),
    a str with a lone surrogate (with \\u escapes, as archcalc.cli.terminal writes what a stream cannot hold)."""
    kind = type(value)
    if kind is int:
        return value if -(1 << 63) <= value < 1 << 64 else orjson.Fragment(int.__repr__(value).encode())
    if kind is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return orjson.Fragment(json.dumps(value).encode())
        return value
    if kind is dict or kind is SharedMap:
        return {_key(k): _careful(v) for k, v in value.items()}
    if kind is list or kind is tuple or kind is Shared:
        return [_careful(v) for v in value]
    return _fixed(value)


def _key(key: Any) -> str:
    """A key as json.dumps makes it a str (jsontext's rule before orjson)."""
    if type(key) is str:
        return key
    return json.dumps(key)[1:-1] if isinstance(key, str) else json.dumps(key).strip('"') if key is not None else "null"


def encode(value: Any, depth: int = 0, checked: bool = False) -> bytes:
    """`value` as json.dumps(value, indent=2, ensure_ascii=False) writes it, in UTF-8, its lines indented
    as at `depth` (the first line is not); `checked`: `value` is as `fixed` leaves it."""
    try:
        data = orjson.dumps(value if checked else _fixed(value), option=INDENT)
    except orjson.JSONEncodeError:  # an int past 64 bits, a key not a str, a lone surrogate
        data = orjson.dumps(_careful(value), option=INDENT)
    if depth and b"\n" in data:
        data = data.replace(b"\n", b"\n" + b"  " * depth)
    return data


def _streams(value: Any) -> bool:
    """Does `value` hold an Each (then it is written part by part)?"""
    kind = type(value)
    if kind is Each:
        return True
    if kind is dict:
        return any(_streams(v) for v in value.values() if type(v) in (dict, list, Each))
    if kind is list:
        return any(_streams(v) for v in value if type(v) in (dict, list, Each))
    return False


def pieces(value: Any, depth: int = 0) -> Iterator[bytes]:
    """The JSON text of `value` (no newline at its end), in pieces of about CHUNK bytes or a layer's size."""
    if not _streams(value):
        yield encode(value, depth)
        return
    inner = b"\n" + b"  " * (depth + 1)
    if type(value) is dict:
        if not value:
            yield b"{}"
            return
        sep = b"{" + inner
        for k, v in value.items():
            head = sep + encode(_key(k)) + b": "
            if type(v) in (dict, list, Each) and _streams(v):
                yield head
                yield from pieces(v, depth + 1)
            else:
                yield head + encode(v, depth + 1)
            sep = b"," + inner
        yield b"\n" + b"  " * depth + b"}"
        return
    if not len(value):
        yield b"[]"
        return
    if type(value) is Each:  # its items are a layer's JSON each: nothing in them streams
        yield from _each(value, depth)
        return
    sep, gathered = b"[" + inner, bytearray()
    for item in value:
        gathered += sep
        if _streams(item):
            yield bytes(gathered)
            gathered.clear()
            yield from pieces(item, depth + 1)
        else:
            gathered += encode(item, depth + 1)
            if len(gathered) >= CHUNK:
                yield bytes(gathered)
                gathered.clear()
        sep = b"," + inner
    gathered += b"\n" + b"  " * depth + b"]"
    yield bytes(gathered)


def _each(value: Each, depth: int) -> Iterator[bytes]:
    """An Each's text, its items encoded BATCH at a time. A batch is encoded inside `depth` lists more, so that orjson
    indents its items as deep as they sit (no pass to indent them again); the text between the lists' brackets is the
    items' with their separators."""
    items, gathered = iter(value), bytearray()
    inner = b"\n" + b"  " * (depth + 1)
    head = sum(len(b"[\n" + b"  " * k) for k in range(1, depth + 2))  # the brackets that open the lists, the batch's own last
    tail = sum(len(b"\n" + b"  " * k + b"]") for k in range(depth + 1))  # and that close them
    sep = b"[" + inner
    while batch := list(islice(items, BATCH)):
        wrapped: list[Any] = batch
        for _ in range(depth):
            wrapped = [wrapped]
        data = encode(wrapped, 0, value.fixed)
        gathered += sep
        gathered += memoryview(data)[head:len(data) - tail]
        sep = b"," + inner
        if len(gathered) >= CHUNK:
            yield bytes(gathered)
            gathered.clear()
    gathered += b"\n" + b"  " * depth + b"]"
    yield bytes(gathered)


def dumps(value: Any) -> str:
    """The whole text at once (a small document, or a test's)."""
    return b"".join(pieces(value)).decode("utf-8")


__all__ = ["CHUNK", "Each", "Shared", "SharedMap", "dumps", "encode", "fixed", "pieces"]
