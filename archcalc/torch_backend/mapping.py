"""A traced model's nodes as spec rows: each module or operation the kind archcalc.torch_backend.reverse says.

Every node is looked at before anything is refused, so that the error names each module and operation that has no
kind, with its place in the model. Operations are named after the module whose forward runs them (`layer1.0.add`,
numbered within it: `add_1`), modules by their qualified names (a module run twice: `relu`, then `relu_1`).
"""

from __future__ import annotations

import inspect
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import fx, nn
from torch.fx.operator_schemas import normalize_function

from archcalc.errors import ArchcalcError
from archcalc.outputs.specyaml import INPUT, Row
from archcalc.torch_backend import reverse
from archcalc.torch_backend.reverse import ALIAS, Mapped, NoKindError


@dataclass
class Found:
    """What the walk found: the rows, the nodes each row was made of, each prefix's module class, what has no kind."""

    rows: list[Row] = field(default_factory=list)
    nodes: dict[str, list[fx.Node]] = field(default_factory=dict)  # row -> its nodes (their FLOPs are its)
    modules: dict[str, nn.Module] = field(default_factory=dict)  # row -> the module whose parameters are its
    params: dict[str, int] = field(default_factory=dict)  # row -> parameters held outside a module (a class token)
    classes: dict[str, str] = field(default_factory=dict)  # qualified name -> module class
    missing: list[str] = field(default_factory=list)


def shape(node: Any) -> tuple[int, ...] | None:
    """One sample's shape of a node's tensor (ShapeProp's meta), None for what is not a tensor."""
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    return tuple(meta.shape[1:]) if meta is not None and hasattr(meta, "shape") else None


class _Walk:
    def __init__(self, gm: fx.GraphModule) -> None:
        self.gm, self.found = gm, Found()
        self.values: dict[fx.Node, str] = {}  # node -> the row (or INPUT) whose value it is
        self.half: dict[fx.Node, fx.Node] = {}  # flatten(2) of a map -> the map's node: tokens once transposed
        self.pending: dict[fx.Node, tuple[str, fx.Node, int]] = {}  # a step of a pattern: (what, the map's node, a number)
        self.held: dict[fx.Node, torch.Tensor] = {}  # a parameter read as an attribute (or expanded)
        self.counts: dict[str, int] = {}
        self.made_in: dict[str, str] = {}  # an operation's row -> the module whose forward ran it
        self.taken: set[str] = set()

    def place(self, node: fx.Node) -> str:
        stack = list(node.meta.get("nn_module_stack", {}).items())
        paths = []
        for key, value in stack:  # fx: {'layer1.0': ('layer1.0', cls)}; torch.export: {'L__self__layer1.0': ('layer1.0', 'pkg.Cls')}
            path, cls = (value[0], value[1]) if isinstance(value, tuple) else (key, value)
            paths.append(re.sub(r"@\d+$", "", str(path)))
            self.found.classes.setdefault(paths[-1], getattr(cls, "__name__", str(cls).rsplit(".", 1)[-1]))
        return paths[-1] if paths else ""

    def name(self, base: str) -> str:
        name, n = base, self.counts.get(base, 0)
        while name in self.taken or name == INPUT:
            n += 1
            name = f"{base}_{n}"
        self.counts[base] = n
        self.taken.add(name)
        return name

    def tensors(self, node: fx.Node) -> list[fx.Node]:
        return [a for a in node.all_input_nodes if a in self.values or a in self.half or a in self.held or a in self.pending]

    def add(self, node: fx.Node, name: str, m: Mapped, inputs: list[fx.Node], source: str) -> str:
        if m.kind == ALIAS:
            self.values[node] = self.values[inputs[0]]
            return self.values[node]
        reads = tuple(self.values[i] for i in inputs)
        if m.then is not None:  # two rows from one operation: the second gives its value
            self.found.rows.append(Row(name, m.kind, m.values, reads, source))
            self.found.nodes[name], reads = [], (name,)
            name = self.name(f"{name}_{m.then}")
            m = Mapped(m.then, {})
        self.found.rows.append(Row(name, m.kind, m.values, reads, source))
        self.found.nodes[name] = [node]
        self.values[node] = name
        return name

    def walk(self) -> Found:
        nodes = list(self.gm.graph.nodes)
        placeholders = [n for n in nodes if n.op == "placeholder"]
        inputs = placeholders[:1] + [n for n in placeholders[1:] if not n.args]  # not those traced as their defaults
        if len(inputs) != 1:
            raise ArchcalcError(f"the model's forward takes {len(inputs)} inputs ({', '.join(n.name for n in inputs)})",
                                "archcalc import traces a forward of one input tensor")
        self.values[inputs[0]] = INPUT
        for node in nodes:
            if node.op in ("placeholder", "output"):
                continue
            try:
                self.node(node)
            except NoKindError as exc:
                self.found.missing.append(str(exc))
                self.values[node] = f"<{node.name}>"  # what reads it is looked at as if it were a layer: every gap named once
        self.rename_wrappers()
        return self.found

    def rename_wrappers(self) -> None:
        """A module whose forward is one operation (torchvision's Permute) names its row (`features.0.1`, not
        `features.0.1.permute`), as a module the vocabulary knows would."""
        names = [r.name for r in self.found.rows]
        renamed = {}
        for where in dict.fromkeys(self.made_in.values()):
            made = [n for n, w in self.made_in.items() if w == where]  # one operation, or one run again (torch.export's relu, twice)
            inside = [n for n in names if n.startswith(where + ".")]
            same = len({re.sub(r"_\d+$", "", n) for n in made}) == 1
            if where and inside == made and same and where not in names and where != INPUT:
                renamed.update({n: where if i == 0 else f"{where}_{i}" for i, n in enumerate(made)})
        if set(renamed.values()) & set(names):
            return
        if not renamed:
            return
        found = self.found
        found.rows = [replace(r, name=renamed.get(r.name, r.name), inputs=tuple(renamed.get(i, i) for i in r.inputs)) for r in found.rows]
        found.nodes = {renamed.get(k, k): v for k, v in found.nodes.items()}
        found.modules = {renamed.get(k, k): v for k, v in found.modules.items()}
        found.params = {renamed.get(k, k): v for k, v in found.params.items()}

    def node(self, node: fx.Node) -> None:
        if node.op == "get_attr":
            value = _attr(self.gm, str(node.target))
            if isinstance(value, torch.Tensor):
                self.held[node] = value
            return
        if node.op == "call_module":
            if not str(node.target).startswith("_guards"):  # torch.export's check of its guards: no layer
                self.module(node)
            return
        self.operation(node)

    def module(self, node: fx.Node) -> None:
        self.place(node)  # its owners' classes, for the blocks' names
        target = str(node.target)
        m = self.gm.get_submodule(target)
        where = f"{target}: nn.{type(m).__name__}" if type(m).__module__.startswith("torch.nn") else f"{target}: {type(m).__qualname__}"
        ins = self.tensors(node)
        rule = reverse.module_rule(m)
        out = shape(node)
        if rule is None:
            raise NoKindError(f"{where} has no archcalc kind")
        if isinstance(m, nn.MultiheadAttention):
            if len({*node.args[:3]}) != 1:
                raise NoKindError(f"{where}: attention of differing query, key and value has no archcalc kind (self_attention reads one)")
            out = shape(node.args[0])
            ins = ins[:1]
        if any(i in self.half or i in self.held for i in ins) or len(ins) != 1:
            raise NoKindError(f"{where} reads {len(ins)} tensors or a parameter: no archcalc kind")
        try:
            mapped = rule(m, (shape(ins[0]) or (),), out or ())
        except NoKindError as exc:
            raise NoKindError(f"{where} has no archcalc kind: {exc}") from None
        name = self.add(node, self.name(target), mapped, ins, "")
        if mapped.kind != ALIAS:
            self.found.modules[name] = m

    def operation(self, node: fx.Node) -> None:
        what = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
        base = re.sub(r"^_+|_+$", "", str(what)).replace("__", "") or "op"
        where = self.place(node)
        full = f"{where}.{base}" if where else base
        said = f"{where or 'forward'}: {_said(node)}"
        if shape(node) is None and node.target not in ("chunk", torch.chunk):  # no tensor: sizes (x.shape[0], x.size(0)) for view and reshape, whose shapes the trace gives
            if node.target in ("size", "dim") or node.target is getattr or not self.tensors(node) or _of_attention(self.gm, node):
                return
            raise NoKindError(f"{said} has no archcalc kind (it gives no tensor)")
        try:
            mapped, inputs, name, params = self.rule(node, full)
        except NoKindError as exc:
            raise NoKindError(f"{said} has no archcalc kind: {exc}" if str(exc) else f"{said} has no archcalc kind") from None
        if mapped is not None:
            name = self.add(node, self.name(name) if mapped.kind != ALIAS else name, mapped, inputs, "")
            if mapped.kind != ALIAS and mapped.then is None:
                self.made_in[name] = where
            if params:
                self.found.params[name] = params

    def rule(self, node: fx.Node, full: str) -> tuple[Mapped | None, list[fx.Node], str, int]:
        from archcalc.torch_backend.operations import operation_rule

        return operation_rule(self, node, full)


def _of_attention(gm: fx.GraphModule, node: fx.Node) -> bool:
    """x.shape[0] is no tensor, nor is attention's (output, weights)[1]: neither makes a row."""
    source = node.args[0] if node.target is operator.getitem and node.args else None
    return isinstance(source, fx.Node) and source.op == "call_module" and isinstance(gm.get_submodule(str(source.target)), nn.MultiheadAttention)


def _attr(gm: nn.Module, target: str) -> Any:
    value: Any = gm
    for part in target.split("."):
        value = getattr(value, part)
    return value


def _said(node: fx.Node) -> str:
    if node.op == "call_method":
        return f"x.{node.target}(…)"
    fn = node.target
    module = getattr(fn, "__module__", "") or ""
    prefix = {"torch.nn.functional": "F.", "torch": "torch.", "_operator": "operator.", "operator": "operator."}.get(module, "torch." if "torch" in module else "")
    return f"{prefix}{getattr(fn, '__name__', fn)}"


def walk(gm: fx.GraphModule) -> Found:
    return _Walk(gm).walk()


def kwargs_of(node: fx.Node) -> dict[str, Any]:
    """A function's arguments by name (torch's schemas), {} where it has none known."""
    if callable(node.target):
        normal = normalize_function(node.target, tuple(node.args), dict(node.kwargs), normalize_to_only_use_kwargs=True)
        if normal is not None:
            return dict(normal.kwargs)
        try:  # a Python function torch has no schema of (torchvision's stochastic_depth)
            bound = inspect.signature(node.target).bind(*node.args, **node.kwargs)
        except (TypeError, ValueError):
            return {}
        bound.apply_defaults()
        return dict(bound.arguments)
    return {}


def iter_nodes(value: Any) -> Iterator[fx.Node]:
    if isinstance(value, fx.Node):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_nodes(v)
