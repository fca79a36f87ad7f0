"""Which input sizes divide exactly at every layer, and the smallest the network takes at all.

Trying every size of a long range (`--range 1:1000000000`) would take hours, so the sizes are
solved with the size rules' arithmetic: whether a layer divides depends on its input size modulo
its stride (a crop's margin modulo 2), and that input is a floor-affine function of the network's,
so the exact sizes repeat with a period P, the least common multiple over the layers of the
strides before them times their own (AlexNet: 4·2·2·2 = 32, every 32 from 67 on). The sizes up to a
few periods past the smallest accepted one are tried one by one; the last two periods must repeat
(else the range is cut and the result says so), and the rest of the range is counted from the
pattern. A range short enough to try whole is tried whole. Beyond the sizes tried one by one, the
smallest accepted size is found by doubling and halving, which assumes that a network that takes a
size takes every larger one (windows that fit keep fitting).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from archcalc.analysis.graph import INPUT, Graph
from archcalc.analysis.shapes import divides_along, propagate
from archcalc.errors import SpecError
from archcalc.kinds.terms.values import Shape

BUDGET = 2_000_000  # layer evaluations one search may make (sizes tried × layers)
LISTED = 1000  # sizes listed one by one; past that the pattern says the rest


@dataclass(frozen=True)
class ValidInputs:
    """Input sizes along an axis ('H', 'W', or 'H and W' for square inputs) in [low, high]."""

    axis: str
    low: int
    high: int
    exact: tuple[int, ...]  # every layer divides exactly: all of them, or the first LISTED
    smallest: int | None  # the smallest size the network accepts at all (within [1, high])
    reason: str  # why one less is refused
    count: int = -1  # how many sizes in [low, checked] divide exactly (-1: len(exact))
    period: int = 0  # past the listed sizes, they repeat every `period` (0: all are listed)
    residues: tuple[int, ...] = ()  # ... as the sizes ≡ these (mod period)
    last: int | None = None  # the largest exact size up to `checked`
    checked: int = 0  # the sizes looked at end here (0: at high); less than high where the range had to be cut

    @property
    def total(self) -> int:
        return len(self.exact) if self.count < 0 else self.count


def valid_inputs(graph: Graph, low: int, high: int, budget: int = BUDGET) -> tuple[ValidInputs, ...]:
    """Sizes for which every layer divides exactly, and the smallest the network takes at all.
    A square input varies both sides together; otherwise each axis varies on its own."""
    shape = graph.input
    if len(shape) != 3:
        raise SpecError(graph.path, "--valid-inputs needs a C×H×W input")
    axes = (("H and W", (1, 2)),) if shape[1] == shape[2] else (("H", (1,)), ("W", (2,)))
    tries = max(budget // max(len(graph.nodes), 1), 64)  # sizes one search may try
    return tuple(_search(graph, axis, idx, low, high, tries) for axis, idx in axes)


def _search(graph: Graph, axis: str, idx: tuple[int, ...], low: int, high: int, tries: int) -> ValidInputs:
    def at(n: int) -> Shape:
        return tuple(n if i in idx else v for i, v in enumerate(graph.input))

    def exact(n: int) -> bool:
        return all(divides_along(graph, at(n), "HW"[i - 1]) for i in idx)

    smallest, reason = _smallest(graph, at, high, tries)
    why = reason if smallest != 1 else "every size works"
    if smallest is None:
        return ValidInputs(axis, low, high, (), None, why, 0)
    if high - low < tries:  # short enough to try whole
        found = tuple(n for n in range(low, high + 1) if exact(n))
        return _listed(axis, low, high, found, smallest, why, high)
    period = _period(graph, at(smallest), idx)
    first = max(low, smallest)
    end = first + 4 * period + 64  # the sizes tried one by one: from the smallest accepted, four periods and a margin
    if period and end >= high:  # the pattern would reach past the range: try the rest whole
        end = high
    if period == 0 or end - first > tries:
        cut = low + tries - 1
        found = tuple(n for n in range(low, cut + 1) if exact(n))
        return _listed(axis, low, high, found, smallest, why, cut)
    tried = {n: exact(n) for n in range(first, end + 1)}
    if end == high:
        return _listed(axis, low, high, tuple(n for n in range(first, end + 1) if tried[n]), smallest, why, high)
    if any(tried[n] != tried[n - period] for n in range(end - 2 * period + 1, end + 1)):  # does not repeat: cut
        found = tuple(n for n in range(first, end + 1) if tried[n])
        return _listed(axis, low, high, found, smallest, why, end)
    residues = tuple(sorted(n % period for n in range(end - period + 1, end + 1) if tried[n]))
    period, residues = _shortest(period, residues)
    found = tuple(n for n in range(first, end + 1) if tried[n])
    more = sum((high - r) // period - (end - r) // period for r in residues)
    tops = [high - (high - r) % period for r in residues]
    return ValidInputs(axis, low, high, found[:LISTED], smallest, why, len(found) + more, period, residues,
                       max(tops, default=None) if more else (found[-1] if found else None), high)


def _listed(axis: str, low: int, high: int, found: tuple[int, ...], smallest: int, why: str, checked: int) -> ValidInputs:
    return ValidInputs(axis, low, high, found[:LISTED], smallest, why, len(found), 0, (), found[-1] if found else None,
                       checked if checked < high else high)


def _smallest(graph: Graph, at: Callable[[int], Shape], high: int, tries: int) -> tuple[int | None, str]:
    """The smallest size in [1, high] the network takes, and why one less is refused."""
    reason = f"no size up to {high:,} works"

    def refusal(n: int) -> str | None:
        try:
            propagate(graph, at(n))
        except SpecError as exc:
            layer = f"layer '{exc.location.layer}'{exc.location.note}: " if exc.location and exc.location.layer else ""
            return f"at {n}: {layer}{exc.problem}"
        return None

    for n in range(1, min(high, tries) + 1):
        why = refusal(n)
        if why is None:
            return n, reason
        reason = why
    below, n = min(high, tries), min(high, 2 * tries)  # past the sizes tried one by one: double, then halve
    while below < high and refusal(n) is not None:
        below, n = n, min(high, 2 * n)
    if below >= high:
        return None, reason
    while n - below > 1:
        middle = (below + n) // 2
        below, n = (below, middle) if refusal(middle) is None else (middle, n)
    return n, refusal(n - 1) or reason


def _shortest(period: int, residues: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The shortest period the residues repeat with (U-Net's 28 and 12 mod 32 are 12 mod 16)."""
    kept = set(residues)
    for d in range(1, period):
        if period % d == 0 and all((r + d) % period in kept for r in kept):
            return d, tuple(sorted({r % d for r in kept}))
    return period, residues


def _period(graph: Graph, shape: Shape, idx: tuple[int, ...]) -> int:
    """P: the least common multiple over the layers of (the strides before a layer) × (what its own term divides by);
    each size term says its own (SizeTerm.period, .downsampling)."""
    steps = propagate(graph, shape)
    period = 1
    for i in idx:
        axis = "HW"[i - 1]
        before: dict[str, int] = {INPUT: 1}
        for step in steps:
            scale = math.lcm(*(before.get(name, 1) for name in step.node.inputs))
            for t in step.terms:
                if t.axis != axis:
                    continue
                period, scale = math.lcm(period, scale * t.period), scale * t.downsampling  # the term's own numbers
            before[step.node.name] = scale
    return period
