"""Graph + input → per-layer rows, totals, the GPU split, findings and claim checks: plain numbers.

The GPU split follows the AlexNet paper: with `gpus: G`, a layer's output maps (or units) are
divided evenly among the GPUs. A layer that reads only its own GPU's maps (a grouped conv with
groups a multiple of G, pooling, normalisation, activations) needs nothing from the others; one
that reads every map (a plain conv, a dense layer) receives the other GPUs' share of its input.
A layer with `split: false` runs whole on one GPU and receives what that GPU lacks. A tensor
sits on every GPU (the input image), split across them, or on one GPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Union

from archcalc.errors import SpecError
from archcalc.graph import INPUT, Graph, Node
from archcalc.layers import Shape, ShapeError, SizeTerm, dims
from archcalc.spec import Stated

EVERY = "every"  # a placement: on every GPU (the input image)
SPLIT = "split"  # a placement: divided evenly among the GPUs
Placement = Union[str, int]  # EVERY, SPLIT, or the index of one GPU


@dataclass(frozen=True)
class GpuShare:
    """One GPU's part of one layer; `received` counts values per image sent from other GPUs."""

    gpu: int
    output: Shape | None  # None: the layer does not run on this GPU
    params: int
    macs: int
    flops: int
    activations: int
    received: int


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    category: str
    hyper: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    terms: tuple[SizeTerm, ...]
    params: int  # trainable
    frozen_params: int  # parameters that do not train (LeNet-1998's RBF vectors)
    macs: int
    flops: int
    connections: int  # LeCun et al. (1998): inputs read + bias, per output unit, summed
    activations: int  # values in its output, per image
    neurons: bool  # counted among the network's neurons (conv and dense outputs, as papers count)
    activation: str | None  # a fused activation function
    placement: Placement
    gpus: tuple[GpuShare, ...]  # empty unless the spec is split across GPUs


@dataclass(frozen=True)
class Totals:
    params: int
    frozen_params: int
    macs: int
    flops: int
    connections: int
    activations: int  # sum over every layer's output
    neurons: int  # sum over the outputs of conv and dense layers: the papers' "neurons"


@dataclass(frozen=True)
class GpuTotals:
    gpu: int
    params: int
    macs: int
    flops: int
    activations: int
    neurons: int
    received: int


@dataclass(frozen=True)
class Finding:
    layer: str | None
    kind: str  # non_integer_size, claim_contradicted
    message: str


@dataclass(frozen=True)
class ClaimCheck:
    layer: str | None
    subject: str  # "input", "conv1 output", "total params"
    stated: str
    computed: str
    confirmed: bool
    detail: str


@dataclass(frozen=True)
class Analysis:
    name: str
    description: str
    input: Shape
    gpus: int
    rows: tuple[Row, ...]
    totals: Totals
    gpu_totals: tuple[GpuTotals, ...]
    findings: tuple[Finding, ...]
    claims: tuple[ClaimCheck, ...]


# --- shapes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    node: Node
    inputs: tuple[Shape, ...]
    output: Shape
    terms: tuple[SizeTerm, ...]


def propagate(graph: Graph, shape: Shape) -> list[Step]:
    """Every node's input and output shapes, in graph order. A shape a layer cannot take is a SpecError."""
    shapes: dict[str, Shape] = {INPUT: shape}
    steps = []
    for node in graph.nodes:
        xs = tuple(shapes[i] for i in node.inputs)
        try:
            terms = node.layer.terms(*xs)
            out = node.layer.out_shape(*xs)
        except ShapeError as exc:
            got = ", ".join(f"'{i}' {dims(x)}" for i, x in zip(node.inputs, xs))
            raise SpecError(node.where, f"{exc} (input {got})", _shape_hint(graph, shape)) from None
        shapes[node.name] = out
        steps.append(Step(node, xs, out, terms))
    return steps


def _shape_hint(graph: Graph, shape: Shape) -> str:
    if shape != graph.input:
        return f"the input was overridden to {dims(shape)}; the spec's own input is {dims(graph.input)}"
    return "check the layer's kernel, stride and padding against the shape it receives"


def divides_along(graph: Graph, shape: Shape, axis: str) -> bool:
    """Does every layer's size arithmetic divide exactly along one axis for this input?"""
    try:
        steps = propagate(graph, shape)
    except SpecError:
        return False
    return all(t.divides for s in steps for t in s.terms if t.axis == axis)


def nearest_exact(graph: Graph, shape: Shape, axis: str, reach: int = 512) -> tuple[int | None, int | None]:
    """The nearest sizes below and above the input's, along one axis, for which every layer divides."""
    i = 1 if axis == "H" else 2
    n = shape[i]

    def at(size: int) -> bool:
        changed = list(shape)
        changed[i] = size
        return divides_along(graph, tuple(changed), axis)

    below = next((m for m in range(n - 1, 0, -1) if at(m)), None)
    above = next((m for m in range(n + 1, n + reach) if at(m)), None)
    return below, above


# --- the analysis -----------------------------------------------------------------------------


def analyse(graph: Graph, shape: Shape | None = None) -> Analysis:
    shape = shape or graph.input
    if len(shape) != len(graph.input):
        raise SpecError(graph.path, f"the input {dims(shape)} does not match the spec's input {dims(graph.input)}")
    steps = propagate(graph, shape)
    rows = _split_rows(graph, steps)
    totals = Totals(
        params=sum(r.params for r in rows),
        frozen_params=sum(r.frozen_params for r in rows),
        macs=sum(r.macs for r in rows),
        flops=sum(r.flops for r in rows),
        connections=sum(r.connections for r in rows),
        activations=sum(r.activations for r in rows),
        neurons=sum(r.activations for r in rows if r.neurons),
    )
    gpu_totals = tuple(
        GpuTotals(
            gpu=g,
            params=sum(r.gpus[g].params for r in rows),
            macs=sum(r.gpus[g].macs for r in rows),
            flops=sum(r.gpus[g].flops for r in rows),
            activations=sum(r.gpus[g].activations for r in rows),
            neurons=sum(r.gpus[g].activations for r in rows if r.neurons),
            received=sum(r.gpus[g].received for r in rows),
        )
        for g in range(graph.gpus if graph.gpus > 1 else 0)
    )
    findings = _size_findings(graph, shape, steps)
    checks, contradicted = _check_claims(graph, shape, rows, totals)
    return Analysis(graph.name, graph.description, shape, graph.gpus, tuple(rows), totals, gpu_totals,
                    tuple(findings + contradicted), tuple(checks))


def _row(step: Step, placement: Placement, gpus: tuple[GpuShare, ...]) -> Row:
    layer, xs = step.node.layer, step.inputs
    return Row(
        name=step.node.name, kind=layer.kind, category=layer.category, hyper=layer.hyper(),
        inputs=step.node.inputs, input_shapes=xs, output=step.output, terms=step.terms,
        params=layer.params(*xs), frozen_params=layer.frozen_params(*xs),
        macs=layer.macs(*xs), flops=layer.flops(*xs), connections=layer.connections(*xs),
        activations=math.prod(step.output), neurons=layer.neurons, activation=layer.activation,
        placement=placement, gpus=gpus,
    )


def _split_rows(graph: Graph, steps: list[Step]) -> list[Row]:
    if graph.gpus == 1:
        return [_row(s, 0, ()) for s in steps]
    G = graph.gpus
    where: dict[str, Placement] = {INPUT: EVERY}
    rows = []
    for step in steps:
        node, layer = step.node, step.node.layer
        sources = [where[i] for i in node.inputs]
        if node.split is False:
            placement: Placement = node.gpu
        elif node.split is None and not layer.creates_channels and len(set(sources)) == 1 and isinstance(sources[0], int):
            placement = sources[0]  # a pool or activation after a layer on one GPU stays there
        else:
            placement = SPLIT
            if step.output[0] % G:
                raise SpecError(node.where, f"its {step.output[0]} output {'units' if len(step.output) == 1 else 'maps'} do not divide evenly among {G} GPUs",
                                "make them a multiple of the GPU count, or run the layer whole with split: false")
        received = [0] * G
        for src, x in zip(sources, step.inputs):
            for g, n in enumerate(_received(src, placement, math.prod(x), G, layer.reads_all(G))):
                received[g] += n
        row = _row(step, placement, ())
        where[node.name] = placement
        rows.append(_with_shares(row, placement, received, G))
    return rows


def _received(src: Placement, dst: Placement, numel: int, G: int, reads_all: bool) -> list[int]:
    """Values each GPU receives from the others to read one input tensor (per image)."""
    if src == EVERY:
        return [0] * G
    if dst == SPLIT:
        if src == SPLIT:
            return [numel - numel // G if reads_all else 0] * G
        return [0 if g == src else (numel if reads_all else numel // G) for g in range(G)]
    if src == SPLIT:
        return [numel - numel // G if g == dst else 0 for g in range(G)]
    return [numel if g == dst and src != dst else 0 for g in range(G)]


def _with_shares(row: Row, placement: Placement, received: list[int], G: int) -> Row:
    def share(g: int) -> GpuShare:
        if placement == SPLIT:  # every figure is linear in the output maps, which divide by G
            out = (row.output[0] // G, *row.output[1:])
            return GpuShare(g, out, row.params // G, row.macs // G, row.flops // G, row.activations // G, received[g])
        if placement == g:
            return GpuShare(g, row.output, row.params, row.macs, row.flops, row.activations, received[g])
        return GpuShare(g, None, 0, 0, 0, 0, received[g])

    return replace(row, gpus=tuple(share(g) for g in range(G)))


# --- findings ---------------------------------------------------------------------------------


def _size_findings(graph: Graph, shape: Shape, steps: list[Step]) -> list[Finding]:
    findings = []
    nearest: dict[str, tuple[int | None, int | None]] = {}
    for step in steps:
        bad = [t for t in step.terms if not t.divides]
        for t in bad:
            if t.axis not in nearest:
                nearest[t.axis] = nearest_exact(graph, shape, t.axis)
        if len(bad) == 2 and bad[0].text() == bad[1].text() and nearest["H"] == nearest["W"]:
            bad = [replace(bad[0], axis="H and W")]
        for t in bad:
            message = non_integer_message(step.node.name, t, nearest[t.axis[0]])
            findings.append(Finding(step.node.name, "non_integer_size", message))
    return findings


def arithmetic_text(terms: tuple[SizeTerm, ...]) -> str:
    """Each axis's arithmetic, once when H and W agree: '(227 − 11 + 2·0)/4 + 1 = 55 (H and W)'."""
    if len(terms) == 2 and terms[0].text() == terms[1].text():
        return f"{terms[0].text()} (H and W)"
    return "; ".join(f"{t.axis}: {t.text()}" for t in terms)


def non_integer_message(layer: str, t: SizeTerm, nearest: tuple[int | None, int | None]) -> str:
    lines = "rows" if t.axis == "H" else "columns" if t.axis == "W" else "rows and columns"
    if t.rounding == "ceil":
        what = f"ceil rounding makes it {t.out}: the last window hangs {t.stride - t.unread} past the padded input"
    else:
        if t.unread == 1:
            unread = {"H": "last row", "W": "last column"}.get(t.axis, "last row and column") + " of the padded input is"
        else:
            unread = f"last {t.unread} {lines} of the padded input are"
        what = (f"frameworks floor it to {t.out}, so the {unread} never read "
                f"({t.stride - t.unread} more would give {t.out + 1})")
    sizes = " and ".join(str(n) for n in nearest if n is not None) or "none within reach"
    noun = {"H": "heights", "W": "widths"}.get(t.axis, "sizes")
    return (f"{layer}: {t.axis} = {t.expression()} = {t.value()} is not a whole number; {what}. "
            f"Nearest input {noun} for which every layer divides exactly: {sizes}")


def _fits(stated: Stated, computed: int) -> bool:
    return abs(computed - stated.value) <= stated.tolerance * stated.value


def _stated(s: Stated) -> str:
    return f"{s.value:,}" if not s.tolerance else f"about {s.value:,} (±{s.tolerance:.0%})"


def _check_claims(graph: Graph, shape: Shape, rows: list[Row], totals: Totals) -> tuple[list[ClaimCheck], list[Finding]]:
    claims = graph.claims
    if claims is None:
        return [], []
    checks: list[ClaimCheck] = []
    if claims.input is not None:
        checks.append(_check_input(graph, shape, claims.input))
    by_name = {r.name: r for r in rows}
    for c in claims.layers:
        row = by_name.get(c.layer)
        if row is None:
            raise SpecError(c.where, f"the claim names '{c.layer}', which is no layer")
        if c.output is not None:
            arithmetic = arithmetic_text(row.terms) or f"from {dims(row.input_shapes[0])}"
            checks.append(ClaimCheck(c.layer, f"{c.layer} output", dims(c.output), dims(row.output), c.output == row.output, arithmetic))
        if c.activations is not None:
            detail = f"{dims(row.output)} = {row.activations:,}"
            if not _fits(c.activations, row.activations):
                detail += f", {row.activations - c.activations.value:+,} from the stated figure"
            checks.append(ClaimCheck(c.layer, f"{c.layer} activations", _stated(c.activations), f"{row.activations:,}", _fits(c.activations, row.activations), detail))
        for figure, value in (("params", row.params), ("connections", row.connections)):
            claim = getattr(c, figure)
            if claim is not None:
                checks.append(ClaimCheck(c.layer, f"{c.layer} {figure}", _stated(claim), f"{value:,}", _fits(claim, value), ""))
    for figure, s in claims.totals:
        value = getattr(totals, figure)
        off = (value - s.value) / s.value if s.value else 0.0
        checks.append(ClaimCheck(None, f"total {figure}", _stated(s), f"{value:,}", _fits(s, value), f"{off:+.1%} from the stated figure"))
    contradicted = [
        Finding(c.layer, "claim_contradicted",
                f"claimed {c.subject} {c.stated}, but it is {c.computed}: {c.detail}")
        for c in checks if not c.confirmed
    ]
    return checks, contradicted


def _check_input(graph: Graph, shape: Shape, stated: Shape) -> ClaimCheck:
    """The stated input, whatever input this run uses: does every layer divide exactly at it, and
    does it give the stated layer shapes? 'computed' is the input the spec itself builds."""
    built = dims(graph.input)
    try:
        steps = propagate(graph, stated)
    except SpecError as exc:
        return ClaimCheck(None, "input", dims(stated), built, False, f"the network cannot take it: {exc.problem}")
    problems = []
    inexact = next((st for st in steps if any(not t.divides for t in st.terms)), None)
    if inexact is not None:
        problems.append(f"{inexact.node.name} gives {arithmetic_text(tuple(t for t in inexact.terms if not t.divides))}")
    claimed = {c.layer: c.output for c in graph.claims.layers if c.output} if graph.claims else {}
    wrong = [st for st in steps if st.node.name in claimed and claimed[st.node.name] != st.output]
    if wrong:
        first = wrong[0]
        more = f" (and {len(wrong) - 1} more stated shapes)" if len(wrong) > 1 else ""
        problems.append(f"{first.node.name} would be {dims(first.output)}, not the stated {dims(claimed[first.node.name])}{more}")
    if not problems:
        return ClaimCheck(None, "input", dims(stated), built, True, "every layer divides exactly and gives the stated shapes")
    if stated[1:] != graph.input[1:] and _exact(graph, graph.input):
        problems.append(f"the spec builds {built}, where every layer divides exactly")
    else:
        below, above = nearest_exact(graph, stated, "H")
        problems.append(f"nearest sizes that divide exactly: {' and '.join(str(n) for n in (below, above) if n)}")
    return ClaimCheck(None, "input", dims(stated), built, False, "; ".join(problems))


def _exact(graph: Graph, shape: Shape) -> bool:
    return all(divides_along(graph, shape, axis) for axis in ("H", "W"))


# --- valid input sizes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidInputs:
    """Input sizes along an axis ('H', 'W', or 'H and W' for square inputs) in [low, high]."""

    axis: str
    low: int
    high: int
    exact: tuple[int, ...]  # every layer divides exactly
    smallest: int | None  # the smallest size the network accepts at all (within [1, high])
    reason: str  # why one less is refused


def valid_inputs(graph: Graph, low: int, high: int) -> tuple[ValidInputs, ...]:
    """Sizes for which every layer divides exactly, and the smallest the network takes at all.
    A square input varies both sides together; otherwise each axis varies on its own."""
    shape = graph.input
    if len(shape) != 3:
        raise SpecError(graph.path, "--valid-inputs needs a C×H×W input")
    axes = (("H and W", (1, 2)),) if shape[1] == shape[2] else (("H", (1,)), ("W", (2,)))
    result = []
    for axis, idx in axes:
        def at(n: int, idx: tuple[int, ...] = idx) -> Shape:
            return tuple(n if i in idx else v for i, v in enumerate(shape))
        exact = tuple(n for n in range(low, high + 1) if all(divides_along(graph, at(n), "HW"[i - 1]) for i in idx))
        smallest, reason = None, f"no size up to {high} works"
        for n in range(1, high + 1):
            try:
                propagate(graph, at(n))
            except SpecError as exc:
                reason = f"at {n}: {exc.where.split(': ', 1)[-1]}: {exc.problem}"
                continue
            smallest = n
            break
        result.append(ValidInputs(axis, low, high, exact, smallest, reason if smallest != 1 else "every size works"))
    return tuple(result)
