"""What a layer costs, as one value that adds up: rows, totals and each GPU's share are all Figures.

Conventions (every kind follows them; README "FLOPs, MACs and connections"):
- ``params`` counts what ``torch.nn`` registers as trainable parameters (weights and biases);
  ``frozen_params`` parameters that exist but do not train (the RBF vectors of LeNet-1998).
- ``macs`` counts multiply-accumulates of the weights; ``flops`` follows
  ``torch.utils.flop_counter.FlopCounterMode``: 2 per MAC in convolutions and matrix products, 0
  for pooling, normalisation, activations and the rest (torch does not count them).
- ``connections`` counts as LeCun et al. (1998) do: per output unit, one per input it reads plus
  one for its bias, summed over the layer's units; 0 for layers without weights.
- ``activations``: the values in the layer's output, per image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Figures:
    params: int = 0
    frozen_params: int = 0
    macs: int = 0
    flops: int = 0
    connections: int = 0
    activations: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.values(), other.values())))

    def values(self) -> tuple[int, ...]:
        return (self.params, self.frozen_params, self.macs, self.flops, self.connections, self.activations)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(FIGURES, self.values()))

    def share(self, gpus: int) -> Figures:
        """One GPU's part of a split layer: every figure is linear in its output maps, which divide by the GPUs."""
        return Figures(*(v // gpus for v in self.values()))

    @staticmethod
    def weighted(out: tuple[int, ...], params: int, macs: int, connections: int, frozen_params: int = 0) -> Figures:
        """A layer with weights: FLOPs are 2 per MAC (FlopCounterMode)."""
        return Figures(params, frozen_params, macs, 2 * macs, connections, math.prod(out))

    @staticmethod
    def no_weights(out: tuple[int, ...]) -> Figures:
        """A layer without weights: no parameters, MACs, FLOPs or connections; only its output's values."""
        return Figures(activations=math.prod(out))


FIGURES = tuple(f.name for f in fields(Figures))  # params, frozen_params, macs, flops, connections, activations


def total(figures: Iterable[Figures]) -> Figures:
    columns = list(zip(*(f.values() for f in figures)))
    return Figures(*map(sum, columns)) if columns else Figures()
