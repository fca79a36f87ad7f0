"""prelu: x for x ≥ 0, a learned a·x below; one a per channel (the paper's, He et al. 2015), or one shared."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.activations import Activation
from archcalc.kinds.base import KeepsInput, Site
from archcalc.kinds.terms.conventions import Counts, per_value
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import Bool, Shape

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class PReLU(KeepsInput, Activation):  # its backward reads x (and its slopes, parameters)
    kind: ClassVar[str] = "prelu"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({}, {"shared": True})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "prelu"
    fused_label: ClassVar[str] = "PReLU"
    summary: ClassVar[str] = "x for x ≥ 0, a learned a·x below: one a per channel, or one shared"

    shared: Bool = False

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        # one slope per channel (or one in all); connections: each unit reads its input through its slope
        return Figures(params=1 if self.shared else xs[0][0], connections=math.prod(xs[0]), activations=math.prod(out))

    def counts(self, site: Site, out: Shape) -> Counts:
        # ptflops: its module hook and the patched F.prelu; thop 1 per value at inference; torchinfo its slopes once
        return per_value(out, ptflops=2, thop=1) + Counts(torchinfo=1 if self.shared else site.inputs[0][0])

    def gpu_share(self, figures: Figures, gpus: int) -> Figures:
        # one shared slope: every tower holds its own copy of it (the shard is the whole module), the rest by the maps
        return replace(figures.share(gpus), params=figures.params) if self.shared else figures.share(gpus)

    def hyper(self) -> str:
        return "one slope" if self.shared else "a slope per channel"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.PReLU(1 if self.shared else channels)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        import copy

        from torch import nn

        from archcalc.torch_backend.shards import rows

        assert isinstance(module, nn.PReLU)
        return copy.deepcopy(module) if self.shared else rows(module, nn.PReLU(module.num_parameters // G), g)
