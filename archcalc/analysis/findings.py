"""Findings: sizes that do not divide, and claims the computation contradicts; as values, worded by archcalc.text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc import text
from archcalc.analysis.grading import Grade, grade
from archcalc.analysis.graph import Graph
from archcalc.analysis.shapes import Step, nearest_exact
from archcalc.errors import Location
from archcalc.kinds.terms.figures import Figures, total
from archcalc.kinds.terms.sizes import SizeTerm
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.analysis.claims import ClaimCheck

Nearest = tuple[int | None, int | None]  # the nearest input sizes below and above for which every layer divides


@dataclass(frozen=True)
class Finding:
    layer: str | None
    kind: str  # non_integer_size, claim_contradicted, unread_layer
    where: Location | None
    term: SizeTerm | None = None  # non_integer_size: the axis (axis 'H and W' when both are alike)
    nearest: Nearest | None = None  # non_integer_size
    claim: ClaimCheck | None = None  # claim_contradicted
    figures: Figures | None = None  # unread_layer: what it and the layers only it reads add to the totals
    branch: tuple[str, ...] = ()  # unread_layer: those layers, itself first
    last: str | None = None  # unread_layer: the network's last layer

    @property
    def message(self) -> str:
        return text.finding_message(self)

    @property
    def grade(self) -> Grade:
        """How much it matters, and why (archcalc.analysis.grading)."""
        return grade(self)

    @property
    def severity(self) -> str:
        """note, warning or error."""
        return grade(self).severity


def _mirrored(shape: Shape, steps: list[Step]) -> bool:
    """A square input through layers whose H and W rules are alike: the W search would find what the H search does."""
    if len(shape) != 3 or shape[1] != shape[2]:
        return False
    seen: set[int] = set()  # the ids of the term tuples checked: rows alike share one (archcalc.analysis.shapes)
    for step in steps:
        if id(step.terms) in seen:
            continue
        seen.add(id(step.terms))
        hs, ws = [t for t in step.terms if t.axis == "H"], [t for t in step.terms if t.axis == "W"]
        if len(hs) != len(ws) or not all(h.alike(w) for h, w in zip(hs, ws)):
            return False
    return True


def size_findings(graph: Graph, shape: Shape, steps: list[Step]) -> list[Finding]:
    findings = []
    nearest: dict[str, Nearest] = {}
    mirrored: bool | None = None  # worked out at the first size that does not divide
    exact: set[int] = set()  # the ids of term tuples that divide: rows alike share one
    for step in steps:
        if id(step.terms) in exact:
            continue
        bad = [t for t in step.terms if not t.divides]
        if not bad:
            exact.add(id(step.terms))
            continue
        if mirrored is None:
            mirrored = _mirrored(shape, steps)
        for t in bad:
            if t.axis not in nearest:
                other = {"H": "W", "W": "H"}.get(t.axis, "")
                nearest[t.axis] = nearest[other] if mirrored and other in nearest else nearest_exact(graph, shape, t.axis)
        if len(bad) == 2 and bad[0].alike(bad[1]) and nearest["H"] == nearest["W"]:
            bad = [replace(bad[0], axis="H and W")]  # type: ignore[type-var]
        for t in bad:
            findings.append(Finding(step.node.name, "non_integer_size", step.node.where, t, nearest[t.axis[0]]))
    return findings


def unread_findings(graph: Graph, rows: Sequence[Row]) -> list[Finding]:
    """Layers whose output nothing reads, other than the network's last layer and those marked `output: true`:
    a typo in `inputs` or a forgotten branch, whose figures still count in the totals."""
    read = {i for n in graph.nodes for i in n.inputs}
    last = graph.nodes[-1].name
    if all(n.name in read or n.name == last or n.output for n in graph.nodes):
        return []  # every layer is read (a chain): no branch to walk
    readers: dict[str, list[str]] = {n.name: [] for n in graph.nodes}
    for n in graph.nodes:
        for i in n.inputs:
            if i in readers:
                readers[i].append(n.name)
    figures = {r.name: r.figures for r in rows}
    findings = []
    for node in graph.nodes:
        if readers[node.name] or node.name == last or node.output:
            continue
        branch = [node.name]  # itself, and the layers that exist only for it
        members = {node.name}
        for other in reversed(graph.nodes):
            if other.name not in members and readers[other.name] and all(r in members for r in readers[other.name]):
                branch.append(other.name)
                members.add(other.name)
        findings.append(Finding(node.name, "unread_layer", node.where, figures=total(figures[b] for b in branch),
                                branch=tuple(branch), last=last))
    return findings
