"""Graph + input → per-layer rows, totals, the GPU split, findings and claim checks: plain numbers.

The pieces live beside this module: shapes.py (shapes and their arithmetic, valid input sizes),
split.py (the GPU split), findings.py (sizes that do not divide, claims); this one puts them
together into an Analysis, and re-exports what callers use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from archcalc.errors import SpecError
from archcalc.findings import ClaimCheck, Finding, check_claims, non_integer_message, size_findings
from archcalc.graph import Graph
from archcalc.layers import Shape, SizeTerm, dims
from archcalc.receptive import ReceptiveField, receptive_fields
from archcalc.shapes import Step, ValidInputs, arithmetic_text, divides_along, nearest_exact, propagate, valid_inputs
from archcalc.split import EVERY, SPLIT, Figures, GpuShare, Placement, place, shares

__all__ = [
    "EVERY", "SPLIT", "Analysis", "ClaimCheck", "Finding", "GpuShare", "GpuTotals", "Placement", "Row", "Step", "Totals",
    "ValidInputs", "analyse", "arithmetic_text", "divides_along", "nearest_exact", "non_integer_message", "propagate",
    "valid_inputs",
]


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
    receptive_field: ReceptiveField | None = None  # None where the input has no spatial axes


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


# --- the analysis -----------------------------------------------------------------------------


def analyse(graph: Graph, shape: Shape | None = None) -> Analysis:
    shape = shape or graph.input
    if len(shape) != len(graph.input):
        raise SpecError(graph.path, f"the input {dims(shape)} does not match the spec's input {dims(graph.input)}")
    steps = propagate(graph, shape)
    placements = place(graph, steps)
    fields = receptive_fields(steps)
    whole = [replace(_row(s, p), receptive_field=fields.get(s.node.name)) for s, p in zip(steps, placements)]
    parts = shares(graph, steps, placements, [Figures(r.output, r.params, r.macs, r.flops, r.activations) for r in whole])
    rows = [replace(r, gpus=g) for r, g in zip(whole, parts)]
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
    findings = size_findings(graph, shape, steps)
    checks, contradicted = check_claims(graph, shape, rows, totals)
    return Analysis(graph.name, graph.description, shape, graph.gpus, tuple(rows), totals, gpu_totals,
                    tuple(findings + contradicted), tuple(checks))


def _row(step: Step, placement: Placement) -> Row:
    layer, xs = step.node.layer, step.inputs
    return Row(
        name=step.node.name, kind=layer.kind, category=layer.category, hyper=layer.hyper(),
        inputs=step.node.inputs, input_shapes=xs, output=step.output, terms=step.terms,
        params=layer.params(*xs), frozen_params=layer.frozen_params(*xs),
        macs=layer.macs(*xs), flops=layer.flops(*xs), connections=layer.connections(*xs),
        activations=math.prod(step.output), neurons=layer.neurons, activation=layer.activation,
        placement=placement, gpus=(),
    )


