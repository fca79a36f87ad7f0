"""A spec split across G GPUs (AlexNet's two towers), for real: each GPU's share of every split
layer on its own device, the crossing tensors copied as the analysis says, checked against the
single-device module with the same weights. How each layer's module is cut into towers is its kind's rule (`shard`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import fx, nn
from torch.utils.flop_counter import FlopCounterMode

from archcalc.analysis import EVERY, SPLIT, Analysis, Placement, Row
from archcalc.analysis.graph import INPUT, Graph
from archcalc.kinds import Layer
from archcalc.torch_backend.build import example_input, output_layers
from archcalc.torch_backend.names import attach, class_name, module_paths
from archcalc.torch_backend.timing import Timing


def split_module(graph: Graph, analysis: Analysis, module: fx.GraphModule, devices: Sequence[torch.device | str]) -> fx.GraphModule:
    """The towers: with the weights of `module` (build_module of this graph and analysis), each GPU's part
    of every split layer runs on its own device, and the tensors that cross are copied as the analysis
    says. A split layer reads its own GPU's maps unless it reads all of them (a plain conv, a dense
    layer: they gather the other GPUs' shares); a layer that runs whole on one GPU gathers its input
    there. The output is gathered on the first device. `print(towers)` shows the towers, `towers.code`
    the exchanges."""
    if len(devices) != graph.gpus:
        raise ValueError(f"{graph.name} is split across {graph.gpus} GPUs; {len(devices)} devices given")
    paths = module_paths(node.name for node in graph.nodes)
    dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.float32)
    towers = _Towers(analysis, [torch.device(d) for d in devices], dtype)
    for node, row in zip(graph.nodes, analysis.rows):
        towers.add(node.name, node.inputs, node.layer, row, module.get_submodule(paths[node.name]), paths[node.name])
    return towers.finish(output_layers(graph), class_name(graph.name) + "_towers")


@dataclass
class _Placed:
    """A tensor of the split forward and where it is: on every GPU (the input), split, or on one GPU."""

    placement: Placement
    nodes: dict[int, fx.Node]  # split: each GPU's share; one GPU: {gpu: tensor}; every: {-1: the input}
    channels: int


class _Towers:
    def __init__(self, analysis: Analysis, devices: list[torch.device], dtype: torch.dtype) -> None:
        self.devices, self.dtype, self.G = devices, dtype, len(devices)
        self.code = fx.Graph()
        self.root = nn.Module()
        self.placed = {INPUT: _Placed(EVERY, {-1: self.code.placeholder("x")}, analysis.input[0])}
        self.cache: dict[tuple[str, str, int], fx.Node] = {}

    def _to(self, node: fx.Node, g: int, name: str) -> fx.Node:
        return self.code.create_node("call_method", "to", (node, str(self.devices[g])), name=name)

    def whole(self, name: str, g: int) -> fx.Node:
        """The whole tensor on GPU g, gathering the shares of a split one."""
        key = ("whole", name, g)
        if key not in self.cache:
            t = self.placed[name]
            if t.placement == SPLIT:
                shares = [t.nodes[h] if h == g else self._to(t.nodes[h], g, f"{name}_gpu{h}_to_gpu{g}") for h in range(self.G)]
                node = self.code.create_node("call_function", torch.cat, (shares, 1), name=f"{name}_all_on_gpu{g}")
            elif t.placement == EVERY:
                node = self._to(t.nodes[-1], g, f"{name}_on_gpu{g}")
            else:
                h = int(t.placement)
                node = t.nodes[h] if h == g else self._to(t.nodes[h], g, f"{name}_to_gpu{g}")
            self.cache[key] = node
        return self.cache[key]

    def part(self, name: str, g: int) -> fx.Node:
        """GPU g's maps of a tensor: its share if split, else the g-th C/G maps of the whole."""
        t = self.placed[name]
        if t.placement == SPLIT:
            return t.nodes[g]
        key = ("part", name, g)
        if key not in self.cache:
            c = t.channels // self.G
            self.cache[key] = self.code.create_node("call_method", "narrow", (self.whole(name, g), 1, g * c, c), name=f"{name}_part{g}")
        return self.cache[key]

    def _call(self, g: int, path: str, module: nn.Module, args: list[fx.Node]) -> fx.Node:
        attach(self.root, f"gpu{g}.{path}", module.to(device=self.devices[g], dtype=self.dtype))
        return self.code.call_module(f"gpu{g}.{path}", tuple(args))

    def add(self, name: str, inputs: tuple[str, ...], layer: Layer, row: Row, module: nn.Module, path: str) -> None:
        if row.placement != SPLIT:
            g = int(row.placement)
            out = self._call(g, path, copy.deepcopy(module), [self.whole(i, g) for i in inputs])
            self.placed[name] = _Placed(g, {g: out}, row.output[0])
            return
        shards = [layer.shard(module, g, self.G) for g in range(self.G)]
        reads_all = layer.reads_all(self.G)
        nodes = {}
        for g, shard in enumerate(shards):
            if shard is not None and None not in shards:
                nodes[g] = self._call(g, path, shard, [self.whole(i, g) if reads_all else self.part(i, g) for i in inputs])
            else:  # no way to cut this module: each GPU computes it whole and keeps its share (redundant work)
                c = row.output[0] // self.G
                out = self._call(g, path, copy.deepcopy(module), [self.whole(i, g) for i in inputs])
                nodes[g] = self.code.create_node("call_method", "narrow", (out, 1, g * c, c), name=f"{name}_gpu{g}")
        self.placed[name] = _Placed(SPLIT, nodes, row.output[0])

    def finish(self, sinks: list[str], name: str) -> fx.GraphModule:
        outs = [self.whole(s, 0) for s in sinks]
        self.code.output(outs[0] if len(outs) == 1 else tuple(outs))
        return fx.GraphModule(self.root, self.code, class_name=name)


@dataclass(frozen=True)
class GpuCheck:
    gpu: int
    device: str
    params: int  # the calculator's share of this GPU
    torch_params: int
    flops: int  # batch 1
    torch_flops: int


@dataclass(frozen=True)
class SplitCheck:
    devices: tuple[str, ...]
    gpus: tuple[GpuCheck, ...]
    max_abs_diff: float  # between the towers' output and the single-device module's, same weights and input
    tolerance: float
    timing: Timing | None = None

    @property
    def same_output(self) -> bool:
        return self.max_abs_diff <= self.tolerance

    @property
    def ok(self) -> bool:
        return self.same_output and all(c.params == c.torch_params and c.flops == c.torch_flops for c in self.gpus)


# Relative to the largest output value. float32 convolutions on CUDA may run as TF32 (10-bit
# mantissa), and the towers' smaller convolutions may pick other algorithms than the whole one.
RTOL = {torch.float32: 1e-3, torch.float16: 1e-2, torch.bfloat16: 5e-2}


def check_split(graph: Graph, analysis: Analysis, module: nn.Module, towers: fx.GraphModule,
                devices: Sequence[torch.device | str], dtype: torch.dtype) -> SplitCheck:
    """The towers compute what the single-device module (on the first device) computes, from the same
    weights and input; each GPU holds and computes its share of the calculator's figures."""
    x = example_input(analysis, 1, devices[0], dtype)
    with torch.inference_mode():
        home = next(module.parameters(), x).device  # the single-device module's device
        whole = _outputs(module.eval()(x.to(home)))
        with FlopCounterMode(display=False) as counter:
            split = _outputs(towers.eval()(x))
    diff = max((s.float().cpu() - w.float().cpu()).abs().max().item() for s, w in zip(split, whole))
    tolerance = RTOL[dtype] * max(w.float().abs().max().item() for w in whole)
    flops = counter.get_flop_counts()
    paths = module_paths(r.name for r in analysis.rows)
    prefix = type(towers).__name__
    gpus = []
    for g, totals in enumerate(analysis.gpu_totals):
        tower = towers.get_submodule(f"gpu{g}")
        counted = sum(sum(flops.get(f"{prefix}.gpu{g}.{paths[r.name]}", {}).values()) for r in analysis.rows)
        trainable = sum(p.numel() for p in tower.parameters() if p.requires_grad)
        gpus.append(GpuCheck(g, str(devices[g]), totals.params, trainable, totals.flops, counted))
    return SplitCheck(tuple(str(d) for d in devices), tuple(gpus), diff, tolerance)


def _outputs(out: torch.Tensor | tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return out if isinstance(out, tuple) else (out,)
