"""Findings: sizes that do not divide, and claims the computation contradicts; as values, worded by archcalc.text."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc import text
from archcalc.analysis.shapes import Step, nearest_exact
from archcalc.errors import Location
from archcalc.graph import Graph
from archcalc.sizes import SizeTerm
from archcalc.values import Shape

if TYPE_CHECKING:
    from archcalc.analysis.claims import ClaimCheck

Nearest = tuple[int | None, int | None]  # the nearest input sizes below and above for which every layer divides


@dataclass(frozen=True)
class Finding:
    layer: str | None
    kind: str  # non_integer_size, claim_contradicted
    where: Location | None
    term: SizeTerm | None = None  # non_integer_size: the axis (axis 'H and W' when both are alike)
    nearest: Nearest | None = None  # non_integer_size
    claim: ClaimCheck | None = None  # claim_contradicted

    @property
    def message(self) -> str:
        return text.finding_message(self)


def size_findings(graph: Graph, shape: Shape, steps: list[Step]) -> list[Finding]:
    findings = []
    nearest: dict[str, Nearest] = {}
    for step in steps:
        bad = [t for t in step.terms if not t.divides]
        for t in bad:
            if t.axis not in nearest:
                nearest[t.axis] = nearest_exact(graph, shape, t.axis)
        if len(bad) == 2 and bad[0].text() == bad[1].text() and nearest["H"] == nearest["W"]:
            bad = [replace(bad[0], axis="H and W")]  # type: ignore[type-var]
        for t in bad:
            findings.append(Finding(step.node.name, "non_integer_size", step.node.where, t, nearest[t.axis[0]]))
    return findings
