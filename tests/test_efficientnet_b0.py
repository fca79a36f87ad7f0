"""EfficientNet-B0 (specs/efficientnet_b0.yaml) against an EfficientNet-B0 written here as torchvision
writes it (MBConv with squeeze-and-excitation, SiLU, stochastic depth), and the paper's figures."""

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

# table 1: (expansion, kernel, stride, input width, output width, repeats)
STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3),
          (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]


def conv_bn_silu(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.SiLU()]


class SqueezeExcitation(nn.Module):
    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.reduce, self.expand = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.expand(nn.functional.silu(self.reduce(x.mean((2, 3), keepdim=True)))))
        return x * gate


class MBConv(nn.Module):
    def __init__(self, t: int, kernel: int, stride: int, cin: int, cout: int) -> None:
        super().__init__()
        hidden = cin * t
        layers = conv_bn_silu(cin, hidden, 1) if t != 1 else []
        layers += [*conv_bn_silu(hidden, hidden, kernel, stride, hidden), SqueezeExcitation(hidden, max(1, cin // 4)),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.body(x)
        return x + y if self.residual else y  # stochastic depth: the identity at inference


class EfficientNetB0(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = conv_bn_silu(3, 32, 3, 2)
        for t, k, s, cin, cout, n in STAGES:
            layers += [MBConv(t, k, s if i == 0 else 1, cin if i == 0 else cout, cout) for i in range(n)]
        layers += conv_bn_silu(320, 1280, 1)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.classifier(torch.flatten(self.features(x).mean((2, 3)), 1))
        return out


@pytest.mark.slow  # a whole network against its torchvision-style module: half a second of CPU (the default run keeps
# ViT-B/16's, and the classics' in tests/test_classics.py)
def test_efficientnet_b0_against_torch() -> None:
    graph = build_graph(load_spec("efficientnet_b0"))
    a = analyse(graph)
    reference = EfficientNetB0().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = reference(torch.randn(1, 3, 224, 224))
    assert tuple(y.shape[1:]) == a.rows[-1].output == (1000,)
    assert sum(p.numel() for p in reference.parameters()) == a.totals.params == 5_288_548  # torchvision's efficientnet_b0
    assert counter.get_total_flops() == a.totals.flops == 2 * a.totals.macs == 771_629_504
    # table 2: "5.3M parameters, 0.39B FLOPs" (multiply-adds): -0.2% and -1.1%
    assert all(c.confirmed for c in a.claims)
    assert sum(r.kind == "multiply" for r in a.rows) == 16 and sum(r.kind == "stochastic_depth" for r in a.rows) == 9
    assert reference_layers(EfficientNetB0(), torch.randn(1, 3, 224, 224)) == spec_layers(a)  # layer by layer: shape, parameters, FLOPs
    assert tb.verify(graph, a).ok  # archcalc run's module, layer by layer
