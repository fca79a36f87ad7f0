"""A layer's keys as a hashable key, so that a spec's reader builds each distinct layer once: a chain of 10,000
layers repeats a few kinds with the same keys (a layer is a frozen dataclass, shared safely between its rows)."""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

_PLAIN = frozenset({str, int, float, bool, type(None)})


def same_keys(kind: str, row: Mapping[Any, Any], keys: Container[Any]) -> tuple[Any, ...] | None:
    """(kind, (key, type, value) ...) for the row's keys among `keys` (the kind's own), whose values are plain scalars or
    lists of them, each with its type (1, 1.0 and true are equal in Python but not as a spec's values); None where
    some value is anything else."""
    key: list[Any] = [kind]
    for k, v in row.items():
        if k not in keys:
            continue
        kind_of = type(v)
        if kind_of in _PLAIN:
            key.append((k, kind_of, v))
        elif isinstance(v, list) and all(type(x) in _PLAIN for x in v):
            key.append((k, list, tuple((type(x), x) for x in v)))
        else:
            return None
    return tuple(key)


__all__ = ["same_keys"]
