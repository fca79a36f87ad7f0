"""Every FLOPs tool's figure, predicted by archcalc and checked against the tool itself, exactly.

The tools (fvcore, ptflops with both backends, thop, torchinfo, torch's FlopCounterMode) run on:
- hand-written torchvision-style modules below (layers as nn modules, nn.ReLU(inplace=True), merges as the
  operators `+=`, torch.cat, `*`), each beside the spec that describes it;
- archcalc's own build of those specs and of every bundled spec (archcalc.torch_backend.build), with its merges
  both as parameterless modules and as operators (the fx graph rewritten either way);
and archcalc's figure for each convention (archcalc.kinds.terms.conventions) must equal the tool's total, and per
layer where the tool reports per layer (fvcore, thop, torchinfo, FlopCounterMode).
The sweep over every bundled spec is slow (`pytest -m slow`); LeNet and the hand-written modules run by default.
"""

from __future__ import annotations

import copy
import math
import operator
from typing import Any

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from tool_counts import TOOLS, run_tool
from torch import fx, nn

from archcalc import analyse, build_graph, load_spec
from archcalc.analysis import Analysis
from archcalc.analysis.counts import layer_counts, network_counts, total_counts
from archcalc.analysis.graph import Graph
from archcalc.kinds import KINDS, Site
from archcalc.kinds.terms.conventions import CONVENTIONS, NAMES
from archcalc.specfile import bundled_names, parse_spec
from archcalc.torch_backend import modules as own
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.names import module_paths

PER_LAYER = ("torch", "fvcore", "thop", "torchinfo")  # the tools that report each module's figure


def loaded(text_or_name: str) -> tuple[Graph, Analysis]:
    spec = parse_spec(text_or_name) if "\n" in text_or_name else load_spec(text_or_name)
    graph = build_graph(spec)
    return graph, analyse(graph)


def predicted(a: Analysis) -> dict[str, int | None]:
    return {c.name: c.total for c in network_counts(a)}


def example(a: Analysis) -> torch.Tensor:
    return torch.randn((1, *a.input), generator=torch.Generator().manual_seed(0))


# --- merges as modules, as operators, as torch functions: the fx graph rewritten -------------------------------

MERGE_MODULES: dict[type, Any] = {own.Add: operator.add, own.Multiply: operator.mul, own.Concat: torch.cat}
OPERATORS = {operator.add: own.Add, operator.iadd: own.Add, operator.mul: own.Multiply, operator.imul: own.Multiply,
             torch.cat: own.Concat}


def merges_as(gm: fx.GraphModule, form: str) -> fx.GraphModule:
    """The module with its merges as parameterless modules ('modules'), operators `a + b`, torch.cat, `a * b`
    ('operators'), or the functions torch.add and torch.mul ('functions', which ptflops patches and counts)."""
    gm = copy.deepcopy(gm)
    graph = gm.graph
    for node in list(graph.nodes):
        module = gm.get_submodule(node.target) if node.op == "call_module" else None  # type: ignore[arg-type]
        if form != "modules" and type(module) in MERGE_MODULES and getattr(module, "gpus", 1) == 1:
            fn = MERGE_MODULES[type(module)]
            if form == "functions":
                fn = {operator.add: torch.add, operator.mul: torch.mul}.get(fn, fn)
            with graph.inserting_before(node):
                if fn is torch.cat:
                    new = graph.call_function(torch.cat, (list(node.args), 1))
                else:
                    new = node.args[0]
                    for other in node.args[1:]:
                        new = graph.call_function(fn, (new, other))
            node.replace_all_uses_with(new)  # type: ignore[arg-type]
            graph.erase_node(node)
        elif form == "modules" and node.op == "call_function" and node.target in OPERATORS:
            name = f"merge_{node.name}"
            gm.add_module(name, OPERATORS[node.target]())
            args = tuple(node.args[0]) if node.target is torch.cat else node.args  # type: ignore[arg-type]
            with graph.inserting_before(node):
                new = graph.call_module(name, args)
            node.replace_all_uses_with(new)
            graph.erase_node(node)
    graph.lint()
    gm.recompile()
    return gm


def counts_by_tool(model: nn.Module, x: torch.Tensor) -> dict[str, int | None]:
    return {tool: run_tool(tool, model, x)[0] for tool in TOOLS}


def assert_every_tool_agrees(model: nn.Module, a: Analysis) -> None:
    want = predicted(a)
    got = counts_by_tool(model, example(a))
    assert got == {t: want[t] for t in TOOLS}


def assert_every_layer_agrees(graph: Graph, a: Analysis, gm: nn.Module) -> None:
    """Per layer, for the tools that report per module: each spec layer's module path (merges as modules)."""
    paths = module_paths(n.name for n in graph.nodes)
    per_layer = layer_counts(a)
    x = example(a)
    for tool in PER_LAYER:
        total, per = run_tool(tool, gm, x)
        if total is None:  # the tool fails on the network: archcalc says so (assert_every_tool_agrees)
            assert total_counts(per_layer).of(tool) is None
            continue
        got = {row.name: per.get(paths[row.name], 0) for row in a.rows}
        want = {row.name: c.of(tool) for row, c in zip(a.rows, per_layer)}
        assert got == want, tool


# --- hand-written, as torchvision writes them ------------------------------------------------------------------


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock, as written there (one ReLU module called twice, `out += identity`)."""

    def __init__(self, inp: int, out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.downsample = nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), nn.BatchNorm2d(out)) if stride != 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)  # type: ignore[no-any-return]


class ResNetish(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = BasicBlock(64, 64)
        self.layer2 = BasicBlock(64, 128, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(x, 1))  # type: ignore[no-any-return]


RESNETISH = """
name: resnetish
input: [3, 64, 64]
blocks:
  basic:
    args: {filters: null, stride: 1}
    layers:
      - {name: conv1, type: conv, filters: $filters, kernel: 3, stride: $stride, padding: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv, filters: $filters, kernel: 3, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: add, type: add, inputs: [bn2, input]}
      - {name: relu, type: relu}
  basic_down:
    args: {filters: null}
    layers:
      - {name: conv1, type: conv, filters: $filters, kernel: 3, stride: 2, padding: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv, filters: $filters, kernel: 3, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: downsample.0, type: conv, filters: $filters, kernel: 1, stride: 2, bias: false, inputs: input}
      - {name: downsample.1, type: batchnorm}
      - {name: add, type: add, inputs: [bn2, downsample.1]}
      - {name: relu, type: relu}
layers:
  - {name: conv1, type: conv, filters: 64, kernel: 7, stride: 2, padding: 3, bias: false}
  - {name: bn1, type: batchnorm}
  - {name: relu, type: relu}
  - {name: maxpool, type: maxpool, kernel: 3, stride: 2, padding: 1}
  - {name: layer1, type: basic, filters: 64}
  - {name: layer2, type: basic_down, filters: 128}
  - {name: avgpool, type: adaptiveavgpool, output: [1, 1]}
  - {name: fc, type: dense, units: 10}
"""


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation: pool, fc1, activation, fc2, scale activation, `scale * input`."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x  # type: ignore[no-any-return]


class InvertedResidual(nn.Module):
    """MobileNetV3's block as torchvision writes it: expand, depthwise, squeeze-and-excitation, project, `x + result`."""

    def __init__(self, c: int, expanded: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(c, expanded, 1, bias=False), nn.BatchNorm2d(expanded), nn.SiLU(inplace=True),
            nn.Conv2d(expanded, expanded, 3, 1, 1, groups=expanded, bias=False), nn.BatchNorm2d(expanded), nn.Hardswish(),
            SqueezeExcitation(expanded, 8),
            nn.Conv2d(expanded, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)  # type: ignore[no-any-return]


class MobileNetish(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True))
        self.block = InvertedResidual(16, 64)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(16, 32), nn.Hardswish(inplace=True), nn.Dropout(0.2), nn.Linear(32, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.block(self.stem(x))), 1))  # type: ignore[no-any-return]


MOBILENETISH = """
name: mobilenetish
input: [3, 32, 32]
layers:
  - {name: stem.0, type: conv, filters: 16, kernel: 3, stride: 2, padding: 1, bias: false}
  - {name: stem.1, type: batchnorm}
  - {name: stem.2, type: relu6}
  - {name: expand, type: conv, filters: 64, kernel: 1, bias: false}
  - {name: expand_bn, type: batchnorm}
  - {name: expand_act, type: silu}
  - {name: dw, type: conv, filters: 64, kernel: 3, padding: 1, groups: 64, bias: false}
  - {name: dw_bn, type: batchnorm}
  - {name: dw_act, type: hardswish}
  - {name: se.avgpool, type: globalavgpool}
  - {name: se.fc1, type: conv, filters: 8, kernel: 1, activation: relu}
  - {name: se.fc2, type: conv, filters: 64, kernel: 1, activation: hardsigmoid}
  - {name: se.scale, type: multiply, inputs: [se.fc2, dw_act]}
  - {name: project, type: conv, filters: 16, kernel: 1, bias: false}
  - {name: project_bn, type: batchnorm}
  - {name: residual, type: add, inputs: [stem.2, project_bn]}
  - {name: pool, type: globalavgpool}
  - {name: fc1, type: dense, units: 32, activation: hardswish}
  - {name: drop, type: dropout, rate: 0.2}
  - {name: fc2, type: dense, units: 10}
"""


class DenseLayer(nn.Module):
    """torchvision.models.densenet._DenseLayer's bottleneck (norm, relu, 1×1 conv, norm, relu, 3×3 conv), then torch.cat."""

    def __init__(self, c: int, growth: int) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(c), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(c, 4 * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4 * growth, growth, 3, 1, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        new = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        return torch.cat([x, new], 1)


class DenseNetish(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.layer1, self.layer2 = DenseLayer(16, 8), DenseLayer(24, 8)
        self.transition = nn.Sequential(nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.Conv2d(32, 16, 1, bias=False), nn.AvgPool2d(2, 2))
        self.up = nn.ConvTranspose2d(16, 8, 2, 2)
        self.norm = nn.GroupNorm(4, 8)
        self.act = nn.GELU()
        self.pool = nn.MaxPool2d(2)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear")
        self.shuffle = nn.PixelShuffle(2)
        self.prelu = nn.PReLU(2)
        self.elu = nn.ELU(inplace=True)
        self.leaky = nn.LeakyReLU(0.1)
        self.adapt = nn.AdaptiveAvgPool2d((3, 3))
        self.fc = nn.Linear(18, 12, bias=False)
        self.ln = nn.LayerNorm(12)
        self.tanh = nn.Tanh()
        self.out = nn.Linear(12, 5)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.transition(self.layer2(self.layer1(self.conv0(x))))
        x = self.act(self.norm(self.up(x)))
        x = self.shuffle(self.upsample(self.pool(x)))
        x = self.adapt(self.leaky(self.elu(self.prelu(x))))
        x = self.tanh(self.ln(self.fc(torch.flatten(x, 1))))
        return self.softmax(self.out(x))  # type: ignore[no-any-return]


DENSENETISH = """
name: densenetish
input: [3, 20, 20]
layers:
  - {name: conv0, type: conv, filters: 16, kernel: 3, padding: 1, bias: false}
  - {name: l1.norm1, type: batchnorm}
  - {name: l1.relu1, type: relu}
  - {name: l1.conv1, type: conv, filters: 32, kernel: 1, bias: false}
  - {name: l1.norm2, type: batchnorm}
  - {name: l1.relu2, type: relu}
  - {name: l1.conv2, type: conv, filters: 8, kernel: 3, padding: 1, bias: false}
  - {name: l1.cat, type: concat, inputs: [conv0, l1.conv2]}
  - {name: l2.norm1, type: batchnorm}
  - {name: l2.relu1, type: relu}
  - {name: l2.conv1, type: conv, filters: 32, kernel: 1, bias: false}
  - {name: l2.norm2, type: batchnorm}
  - {name: l2.relu2, type: relu}
  - {name: l2.conv2, type: conv, filters: 8, kernel: 3, padding: 1, bias: false}
  - {name: l2.cat, type: concat, inputs: [l1.cat, l2.conv2]}
  - {name: t.norm, type: batchnorm}
  - {name: t.relu, type: relu}
  - {name: t.conv, type: conv, filters: 16, kernel: 1, bias: false}
  - {name: t.pool, type: avgpool, kernel: 2}
  - {name: up, type: convtranspose, filters: 8, kernel: 2, stride: 2}
  - {name: norm, type: groupnorm, groups: 4}
  - {name: act, type: gelu}
  - {name: pool, type: maxpool, kernel: 2}
  - {name: upsample, type: upsample, scale: 2, mode: bilinear}
  - {name: shuffle, type: pixel_shuffle, factor: 2}
  - {name: prelu, type: prelu}
  - {name: elu, type: elu}
  - {name: leaky, type: leakyrelu, negative_slope: 0.1}
  - {name: adapt, type: adaptiveavgpool, output: [3, 3]}
  - {name: fc, type: dense, units: 12, bias: false}
  - {name: ln, type: layernorm}
  - {name: tanh, type: tanh}
  - {name: out, type: dense, units: 5}
  - {name: softmax, type: softmax}
"""

HAND_WRITTEN = [(ResNetish, RESNETISH), (MobileNetish, MOBILENETISH), (DenseNetish, DENSENETISH)]


@pytest.mark.parametrize(("net", "spec"), HAND_WRITTEN, ids=["resnet-basic-block", "inverted-residual-se", "densenet-concat-misc"])
def test_every_tool_prints_what_archcalc_predicts_for_a_torchvision_style_module(net: type[nn.Module], spec: str) -> None:
    graph, a = loaded(spec)
    torch.manual_seed(0)
    model = net().eval()
    assert sum(p.numel() for p in model.parameters()) == a.totals.params + a.totals.frozen_params  # the spec is this module
    assert_every_tool_agrees(model, a)


@pytest.mark.parametrize("form", ["modules", "operators"])
@pytest.mark.parametrize("spec", [pytest.param(RESNETISH, marks=pytest.mark.slow), MOBILENETISH, pytest.param(DENSENETISH, marks=pytest.mark.slow)],
                         ids=["resnet", "mobilenet", "densenet"])  # mobilenet (add and multiply) by default; all with -m slow
def test_archcalcs_build_prints_the_same_with_merges_as_modules_or_operators(spec: str, form: str) -> None:
    graph, a = loaded(spec)
    assert_every_tool_agrees(merges_as(build_module(graph, a), form).eval(), a)


def test_merges_as_torch_functions_are_counted_by_ptflops_alone() -> None:
    """torch.add and torch.mul (not the operators) are patched by ptflops: one per output value each; others the same."""
    graph, a = loaded(MOBILENETISH)
    got = counts_by_tool(merges_as(build_module(graph, a), "functions").eval(), example(a))
    want = predicted(a)
    merged = sum(math.prod(r.output) for r in a.rows if r.kind in ("add", "multiply"))  # 64·16·16 + 16·16·16
    assert merged == 64 * 16 * 16 + 16 * 16 * 16
    assert got == {**{t: want[t] for t in TOOLS}, "ptflops": want["ptflops"] + merged}  # type: ignore[operator]


def test_functional_calls_are_what_hook_tools_miss() -> None:
    """torchvision's DenseNet ends in F.relu and F.adaptive_avg_pool2d: ptflops counts its patched functionals once
    (not twice, as for modules), thop not at all; a spec's layers are modules, so archcalc predicts the module form."""

    class Functional(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.adaptive_avg_pool2d(F.relu(x, inplace=True), (1, 1))

    class Modules(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.relu, self.pool = nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.pool(self.relu(x))  # type: ignore[no-any-return]

    x = torch.randn(1, 8, 6, 6)
    functional, modules = counts_by_tool(Functional(), x), counts_by_tool(Modules(), x)
    assert modules["ptflops"] == 2 * 288 + 2 * 288 and functional["ptflops"] == 288 + 288  # 8·6·6 values: relu, pool
    assert modules["thop"] == (36 + 1) * 8 and functional["thop"] == 0  # thop's adaptive pool: (window + 1) per output
    assert modules["fvcore"] == functional["fvcore"] == 288  # aten ops: the same either way


# --- the bundled specs: LeNet by default, all of them in the slow sweep --------------------------------------------


def check_spec(name: str) -> None:
    graph, a = loaded(name)
    gm = build_module(graph, a).eval()
    for form in ("modules", "operators"):
        assert_every_tool_agrees(merges_as(gm, form), a)
    assert_every_layer_agrees(graph, a, merges_as(gm, "modules"))


def test_lenet_every_tool_in_total_and_per_layer() -> None:
    check_spec("lenet")


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in bundled_names() if n != "lenet"])
def test_every_bundled_spec_every_tool_in_total_and_per_layer(name: str) -> None:
    check_spec(name)


# --- the conventions themselves -----------------------------------------------------------------------------------


def test_lenet_figures_by_hand() -> None:
    """LeNet (Dive into Deep Learning's): conv 5×5 pad 2 → 6, sigmoid, avg pool 2, conv 5×5 → 16, sigmoid, avg pool 2,
    dense 120, 84, 10 (sigmoid between). Hand arithmetic from the tools' rules; the tools agree (test above)."""
    _, a = loaded("lenet")
    macs = 117_600 + 240_000 + 48_000 + 10_080 + 840  # conv1, conv2, fc1, fc2, fc3 (tests/test_bundled.py)
    biases = 6 * 28 * 28 + 16 * 10 * 10 + 120 + 84 + 10  # a bias per conv output value, per dense unit
    pooled = 6 * 28 * 28 + 16 * 10 * 10  # the avg pools' inputs
    assert predicted(a) == {
        "torch": 2 * macs,
        "fvcore": macs,
        "ptflops": macs + biases + 2 * pooled,  # pools twice (hook and F.avg_pool2d); sigmoid not counted
        "ptflops-aten": macs + biases,
        "thop": macs + 6 * 14 * 14 + 16 * 5 * 5,  # avg pool: one per output value
        "torchinfo": macs + biases,
        "macs": macs,
    }


def test_every_kind_states_a_count_under_every_convention() -> None:
    """Each kind's counts name every convention with an integer or None (the tool fails), on a small input."""
    for name, cls in KINDS.items():
        assert "counts" in {n for c in cls.__mro__ for n in vars(c)}, name
    layer = KINDS["conv"](filters=4, kernel=(3, 3))  # type: ignore[call-arg]
    c = layer.counts(Site(((3, 8, 8),), 1), (4, 6, 6)).as_dict()
    assert tuple(c) == NAMES == tuple(CONVENTIONS)
    assert c == {"torch": 2 * 3888, "fvcore": 3888, "ptflops": 3888 + 144, "ptflops-aten": 3888 + 144, "thop": 3888,
                 "torchinfo": 3888 + 144, "macs": 3888}  # 4·3·3·3 weights at 6·6 positions; 4·6·6 bias values


def test_a_tool_that_fails_has_no_total() -> None:
    """fvcore traces with torch.jit, where the crop's centring arithmetic meets a tensor: it fails on U-Net."""
    _, a = loaded("unet")
    totals = predicted(a)
    assert totals["fvcore"] is None and all(v is not None for k, v in totals.items() if k != "fvcore")
    assert total_counts(layer_counts(a)).fvcore is None


# --- every kind, generically over the registry: its counts against every tool ----------------------------------

# each case: a spec's layers after a relu `a` on a 4×12×12 input (a test of every kind's rule, and of its options)
EVERY_KIND = {
    "conv": ["{type: conv, filters: 6, kernel: 3, padding: 1}", "{type: conv, filters: 4, kernel: 3, groups: 2, bias: false}",
             "{type: conv, filters: 4, kernel: 4, padding: same, activation: prelu}",
             "{type: conv, filters: 3, kernel: 3, connections: [[0, 1], [1, 2, 3], [0, 3]]}"],
    "convtranspose": ["{type: convtranspose, filters: 6, kernel: 3, stride: 2, padding: 1, output_padding: 1}",
                      "{type: convtranspose, filters: 4, kernel: 2, stride: 2, groups: 2, bias: false, activation: relu}"],
    "dense": ["{type: dense, units: 7}", "{type: dense, units: 7, bias: false, activation: elu}"],
    "rbf": ["{type: rbf, units: 5}"],
    "lrn": ["{type: lrn}", "{type: lrn, size: 4}"],
    "batchnorm": ["{type: batchnorm}", "{type: batchnorm, affine: false}", "{type: flatten}\n  - {type: batchnorm}"],
    "layernorm": ["{type: layernorm}", "{type: layernorm, affine: false}", "{type: dense, units: 8}\n  - {type: layernorm}",
                  "{type: dense, units: 8}\n  - {type: layernorm, affine: false}"],
    "groupnorm": ["{type: groupnorm, groups: 2}", "{type: groupnorm, groups: 4, affine: false}"],
    "maxpool": ["{type: maxpool, kernel: 3, stride: 2, padding: 1}", "{type: maxpool, kernel: 3, stride: 2, padding: same}",
                "{type: maxpool, kernel: 5, stride: 2, rounding: ceil}"],
    "avgpool": ["{type: avgpool, kernel: 2}", "{type: avgpool, kernel: 3, stride: 2, padding: same}"],
    "adaptiveavgpool": ["{type: adaptiveavgpool, output: 5}", "{type: adaptiveavgpool, output: [3, 4]}",
                        "{type: conv, filters: 4, kernel: 3, stride: 2}\n  - {type: adaptiveavgpool, inputs: [a, k0]}"],
    "globalavgpool": ["{type: globalavgpool}"],
    "upsample": ["{type: upsample, scale: 2}", "{type: upsample, scale: [2, 3], mode: bilinear}", "{type: upsample, size: [17, 20]}",
                 "{type: conv, filters: 4, kernel: 3, stride: 2}\n  - {type: upsample, mode: bilinear, inputs: [k0, a]}"],
    "pixel_shuffle": ["{type: pixel_shuffle, factor: 2}"],
    "subsample": ["{type: subsample, activation: scaled_tanh}"],
    "softmax": ["{type: softmax}", "{type: flatten}\n  - {type: softmax}"],
    "prelu": ["{type: prelu}", "{type: prelu, shared: true}"],
    "layer_scale": ["{type: layer_scale}"],
    "stochastic_depth": ["{type: stochastic_depth, rate: 0.2}"],
    "add": ["{type: add, inputs: [a, a]}"],
    "concat": ["{type: concat, inputs: [a, a]}"],
    "multiply": ["{type: globalavgpool}\n  - {type: multiply, inputs: [k0, a]}"],
    "chunk": ["{type: chunk, chunks: 2, index: 1}"],
    "channel_shuffle": ["{type: channel_shuffle, groups: 2}"],
    "crop": ["{type: crop, size: [8, 8]}"],
    "dropout": ["{type: dropout}"],
    "flatten": ["{type: flatten}"],
    # sequences and channels-last maps (issue 28); a linear layer with a bias after a layer norm, as transformers have it
    "linear": ["{type: permute}\n  - {type: layernorm}\n  - {type: linear, units: 6}",
               "{type: tokens}\n  - {type: linear, units: 6, bias: false, activation: gelu}", "{type: flatten}\n  - {type: linear, units: 6}"],
    "self_attention": ["{type: tokens}\n  - {type: layernorm}\n  - {type: self_attention, heads: 2}", "{type: tokens}\n  - {type: self_attention, heads: 4, bias: false}"],
    "window_attention": ["{type: permute}\n  - {type: window_attention, heads: 2, window: 5, shift: 2}",
                         "{type: permute}\n  - {type: window_attention, heads: 2, window: 4, qkv_bias: false}"],
    "patch_merging": ["{type: permute}\n  - {type: patch_merging}"],
    "permute": ["{type: permute}", "{type: permute}\n  - {type: permute, to: channels_first}"],
    "tokens": ["{type: tokens}", "{type: permute}\n  - {type: tokens}"],
    "class_token": ["{type: tokens}\n  - {type: class_token}"],
    "pos_embedding": ["{type: tokens}\n  - {type: pos_embedding}"],
    "select_token": ["{type: tokens}\n  - {type: select_token, index: 1}"],
    **{k: [f"{{type: {k}}}"] for k in ("relu", "sigmoid", "tanh", "scaled_tanh", "relu6", "hardswish", "hardsigmoid", "silu", "gelu",
                                       "leakyrelu", "elu")},
}
CASES = [(kind, i, layers) for kind, cases in EVERY_KIND.items() for i, layers in enumerate(cases)]


def test_every_kind_has_its_cases() -> None:
    assert set(EVERY_KIND) == set(KINDS), "add the new kind's cases to EVERY_KIND: its counts are proven against every tool"


def case_spec(layers: str) -> str:
    rows = [row.strip() for row in layers.split("\n  - ")]
    named = [row.replace("{", f"{{name: k{i}, ", 1) for i, row in enumerate(rows)]
    return "name: one\ninput: [4, 12, 12]\nlayers:\n  - {name: a, type: relu}\n" + "".join(f"  - {r}\n" for r in named)


# Every tool on every case is under -m slow (CI); by default each kind's first case, so that every kind's counts rule
# still meets every tool in the default run.
@pytest.mark.parametrize(("kind", "i", "layers"), [(k, i, c) if i == 0 else pytest.param(k, i, c, marks=pytest.mark.slow) for k, i, c in CASES],
                         ids=[f"{k}-{i}" for k, i, _ in CASES])
def test_every_kinds_counts_are_every_tools(kind: str, i: int, layers: str) -> None:
    graph, a = loaded(case_spec(layers))
    gm = build_module(graph, a).eval()
    assert_every_tool_agrees(gm, a)
    assert_every_layer_agrees(graph, a, gm)


# --- torchvision's own ResNet-50, as the tools print it -----------------------------------------------------------

RESNET50 = """name: ResNet-50
input: [3, 224, 224]
blocks:
  bottleneck:
    args: {width: null, out: null, stride: 1}
    layers:
      - {name: conv1, type: conv, filters: $width, kernel: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv, filters: $width, kernel: 3, stride: $stride, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: relu2, type: relu}
      - {name: conv3, type: conv, filters: $out, kernel: 1, bias: false}
      - {name: bn3, type: batchnorm}
      - {name: add, type: add, inputs: [bn3, input]}
      - {name: relu, type: relu}
  bottleneck_down:
    args: {width: null, out: null, stride: 1}
    layers:
      - {name: conv1, type: conv, filters: $width, kernel: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv, filters: $width, kernel: 3, stride: $stride, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: relu2, type: relu}
      - {name: conv3, type: conv, filters: $out, kernel: 1, bias: false}
      - {name: bn3, type: batchnorm}
      - {name: downsample.0, type: conv, filters: $out, kernel: 1, stride: $stride, bias: false, inputs: input}
      - {name: downsample.1, type: batchnorm}
      - {name: add, type: add, inputs: [bn3, downsample.1]}
      - {name: relu, type: relu}
layers:
  - {name: conv1, type: conv, filters: 64, kernel: 7, stride: 2, padding: 3, bias: false}
  - {name: bn1, type: batchnorm}
  - {name: relu, type: relu}
  - {name: maxpool, type: maxpool, kernel: 3, stride: 2, padding: 1}
  - {name: layer1.0, type: bottleneck_down, width: 64, out: 256}
  - {name: layer1.1, type: bottleneck, width: 64, out: 256}
  - {name: layer1.2, type: bottleneck, width: 64, out: 256}
  - {name: layer2.0, type: bottleneck_down, width: 128, out: 512, stride: 2}
  - {name: layer2.1, type: bottleneck, width: 128, out: 512}
  - {name: layer2.2, type: bottleneck, width: 128, out: 512}
  - {name: layer2.3, type: bottleneck, width: 128, out: 512}
  - {name: layer3.0, type: bottleneck_down, width: 256, out: 1024, stride: 2}
  - {name: layer3.1, type: bottleneck, width: 256, out: 1024}
  - {name: layer3.2, type: bottleneck, width: 256, out: 1024}
  - {name: layer3.3, type: bottleneck, width: 256, out: 1024}
  - {name: layer3.4, type: bottleneck, width: 256, out: 1024}
  - {name: layer3.5, type: bottleneck, width: 256, out: 1024}
  - {name: layer4.0, type: bottleneck_down, width: 512, out: 2048, stride: 2}
  - {name: layer4.1, type: bottleneck, width: 512, out: 2048}
  - {name: layer4.2, type: bottleneck, width: 512, out: 2048}
  - {name: avgpool, type: adaptiveavgpool, output: [1, 1]}
  - {name: fc, type: dense, units: 1000}
"""


def test_resnet50_written_from_torchvisions_source_predicts_what_the_tools_print_for_torchvisions() -> None:
    """The tools' totals on torchvision's resnet50 at 224 (torchvision.models.resnet50(), batch 1), as measured and
    quoted in issue 20; the spec is written from torchvision's source (Bottleneck: 1×1, 3×3 with the stride, 1×1 ×4,
    batch norm after each, `out += identity`, ReLU modules; 25,557,032 parameters, as torchvision's)."""
    _, a = loaded(RESNET50)
    assert a.totals.params == 25_557_032
    assert predicted(a) == {"torch": 8_178_368_512, "fvcore": 4_111_512_576, "ptflops": 4_132_436_968, "ptflops-aten": 4_089_185_256,
                            "thop": 4_133_742_592, "torchinfo": 4_089_238_376,
                            "macs": 4_089_185_256 - 1000}  # archcalc's MACs: ptflops-aten's less the fc's 1,000 biases


def test_the_resnet_papers_3_8_billion_flops_are_multiply_adds() -> None:
    """He et al. (2016), table 1: ResNet-50 "3.8×10⁹" FLOPs. Within 8%: the conventions of one per MAC, not torch's."""
    _, a = loaded(RESNET50.replace("layers:\n  - {name: conv1", "claims:\n  totals:\n    macs: {about: 3800000000, tolerance: 0.08}\n"
                                   "layers:\n  - {name: conv1", 1))
    claim = next(c for c in a.claims if c.subject == "total macs")
    assert claim.matches == ("macs", "ptflops-aten", "torchinfo")  # fvcore's 4.11 G is 8.2% off
    assert "stated 3.80 G: matches `macs` (4.09 G, +7.6%), also `ptflops-aten`, `torchinfo`" in claim.detail
