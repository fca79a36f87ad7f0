"""relu6 (archcalc/kinds/relu6.py), the kind added as one file: alone and fused, against torch."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.kinds import KINDS, fusable_activations
from archcalc.specfile import parse_spec

SPEC = """name: r6
input: [3, 16, 16]
layers:
  - {name: conv1, type: conv, filters: 8, kernel: 3, stride: 2, activation: relu6}
  - {name: clip, type: relu6}
  - {name: fc, type: dense, units: 10, activation: relu6}
"""


def test_relu6_is_a_kind_and_an_activation_value() -> None:
    assert "relu6" in KINDS and "relu6" in fusable_activations()


def test_relu6_figures_and_torch() -> None:
    graph = build_graph(parse_spec(SPEC))
    a = analyse(graph)
    clip = a.rows[1]
    # (16 − 3 + 2·0)/2 + 1 = 7.5 → 7: 8×7×7 = 392 values; no parameters, MACs or FLOPs (FlopCounterMode counts none for hardtanh)
    assert (clip.output, clip.params, clip.macs, clip.flops, clip.connections) == ((8, 7, 7), 0, 0, 0, 0)
    assert a.rows[0].activation == "relu6" and a.rows[0].activation_label == "ReLU6"
    module = tb.build_module(graph, a)
    assert isinstance(module.get_submodule("clip"), nn.ReLU6) and not module.get_submodule("clip").inplace
    fused = module.get_submodule("conv1.relu6")
    assert isinstance(fused, nn.ReLU6) and fused.inplace  # fused: nothing else reads conv1's own output
    assert tb.verify(graph, a, module=module).ok  # shapes, numel and FlopCounterMode, layer by layer
    x = torch.linspace(-10, 10, 3 * 16 * 16).reshape(1, 3, 16, 16)
    y = module.get_submodule("clip")(x)
    assert y.min().item() == 0 and y.max().item() == 6


@pytest.mark.parametrize("value", [-3.0, 0.5, 6.0, 9.0])
def test_relu6_clips_like_the_formula(value: float) -> None:
    layer = KINDS["relu6"]()
    out = layer.build(tb.Site(((1,),), 1))(torch.tensor([[value]]))
    assert out.item() == min(max(0.0, value), 6.0)
