"""A graphviz.Digraph that quotes each text once: the same DOT source, made faster where it repeats.

`--fit` builds its 16 candidate layouts of the same nodes (fit.py), and graphviz's quoting (a few regular
expressions for every name, label and attribute value) was a third of their cost: ResNet-18's 16 slide layouts
took 41 ms of CPU, 26 with each text quoted once (tests/test_fit_runs.py holds the source to graphviz's own).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import graphviz
from graphviz import quoting

QUOTED_KEPT = 1 << 16  # texts kept quoted: more than a picture of 10,000 nodes (limits.MAX_DRAWN_LAYERS) repeats

quote = functools.lru_cache(maxsize=QUOTED_KEPT, typed=True)(quoting.quote)  # typed: a nohtml text is quoted otherwise
quote_edge = functools.lru_cache(maxsize=QUOTED_KEPT, typed=True)(quoting.quote_edge)


def _items(attributes: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Iterable[tuple[str, Any]]:
    """graphviz's order: a plain dict's items sorted, any other mapping's (or pairs) as they come."""
    if isinstance(attributes, Mapping):
        return sorted(attributes.items()) if type(attributes) is dict else attributes.items()
    return attributes


def a_list(label: str | None = None, kwargs: Mapping[str, Any] | None = None,
           attributes: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> str:
    """graphviz.quoting.a_list, through the kept quotes: 'label=spam eggs="" ham="ham ham"'."""
    result = [f"label={quote(label)}"] if label is not None else []
    for given in (kwargs, attributes):
        if given:
            result += [f"{quote(k)}={quote(v)}" for k, v in _items(given) if v is not None]
    return " ".join(result)


def attr_list(label: str | None = None, kwargs: Mapping[str, Any] | None = None,
              attributes: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> str:
    """graphviz.quoting.attr_list, through the kept quotes: ' [label=spam eggs=""]', or '' for none."""
    content = a_list(label, kwargs, attributes)
    return f" [{content}]" if content else ""


class Digraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no type hints
    """graphviz.Digraph whose texts are quoted once (its copies and subgraphs are made as it is)."""

    _quote = staticmethod(quote)
    _quote_edge = staticmethod(quote_edge)
    _a_list = staticmethod(a_list)
    _attr_list = staticmethod(attr_list)
