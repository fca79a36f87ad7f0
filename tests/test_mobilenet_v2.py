"""MobileNetV2 (specs/mobilenet_v2.yaml) against a MobileNetV2 written here as torchvision writes it
(inverted residual blocks, ReLU6, batch norm), and against the paper's stated figures."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torch_layers import reference_layers, spec_layers

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.specfile import load_spec


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, relu: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return layers + ([nn.ReLU6()] if relu else [])


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, t: int) -> None:
        super().__init__()
        hidden = cin * t
        layers = conv_bn(cin, hidden, 1) if t != 1 else []
        layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + conv_bn(hidden, cout, 1, relu=False)
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.body(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]  # table 2

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = conv_bn(3, 32, 3, 2)
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += conv_bn(320, 1280, 1)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))
        return out


@pytest.mark.slow  # a whole network against its torchvision-style module: half a second of CPU (the default run keeps
# ViT-B/16's, and the classics' in tests/test_classics.py)
def test_mobilenet_v2_against_torch() -> None:
    graph = build_graph(load_spec("mobilenet_v2"))
    a = analyse(graph)
    reference = MobileNetV2().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = reference(torch.randn(1, 3, 224, 224))
    assert tuple(y.shape[1:]) == a.rows[-1].output == (1000,)
    assert sum(p.numel() for p in reference.parameters()) == a.totals.params == 3_504_872  # torchvision's mobilenet_v2
    assert counter.get_total_flops() == a.totals.flops == 2 * a.totals.macs
    # the paper's "3.4M parameters, 300M multiply-adds": both within 5% (+3.1% and +0.3%)
    totals = {c.figure: c for c in a.claims if c.layer is None}
    assert totals["params"].confirmed and totals["macs"].confirmed and totals["macs"].computed == 300_774_272
    assert all(c.confirmed for c in a.claims)
    assert reference_layers(MobileNetV2(), torch.randn(1, 3, 224, 224)) == spec_layers(a)  # layer by layer: shape, parameters, FLOPs
    assert tb.verify(graph, a).ok  # archcalc run's module, layer by layer
    # the 17 bottlenecks: 10 with a residual sum, as the table's rows of n give them
    assert sum(r.kind == "add" for r in a.rows) == 10
