"""Spec graph → torch module: one builder per layer kind, one named submodule per spec layer,
and a forward that torch.fx generates as plain Python, one line per layer."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import fx, nn

from archcalc.analysis import SPLIT, Analysis, Row, analyse
from archcalc.errors import ArchcalcError
from archcalc.graph import INPUT, Graph
from archcalc.layers import Conv, Layer, Shape
from archcalc.torch_backend.modules import Add, Concat, PaperLRN, RBFUnits, ScaledTanh, Subsampling, TableConv2d
from archcalc.torch_backend.names import attach, class_name, module_paths


@dataclass(frozen=True)
class Site:
    """What a builder needs besides the layer: its input shapes and the GPUs its output divides among."""

    inputs: tuple[Shape, ...]
    gpus: int  # 1: whole on one device


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),  # fused: nothing else reads the layer's pre-activation output
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "scaled_tanh": ScaledTanh,
}


def _fused(parts: list[tuple[str, nn.Module]], activation: str | None) -> nn.Module:
    if activation is not None:
        parts = [*parts, (activation, ACTIVATIONS[activation]())]
    return parts[0][1] if len(parts) == 1 else nn.Sequential(OrderedDict(parts))


def _conv(layer: Conv, site: Site) -> nn.Module:
    x = site.inputs[0]  # (C, H, W)
    (top, bottom), (left, right) = layer.pads(x)
    even = top == bottom and left == right
    pad: list[tuple[str, nn.Module]] = [] if even else [("pad", nn.ZeroPad2d((left, right, top, bottom)))]  # 'same', odd total
    padding = (top, left) if even else (0, 0)
    conv: nn.Module
    if layer.connections_table is not None:
        conv = TableConv2d(x[0], layer.connections_table, layer.kernel, layer.stride, padding, layer.dilation, layer.bias)
    else:
        conv = nn.Conv2d(x[0], layer.filters, layer.kernel, layer.stride, padding, layer.dilation, layer.groups, layer.bias)
    return _fused([*pad, ("conv", conv)], layer.activation)


def _flattened(x: Shape) -> list[tuple[str, nn.Module]]:
    return [("flatten", nn.Flatten())] if len(x) > 1 else []


def _pool(cls: type[nn.MaxPool2d] | type[nn.AvgPool2d]) -> Callable[[Any, Site], nn.Module]:
    return lambda layer, site: cls(layer.kernel, layer.steps, layer.padding, ceil_mode=layer.rounding == "ceil")


def _batchnorm(layer: Any, site: Site) -> nn.Module:
    cls = nn.BatchNorm2d if len(site.inputs[0]) == 3 else nn.BatchNorm1d
    return cls(site.inputs[0][0], eps=layer.eps, affine=layer.affine)


def _concat(layer: Any, site: Site) -> nn.Module:
    per_gpu = all(x[0] % site.gpus == 0 for x in site.inputs)
    return Concat(site.gpus if per_gpu else 1)


Builder = Callable[[Any, Site], nn.Module]

BUILDERS: dict[str, Builder] = {
    "conv": _conv,
    "maxpool": _pool(nn.MaxPool2d),
    "avgpool": _pool(nn.AvgPool2d),
    "adaptiveavgpool": lambda layer, site: nn.AdaptiveAvgPool2d(layer.output),
    "globalavgpool": lambda layer, site: nn.AdaptiveAvgPool2d(1),
    "subsample": lambda layer, site: _fused(
        [("subsample", Subsampling(site.inputs[0][0], layer.kernel, layer.stride or layer.kernel))], layer.activation),
    "dense": lambda layer, site: _fused(
        [*_flattened(site.inputs[0]), ("linear", nn.Linear(math.prod(site.inputs[0]), layer.units, layer.bias))], layer.activation),
    "rbf": lambda layer, site: _fused([*_flattened(site.inputs[0]), ("rbf", RBFUnits(math.prod(site.inputs[0]), layer.units))], None),
    "flatten": lambda layer, site: nn.Flatten(),
    "lrn": lambda layer, site: PaperLRN(layer.size, layer.alpha, layer.beta, layer.k, site.gpus),
    "batchnorm": _batchnorm,
    "dropout": lambda layer, site: nn.Dropout(layer.rate),
    "relu": lambda layer, site: nn.ReLU(),  # not in place: another layer may read its input
    "sigmoid": lambda layer, site: nn.Sigmoid(),
    "tanh": lambda layer, site: nn.Tanh(),
    "softmax": lambda layer, site: nn.Softmax(dim=1),
    "add": lambda layer, site: Add(),
    "concat": _concat,
}
"""One entry per layer kind of layers.KINDS: (layer, site) -> the torch module of that spec layer."""


def layer_module(layer: Layer, site: Site, where: str = "") -> nn.Module:
    builder = BUILDERS.get(layer.kind)
    if builder is None:
        raise ArchcalcError(f"{where + ': ' if where else ''}archcalc run cannot build a '{layer.kind}' layer in torch yet",
                            f"kinds it builds: {', '.join(BUILDERS)}")
    return builder(layer, site)


def _site(row: Row, gpus: int) -> Site:
    return Site(row.input_shapes, gpus if row.placement == SPLIT else 1)


def build_module(graph: Graph, analysis: Analysis | None = None) -> fx.GraphModule:
    """The spec as a module; `analysis` gives the input shapes ('same' padding depends on them)."""
    analysis = analysis or analyse(graph)
    paths = module_paths(node.name for node in graph.nodes)
    root = nn.Module()
    code = fx.Graph()
    values: dict[str, fx.Node] = {INPUT: code.placeholder("x")}
    for node, row in zip(graph.nodes, analysis.rows):
        attach(root, paths[node.name], layer_module(node.layer, _site(row, graph.gpus), node.where))
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
