"""The GPU split, as in the AlexNet paper.

With `gpus: G`, a layer's output maps (or units) are divided evenly among the GPUs. A layer that
reads only its own GPU's maps (a grouped conv with groups a multiple of G, pooling,
normalisation, activations) needs nothing from the others; one that reads every map (a plain
conv, a dense layer) receives the other GPUs' share of its input. A layer with `split: false`
runs whole on one GPU and receives what that GPU lacks. A tensor sits on every GPU (the input
image), split across them, or on one GPU. Every figure of a split layer is linear in its output
maps, which divide by G, so the GPUs' shares add up exactly to the layer's figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

from archcalc.analysis.graph import INPUT, Graph
from archcalc.analysis.shapes import Step
from archcalc.errors import SpecError
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import Shape
from archcalc.limits import MAX_GPU_SHARES

EVERY = "every"  # a placement: on every GPU (the input image)
SPLIT = "split"  # a placement: divided evenly among the GPUs
Placement = Union[str, int]  # EVERY, SPLIT, or the index of one GPU


@dataclass(frozen=True)
class GpuShare(Figures):
    """One GPU's part of one layer (its figures); `received` counts values per image sent from other GPUs."""

    gpu: int = 0
    output: Shape | None = None  # None: the layer does not run on this GPU
    received: int = 0


def place(graph: Graph, steps: list[Step]) -> list[Placement]:
    """Where each layer runs, in graph order; a split layer's output must divide among the GPUs."""
    G = graph.gpus
    if G > 1 and len(steps) * G > MAX_GPU_SHARES:  # every layer has a share on every GPU
        raise SpecError(graph.path, f"{len(steps):,} layers across {G} GPUs are {len(steps) * G:,} per-GPU shares, more than {MAX_GPU_SHARES:,}",
                        "use fewer GPUs (or none) for a network this deep")
    if G == 1:
        return [step.node.gpu for step in steps]  # one GPU: every layer on it (the reader allows gpu 0 only)
    where: dict[str, Placement] = {INPUT: EVERY}
    placements = []
    for step in steps:
        node, layer = step.node, step.node.layer
        sources = [where[i] for i in node.inputs]
        if G == 1 or node.split is False:
            placement: Placement = node.gpu
        elif node.split is None and not layer.creates_channels and len(set(sources)) == 1 and isinstance(sources[0], int):
            placement = sources[0]  # a pool or activation after a layer on one GPU stays there
        else:
            placement = SPLIT
            if len(step.output) == 2 or getattr(step.output, "channels_last", False):  # AlexNet's split divides C×H×W maps
                raise SpecError(node.where, f"a {'sequence of tokens' if len(step.output) == 2 else 'channels-last map'} is not split "
                                f"across GPUs: archcalc divides channels-first maps and vectors only", "run the layer whole with split: false")
            if step.output[0] < G:  # every GPU needs a map (or unit) of each split layer
                noun = "units" if len(step.output) == 1 else "maps"
                raise SpecError(node.where, f"gpus: {G} is more than its {step.output[0]} output {noun}: each GPU needs one at least",
                                "use fewer GPUs, or run the layer whole with split: false")
            if step.output[0] % G:
                noun = "units" if len(step.output) == 1 else "maps"
                raise SpecError(node.where, f"its {step.output[0]} output {noun} do not divide evenly among {G} GPUs",
                                "make them a multiple of the GPU count, or run the layer whole with split: false")
        where[node.name] = placement
        placements.append(placement)
    used = max((p for p in placements if isinstance(p, int)), default=0) + 1
    if G > 1 and SPLIT not in placements and used < G:  # no layer is split: the GPUs past the last one used hold nothing
        raise SpecError(graph.path, f"gpus: {G}, but no layer is split and the layers run on GPUs 0 to {used - 1} only",
                        f"write gpus: {used}" if used > 1 else "leave out gpus, or split a layer across them")
    return placements


def received(step: Step, placement: Placement, where: dict[str, Placement], G: int) -> list[int]:
    """Values each GPU receives from the others, per image, to read this layer's inputs."""
    totals = [0] * G
    for name, x in zip(step.node.inputs, step.inputs):
        for g, n in enumerate(_received(where[name], placement, math.prod(x), G, step.node.layer.reads_all(G))):
            totals[g] += n
    return totals


def shares(graph: Graph, steps: list[Step], placements: list[Placement], figures: list[Figures]) -> list[tuple[GpuShare, ...]]:
    """Each layer's part on each GPU; empty when the spec is not split."""
    G = graph.gpus
    if G == 1:
        return [() for _ in steps]
    where: dict[str, Placement] = {INPUT: EVERY, **{s.node.name: p for s, p in zip(steps, placements)}}
    return [_shares(s.node.layer.gpu_share(f, G), f, s.output, p, received(s, p, where, G), G) for s, p, f in zip(steps, placements, figures)]


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


def _shares(part: Figures, f: Figures, output: Shape, placement: Placement, received: list[int], G: int) -> tuple[GpuShare, ...]:
    """`part`: one GPU's figures where the layer is split (its kind's gpu_share), `f` the whole layer's."""
    def share(g: int) -> GpuShare:
        if placement == SPLIT:  # the output maps divide by G
            return GpuShare(**part.as_dict(), gpu=g, output=(output[0] // G, *output[1:]), received=received[g])
        if placement == g:
            return GpuShare(**f.as_dict(), gpu=g, output=output, received=received[g])
        return GpuShare(gpu=g, output=None, received=received[g])

    return tuple(share(g) for g in range(G))
