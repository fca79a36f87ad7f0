"""The layouts `--fit` chooses among (fit.py), built for one network: what every layout of it says alike, a
slide's words for each node, is made once, not once a layout (ResNet-18's 16 slide layouts: 14 ms of CPU
instead of 26, each text quoted once in both: quoted.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import graphviz

from archcalc.analysis import Analysis
from archcalc.analysis.fold import Node
from archcalc.analysis.fuse import Fused, Shown
from archcalc.diagram.folded import papers, skipping, to_folded_digraph
from archcalc.diagram.slide import Slide


class KeptWords(Slide):
    """Slide's words, each node's said once for all the layouts: a node's label and frame depend on it alone."""

    def __init__(self, a: Analysis, nodes: Sequence[Node], skips: frozenset[str] = frozenset(), joined: bool = False) -> None:
        super().__init__(a, nodes, skips, joined)
        self._labels: dict[tuple[str, tuple[int, ...] | None], str] = {}
        self._frames: dict[str, dict[str, str]] = {}
        self._heading: list[str] | None = None

    def label(self, x: Node, shape: tuple[int, ...] | None = None) -> str:
        key = (x.name, shape)
        if key not in self._labels:
            self._labels[key] = super().label(x, shape)
        return self._labels[key]

    def frame(self, x: Node) -> dict[str, str]:
        if x.name not in self._frames:
            self._frames[x.name] = super().frame(x)
        return dict(self._frames[x.name])  # a copy: the caller merges it into its own attributes

    def heading(self) -> list[str]:
        if self._heading is None:
            self._heading = super().heading()
        return list(self._heading)


def kept_words(a: Analysis, shown: tuple[Shown, ...], joined: bool = False) -> KeptWords:
    """A slide's words for the nodes `shown` (those drawn in a node of their own), to be said once for every layout."""
    return KeptWords(a, [x for x in shown if not isinstance(x, Fused)], skipping(papers(shown)), joined)


def candidate_builder(a: Analysis, shown: tuple[Shown, ...], slide: bool, edge_shapes: bool = True) -> Callable[[str, int], graphviz.Digraph]:
    """`build(direction, parts)` for fit.choose_layout: to_folded_digraph of `shown`, a slide's words made once."""
    words = kept_words(a, shown) if slide else None
    return lambda direction, parts: to_folded_digraph(a, shown, direction, parts, edge_shapes, slide, words=words)


def u_builder(a: Analysis, shown: tuple[Shown, ...], direction: str) -> Callable[[bool], graphviz.Digraph]:
    """`build(u_rows)` for ushape.largest_u: a slide of a U, its words made once; left to right its levels are columns
    of nodes, as tall as their lines, and a caption and its '+ ReLU' share a line where both fit one (slide.py)."""
    words = kept_words(a, shown, joined=direction == "LR")
    return lambda rows: to_folded_digraph(a, shown, direction, 1, slide=True, u_rows=rows, words=words)
