"""Size rules: how a layer's output size follows from its input along one spatial axis.

A rule gives a term per axis that knows its own formula, shows it with the layer's numbers, says
whether it divides exactly, and what frameworks do when it does not. Nothing outside this module
assumes a formula: the findings, the tables' headers and the valid-input search ask the term.

- The forward window (conv, max and average pooling, subsampling):

      out = round((W + P_before + P_after − D·(K − 1) − 1)/S) + 1      (round: floor, or ceil for pools)

  which is ((W − K + 2P)/S) + 1 for dilation 1 and even padding.
- The transposed window, whole-factor enlargement and crop terms are in sizes_other.py.
- Kinds that keep the size (activations, normalisation, merges), fix it (adaptive pooling) or
  leave no spatial axes (dense) have no term: their size needs no arithmetic.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Protocol

from archcalc.kinds.terms.layouts import ChannelsLast
from archcalc.kinds.terms.unread import Unread, window_unread


class ShapeError(Exception):
    """A layer cannot take the shape it is given; the message says why, the hint (where given) what to change."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class SizeTerm(Protocol):
    """What every rule's term offers (see WindowTerm)."""

    @property
    def formula(self) -> str: ...

    @property
    def axis(self) -> str: ...

    @property
    def out(self) -> int: ...

    @property
    def exact(self) -> Fraction: ...

    @property
    def divides(self) -> bool: ...

    def expression(self) -> str: ...

    def value(self) -> str: ...

    def text(self) -> str: ...

    def consequence(self) -> str: ...

    def left_unread(self) -> Unread: ...

    @property
    def period(self) -> int:
        """What the input size must be a multiple of (times the strides before) for the output to move by whole steps:
        the stride of a window, 2 for a centred crop's rounding, 1 for a rule that always gives a whole number."""

    @property
    def downsampling(self) -> int:
        """How many input pixels one output pixel steps over (a window's stride; 1 for the rest)."""

    def alike(self, other: object) -> bool:
        """The same rule with the same numbers on another axis (H and W alike): compared as numbers."""


class Term:
    """What every size term shares: `alike` compares its numbers, the axis aside (each term is a frozen dataclass);
    `left_unread`, what a size that does not divide leaves unread ('unknown' unless the term says: a warning)."""

    def left_unread(self) -> Unread:
        return Unread("padding" if getattr(self, "divides", False) else "unknown")

    def alike(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        axis: str = getattr(other, "axis")  # noqa: B009 - every term has one
        return bool(dataclasses.replace(self, axis=axis) == other)  # type: ignore[type-var]


def fraction_text(value: Fraction) -> str:
    """An exact value: '55', '54.25', '11025.25', or '18.333…' where the decimal does not end."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    sign, num = ("-" if value < 0 else ""), abs(value.numerator)
    whole, rest = divmod(num, value.denominator)
    if den == 1:  # a terminating decimal: print every digit (in integers: a float or a 60-digit Decimal would round)
        places = 0
        while (rest * 10**places) % value.denominator:
            places += 1
        return f"{sign}{whole}.{rest * 10**places // value.denominator:0{places}d}"
    thousandths = (2000 * rest + value.denominator) // (2 * value.denominator)  # rounded; never a tie (the decimal does not end)
    whole, thousandths = (whole + 1, 0) if thousandths == 1000 else (whole, thousandths)
    return f"{sign}{whole}.{thousandths:03d}…"


def lines(axis: str, count: int) -> str:
    """'1 row', '3 columns', '1 row and column': what `count` pixels along `axis` are called."""
    one, many = {"H": ("row", "rows"), "W": ("column", "columns")}.get(axis, ("row and column", "rows and columns"))
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class WindowTerm(Term):
    """One spatial axis of a forward window: out = round((size + pad_before + pad_after − dilation·(kernel − 1) − 1)/stride) + 1."""

    formula: ClassVar[str] = "(W − K + 2P)/S + 1"

    axis: str  # "H" or "W" ("H and W" in a finding that holds for both)
    size: int
    kernel: int
    stride: int
    pad_before: int
    pad_after: int
    dilation: int
    rounding: str  # "floor" or "ceil"
    out: int

    @property
    def period(self) -> int:
        return self.stride

    def left_unread(self) -> Unread:
        return window_unread(self)

    @property
    def downsampling(self) -> int:
        return self.stride

    @property
    def span(self) -> int:
        return self.size + self.pad_before + self.pad_after - self.dilation * (self.kernel - 1) - 1

    @property
    def exact(self) -> Fraction:
        return Fraction(self.span, self.stride) + 1

    @property
    def divides(self) -> bool:
        return self.span % self.stride == 0

    @property
    def unread(self) -> int:
        """Rows (or columns) at the end of the padded input that no window reaches under floor."""
        return self.span % self.stride

    @property
    def reach(self) -> int:
        """The pixels one window spans: D·(K − 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1

    def expression(self) -> str:
        """'(227 − 11 + 2·0)/4 + 1': the formula with this layer's own numbers."""
        kernel = f" − {self.kernel}" if self.dilation == 1 else f" − {self.dilation}·({self.kernel} − 1) − 1"
        pad = f" + 2·{self.pad_before}" if self.pad_before == self.pad_after else f" + {self.pad_before} + {self.pad_after}"
        return f"({self.size}{kernel}{pad})/{self.stride} + 1"

    def value(self) -> str:
        """The exact result: '55', '54.25', '18.333…'."""
        return str(self.span // self.stride + 1) if self.divides else fraction_text(self.exact)

    def text(self) -> str:
        """'(224 − 11 + 2·0)/4 + 1 = 54.25 → 54' (the arrow only when it does not divide)."""
        result = f"{self.expression()} = {self.value()}"
        return result if self.divides else f"{result} → {self.out}"

    def consequence(self) -> str:
        """What frameworks do with a size that does not divide."""
        if self.rounding == "ceil":
            return f"ceil rounding makes it {self.out}: the last window hangs {lines(self.axis, self.stride - self.unread)} past the padded input"
        verb = "is" if self.unread == 1 else "are"
        return (f"frameworks floor it to {self.out}, so the last {lines(self.axis, self.unread)} of the padded input {verb} never read "
                f"({self.stride - self.unread} more would give {self.out + 1})")


def window(axis: str, size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int = 1, rounding: str = "floor") -> WindowTerm:
    """The output size along one axis, as torch computes it (ceil mode included)."""
    reach = dilation * (kernel - 1) + 1
    padded = size + pad[0] + pad[1]
    span = padded - reach
    out = -(-span // stride) + 1 if rounding == "ceil" else span // stride + 1  # ceil: one window may hang over
    if out < 1:
        raise ShapeError(f"kernel {reach} is larger than its padded input {padded} along {axis}")
    if rounding == "ceil" and (out - 1) * stride >= size + pad[0]:
        out -= 1  # torch: the last window must start inside the input or its left padding
    return WindowTerm(axis, size, kernel, stride, pad[0], pad[1], dilation, rounding, out)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ceil(size/stride), the odd pixel of padding at the end."""
    total = max((-(-size // stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)  # ⌈size/stride⌉ in integers
    return total // 2, total - total // 2


def resolve_padding(padding: tuple[int, int] | str, x: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
                    dilation: tuple[int, int] = (1, 1)) -> tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) padding for H and W of a (C, H, W) input: 'same' worked out, or a pair applied to both sides."""
    if isinstance(padding, str):  # 'same'
        return same_padding(x[1], kernel[0], stride[0], dilation[0]), same_padding(x[2], kernel[1], stride[1], dilation[1])
    return (padding[0], padding[0]), (padding[1], padding[1])


@dataclass(frozen=True)
class Sizing:
    """A layer's output shape and the arithmetic of each spatial axis (none for rules without a formula)."""

    out: tuple[int, ...]
    terms: tuple[SizeTerm, ...] = ()


def spatial(x: tuple[int, ...], kind: str) -> tuple[int, int, int]:
    """(C, H, W), or the error that the kind needs one."""
    if len(x) != 3 or isinstance(x, ChannelsLast):
        laid = "an H×W×C (channels-last) map" if isinstance(x, ChannelsLast) else "a sequence" if len(x) == 2 else "a vector"
        raise ShapeError(f"{kind} needs a C×H×W input, got {laid} {'×'.join(map(str, x))}",
                         "permute a channels-last map back with `permute` (to: channels_first)" if isinstance(x, ChannelsLast)
                         else f"{kind} works on maps: it cannot follow a layer that flattened them or made tokens")
    return x[0], x[1], x[2]


def unchanged(x: tuple[int, ...]) -> Sizing:
    """The rule of kinds that keep their input's shape."""
    return Sizing(x)


def fixed(out: tuple[int, ...]) -> Sizing:
    """The rule of kinds whose output size is set by the layer (adaptive pooling, dense units)."""
    return Sizing(out)
