"""JSON text exactly as `json.dumps(doc, indent=2, ensure_ascii=False)` writes it, several times faster:
the json module's pure-Python indenting encoder costs more than the whole analysis of a large network."""

from __future__ import annotations

import json
from typing import Any

_string = json.encoder.encode_basestring  # the C encoder of a str, as ensure_ascii=False writes it


class Shared(list):  # type: ignore[type-arg]
    """A part of the JSON that many layers have alike (a layer's keys, its arithmetic): made once per
    distinct value, and `dumps` writes its text once per depth. Read it as the list it is; do not change it."""


class SharedMap(dict):  # type: ignore[type-arg]
    """Shared, for a mapping."""


def dumps(doc: Any) -> str:
    """`json.dumps(doc, indent=2, ensure_ascii=False)`, the same text, several times faster: the json
    module's pure-Python indenting encoder costs more than the whole analysis of a large network."""
    out: list[str] = []
    _dump(doc, out, "\n", {})
    return "".join(out)


def _dump(value: Any, out: list[str], newline: str, shared: dict[tuple[int, str], str]) -> None:
    kind = type(value)
    if kind is Shared or kind is SharedMap:
        key = (id(value), newline)
        if key not in shared:
            part: list[str] = []
            _dump(dict(value) if kind is SharedMap else list(value), part, newline, shared)
            shared[key] = "".join(part)
        out.append(shared[key])
    elif kind is str:
        out.append(_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for key, item in value.items():
            name = _string(key if type(key) is str else _key(key))
            scalar = _SCALARS.get(type(item))  # a str, an int, a bool or null: written here, without a call
            if scalar is not None:
                out.append(f"{sep}{name}: {scalar(item)}")
            else:
                out.append(f"{sep}{name}: ")
                _dump(item, out, inner, shared)
            sep = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        if all(type(v) is int for v in value):  # shapes, kernels, sizes: the most common list, written at once
            out.append("[" + inner + ("," + inner).join(map(str, value)) + newline + "]")
            return
        out.append("[")
        sep = inner
        for item in value:
            out.append(sep)
            _dump(item, out, inner, shared)
            sep = "," + inner
        out.append(newline + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    else:
        out.append(json.dumps(value, ensure_ascii=False))  # floats (and anything json knows) exactly as json writes them


_SCALARS: dict[type, Any] = {str: _string, int: int.__repr__, bool: lambda v: "true" if v else "false",
                             type(None): lambda v: "null"}


def _key(key: Any) -> str:
    return json.dumps(key)[1:-1] if isinstance(key, str) else json.dumps(key).strip('"') if key is not None else "null"


__all__ = ["Shared", "SharedMap", "dumps"]
