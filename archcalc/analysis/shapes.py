"""Shapes through the graph: every layer's output and the arithmetic of each spatial axis; which
input sizes divide exactly. Pure: no figures beyond shapes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from archcalc.analysis.graph import INPUT, Graph, Node
from archcalc.errors import SpecError
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Shape, quote
from archcalc.limits import MAX_INT, MAX_INT_TEXT
from archcalc.records import quick_init
from archcalc.text import dims


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class Step:
    node: Node
    inputs: tuple[Shape, ...]
    output: Shape
    terms: tuple[SizeTerm, ...]


def steps(graph: Graph, shape: Shape) -> Iterator[Step]:
    """Each node's input and output shapes, in graph order, one at a time, so that a caller may
    stop early: each kind's size rule, once per layer. A shape a layer cannot take is a SpecError."""
    shapes: dict[str, Shape] = {INPUT: shape}
    made: dict[str, tuple[SizeTerm, ...]] = {INPUT: ()}  # each layer's size terms, for a term that reads its input's
    # a pure rule, once per layer and input objects, by their ids (archcalc.analysis.alike); with it the tuple of input
    # shapes that the steps alike share, which later rules are keyed by, and its output as one object per equal shape
    sized: dict[tuple[int, ...], tuple[Sizing, bool, bool, tuple[Shape, ...], Shape]] = {}
    same: dict[tuple[type, Shape], Shape] = {(type(shape), shape): shape}  # one object for equal shapes of a type, so that rows alike meet
    for node in graph.nodes:
        inputs = node.inputs
        first = shapes[inputs[0]]
        key = (id(node.layer), id(first)) if len(inputs) == 1 else (id(node.layer), *[id(shapes[i]) for i in inputs])
        known = sized.get(key)
        if known is None:
            xs = (first,) if len(inputs) == 1 else tuple(shapes[i] for i in inputs)
            try:
                sizing = node.layer.sizing(*xs)
            except ShapeError as exc:
                got = ", ".join(f"'{i}' {dims(x)}" for i, x in zip(node.inputs, xs))
                raise SpecError(node.where, f"{exc} (input {got})", _shape_hint(graph, shape, node, xs, exc)) from None
            out = same.setdefault((type(sizing.out), sizing.out), sizing.out)
            known = sized[key] = (sizing, any(hasattr(t, "after") for t in sizing.terms), max(sizing.out) > MAX_INT, xs, out)  # rows alike share its terms
        sizing, reads_terms, too_large, xs, out = known
        if too_large:  # sizes that grow (upsampling, transposed windows) stop where torch's would
            raise SpecError(node.where, f"its output {quote(dims(sizing.out))} is larger than {MAX_INT_TEXT} along one axis",
                            "archcalc's sizes stop at 2^63 − 1, as torch's do")
        shapes[node.name] = out
        terms = tuple(t.after(made[node.inputs[0]]) if hasattr(t, "after") else t for t in sizing.terms) if reads_terms else sizing.terms
        made[node.name] = terms
        yield Step(node, xs, out, terms)


def propagate(graph: Graph, shape: Shape) -> list[Step]:
    """Every node's input and output shapes, in graph order."""
    return list(steps(graph, shape))


def _shape_hint(graph: Graph, shape: Shape, node: Node, xs: tuple[Shape, ...], exc: ShapeError) -> str:
    """What to change: a dense layer that flattened into a merge, the kind's own hint, or the window's numbers."""
    if shape != graph.input:
        overridden = f"the input was overridden to {dims(shape)}; the spec's own input is {dims(graph.input)}"
        return f"{exc.hint}; {overridden}" if exc.hint else overridden
    if len(xs) > 1 and any(len(x) == 3 for x in xs):
        layers = {n.name: n.layer for n in graph.nodes}
        flat = next((i for i, x in zip(node.inputs, xs) if len(x) == 1 and i in layers and layers[i].flattens), None)
        if flat is not None:
            return (f"'{flat}' is a {layers[flat].kind} layer, which flattens its input to a vector; "
                    "for a linear layer at each position use a 1×1 conv")
    if exc.hint:
        return exc.hint
    return "check the layer's kernel, stride and padding against the shape it receives" if node.layer.category in ("conv", "pool") \
        else f"check the shape it receives against what {node.layer.kind} needs"


def divides_along(graph: Graph, shape: Shape, axis: str) -> bool:
    """Does every layer's size arithmetic divide exactly along one axis for this input?
    Stops at the first layer that does not (or cannot take its input): the size searches call it
    for hundreds of candidate sizes, almost all of which fail early."""
    try:
        return not any(not t.divides for step in steps(graph, shape) for t in step.terms if t.axis == axis)
    except SpecError:
        return False


def nearest_exact(graph: Graph, shape: Shape, axis: str, reach: int = 512) -> tuple[int | None, int | None]:
    """The nearest sizes below and above the input's, along one axis, for which every layer divides."""
    i = 1 if axis == "H" else 2
    n = shape[i]
    reach = min(reach, max(8, 1_000_000 // max(len(graph.nodes), 1)))  # a deep network looks less far: bounded time

    def at(size: int) -> bool:
        changed = list(shape)
        changed[i] = size
        return divides_along(graph, tuple(changed), axis)

    below = next((m for m in range(n - 1, max(n - reach, 0), -1) if at(m)), None)
    above = next((m for m in range(n + 1, n + reach) if at(m)), None)
    return below, above


def exact(graph: Graph, shape: Shape) -> bool:
    return all(divides_along(graph, shape, axis) for axis in ("H", "W"))
