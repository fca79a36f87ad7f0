"""U-Net (specs/unet.yaml) against the paper's figure 1 and a U-Net written here in plain torch.nn.

torch runs on the meta device: shapes, parameters and FlopCounterMode FLOPs without computing 300
GFLOPs on the CPU."""

from __future__ import annotations

import torch
from on_meta import on_meta
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torch_layers import reference_layers, spec_layers

from archcalc import torch_backend as tb
from archcalc.analysis import analyse, valid_inputs
from archcalc.analysis.graph import build_graph
from archcalc.specfile import load_spec


def double(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3), nn.ReLU())


class UNet(nn.Module):
    """Figure 1 as written: unpadded 3×3 convolutions, 2×2 pools, 2×2 up-convolutions, copy and crop."""

    def __init__(self) -> None:
        super().__init__()
        widths = [64, 128, 256, 512]
        self.downs = nn.ModuleList(double(cin, cout) for cin, cout in zip([1, *widths[:-1]], widths))
        self.bottom = double(512, 1024)
        self.ups = nn.ModuleList(nn.ConvTranspose2d(2 * w, w, 2, 2) for w in reversed(widths))
        self.decs = nn.ModuleList(double(2 * w, w) for w in reversed(widths))
        self.classes = nn.Conv2d(64, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, dec, skip in zip(self.ups, self.decs, reversed(skips)):
            x = up(x)
            margin = (skip.shape[-1] - x.shape[-1]) // 2
            x = dec(torch.cat([skip[..., margin:margin + x.shape[-2], margin:margin + x.shape[-1]], x], 1))
        out: torch.Tensor = self.classes(x)
        return out


def test_unet_against_torch_and_figure_1() -> None:
    graph = build_graph(load_spec("unet"))
    a = analyse(graph)
    assert a.findings == () and all(c.confirmed for c in a.claims) and len(a.claims) == 33  # the input and 32 sizes of figure 1
    reference = on_meta(UNet)
    with FlopCounterMode(display=False) as counter:
        y = reference(torch.empty(1, 1, 572, 572, device="meta"))
    assert tuple(y.shape[1:]) == a.rows[-1].output == (2, 388, 388)
    # by hand, (C_in·C_out·K² + C_out) per layer: the contracting path 18,842,048, the 4 up-convolutions
    # 2,786,240, the expanding path's 8 convolutions 9,402,240, the 1×1 classifier 130: 31,030,658
    assert sum(p.numel() for p in reference.parameters()) == a.totals.params == 31_030_658
    assert counter.get_total_flops() == a.totals.flops
    assert reference_layers(on_meta(UNet), torch.empty(1, 1, 572, 572, device="meta")) == spec_layers(a)  # layer by layer
    assert tb.verify(graph, a, device="meta").ok  # archcalc run's module, layer by layer


def test_unet_valid_inputs_are_every_16_from_188() -> None:
    """Every pool divides and every crop is centred exactly when the input is 188 + 16k (572 = 188 + 16·24)."""
    [v] = valid_inputs(build_graph(load_spec("unet")), 150, 600)
    assert v.exact == tuple(range(188, 601, 16)) and 572 in v.exact
    assert v.smallest == 188  # at 187 the last 3×3 convolution of dec3 has a 2×2 input
