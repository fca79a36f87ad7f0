"""ConvNeXt-T (specs/convnext_tiny.yaml) against a ConvNeXt-T written here as torchvision writes it:
the inverted bottleneck as nn.Linear layers over a channels-last tensor (the spec's `linear` layers after a
`permute`, shapes H×W×C in both), nn.LayerNorm, layer scale, and the paper's figures."""

from __future__ import annotations

import pytest
import torch
from on_meta import on_meta
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torch_layers import reference_layers, spec_layers

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.specfile import load_spec


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Scale(nn.Module):
    """Layer scale: a learned factor per channel, 1e-6 at first."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((dim, 1, 1), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


class Block(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.scale = Scale(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.mlp(self.norm(self.dw(x).permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        return x + self.scale(y)  # stochastic depth: the identity at inference


class ConvNeXtTiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        dims, depths = [96, 192, 384, 768], [3, 3, 9, 3]
        layers: list[nn.Module] = [nn.Conv2d(3, 96, 4, 4), LayerNorm2d(96, eps=1e-6)]
        for i, (dim, depth) in enumerate(zip(dims, depths)):
            if i:
                layers += [LayerNorm2d(dims[i - 1], eps=1e-6), nn.Conv2d(dims[i - 1], dim, 2, 2)]
            layers += [Block(dim) for _ in range(depth)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(LayerNorm2d(768, eps=1e-6), nn.Flatten(), nn.Linear(768, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(nn.functional.adaptive_avg_pool2d(self.features(x), 1))
        return out


@pytest.mark.slow  # a whole network against its torchvision-style module: half a second of CPU (the default run keeps
# ViT-B/16's, and the classics' in tests/test_classics.py)
def test_convnext_tiny_against_torch() -> None:
    graph = build_graph(load_spec("convnext_tiny"))
    a = analyse(graph)
    reference = on_meta(ConvNeXtTiny).eval()
    with FlopCounterMode(display=False) as counter:
        y = reference(torch.empty(1, 3, 224, 224, device="meta"))
    assert tuple(y.shape[1:]) == a.rows[-1].output == (1000,)
    assert sum(p.numel() for p in reference.parameters()) == a.totals.params == 28_589_128  # torchvision's convnext_tiny
    assert counter.get_total_flops() == a.totals.flops == 2 * a.totals.macs == 8_911_062_528
    # table 1: "28M parameters, 4.5G FLOPs" (multiply-adds): +2.1% and -1.0%
    assert all(c.confirmed for c in a.claims) and a.findings == ()
    # layer by layer; the block's LayerNorm and Linear layers run channels-last, in torch and in the spec
    layers = reference_layers(on_meta(ConvNeXtTiny), torch.empty(1, 3, 224, 224, device="meta"))
    assert layers == spec_layers(a)
    assert tb.verify(graph, a, device="meta").ok  # archcalc run's module, layer by layer
