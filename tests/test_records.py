"""archcalc.records.quick_init: each class it is given makes the very instances the dataclass's own __init__ makes,
and stays frozen; it refuses a class it cannot make so."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import archcalc
from archcalc.records import quick_init


def _quick_classes() -> list[type[Any]]:
    """Every class of archcalc's core (not the command line, torch or the pictures) given quick_init."""
    found = {}
    for info in pkgutil.walk_packages(archcalc.__path__, "archcalc."):
        if info.name.split(".")[1] in ("cli", "torch_backend", "diagram", "page", "report", "__main__"):
            continue
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, type) and getattr(value.__dict__.get("__init__"), "quick", False):
                found[value.__qualname__] = value
    return sorted(found.values(), key=lambda c: c.__qualname__)


QUICK = _quick_classes()


def _twin(cls: type[Any]) -> type[Any]:
    """The same fields as a plain frozen dataclass, with dataclass's own __init__."""
    return dataclasses.make_dataclass(cls.__name__, [(f.name, f.type, dataclasses.field(default=f.default)) for f in dataclasses.fields(cls)],
                                      frozen=True)


def test_the_records_made_once_a_layer_are_quick() -> None:
    """The classes a large network makes one of per layer (benchmarks/README.md, "Large specs")."""
    assert {c.__name__ for c in QUICK} >= {"Row", "Step", "LayerSpec", "Location", "Node", "LayerMemory", "ReceptiveField", "Field"}


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__qualname__)
def test_quick_init_makes_what_dataclass_makes(cls: type[Any]) -> None:
    fields = dataclasses.fields(cls)
    values = [object() for _ in fields]  # a value of its own for each field, found again by identity
    made = cls(*values)
    twin = _twin(cls)(*values)
    assert vars(made) == vars(twin) == {f.name: v for f, v in zip(fields, values)}
    assert cls(**{f.name: v for f, v in zip(fields, values)}) == made  # by keyword; eq is dataclass's
    assert inspect.signature(cls) == inspect.signature(_twin(cls))  # the parameters, their order, types and defaults
    required = [f for f in fields if f.default is dataclasses.MISSING]
    if len(required) < len(fields):  # the defaults, when left out
        short = cls(*values[:len(required)])
        assert vars(short) == {f.name: v if f.default is dataclasses.MISSING else f.default for f, v in zip(fields, values)}
    with pytest.raises(TypeError):
        cls(*values, object())  # one too many
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, fields[0].name, None)
    assert dataclasses.replace(made, **{fields[0].name: None}) != made


def test_quick_init_refuses_what_it_cannot_make() -> None:
    @dataclasses.dataclass
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class Later:
        a: int = dataclasses.field(init=False, default=0)

    for cls in (Mutable, Checked, Factory, Later, int):
        with pytest.raises(TypeError, match="quick_init"):
            quick_init(cls)


def test_quick_instances_take_no_more_memory() -> None:
    """The values stay inline in the object, as dataclass's own __init__ leaves them: an __init__ that wrote the
    instance's __dict__ at once made each an object of its own, three times the bytes (archcalc/records.py)."""
    import tracemalloc

    def bytes_of(cls: type[Any]) -> int:
        values = [object() for _ in dataclasses.fields(cls)]
        tracemalloc.start()
        made = [cls(*values) for _ in range(2000)]
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(made) == 2000
        return size

    for cls in QUICK:
        assert bytes_of(cls) <= bytes_of(_twin(cls)) * 1.05, cls
