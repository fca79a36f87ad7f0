"""Frozen dataclasses that a network makes one of per layer (its Row, its Step, its Node ...), made quicker.

Python 3.11's `dataclass(frozen=True)` gives a new instance its fields one call each, through
`object.__setattr__` (the class's own refuses), looking that method up again for each field: 1.2 µs for an
11-field Row. `quick_init` gives a frozen dataclass an `__init__` that looks it up once: 1.0 µs, and the same
instance, its values kept inline in the object as dataclass's own keeps them. (Writing the instance's `__dict__`
at once takes 0.57 µs, but makes the dict an object of its own: 529 bytes for the Row instead of 177, and a chain
of 100,000 layers the slower for it. benchmarks/README.md, "Large specs", has both.) Everything else (its fields
and their defaults, `==`, `hash`, `repr`, `dataclasses.replace`, and the FrozenInstanceError a change meets) stays
the dataclass's own. tests/test_records.py holds each such class to what the dataclass's own `__init__` makes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """`cls`, a frozen dataclass with neither `__post_init__`, `__slots__`, fields left out of `__init__`, keyword-only
    fields nor default factories, with an `__init__` that sets its fields at once; any other class is a TypeError."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"quick_init takes a frozen dataclass, not {cls.__qualname__}")
    fields = dataclasses.fields(cls)
    odd = [f.name for f in fields if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING]
    if odd or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"quick_init cannot make {cls.__qualname__}: it has __post_init__, __slots__ or fields set otherwise ({odd})")
    defaults = {f"_default_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    params = ", ".join(f"{f.name}=_default_{f.name}" if f.default is not dataclasses.MISSING else f.name for f in fields)
    sets = "".join(f"    set_(self, {f.name!r}, {f.name})\n" for f in fields)
    made: dict[str, Any] = {}
    exec(f"def __init__(self, {params}):\n    set_ = object_setattr\n{sets}", {**defaults, "object_setattr": object.__setattr__}, made)  # noqa: S102  # the names are the fields'
    init = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}  # its signature is the dataclass's
    init.quick = True
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


__all__ = ["quick_init"]
