"""The registry of layer kinds: one module of this package per kind (or close family), found here.

Adding a kind is adding a module: every class in this package that subclasses `Layer` and names
its `kind` is registered. `keys(cls)` reads its spec keys from its fields' annotations;
`missing_rules(cls)` is what tests/test_kinds.py holds every kind to.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing
from dataclasses import dataclass
from typing import Any

from archcalc.kinds.base import CATEGORIES, FACTS, RULES, Layer, Site
from archcalc.values import Value

__all__ = ["CATEGORIES", "FACTS", "KINDS", "RULES", "Key", "Layer", "Site", "activation_kind", "fusable_activations", "keys",
           "missing_rules"]


@dataclass(frozen=True)
class Key:
    """One spec key of a kind."""

    key: str  # as the spec writes it
    field: str  # the dataclass field that holds it
    value: Value
    default: Any  # dataclasses.MISSING where the key is required

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING


def _value_of(hint: Any, where: str) -> Value:
    """The Value in a field's Annotated type (also inside Optional[...])."""
    for meta in getattr(hint, "__metadata__", ()):
        if isinstance(meta, Value):
            return meta
    for arg in typing.get_args(hint):
        found = next((m for m in getattr(arg, "__metadata__", ()) if isinstance(m, Value)), None)
        if found is not None:
            return found
    raise TypeError(f"{where}: the field's type {hint!r} names no archcalc.values Value, so the spec cannot be parsed into it")


_KEYS: dict[type, tuple[Key, ...]] = {}


def keys(cls: type[Layer]) -> tuple[Key, ...]:
    """The spec keys of a kind, in field order, each with the Value its annotation names (read once per kind)."""
    if cls not in _KEYS:
        _KEYS[cls] = _read_keys(cls)
    return _KEYS[cls]


def _read_keys(cls: type[Layer]) -> tuple[Key, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple(
        Key(f.metadata.get("key", f.name), f.name, _value_of(hints[f.name], f"kind '{cls.kind}', field '{f.name}'"), f.default)
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    )


def missing_rules(cls: type) -> list[str]:
    """The rules and facts a kind declares neither itself nor through a mixin (Layer declares none)."""
    declared = [vars(c) for c in cls.__mro__ if c not in (Layer, object)]
    required = (*FACTS, *RULES, *getattr(cls, "extra_rules", ()))
    missing = [name for name in required if not any(name in d for d in declared)]
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        missing.append("frozen dataclass")
    else:
        try:
            keys(cls)  # type: ignore[arg-type]
        except TypeError:
            missing.append("parser")
    if getattr(cls, "category", None) not in CATEGORIES:
        missing.append("category")
    return missing


def _discover() -> dict[str, type[Layer]]:
    found: list[tuple[int, str, int, type[Layer]]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for order, obj in enumerate(vars(module).values()):
            if isinstance(obj, type) and issubclass(obj, Layer) and obj.__module__ == module.__name__ and "kind" in vars(obj):
                category = CATEGORIES.index(obj.category) if obj.category in CATEGORIES else len(CATEGORIES)
                found.append((category, info.name, order, obj))
    return {cls.kind: cls for *_, cls in sorted(found, key=lambda t: t[:3])}


KINDS: dict[str, type[Layer]] = _discover()

from archcalc.kinds.activations import Activation  # noqa: E402 - discovered above; named for activation_kind


def fusable_activations() -> tuple[str, ...]:
    """The values `activation:` takes on the kinds that fuse one."""
    return _FUSABLE


_FUSABLE = tuple(name for name, cls in KINDS.items() if cls.fusable)


def activation_kind(name: str) -> Activation:
    """The activation kind named by a fused `activation:` value, as a layer with its defaults."""
    if name not in _ACTIVATIONS:
        layer = KINDS[name]()
        assert isinstance(layer, Activation)
        _ACTIVATIONS[name] = layer
    return _ACTIVATIONS[name]


_ACTIVATIONS: dict[str, Activation] = {}
