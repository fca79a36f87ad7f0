"""Spec graph → torch module: each layer built by its kind's builder (archcalc.kinds), one named
submodule per spec layer, and a forward that torch.fx generates as plain Python, one line per layer."""

from __future__ import annotations

import torch
from torch import fx, nn

from archcalc.analysis import SPLIT, Analysis, Row, analyse
from archcalc.analysis.graph import INPUT, Graph
from archcalc.analysis.kept import in_place_layers
from archcalc.kinds import Layer, Site
from archcalc.torch_backend.names import attach, class_name, module_paths


def layer_module(layer: Layer, site: Site, where: object = "") -> nn.Module:
    """The torch module of one spec layer: its kind's builder."""
    return layer.build(site)


def _site(row: Row, gpus: int, in_place: frozenset[str] = frozenset()) -> Site:
    return Site(row.input_shapes, gpus if row.placement == SPLIT else 1, row.name in in_place)


def build_module(graph: Graph, analysis: Analysis | None = None) -> fx.GraphModule:
    """The spec as a module; `analysis` gives the input shapes ('same' padding depends on them)."""
    analysis = analysis or analyse(graph)
    paths = module_paths(node.name for node in graph.nodes)
    root = nn.Module()
    code = fx.Graph()
    values: dict[str, fx.Node] = {INPUT: code.placeholder("x")}
    in_place = in_place_layers(analysis.rows)  # ReLU(inplace=True) where torchvision has it: nothing else reads its input
    for node, row in zip(graph.nodes, analysis.rows):
        attach(root, paths[node.name], layer_module(node.layer, _site(row, graph.gpus, in_place), node.where))
        values[node.name] = code.call_module(paths[node.name], tuple(values[i] for i in node.inputs))
    sinks = output_layers(graph)
    code.output(values[sinks[0]] if len(sinks) == 1 else tuple(values[s] for s in sinks))
    return fx.GraphModule(root, code, class_name=class_name(graph.name))


def output_layers(graph: Graph) -> list[str]:
    """The network's outputs: the layers no layer reads, in graph order."""
    read = {i for node in graph.nodes for i in node.inputs}
    return [node.name for node in graph.nodes if node.name not in read]


def example_input(analysis: Analysis, batch: int, device: torch.device | str, dtype: torch.dtype) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn((batch, *analysis.input), generator=generator).to(device=device, dtype=dtype)
