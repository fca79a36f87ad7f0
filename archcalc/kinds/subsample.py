"""subsample: LeNet-1998's trainable subsampling (S2, S4)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from archcalc import text
from archcalc.kinds.base import (
    Layer,
    Site,
    VectorUnits,
    activation_shard,
    fused_activation,
    keys_of,
    with_activation,
    with_activation_counts,
)
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field, window_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import SizeTerm, Sizing, spatial, window
from archcalc.kinds.terms.values import ActivationName, Pair, PairOrKernel, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Subsample(VectorUnits, Layer):
    """Each unit adds its kernel's inputs, multiplies the sum by a coefficient and adds a bias, one of
    each per map (LeCun et al. 1998, section II.B). No multiply-accumulate of a weight per input:
    MACs and FLOPs 0, as torch's counter sees it."""

    kind: ClassVar[str] = "subsample"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({}, {"kernel": 3, "stride": 2, "activation": "sigmoid"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "pool"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "LeNet-1998's trainable subsampling: window sum × coefficient + bias, per map"
    neurons: ClassVar[bool] = True

    kernel: Pair = (2, 2)
    stride: PairOrKernel = None
    activation: ActivationName = None

    @property
    def steps(self) -> tuple[int, int]:
        return self.stride or self.kernel

    def spec_values(self, xs: tuple[Shape, ...]) -> dict[str, Any]:
        return {**keys_of(self), "stride": self.steps}

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, H', W')
        c, h, w = spatial(xs[0], self.kind)
        th = window("H", h, self.kernel[0], self.steps[0], (0, 0))
        tw = window("W", w, self.kernel[1], self.steps[1], (0, 0))
        return Sizing((c, th.out, tw.out), (th, tw))

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        # a coefficient and a bias per map; connections: the kernel's inputs + the bias, per output unit
        own = Figures(params=2 * xs[0][0], connections=(self.kernel[0] * self.kernel[1] + 1) * math.prod(out), activations=math.prod(out))
        return with_activation(own, self.activation, out)

    def counts(self, site: Site, out: Shape) -> Counts:
        # archcalc's Subsampling: the patched F.avg_pool2d (ptflops, 1 per input value), then `* weight + bias`;
        # torchinfo counts its weight and bias once
        own = Counts(ptflops=math.prod(site.inputs[0]), torchinfo=2 * site.inputs[0][0])
        return with_activation_counts(own, self.activation, site, out)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return window_field(ins[0], terms, out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # avg_pool2d keeps its input (where it needs a gradient); window sum × coefficient keeps the window sums
        return Kept(inputs=(0,) if keeping.grads[0] else (), extra=(keeping.bytes(keeping.output),))

    def reads_all(self, gpus: int) -> bool:
        return False

    def hyper(self) -> str:
        return f"{text.window(self.kernel, self.steps)}, trainable"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import Subsampling, fused

        return fused([("subsample", Subsampling(site.inputs[0][0], self.kernel, self.steps))], fused_activation(self.activation, site.inputs[0][0]))

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from archcalc.torch_backend.modules import Subsampling
        from archcalc.torch_backend.shards import rows, shard_parts

        def cut(m: nn.Module) -> nn.Module:
            assert isinstance(m, Subsampling)
            return rows(m, Subsampling(m.weight.numel() // G, m.kernel, m.stride), g)

        return shard_parts(module, g, G, "subsample", cut, activation_shard(self.activation))
