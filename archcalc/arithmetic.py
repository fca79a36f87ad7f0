"""The output-size arithmetic of one spatial axis, and the value types the spec format uses.

    out = round((W + P_before + P_after − D·(K − 1) − 1)/S) + 1      (round: floor, or ceil for pools)

which is ((W − K + 2P)/S) + 1 for dilation 1 and even padding. A SizeTerm keeps every number of
the expression, so that a caller can show it with the layer's own numbers and report a size that
does not divide, and what frameworks do with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Literal, Union

Shape = tuple[int, ...]  # one sample, no batch: (C, H, W) or (units,)
Pair = tuple[int, int]  # (h, w)
PadPair = tuple[int, int]  # (h, w), zero allowed
PosInt = int
NonNegInt = int
Padding = Union[Pair, Literal["same"]]
Activation = Union[Literal["relu", "sigmoid", "tanh", "scaled_tanh"], None]  # scaled_tanh: 1.7159·tanh(2a/3), LeCun 1998
Connections = tuple[tuple[int, ...], ...]  # per filter, the input maps it reads
Rounding = Literal["floor", "ceil"]
Rate = float
PosFloat = float


class ShapeError(Exception):
    """A layer cannot take the shape it is given; the message says why."""


def dims(shape: Shape) -> str:
    """(96, 55, 55) -> '96×55×55' as papers write it; (4096,) -> '4096'."""
    return "×".join(str(n) for n in shape)


def _frac(value: Fraction) -> str:
    """An exact value: '55', '54.25', '11025.25', or '18.333…' where the decimal does not end."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:  # a terminating decimal: print every digit
        with localcontext() as ctx:
            ctx.prec = 60
            return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return f"{float(value):.3f}…"


@dataclass(frozen=True)
class SizeTerm:
    """One spatial axis: out = round((size + pad_before + pad_after − dilation·(kernel − 1) − 1)/stride) + 1."""

    axis: str  # "H" or "W"
    size: int
    kernel: int
    stride: int
    pad_before: int
    pad_after: int
    dilation: int
    rounding: str  # "floor" or "ceil"
    out: int

    @property
    def exact(self) -> Fraction:
        span = self.size + self.pad_before + self.pad_after - self.dilation * (self.kernel - 1) - 1
        return Fraction(span, self.stride) + 1

    @property
    def divides(self) -> bool:
        return self.exact.denominator == 1

    @property
    def unread(self) -> int:
        """Rows (or columns) at the end of the padded input that no window reaches under floor."""
        span = self.size + self.pad_before + self.pad_after - self.dilation * (self.kernel - 1) - 1
        return span % self.stride

    def expression(self) -> str:
        """'(227 − 11 + 2·0)/4 + 1': the formula with this layer's own numbers."""
        if self.dilation == 1:
            kernel = f" − {self.kernel}"
        else:
            kernel = f" − {self.dilation}·({self.kernel} − 1) − 1"
        if self.pad_before == self.pad_after:
            pad = f" + 2·{self.pad_before}"
        else:
            pad = f" + {self.pad_before} + {self.pad_after}"
        return f"({self.size}{kernel}{pad})/{self.stride} + 1"

    def value(self) -> str:
        """The exact result: '55', '54.25', '18.333…'."""
        return _frac(self.exact)

    def text(self) -> str:
        """'(224 − 11 + 2·0)/4 + 1 = 54.25 → 54' (the arrow only when it does not divide)."""
        result = f"{self.expression()} = {self.value()}"
        return result if self.divides else f"{result} → {self.out}"


def side(
    axis: str, size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int = 1, rounding: str = "floor"
) -> SizeTerm:
    """The output size along one axis, as torch computes it (ceil mode included)."""
    reach = dilation * (kernel - 1) + 1
    padded = size + pad[0] + pad[1]
    span = padded - reach
    out = -(-span // stride) + 1 if rounding == "ceil" else span // stride + 1  # ceil: one window may hang over
    if out < 1:
        raise ShapeError(f"kernel {reach} is larger than its padded input {padded} along {axis}")
    if rounding == "ceil" and (out - 1) * stride >= size + pad[0]:
        out -= 1  # torch: the last window must start inside the input or its left padding
    return SizeTerm(axis, size, kernel, stride, pad[0], pad[1], dilation, rounding, out)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ceil(size/stride), the odd pixel of padding at the end."""
    total = max((math.ceil(size / stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2
