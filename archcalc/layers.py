"""One small frozen dataclass per layer kind, each with the same few methods.

Conventions, for every kind:
- A shape is one sample, no batch: ``(C, H, W)`` or ``(units,)``.
- ``params`` counts what ``torch.nn`` would register as parameters (weights and biases).
- ``macs`` counts multiply-accumulates of the weights; ``flops`` follows
  ``torch.utils.flop_counter.FlopCounterMode``: 2 per MAC for convolutions and matrix
  products, 0 for pooling, normalisation, activations and the rest (torch does not count them).
- ``frozen_params`` counts parameters that exist but do not train (the RBF vectors of LeNet-1998).
- ``connections`` counts as LeCun et al. (1998) do: per output unit, one per input it reads plus
  one for its bias, summed over the layer's units; 0 for layers without weights.
- ``terms`` is the output-size arithmetic of each spatial axis, so that a caller can show it
  and report a size that does not divide.
- A layer that cannot take its input raises ``ShapeError``; the analysis adds where it is.

Field annotations are parsed by name in ``spec.py`` (``PosInt``, ``Pair``, ``Padding``, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from archcalc.arithmetic import (  # the value types are re-exported: spec.py parses fields by these names
    Activation,
    Connections,
    NonNegInt,
    Padding,
    PadPair,
    Pair,
    PosFloat,
    PosInt,
    Rate,
    Rounding,
    Shape,
    ShapeError,
    SizeTerm,
    dims,
    same_padding,
    side,
)


def _spatial(x: Shape, kind: str) -> tuple[int, int, int]:
    if len(x) != 3:
        raise ShapeError(f"{kind} needs a C×H×W input, got {dims(x)}")
    return x[0], x[1], x[2]


def _pair(p: Pair) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


class Layer:
    """What every kind has; a kind overrides what differs."""

    kind: ClassVar[str]
    category: ClassVar[str]  # conv, pool, norm, dense, dropout, activation, reshape, merge
    arity: ClassVar[int] = 1  # number of inputs; 0 means two or more
    neurons: ClassVar[bool] = False  # its outputs are the "neurons" papers count
    creates_channels: ClassVar[bool] = False  # sets its own output channels (must divide among GPUs)
    activation: Activation = None

    def out_shape(self, *xs: Shape) -> Shape:
        return xs[0]

    def terms(self, *xs: Shape) -> tuple[SizeTerm, ...]:
        return ()

    def params(self, *xs: Shape) -> int:
        return 0

    def macs(self, *xs: Shape) -> int:
        return 0

    def flops(self, *xs: Shape) -> int:
        return 2 * self.macs(*xs)  # FlopCounterMode: 2 per multiply-accumulate

    def frozen_params(self, *xs: Shape) -> int:
        return 0

    def connections(self, *xs: Shape) -> int:
        return 0

    def reads_all(self, gpus: int) -> bool:
        """Split across GPUs, does each GPU need every input map (not only its own)?"""
        return False

    def hyper(self) -> str:
        return ""


@dataclass(frozen=True)
class Conv(Layer):
    kind: ClassVar[str] = "conv"
    category: ClassVar[str] = "conv"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    filters: PosInt
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = (0, 0)
    dilation: Pair = (1, 1)
    groups: PosInt = 1
    bias: bool = True
    activation: Activation = None
    # LeNet-1998's C3: filter f reads only the input maps in row f; the spec's key is `connections`
    connections_table: Connections | None = field(default=None, metadata={"key": "connections"})

    def pads(self, x: Shape) -> tuple[tuple[int, int], tuple[int, int]]:
        """(before, after) padding for H and W; 'same' depends on the input size."""
        if self.padding == "same":
            return tuple(  # type: ignore[return-value]
                same_padding(n, k, s, d) for n, k, s, d in zip(x[1:], self.kernel, self.stride, self.dilation)
            )
        ph, pw = self.padding
        return (ph, ph), (pw, pw)

    def terms(self, *xs: Shape) -> tuple[SizeTerm, ...]:
        c, h, w = _spatial(xs[0], "conv")
        if c % self.groups or self.filters % self.groups:
            raise ShapeError(f"groups={self.groups} must divide its {c} input channels and its {self.filters} filters")
        table = self.connections_table
        if table is not None:
            if self.groups != 1:
                raise ShapeError("a connections table replaces groups: use one or the other")
            if len(table) != self.filters:
                raise ShapeError(f"the connections table has {len(table)} rows for {self.filters} filters")
            bad = next((i for row in table for i in row if i >= c), None)
            if bad is not None:
                raise ShapeError(f"the connections table names input map {bad}, but the input has maps 0 to {c - 1}")
        ph, pw = self.pads(xs[0])
        return (
            side("H", h, self.kernel[0], self.stride[0], ph, self.dilation[0]),
            side("W", w, self.kernel[1], self.stride[1], pw, self.dilation[1]),
        )

    def out_shape(self, *xs: Shape) -> Shape:  # (C_in, H, W) -> (filters, H', W')
        th, tw = self.terms(*xs)
        return (self.filters, th.out, tw.out)

    def weights(self, x: Shape) -> int:
        """Weights of all filters: each reads C/groups maps, or the maps its connections row names."""
        maps = sum(len(row) for row in self.connections_table) if self.connections_table else self.filters * (x[0] // self.groups)
        return maps * self.kernel[0] * self.kernel[1]

    def params(self, *xs: Shape) -> int:
        return self.weights(xs[0]) + (self.filters if self.bias else 0)

    def macs(self, *xs: Shape) -> int:  # one MAC per weight per output position
        _, h, w = self.out_shape(*xs)
        return self.weights(xs[0]) * h * w

    def connections(self, *xs: Shape) -> int:  # every weight and the bias, at every output position
        _, h, w = self.out_shape(*xs)
        return self.params(*xs) * h * w

    def reads_all(self, gpus: int) -> bool:
        return self.groups % gpus != 0

    def hyper(self) -> str:
        text = f"{_pair(self.kernel)}×{_pair(self.kernel)}" if self.kernel[0] == self.kernel[1] else _pair(self.kernel)
        text += f"/{_pair(self.stride)}, {self.filters}"
        if self.padding == "same":
            text += ", pad same"
        elif any(self.padding):
            text += f", pad {_pair(self.padding)}"
        if any(d != 1 for d in self.dilation):
            text += f", dil {_pair(self.dilation)}"
        if self.groups != 1:
            text += f", groups {self.groups}"
        if self.connections_table:
            text += f", {sum(map(len, self.connections_table))} of {self.filters}×C maps connected"
        return text


@dataclass(frozen=True)
class Pool(Layer):
    """Max or average pooling; stride defaults to the kernel."""

    category: ClassVar[str] = "pool"

    kernel: Pair
    stride: Pair | None = None
    padding: PadPair = (0, 0)
    rounding: Rounding = "floor"

    @property
    def steps(self) -> Pair:
        return self.stride if self.stride is not None else self.kernel

    def terms(self, *xs: Shape) -> tuple[SizeTerm, ...]:
        _, h, w = _spatial(xs[0], self.kind)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel)):
            raise ShapeError(f"padding {_pair(self.padding)} is more than half the kernel {_pair(self.kernel)}")
        return (
            side("H", h, self.kernel[0], self.steps[0], (self.padding[0],) * 2, 1, self.rounding),
            side("W", w, self.kernel[1], self.steps[1], (self.padding[1],) * 2, 1, self.rounding),
        )

    def out_shape(self, *xs: Shape) -> Shape:  # (C, H, W) -> (C, H', W')
        th, tw = self.terms(*xs)
        return (xs[0][0], th.out, tw.out)

    def hyper(self) -> str:
        k = f"{self.kernel[0]}×{self.kernel[1]}"
        text = f"{k}/{_pair(self.steps)}"
        if any(self.padding):
            text += f", pad {_pair(self.padding)}"
        return text + (", ceil" if self.rounding == "ceil" else "")


@dataclass(frozen=True)
class MaxPool(Pool):
    kind: ClassVar[str] = "maxpool"


@dataclass(frozen=True)
class AvgPool(Pool):
    kind: ClassVar[str] = "avgpool"


@dataclass(frozen=True)
class AdaptiveAvgPool(Layer):
    kind: ClassVar[str] = "adaptiveavgpool"
    category: ClassVar[str] = "pool"

    output: Pair

    def out_shape(self, *xs: Shape) -> Shape:  # (C, H, W) -> (C, h, w)
        c, _, _ = _spatial(xs[0], self.kind)
        return (c, *self.output)

    def hyper(self) -> str:
        return f"→ {self.output[0]}×{self.output[1]}"


@dataclass(frozen=True)
class GlobalAvgPool(Layer):
    kind: ClassVar[str] = "globalavgpool"
    category: ClassVar[str] = "pool"

    def out_shape(self, *xs: Shape) -> Shape:  # (C, H, W) -> (C, 1, 1)
        return (_spatial(xs[0], self.kind)[0], 1, 1)


@dataclass(frozen=True)
class Dense(Layer):
    """Fully connected; a C×H×W input is flattened first (as torch's nn.Flatten then nn.Linear)."""

    kind: ClassVar[str] = "dense"
    category: ClassVar[str] = "dense"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    units: PosInt
    bias: bool = True
    activation: Activation = None

    def out_shape(self, *xs: Shape) -> Shape:  # (...) -> (units,)
        return (self.units,)

    def params(self, *xs: Shape) -> int:
        return math.prod(xs[0]) * self.units + (self.units if self.bias else 0)

    def macs(self, *xs: Shape) -> int:
        return math.prod(xs[0]) * self.units

    def connections(self, *xs: Shape) -> int:
        return self.params(*xs)

    def reads_all(self, gpus: int) -> bool:
        return True

    def hyper(self) -> str:
        return str(self.units)


@dataclass(frozen=True)
class Subsample(Layer):
    """LeNet-1998's trainable subsampling (S2, S4): each unit adds its kernel's inputs, multiplies
    the sum by a coefficient and adds a bias, one of each per map (LeCun et al. 1998, section II.B).
    No multiply-accumulate of a weight per input: MACs and FLOPs 0, as torch's counter sees it."""

    kind: ClassVar[str] = "subsample"
    category: ClassVar[str] = "pool"
    neurons: ClassVar[bool] = True

    kernel: Pair = (2, 2)
    stride: Pair | None = None
    activation: Activation = None

    def terms(self, *xs: Shape) -> tuple[SizeTerm, ...]:
        _, h, w = _spatial(xs[0], self.kind)
        steps = self.stride or self.kernel
        return (side("H", h, self.kernel[0], steps[0], (0, 0)), side("W", w, self.kernel[1], steps[1], (0, 0)))

    def out_shape(self, *xs: Shape) -> Shape:  # (C, H, W) -> (C, H', W')
        th, tw = self.terms(*xs)
        return (xs[0][0], th.out, tw.out)

    def params(self, *xs: Shape) -> int:  # a coefficient and a bias per map
        return 2 * xs[0][0]

    def connections(self, *xs: Shape) -> int:  # kernel inputs + bias, per output unit
        return (self.kernel[0] * self.kernel[1] + 1) * math.prod(self.out_shape(*xs))

    def hyper(self) -> str:
        steps = self.stride or self.kernel
        return f"{self.kernel[0]}×{self.kernel[1]}/{_pair(steps)}, trainable"


@dataclass(frozen=True)
class RBF(Layer):
    """Euclidean radial basis units (LeNet-1998's output): y_i = Σ_j (x_j − w_ij)², one parameter
    vector per unit, fixed by hand in the paper, so they are parameters that do not train.
    MACs: one per (x_j − w_ij)² term; FLOPs 2 per MAC (a matrix product in torch)."""

    kind: ClassVar[str] = "rbf"
    category: ClassVar[str] = "dense"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    units: PosInt

    def out_shape(self, *xs: Shape) -> Shape:
        return (self.units,)

    def frozen_params(self, *xs: Shape) -> int:
        return math.prod(xs[0]) * self.units

    def macs(self, *xs: Shape) -> int:
        return math.prod(xs[0]) * self.units

    def connections(self, *xs: Shape) -> int:  # no bias
        return math.prod(xs[0]) * self.units

    def reads_all(self, gpus: int) -> bool:
        return True

    def hyper(self) -> str:
        return f"{self.units}, fixed vectors"


@dataclass(frozen=True)
class Flatten(Layer):
    kind: ClassVar[str] = "flatten"
    category: ClassVar[str] = "reshape"

    def out_shape(self, *xs: Shape) -> Shape:  # (C, H, W) -> (C·H·W,)
        return (math.prod(xs[0]),)


@dataclass(frozen=True)
class LRN(Layer):
    """Local response normalisation across channels, as the AlexNet paper writes it:
    b = a / (k + alpha · Σ a²)^beta over `size` neighbouring maps (torch divides alpha by size)."""

    kind: ClassVar[str] = "lrn"
    category: ClassVar[str] = "norm"

    size: PosInt = 5
    alpha: PosFloat = 1e-4
    beta: PosFloat = 0.75
    k: PosFloat = 2.0

    def hyper(self) -> str:
        return f"n={self.size}, α={self.alpha:g}, β={self.beta:g}, k={self.k:g}"


@dataclass(frozen=True)
class BatchNorm(Layer):
    kind: ClassVar[str] = "batchnorm"
    category: ClassVar[str] = "norm"

    eps: PosFloat = 1e-5
    affine: bool = True

    def params(self, *xs: Shape) -> int:  # gamma and beta per channel; running stats are buffers
        return 2 * xs[0][0] if self.affine else 0

    def connections(self, *xs: Shape) -> int:  # one input and one bias per unit
        return 2 * math.prod(xs[0]) if self.affine else 0


@dataclass(frozen=True)
class Dropout(Layer):
    kind: ClassVar[str] = "dropout"
    category: ClassVar[str] = "dropout"

    rate: Rate = 0.5

    def hyper(self) -> str:
        return f"p={self.rate:g}"


@dataclass(frozen=True)
class ReLU(Layer):
    kind: ClassVar[str] = "relu"
    category: ClassVar[str] = "activation"


@dataclass(frozen=True)
class Sigmoid(Layer):
    kind: ClassVar[str] = "sigmoid"
    category: ClassVar[str] = "activation"


@dataclass(frozen=True)
class Tanh(Layer):
    kind: ClassVar[str] = "tanh"
    category: ClassVar[str] = "activation"


@dataclass(frozen=True)
class Softmax(Layer):
    kind: ClassVar[str] = "softmax"
    category: ClassVar[str] = "activation"

    def reads_all(self, gpus: int) -> bool:  # the normaliser sums over every unit
        return True


@dataclass(frozen=True)
class Add(Layer):
    """Element-wise sum of two or more inputs of one shape (a residual connection)."""

    kind: ClassVar[str] = "add"
    category: ClassVar[str] = "merge"
    arity: ClassVar[int] = 0

    def out_shape(self, *xs: Shape) -> Shape:
        if any(x != xs[0] for x in xs):
            raise ShapeError("add needs inputs of one shape")
        return xs[0]


@dataclass(frozen=True)
class Concat(Layer):
    """Concatenation along channels; spatial sizes must match."""

    kind: ClassVar[str] = "concat"
    category: ClassVar[str] = "merge"
    arity: ClassVar[int] = 0

    def out_shape(self, *xs: Shape) -> Shape:  # (C1, H, W), (C2, H, W) -> (C1 + C2, H, W)
        if any(len(x) != len(xs[0]) or x[1:] != xs[0][1:] for x in xs):
            raise ShapeError("concat needs inputs of the same spatial size")
        return (sum(x[0] for x in xs), *xs[0][1:])


__all__ = [
    "KINDS", "LRN", "RBF", "Activation", "Add", "AdaptiveAvgPool", "AvgPool", "BatchNorm", "Concat", "Connections", "Conv",
    "Dense", "Dropout", "Flatten", "GlobalAvgPool", "Layer", "MaxPool", "NonNegInt", "PadPair", "Padding", "Pair", "Pool",
    "PosFloat", "PosInt", "Rate", "ReLU", "Rounding", "Shape", "ShapeError", "Sigmoid", "SizeTerm", "Softmax", "Subsample",
    "Tanh", "dims", "same_padding", "side",
]

KINDS: dict[str, type[Layer]] = {
    cls.kind: cls
    for cls in (
        Conv, MaxPool, AvgPool, AdaptiveAvgPool, GlobalAvgPool, Subsample, Dense, RBF, Flatten, LRN, BatchNorm,
        Dropout, ReLU, Sigmoid, Tanh, Softmax, Add, Concat,
    )
}
