"""Spec → graph: resolve every layer's inputs by name, reject dangling names and cycles, order.

The network input is the node named 'input'. A layer without `inputs` reads the layer written
before it (the first layer reads the input), so a chain needs no `inputs` at all.
"""

from __future__ import annotations

import difflib
import heapq
from dataclasses import dataclass

from archcalc.errors import Location, SpecError
from archcalc.kinds import Layer
from archcalc.kinds.terms.values import Shape
from archcalc.records import quick_init
from archcalc.specfile import Claims, Instance, Spec
from archcalc.specfile.accept import Accept
from archcalc.text import a_kind, printable

INPUT = "input"


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class Node:
    name: str
    layer: Layer
    inputs: tuple[str, ...]  # names of the nodes it reads, 'input' for the network input
    split: bool | None
    gpu: int
    where: Location
    output: bool = False  # marked as one of the network's outputs


@dataclass(frozen=True)
class Graph:
    name: str
    description: str
    input: Shape
    gpus: int
    nodes: tuple[Node, ...]  # in an order where every node comes after the nodes it reads
    claims: Claims | None
    path: str
    aliases: tuple[tuple[str, str], ...] = ()  # block instance -> its last layer
    instances: tuple[Instance, ...] = ()  # every use of a block (spec.blocks.Instance)
    accept: tuple[Accept, ...] = ()  # findings the spec accepts (specfile.accept)


def build_graph(spec: Spec) -> Graph:
    names = [ls.name for ls in spec.layers]
    at = {name: i for i, name in enumerate(names)}
    nodes = []
    written = True  # each layer reads only layers written before it: the written order is the order
    for i, ls in enumerate(spec.layers):
        if ls.inputs is None:  # the layer before it, written before it
            inputs: tuple[str, ...] = (names[i - 1],) if i else (INPUT,)
            if inputs[0] == ls.name:
                raise SpecError(ls.where, "a layer cannot read its own output (a cycle)")
        else:
            inputs = tuple(ls.inputs)
            for name in inputs:
                if name != INPUT and name not in at:
                    near = difflib.get_close_matches(name, names + [INPUT], n=1)
                    hint = f"did you mean '{near[0]}'?" if near else "name a layer of this spec, or 'input'"
                    raise SpecError(ls.where, f"'inputs' names '{printable(name)}', which is no layer", hint)
                if name == ls.name:
                    raise SpecError(ls.where, "a layer cannot read its own output (a cycle)")
                if name != INPUT and at[name] >= i:
                    written = False
        arity = ls.layer.arity
        if arity and len(inputs) != arity:
            said = "inputs" if arity > 1 else "input"
            raise SpecError(ls.where, f"{a_kind(ls.layer.kind)} reads {arity} {said}, not {len(inputs)}",
                            getattr(ls.layer, "arity_hint", "merge several with 'add' or 'concat'"))
        if not arity and len(inputs) < ls.layer.fewest_inputs:
            raise SpecError(ls.where, f"{a_kind(ls.layer.kind)} merges two or more inputs; 'inputs' names {len(inputs)}")
        nodes.append(Node(ls.name, ls.layer, inputs, ls.split, ls.gpu, ls.where, ls.output))
    return Graph(spec.name, spec.description, spec.input, spec.gpus, tuple(nodes) if written else _order(nodes), spec.claims, spec.path,
                 spec.aliases, spec.instances, spec.accept)


def _order(nodes: list[Node]) -> tuple[Node, ...]:
    """Kahn's algorithm, stable and linear: among ready nodes the one written first goes first."""
    index = {n.name: i for i, n in enumerate(nodes)}
    readers: dict[str, list[int]] = {n.name: [] for n in nodes}
    missing = [0] * len(nodes)  # inputs not yet placed
    for i, n in enumerate(nodes):
        for name in set(n.inputs) - {INPUT}:
            readers[name].append(i)
            missing[i] += 1
    ready = [i for i, m in enumerate(missing) if m == 0]
    heapq.heapify(ready)
    done: list[Node] = []
    while ready:
        i = heapq.heappop(ready)
        done.append(nodes[i])
        for j in readers[nodes[i].name]:
            missing[j] -= 1
            if missing[j] == 0:
                heapq.heappush(ready, j)
    if len(done) < len(nodes):
        placed = {n.name for n in done}
        pending = {n.name: {i for i in n.inputs if i != INPUT and i not in placed} for n in nodes if n.name not in placed}
        cycle = _find_cycle(pending)
        first = nodes[min(index[name] for name in cycle)]
        raise SpecError(first.where, f"the inputs form a cycle: {' → '.join(cycle + [cycle[0]])}", "a network is a DAG: each layer may only read layers that do not depend on it")
    return tuple(done)


def _find_cycle(waiting: dict[str, set[str]]) -> list[str]:
    """Follow unplaced inputs from any unplaced node until a name repeats."""
    path: list[str] = []
    name = next(iter(waiting))
    while name not in path:
        path.append(name)
        name = next(i for i in sorted(waiting[name]) if i in waiting)
    return path[path.index(name):][::-1]
