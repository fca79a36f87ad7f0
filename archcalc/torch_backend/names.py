"""Spec layer names → the generated module's submodule paths and class name; a module attached at its path."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from torch import fx, nn


def module_paths(names: Iterable[str]) -> dict[str, str]:
    """Spec layer name → the submodule's dotted path: the name itself, its dotted parts nesting
    (``layer2.0.conv1``). A part that the generated forward cannot call (a Python keyword, a module
    attribute such as ``forward``, characters other than letters, digits, '_' and '-') gets '_';
    a name that clashes with another's nesting is flattened with '_' instead of '.'."""
    leaves: set[tuple[str, ...]] = set()
    groups: set[tuple[str, ...]] = set()
    paths = {}

    def clashes(p: tuple[str, ...]) -> bool:
        return p in leaves or p in groups or any(p[:i] in leaves for i in range(1, len(p)))

    for name in names:
        path = tuple(_part(p) for p in name.split("."))
        if clashes(path):
            path = ("_".join(path),)
            while clashes(path):
                path = (path[0] + "_",)
        leaves.add(path)
        groups.update(path[:i] for i in range(1, len(path)))
        paths[name] = ".".join(path)
    return paths


def _module_attributes() -> frozenset[str]:
    """What a GraphModule already has (forward, graph, code, training, meta, ...): no submodule may take these names."""
    code = fx.Graph()
    code.output(code.placeholder("x"))
    return frozenset(dir(fx.GraphModule(nn.Module(), code)))


_TAKEN = _module_attributes()


def _part(text: str) -> str:
    part = re.sub(r"[^\w-]", "_", text) or "_"
    return part + "_" if keyword.iskeyword(part) or part in _TAKEN else part


def class_name(spec_name: str) -> str:
    """'LeNet-5 (1998)' -> 'LeNet_5_1998': the generated module's class, and FlopCounterMode's prefix."""
    name = re.sub(r"\W+", "_", spec_name).strip("_") or "Network"
    return name if name[0].isalpha() else f"Net_{name}"


def attach(root: nn.Module, path: str, module: nn.Module) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        if not hasattr(root, part):
            root.add_module(part, nn.Module())
        root = root.get_submodule(part)
    root.add_module(leaf, module)
