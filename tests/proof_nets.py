"""Small networks around every example of every kind (each kind's `examples`, archcalc.kinds), for the
proofs in tests/test_kind_proofs.py: the kind alone, in a chain of convolutions, before and after a
squeeze-and-excitation gate (a global branch), beside another branch of a merge; a merge kind between
two branches (of one size, of two sizes, a C×1×1 gate). Each network is a spec, so archcalc's own
pipeline (parse, graph, analysis) and its own torch builder make what is checked."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.errors import SpecError
from archcalc.kinds import KINDS, keys
from archcalc.specfile import parse_spec

Row = dict[str, Any]
CHANNELS = 4  # every example takes 4 maps (conv groups 2, chunks 2, pixel shuffle ×2, group norm 2 divide it)
IMAGES = ((9, 7), (12, 12), (5, 11), (16, 13), (7, 7))  # odd, tiny, non-square
QUICK_IMAGES = IMAGES[:3]


@dataclass(frozen=True)
class Example:
    kind: str
    index: int
    keys: Row

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.index}"

    def row(self, name: str, inputs: list[str]) -> Row:
        return {"name": name, "type": self.kind, **self.keys, "inputs": inputs}

    def rows(self, name: str, inputs: list[str]) -> list[Row]:
        """The kind's row after the layers that give it the layout it reads (a map to tokens, a map to channels-last)."""
        return _with_lead(self, name, inputs, _lead(self))

    @property
    def arity(self) -> int:
        """1 for a layer of one input; 0 or 2 for a merge (a crop without a size takes its second input's)."""
        cls = KINDS[self.kind]
        if isinstance(cls.arity, int):
            return cls.arity
        layer = cls(**{k.field: self.keys[k.key] for k in keys(cls) if k.key in self.keys})  # a property of the keys (crop)
        return int(layer.arity)


LEADS: tuple[tuple[str, ...], ...] = ((), ("tokens",), ("permute",))  # what a kind that needs a sequence or a channels-last map reads first


def _with_lead(ex: Example, name: str, inputs: list[str], lead: tuple[str, ...]) -> list[Row]:
    rows, prev = [], inputs
    for i, kind in enumerate(lead):
        rows.append({"name": f"{name}_in{i}", "type": kind, "inputs": prev})
        prev = [f"{name}_in{i}"]
    return [*rows, ex.row(name, prev)]


@cache
def _lead_of(kind: str, index: int) -> tuple[str, ...]:
    ex = examples()[[(e.kind, e.index) for e in examples()].index((kind, index))]
    if ex.arity != 1:
        return ()
    return next((lead for lead in LEADS if analysed(_with_lead(ex, "x", ["input"], lead), (12, 12)) is not None), ())


def _lead(ex: Example) -> tuple[str, ...]:
    return _lead_of(ex.kind, ex.index)


def examples() -> list[Example]:
    """Every example of every kind in the registry: a kind added later is in this list by itself."""
    return [Example(kind, i, dict(keys)) for kind, cls in KINDS.items() for i, keys in enumerate(cls.examples)]


def conv(name: str, inputs: list[str], filters: int = CHANNELS, kernel: int = 3, stride: int = 1, padding: int = 1,
         activation: str | None = "relu") -> Row:
    row: Row = {"name": name, "type": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": padding, "inputs": inputs}
    return row | ({"activation": activation} if activation else {})


def gate(prefix: str, of: str, channels: int) -> list[Row]:
    """A squeeze-and-excitation gate of the map `of` (C×1×1, a sigmoid): its last layer is `{prefix}_gate`."""
    return [{"name": f"{prefix}_pool", "type": "globalavgpool", "inputs": [of]},
            conv(f"{prefix}_reduce", [f"{prefix}_pool"], 2, 1, 1, 0),
            conv(f"{prefix}_gate", [f"{prefix}_reduce"], channels, 1, 1, 0, "sigmoid")]


def analysed(rows: list[Row], image: tuple[int, int], channels: int = CHANNELS, gpus: int = 1) -> tuple[Graph, Analysis] | None:
    """The network through archcalc's pipeline, or None where a shape does not fit (the template does not apply)."""
    doc: dict[str, Any] = {"name": "proof", "input": [channels, *image], "layers": rows}
    if gpus > 1:
        doc["gpus"] = gpus
    return _analysed(json.dumps(doc))


@lru_cache(maxsize=512)
def _analysed(text: str) -> tuple[Graph, Analysis] | None:  # templates ask again for the networks they tried
    try:
        graph = build_graph(parse_spec(text))
        return graph, analyse(graph)
    except SpecError:
        return None


def _out(rows: list[Row], image: tuple[int, int], name: str) -> tuple[int, ...] | None:
    built = analysed(rows, image)
    return None if built is None else next(r.output for r in built[1].rows if r.name == name)


Template = Callable[[Example, tuple[int, int]], "list[Row] | None"]


def alone(ex: Example, image: tuple[int, int]) -> list[Row] | None:
    return ex.rows("x", ["input"]) if ex.arity == 1 else None


def chained(ex: Example, image: tuple[int, int]) -> list[Row] | None:
    """conv 3×3/2 → the kind → conv 3×3 unpadded (where it fits the kind's output)."""
    if ex.arity != 1:
        return None
    rows = [conv("c1", ["input"], stride=2), *ex.rows("x", ["c1"])]
    out = _out(rows, image, "x")
    tail = [*rows, conv("c2", ["x"], padding=0)]
    return None if out is None else tail if analysed(tail, image) is not None else rows


def gated_after(ex: Example, image: tuple[int, int]) -> list[Row] | None:
    """conv → the kind → its map scaled by a squeeze-and-excitation gate of it."""
    if ex.arity != 1:
        return None
    rows = [conv("c1", ["input"], kernel=2, padding=0), *ex.rows("x", ["c1"])]
    out = _out(rows, image, "x")
    if out is None or len(out) != 3:
        return None
    return [*rows, *gate("se", "x", out[0]), {"name": "scaled", "type": "multiply", "inputs": ["se_gate", "x"]}]


def gated_before(ex: Example, image: tuple[int, int]) -> list[Row] | None:
    """conv → a gated map → the kind → max pool 2×2 (where it fits)."""
    if ex.arity != 1:
        return None
    rows = [conv("c1", ["input"]), *gate("se", "c1", CHANNELS), {"name": "scaled", "type": "multiply", "inputs": ["c1", "se_gate"]},
            *ex.rows("x", ["scaled"])]
    with_pool = [*rows, {"name": "p", "type": "maxpool", "kernel": 2, "inputs": ["x"]}]
    return with_pool if analysed(with_pool, image) is not None else rows


def merged_beside(ex: Example, image: tuple[int, int]) -> list[Row] | None:
    """The kind on one branch, a 5×5 conv on the other, concatenated (where the kind keeps H×W)."""
    if ex.arity != 1:
        return None
    rows = [conv("c1", ["input"]), *ex.rows("x", ["c1"])]
    out = _out(rows, image, "x")
    if out is None or len(out) != 3:
        return None
    return [*rows, conv("b", ["input"], out[0], 5, 1, 2), {"name": "cat", "type": "concat", "inputs": ["x", "b"]}]


def _second_branches(image: tuple[int, int]) -> Iterator[list[Row]]:
    """The other input of a merge kind, named 'b': the same size (another field), smaller, a C×1×1 gate."""
    yield [conv("b", ["input"], kernel=5, padding=2)]
    yield [conv("b1", ["input"], stride=2), conv("b", ["b1"], kernel=1, padding=0)]  # jump 2, no match in size: not all apply
    yield [conv("b", ["a"], kernel=3, padding=0)]
    yield [*gate("g", "a", CHANNELS), {"name": "b", "type": "conv", "filters": CHANNELS, "kernel": 1, "inputs": ["g_gate"]}]


def merge_templates(ex: Example, image: tuple[int, int]) -> Iterator[list[Row]]:
    """A merge kind between a 3×3 conv and each second branch, in both orders, then an unpadded 3×3 conv (where it fits).
    Layers after the kind are unpadded: after a crop, zero padding lies inside the image, and a padded unit's field
    there is a bound (it counts pixels that reach it only through the padding, module docstring of archcalc.kinds.terms.fields)."""
    if ex.arity == 1:
        return
    for branch in _second_branches(image):
        for inputs in (["a", "b"], ["b", "a"]):
            rows = [conv("a", ["input"]), *branch, ex.row("x", inputs)]
            if analysed(rows, image) is not None:
                tail = [*rows, conv("after", ["x"], padding=0)]
                yield tail if analysed(tail, image) is not None else rows


UNARY: tuple[Template, ...] = (alone, chained, gated_after, gated_before, merged_beside)


def networks(ex: Example, image: tuple[int, int]) -> list[tuple[str, list[Row]]]:
    """Every template that applies to the example on this image, by name."""
    found = [(t.__name__, rows) for t in UNARY if (rows := t(ex, image)) is not None and analysed(rows, image) is not None]
    found += [(f"merge{i}", rows) for i, rows in enumerate(merge_templates(ex, image))]
    return found
