"""The registry of layer kinds: one module of this package per kind (or close family), found here.

Adding a kind is adding a module: every class in this package that subclasses `Layer` and names
its `kind` is registered. `keys(cls)` reads its spec keys from its fields' annotations;
`missing_rules(cls)` is what tests/test_kinds.py holds every kind to.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import typing
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcalc.kinds.base import CATEGORIES, FACTS, RULES, Layer, Site
from archcalc.kinds.terms.values import Value

if TYPE_CHECKING:
    from archcalc.kinds.activations import Activation

__all__ = ["CATEGORIES", "FACTS", "KINDS", "RULES", "Key", "Layer", "Site", "activation_kind", "fusable", "fusable_activations", "keys",
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
    raise TypeError(f"{where}: the field's type {hint!r} names no archcalc.kinds.terms.values Value, so the spec cannot be parsed into it")


_KEYS: dict[type, tuple[Key, ...]] = {}


def keys(cls: type[Layer]) -> tuple[Key, ...]:
    """The spec keys of a kind, in field order, each with the Value its annotation names (read once per kind)."""
    if cls not in _KEYS:
        _KEYS[cls] = _read_keys(cls)
    return _KEYS[cls]


def _read_keys(cls: type[Layer]) -> tuple[Key, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple(
        Key(f.metadata.get("key", f.name), f.name, _value_of(hints[f.name], f"kind '{getattr(cls, 'kind', cls.__name__)}', field '{f.name}'"), f.default)
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


_KIND_LINE = re.compile(r"""^\s+kind: ClassVar\[str\] = ["']([A-Za-z0-9_]+)["']""", re.M)


class _Registry(MutableMapping[str, type[Layer]]):
    """Every kind of this package, by name. Which module holds which kind is read from the modules' text
    (`kind: ClassVar[str] = "conv"`), so that a spec imports only the modules of the kinds it uses: a
    kind's dataclass costs a millisecond or two to create, and `show` starts faster for it. Going through
    all of them (iterating) imports every module, in the order of CATEGORIES (tests/test_kinds.py checks
    that the text and the classes agree)."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}  # kind -> its module
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base" and not info.ispkg:  # terms/: what kinds are written in, no kind
                text = (Path(__file__).parent / f"{info.name}.py").read_text(encoding="utf-8")
                self.where.update(dict.fromkeys(_KIND_LINE.findall(text), info.name))
        self.loaded: dict[str, type[Layer]] = {}
        self.everything: dict[str, type[Layer]] | None = None

    def __contains__(self, name: object) -> bool:
        return name in self.where

    def __getitem__(self, name: str) -> type[Layer]:
        if name not in self.loaded:
            module = importlib.import_module(f"{__name__}.{self.where[name]}")
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, Layer) and obj.__module__ == module.__name__ and "kind" in vars(obj):
                    self.loaded[obj.kind] = obj
        return self.loaded[name]

    def all(self) -> dict[str, type[Layer]]:
        """Every kind, in the order of CATEGORIES, then of their modules and classes."""
        if self.everything is None:
            found = []
            for module in sorted(set(self.where.values())):
                for order, name in enumerate(n for n, m in self.where.items() if m == module):
                    cls = self[name]
                    category = CATEGORIES.index(cls.category) if cls.category in CATEGORIES else len(CATEGORIES)
                    found.append((category, module, order, cls))
            self.everything = {cls.kind: cls for *_, cls in sorted(found, key=lambda t: t[:3])}
        return self.everything

    def __setitem__(self, name: str, cls: type[Layer]) -> None:
        """A kind registered by hand (one a test writes); the package's own are found by themselves."""
        self.where[name], self.loaded[name], self.everything = cls.__module__, cls, None

    def __delitem__(self, name: str) -> None:
        del self.where[name]
        self.loaded.pop(name, None)
        self.everything = None

    def __iter__(self) -> Iterator[str]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self.where)


KINDS = _Registry()


def fusable_activations() -> tuple[str, ...]:
    """The values `activation:` takes on the kinds that fuse one (imports every kind)."""
    return tuple(name for name, cls in KINDS.items() if cls.fusable)


def fusable(name: object) -> bool:
    """Is `name` an activation that other layers may take as `activation:`? (imports only its module)"""
    return isinstance(name, str) and name in KINDS and KINDS[name].fusable


def activation_kind(name: str) -> Activation:
    """The activation kind named by a fused `activation:` value, as a layer with its defaults."""
    from archcalc.kinds.activations import Activation

    if name not in _ACTIVATIONS:
        layer = KINDS[name]()
        assert isinstance(layer, Activation)
        _ACTIVATIONS[name] = layer
    return _ACTIVATIONS[name]


_ACTIVATIONS: dict[str, Activation] = {}
