"""The value types of the spec format: how each is parsed, described, shown and given a JSON Schema.

A layer kind annotates its fields with these (``filters: PosInt``, ``stride: Pair = (1, 1)``), so
that the field itself says how it is read: ``Annotated[int, POS_INT]``. The registry
(archcalc.kinds) reads the annotations once; nothing looks a parser up by the text of a type.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from archcalc.errors import Location, SpecError
from archcalc.kinds.terms.nearest import nearest
from archcalc.limits import MAX_INT, MAX_INT_TEXT

Where = Union[str, Location]  # a place in a spec, for messages


@dataclass(frozen=True)
class Value:
    """One value type: `parse(value, where, key)` checks and converts what the YAML holds."""

    name: str  # how `archcalc kinds` names it: 'int ≥ 1', 'int or [h, w]'
    parse: Callable[[Any, Where, str], Any]
    schema: Callable[[], dict[str, Any]]  # a JSON Schema fragment (a function: choices may come from the registry)
    show: Callable[[Any], str] = field(default=lambda default: str(default))  # a default as the spec writes it


def int_value(value: Any, where: Where, key: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        whole = isinstance(value, float) and value.is_integer()
        raise SpecError(where, f"'{key}' must be a whole number, not {quote(value)}",
                        f"write {int(value)}, without the decimal point" if whole else None)
    if value < least:
        raise SpecError(where, f"'{key}' must be at least {least}, not {quote(value)}")
    if value > MAX_INT:
        raise SpecError(where, f"'{key}' must be at most {MAX_INT_TEXT}, not {quote(value)}",
                        "archcalc's sizes and counts stop at 2^63 − 1, as torch's do")
    return value


def pos_int(value: Any, where: Where, key: str) -> int:
    return int_value(value, where, key, 1)


def pair(value: Any, where: Where, key: str, least: int = 1) -> tuple[int, int]:
    """An int or [h, w]."""
    if isinstance(value, list):
        if len(value) != 2:
            raise SpecError(where, f"'{key}' must be a number or [h, w], not a list of {len(value)}")
        return int_value(value[0], where, key, least), int_value(value[1], where, key, least)
    n = int_value(value, where, key, least)
    return n, n


class _Short(reprlib.Repr):
    """repr that looks at no more of a value than it shows: a few items, a few levels, a few digits."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxdict, self.maxstring, self.maxlong, self.maxother = 3, 6, 4, 80, 40, 60

    def repr_Map(self, value: Any, level: int) -> str:  # noqa: N802 (reprlib names them by type)
        return self.repr_dict(value, level)

    def repr_Seq(self, value: Any, level: int) -> str:  # noqa: N802
        return self.repr_list(value, level)

    def repr_int(self, value: int, level: int) -> str:
        if value.bit_length() > 200:  # str() of a long int is slow, and past 4,300 digits refused
            return f"a whole number of {len(str(value)) if value.bit_length() < 14_000 else 'over 4,000'} digits"
        return super().repr_int(value, level)


_SHORT = _Short()


def quote(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it, cut short: a spec's values may be long (or, through YAML
    aliases, wide trees); only as much of it is looked at as is shown."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def real(value: Any, where: Where, key: str) -> float:
    """A finite number as a float: NaN, infinity and whole numbers past what a float holds are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(where, f"'{key}' must be a number, not {quote(value)}")
    if isinstance(value, int) and value.bit_length() > 1000 or value != value or value in (float("inf"), float("-inf")):
        raise SpecError(where, f"'{key}' must be a finite number, not {quote(value)}",
                        None if isinstance(value, int) else "NaN and infinity are not a layer's setting")
    return float(value)


def _float(low: float, high: float | None, low_allowed: bool) -> Callable[[Any, Where, str], float]:
    """A finite number above `low` (or at it, where `low_allowed`) and below `high`."""

    def parse(value: Any, where: Where, key: str) -> float:
        number = real(value, where, key)
        if number < low or (number == low and not low_allowed) or (high is not None and number >= high):
            bound = f"from {low} up to, not including, {high}" if high is not None else "positive"
            percent = high == 1.0 and 1 <= number <= 100
            raise SpecError(where, f"'{key}' must be {bound}, not {quote(value)}", f"a fraction: {number:g} % is {number / 100:g}" if percent else None)
        return number

    return parse


def choice(options: Callable[[], tuple[str, ...]], optional: bool) -> Callable[[Any, Where, str], Any]:
    """One of `options()` (or none, where `optional`); the options are asked for when a value is parsed."""

    def parse(value: Any, where: Where, key: str) -> Any:
        allowed = options()
        if value in allowed or (optional and value is None):
            return value
        shown = ", ".join([*allowed, *(["none"] if optional else [])])
        near = nearest(value, allowed)
        hint = f"did you mean '{near}'?" if near else None
        if key == "activation" and value == "softmax":
            hint = "softmax is a layer of its own: add one after this layer, e.g. {name: prob, type: softmax}"
        raise SpecError(where, f"'{key}' must be one of {shown}, not {quote(value)}", hint)

    return parse


def _bool(value: Any, where: Where, key: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(where, f"'{key}' must be true or false, not {quote(value)}")
    return value


def _padding(value: Any, where: Where, key: str) -> Any:
    """A size, [h, w], 'same' (the output keeps the input's size at stride 1), or Keras's 'valid' (no padding: 0)."""
    if value == "valid":
        return (0, 0)
    if isinstance(value, str) and value != "same":
        near = difflib.get_close_matches(value.lower(), ["same", "valid"], n=1, cutoff=0.6)
        raise SpecError(where, f"'{key}' must be a whole number, [h, w], same or valid, not {quote(value)}",
                        f"did you mean '{near[0]}'?" if near else "same keeps the input's size at stride 1; valid is no padding (0)")
    return "same" if value == "same" else pair(value, where, key, least=0)


def _connections(value: Any, where: Where, key: str) -> tuple[tuple[int, ...], ...]:
    """A list with one row per filter, each a list of the input maps (from 0) that filter reads."""
    if not isinstance(value, list) or not value or not all(isinstance(row, list) and row for row in value):
        raise SpecError(where, f"'{key}' must be a list with one non-empty list of input maps per filter")
    table = tuple(tuple(int_value(i, where, key, 0) for i in row) for row in value)
    repeated = next((f for f, row in enumerate(table) if len(set(row)) != len(row)), None)
    if repeated is not None:
        raise SpecError(where, f"'{key}' row {repeated} names an input map twice: {list(table[repeated])}")
    return table


def _int_schema(least: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": least}


def _pair_schema(least: int) -> dict[str, Any]:
    return {"oneOf": [_int_schema(least), {"type": "array", "items": _int_schema(least), "minItems": 2, "maxItems": 2}]}


def _show_pair(p: Any) -> str:
    return str(p[0]) if p[0] == p[1] else f"[{p[0]}, {p[1]}]"


def _fusable() -> tuple[str, ...]:
    from archcalc.kinds import fusable_activations  # the registry, once every kind is known

    return fusable_activations()


def _activation(value: Any, where: Where, key: str) -> Any:
    """An activation kind's name, or none: its own module tells; the whole list only for the message."""
    from archcalc.kinds import fusable

    return value if value is None or fusable(value) else choice(_fusable, optional=True)(value, where, key)


POS_INT = Value("int ≥ 1", pos_int, lambda: _int_schema(1))
NON_NEG_INT = Value("int ≥ 0", lambda v, w, k: int_value(v, w, k, 0), lambda: _int_schema(0))
PAIR = Value("int or [h, w], ≥ 1", pair, lambda: _pair_schema(1), _show_pair)
PAIR_OR_KERNEL = Value("int or [h, w], ≥ 1", pair, lambda: _pair_schema(1), lambda d: "= kernel")
PAD_PAIR = Value("int or [h, w], ≥ 0", lambda v, w, k: pair(v, w, k, least=0), lambda: _pair_schema(0), _show_pair)
PADDING = Value("int or [h, w], ≥ 0, or same, or valid (0)", _padding,
                lambda: {"oneOf": [*_pair_schema(0)["oneOf"], {"enum": ["same", "valid"]}]}, _show_pair)
BOOL = Value("true or false", _bool, lambda: {"type": "boolean"}, lambda d: "true" if d else "false")
RATE = Value("number, 0 ≤ p < 1", _float(0.0, 1.0, low_allowed=True), lambda: {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
             lambda d: f"{d:g}")
POS_FLOAT = Value("number > 0", _float(0.0, None, low_allowed=False), lambda: {"type": "number", "exclusiveMinimum": 0}, lambda d: f"{d:g}")
ACTIVATION = Value("an activation kind, or none", _activation,
                   lambda: {"oneOf": [{"enum": list(_fusable())}, {"type": "null"}]}, lambda d: "none")
ROUNDING = Value("floor or ceil", choice(lambda: ("floor", "ceil"), optional=False), lambda: {"enum": ["floor", "ceil"]})
CONNECTIONS = Value("a list of input-map lists, one per filter", _connections,
                    lambda: {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": _int_schema(0)}},
                    lambda d: "none")

APPROXIMATE = Value("none or tanh", choice(lambda: ("none", "tanh"), optional=False), lambda: {"enum": ["none", "tanh"]})
UPSAMPLE_MODE = Value("nearest or bilinear", choice(lambda: ("nearest", "bilinear"), optional=False), lambda: {"enum": ["nearest", "bilinear"]})
DEPTH_MODE = Value("row or batch", choice(lambda: ("row", "batch"), optional=False), lambda: {"enum": ["row", "batch"]})
NUMBER = Value("number", real, lambda: {"type": "number"}, lambda d: f"{d:g}")

Shape = tuple[int, ...]  # one sample, no batch: (C, H, W) or (units,)
PosInt = Annotated[int, POS_INT]
NonNegIntValue = Annotated[int, NON_NEG_INT]
Pair = Annotated[tuple[int, int], PAIR]  # (h, w)
PairOrKernel = Annotated[Union[tuple[int, int], None], PAIR_OR_KERNEL]  # None: the kernel
PadPair = Annotated[tuple[int, int], PAD_PAIR]
Padding = Annotated[Union[tuple[int, int], Literal["same"]], PADDING]
Bool = Annotated[bool, BOOL]
Rate = Annotated[float, RATE]
PosFloat = Annotated[float, POS_FLOAT]
ActivationName = Annotated[Union[str, None], ACTIVATION]
Rounding = Annotated[str, ROUNDING]
Approximate = Annotated[str, APPROXIMATE]
DepthMode = Annotated[str, DEPTH_MODE]
UpsampleMode = Annotated[str, UPSAMPLE_MODE]
PairOrNone = Annotated[Union[tuple[int, int], None], Value("int or [h, w], ≥ 1, or none", pair, lambda: _pair_schema(1), lambda d: "none")]
Number = Annotated[float, NUMBER]
Connections = Annotated[Union[tuple[tuple[int, ...], ...], None], CONNECTIONS]  # per filter, the input maps it reads
