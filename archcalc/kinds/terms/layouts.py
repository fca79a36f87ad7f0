"""How a tensor's axes are laid out, as the shape itself carries it (one sample, no batch):

- ``(C, H, W)``: a map, channels first (torch's default);
- ``ChannelsLast((H, W, C))``: a map, channels last (after torchvision's ``Permute([0, 2, 3, 1])``:
  ConvNeXt's block MLP, Swin throughout), the same numbers in a tuple that says so;
- ``(N, D)``: a sequence of N tokens of D values each (a vision transformer's ``197×768``);
- ``(units,)``: a vector.

A ChannelsLast shape is a tuple and equals the plain tuple of its numbers; kinds that keep their input's
shape keep its layout with it.
"""

from __future__ import annotations

MAP, MAP_LAST, SEQUENCE, VECTOR = "C×H×W", "H×W×C", "N×D", "units"


class ChannelsLast(tuple[int, ...]):
    """An H×W×C map."""

    __slots__ = ()
    channels_last = True  # what archcalc.text asks, below the kinds' floor

    def __repr__(self) -> str:
        return f"ChannelsLast({tuple(self)!r})"


def channels_last(h: int, w: int, c: int) -> ChannelsLast:
    return ChannelsLast((h, w, c))


def layout(x: tuple[int, ...]) -> str:
    """'C×H×W', 'H×W×C', 'N×D' or 'units'."""
    if isinstance(x, ChannelsLast):
        return MAP_LAST
    return {3: MAP, 2: SEQUENCE}.get(len(x), VECTOR)


def features(x: tuple[int, ...]) -> int:
    """The axis a per-position layer (layer norm, linear, layer scale) works over: the channels or a token's values."""
    return x[-1] if layout(x) in (MAP_LAST, SEQUENCE) else x[0]


def last_axis_layout(x: tuple[int, ...]) -> bool:
    """Is its last axis the features (a channels-last map or a sequence)?"""
    return layout(x) in (MAP_LAST, SEQUENCE)


def map_hw(x: tuple[int, ...]) -> tuple[int, int]:
    """The H and W of a map, either layout."""
    return (x[0], x[1]) if isinstance(x, ChannelsLast) else (x[1], x[2])


def same_layout(like: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` in the layout of `like` (a channels-last input gives a channels-last output)."""
    return ChannelsLast(shape) if isinstance(like, ChannelsLast) else tuple(shape)
