"""Graph + input → per-layer rows, totals, the GPU split, findings and claim checks: plain numbers.

    shapes     each layer's output and size arithmetic (its kind's size rule, once); valid input sizes
    split      the GPU split
    findings   sizes that do not divide
    claims     a paper's stated figures against the computed ones

This module puts them together into an Analysis: each layer's facts computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.analysis.accepted import Accepted, set_apart
from archcalc.analysis.alike import step_figures
from archcalc.analysis.claims import ClaimCheck, InputCheck, check_claims
from archcalc.analysis.findings import Finding, size_findings, unread_findings
from archcalc.analysis.graph import Graph
from archcalc.analysis.receptive import fields_in_order
from archcalc.analysis.shapes import Step, divides_along, nearest_exact, propagate
from archcalc.analysis.split import EVERY, SPLIT, GpuShare, Placement, place, shares
from archcalc.analysis.valid import ValidInputs, valid_inputs
from archcalc.errors import Location, SpecError
from archcalc.kinds import Layer, activation_kind
from archcalc.kinds.terms.fields import ReceptiveField
from archcalc.kinds.terms.figures import FIGURES, Figures, total
from archcalc.kinds.terms.sizes import SizeTerm
from archcalc.kinds.terms.values import Shape
from archcalc.records import quick_init
from archcalc.text import dims

__all__ = [
    "EVERY", "SPLIT", "Analysis", "ClaimCheck", "Finding", "GpuShare", "GpuTotals", "InputCheck", "Placement", "Row", "Step",
    "Totals", "ValidInputs", "analyse", "divides_along", "nearest_exact", "propagate", "valid_inputs",
]


TOTALS = (*FIGURES[:-1], "activations", "neurons")  # params, frozen_params, macs, flops, connections, activations, neurons
GPU_FIGURES = ("params", "macs", "flops", "activations", "received")  # each GPU's share of a split layer


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class Row:
    """One layer: the layer itself (its kind and keys), its shapes, its size arithmetic and its figures."""

    name: str
    layer: Layer
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    terms: tuple[SizeTerm, ...]
    figures: Figures
    placement: Placement
    gpus: tuple[GpuShare, ...]  # empty unless the spec is split across GPUs
    receptive_field: ReceptiveField | None  # None where the input has no spatial axes
    where: Location

    @property
    def kind(self) -> str:
        return self.layer.kind

    @property
    def category(self) -> str:
        return self.layer.category

    @property
    def neurons(self) -> bool:  # counted among the network's neurons (conv and dense outputs, as papers count)
        return self.layer.neurons

    @property
    def activation(self) -> str | None:  # a fused activation function
        return self.layer.activation

    # the figures, by name (row.params is row.figures.params)
    params = property(lambda self: self.figures.params)
    frozen_params = property(lambda self: self.figures.frozen_params)
    macs = property(lambda self: self.figures.macs)
    flops = property(lambda self: self.figures.flops)
    connections = property(lambda self: self.figures.connections)
    activations = property(lambda self: self.figures.activations)

    @property
    def activation_label(self) -> str:
        return activation_kind(self.activation).fused_label if self.activation else ""


@dataclass(frozen=True)
class Totals(Figures):
    neurons: int = 0  # the activations of conv and dense layers: the papers' "neurons"


@dataclass(frozen=True)
class GpuTotals(Figures):
    gpu: int = 0
    neurons: int = 0
    received: int = 0


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
    accepted: tuple[Accepted, ...] = ()  # findings the spec accepts, with their reasons: not among `findings`


def analyse(graph: Graph, shape: Shape | None = None) -> Analysis:
    shape = shape or graph.input
    if len(shape) != len(graph.input):
        raise SpecError(graph.path, f"the input {dims(shape)} does not match the spec's input {dims(graph.input)}")
    steps = propagate(graph, shape)
    placements = place(graph, steps)
    fields = fields_in_order(steps)
    figures = step_figures(steps)  # once per layer and input: rows alike share a Layer
    parts = shares(graph, steps, placements, figures)
    rows = [Row(s.node.name, s.node.layer, s.node.inputs, s.inputs, s.output, s.terms, f, p, g, field, s.node.where)
            for s, p, f, g, field in zip(steps, placements, figures, parts, fields)]
    totals = Totals(**total(figures).as_dict(), neurons=sum(f.activations for f, s in zip(figures, steps) if s.node.layer.neurons))
    gpu_totals = tuple(
        GpuTotals(**total(r.gpus[g] for r in rows).as_dict(), gpu=g, neurons=sum(r.gpus[g].activations for r in rows if r.neurons),
                  received=sum(r.gpus[g].received for r in rows))
        for g in range(graph.gpus if graph.gpus > 1 else 0)
    )
    findings = size_findings(graph, shape, steps) + unread_findings(graph, rows)
    checks, contradicted = check_claims(graph, rows, totals)
    kept, accepted = set_apart(findings + contradicted, graph.accept, (r.name for r in rows), (i.name for i in graph.instances))
    return Analysis(graph.name, graph.description, shape, graph.gpus, tuple(rows), totals, gpu_totals,
                    kept, tuple(checks), accepted)
