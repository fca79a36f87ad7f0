"""Figures and shapes as people read them: exact integers with thousands separators, H×W×C, windows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.limits import MAX_TEXT_CHARS

if TYPE_CHECKING:
    pass


FLOPS_CONVENTION = (
    "FLOPs as torch.utils.flop_counter.FlopCounterMode counts them: 2 per multiply-accumulate (MAC) "
    "in convolutions and dense layers; pooling, normalisation and activations count 0"
)


# --- numbers and shapes -----------------------------------------------------------------------


def n(value: int) -> str:
    """60965224 -> '60,965,224'."""
    return f"{value:,}"


def quotient(num: int, den: int, spec: str) -> str:
    """num/den formatted as `spec` ('.2f', '+.1%', ',.3g'); past what a float holds (archcalc's
    figures are exact integers of any size) the whole part, exact: '×12,345,…,678' never overflows."""
    if abs(num) < den * 10**300:
        return format(num / den, spec)
    percent = spec.endswith("%")
    whole = (2 * num * (100 if percent else 1) + den) // (2 * den)
    return ("+" if "+" in spec and whole >= 0 else "") + f"{whole:,}" + ("%" if percent else "")


def human(value: int) -> str:
    """60965224 -> '60.97 M'."""
    for unit, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if abs(value) >= scale:
            return f"{quotient(value, scale, '.2f')} {unit}"
    return f"{value:g}"


def size(value: int) -> str:
    """Bytes, exact, with a binary unit beside: '243,860,896 B (232.6 MiB)'."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            return f"{value:,} B ({quotient(value, scale, '.1f')} {unit})"
    return f"{value:,} B"


def printable(text: str) -> str:
    """`text` with every control or format character (an escape, a carriage return, a bidi override) written
    as its code, so that a spec's text cannot drive the terminal it is shown on."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _code(c) for c in text)


def _code(c: str) -> str:
    """A character as Python writes it in a string: \\x1b, \\u202e, \\U000e0001."""
    return f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"


def clipped(free: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Free text from a spec (a description) cut for a table: 'the first 300 characters… (5,000,000 characters; --format json has all)'."""
    if len(free) <= limit:
        return free
    return f"{free[:limit]}… ({len(free):,} characters; --format json has all)"


def dims(shape: Sequence[int]) -> str:
    """(96, 55, 55) -> '96×55×55' as papers write it; (4096,) -> '4096'."""
    return "×".join(str(v) for v in shape)


def hwc(shape: Sequence[int]) -> str:
    """(96, 55, 55) -> '55×55×96' (height × width × channels, as the AlexNet paper draws it); (4096,) -> '4096'."""
    laid_last = getattr(shape, "channels_last", False)  # archcalc.kinds.terms.layouts.ChannelsLast: written as it is laid out
    ordered = (*shape[1:], shape[0]) if len(shape) == 3 and not laid_last else shape
    return "×".join(str(v) for v in ordered)


def pair(p: Sequence[object]) -> str:
    """(3, 3) -> '3'; (1, 7) -> '1×7'."""
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


def square(p: Sequence[int]) -> str:
    """A kernel: (3, 3) -> '3×3'; (1, 7) -> '1×7'."""
    return f"{p[0]}×{p[1]}"


def window(kernel: Sequence[int], stride: Sequence[int] | None, unit_stride: bool = True) -> str:
    """A window, as the tables and the volumes figure write it: '11×11/4', '3×3/1'; with `unit_stride` False a
    stride of 1 (or none) goes unsaid: '3×3'."""
    said = stride is not None and (unit_stride or tuple(stride) != (1, 1))
    return square(kernel) + (f"/{pair(stride)}" if said and stride is not None else "")


def a_kind(kind: str) -> str:
    """'a conv layer', 'an add layer'."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} layer"


def share(value: float) -> str:
    return f"{value:.1%}"
