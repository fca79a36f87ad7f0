"""Findings: sizes that do not divide, and claims a paper makes, checked against the figures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc.errors import SpecError
from archcalc.graph import Graph
from archcalc.layers import Shape, SizeTerm, dims
from archcalc.shapes import Step, arithmetic_text, exact, nearest_exact, propagate
from archcalc.spec import Stated

if TYPE_CHECKING:
    from archcalc.analysis import Row, Totals


@dataclass(frozen=True)
class Finding:
    layer: str | None
    kind: str  # non_integer_size, claim_contradicted
    message: str


@dataclass(frozen=True)
class ClaimCheck:
    layer: str | None
    subject: str  # "input", "conv1 output", "total params"
    stated: str
    computed: str
    confirmed: bool
    detail: str


def size_findings(graph: Graph, shape: Shape, steps: list[Step]) -> list[Finding]:
    findings = []
    nearest: dict[str, tuple[int | None, int | None]] = {}
    for step in steps:
        bad = [t for t in step.terms if not t.divides]
        for t in bad:
            if t.axis not in nearest:
                nearest[t.axis] = nearest_exact(graph, shape, t.axis)
        if len(bad) == 2 and bad[0].text() == bad[1].text() and nearest["H"] == nearest["W"]:
            bad = [replace(bad[0], axis="H and W")]
        for t in bad:
            message = non_integer_message(step.node.name, t, nearest[t.axis[0]])
            findings.append(Finding(step.node.name, "non_integer_size", message))
    return findings


def _lines(axis: str, count: int) -> str:
    """'1 row', '3 columns', '1 row and column' — what `count` pixels along `axis` are called."""
    one, many = {"H": ("row", "rows"), "W": ("column", "columns")}.get(axis, ("row and column", "rows and columns"))
    return f"{count} {one if count == 1 else many}"


def non_integer_message(layer: str, t: SizeTerm, nearest: tuple[int | None, int | None]) -> str:
    if t.rounding == "ceil":
        what = f"ceil rounding makes it {t.out}: the last window hangs {_lines(t.axis, t.stride - t.unread)} past the padded input"
    else:
        verb = "is" if t.unread == 1 else "are"
        what = (f"frameworks floor it to {t.out}, so the last {_lines(t.axis, t.unread)} of the padded input {verb} never read "
                f"({t.stride - t.unread} more would give {t.out + 1})")
    sizes = " and ".join(str(n) for n in nearest if n is not None) or "none within reach"
    noun = {"H": "heights", "W": "widths"}.get(t.axis, "sizes")
    return (f"{layer}: {t.axis} = {t.expression()} = {t.value()} is not a whole number; {what}. "
            f"Nearest input {noun} for which every layer divides exactly: {sizes}")


def _fits(stated: Stated, computed: int) -> bool:
    return abs(computed - stated.value) <= stated.tolerance * stated.value


def _stated(s: Stated) -> str:
    return f"{s.value:,}" if not s.tolerance else f"about {s.value:,} (±{s.tolerance * 100:.3g}%)"


def _off(value: int, s: Stated) -> str:
    """'+1.6% from the stated figure', or the difference itself when the claim is exact."""
    if s.tolerance and s.value:
        return f"{(value - s.value) / s.value:+.1%} from the stated figure"
    return "as stated" if value == s.value else f"{value - s.value:+,} from the stated figure"


def _source(row: Row) -> str:
    """Where a layer without size arithmetic gets its shape: 'from 256×6×6', or its merged inputs."""
    if len(row.input_shapes) > 1:
        return " + ".join(dims(x) for x in row.input_shapes) + f" → {dims(row.output)}"
    return f"from {dims(row.input_shapes[0])}"


def check_claims(graph: Graph, shape: Shape, rows: list[Row], totals: Totals) -> tuple[list[ClaimCheck], list[Finding]]:
    claims = graph.claims
    if claims is None:
        return [], []
    checks: list[ClaimCheck] = []
    if claims.input is not None:
        checks.append(_check_input(graph, shape, claims.input))
    by_name = {r.name: r for r in rows}
    aliases = dict(graph.aliases)
    for c in claims.layers:
        if c.layer in by_name:
            row, members = by_name[c.layer], [by_name[c.layer]]
        elif c.layer in aliases:  # a block instance: its output is its last layer's, its figures all its layers'
            row, members = by_name[aliases[c.layer]], [r for r in rows if r.name.startswith(f"{c.layer}.")]
        else:
            raise SpecError(c.where, f"the claim names '{c.layer}', which is no layer or block instance")
        if c.output is not None:
            arithmetic = arithmetic_text(row.terms) or _source(row)
            checks.append(ClaimCheck(c.layer, f"{c.layer} output", dims(c.output), dims(row.output), c.output == row.output, arithmetic))
        if c.activations is not None:
            fits = _fits(c.activations, row.activations)
            detail = f"{dims(row.output)} = {row.activations:,}" + ("" if fits else f", {_off(row.activations, c.activations)}")
            checks.append(ClaimCheck(c.layer, f"{c.layer} activations", _stated(c.activations), f"{row.activations:,}", fits, detail))
        for figure in ("params", "connections"):
            claim = getattr(c, figure)
            if claim is not None:
                value = sum(getattr(r, figure) for r in members)
                detail = _off(value, claim) + (f" (summed over the {len(members)} layers of '{c.layer}')" if len(members) > 1 else "")
                checks.append(ClaimCheck(c.layer, f"{c.layer} {figure}", _stated(claim), f"{value:,}", _fits(claim, value), detail))
    for figure, s in claims.totals:
        value = getattr(totals, figure)
        checks.append(ClaimCheck(None, f"total {figure}", _stated(s), f"{value:,}", _fits(s, value), _off(value, s)))
    contradicted = [Finding(c.layer, "claim_contradicted", _contradiction(c)) for c in checks if not c.confirmed]
    return checks, contradicted


def _contradiction(c: ClaimCheck) -> str:
    if c.subject == "input":
        return f"the stated input {c.stated} cannot be the network's: {c.detail}"
    return f"claimed {c.subject} {c.stated}, but it is {c.computed}: {c.detail}"


def _check_input(graph: Graph, shape: Shape, stated: Shape) -> ClaimCheck:
    """The stated input, whatever input this run uses: does every layer divide exactly at it, and
    does it give the stated layer shapes? 'computed' is the input the spec itself builds."""
    built = dims(graph.input)
    try:
        steps = propagate(graph, stated)
    except SpecError as exc:
        return ClaimCheck(None, "input", dims(stated), built, False, f"the network cannot take it: {exc.problem}")
    inexact = next((st for st in steps if any(not t.divides for t in st.terms)), None)
    floors = ""
    if inexact is not None:
        floors = f"{inexact.node.name} gives {arithmetic_text(tuple(t for t in inexact.terms if not t.divides))}"
    claimed = {c.layer: c.output for c in graph.claims.layers if c.output} if graph.claims else {}
    wrong = [st for st in steps if st.node.name in claimed and claimed[st.node.name] != st.output]
    if not wrong:  # sizes that floor are the network's design (ResNet), unless they contradict a stated shape
        detail = "every layer divides exactly" if not floors else f"not every size divides ({floors})"
        return ClaimCheck(None, "input", dims(stated), built, True, detail + (", and gives the stated shapes" if claimed else ""))
    first = wrong[0]
    more = f" (and {len(wrong) - 1} more stated shapes)" if len(wrong) > 1 else ""
    problems = [floors] if floors else []
    problems.append(f"{first.node.name} would be {dims(first.output)}, not the stated {dims(claimed[first.node.name])}{more}")
    if stated[1:] != graph.input[1:] and exact(graph, graph.input):
        problems.append(f"the spec builds {built}, where every layer divides exactly")
    else:
        below, above = nearest_exact(graph, stated, "H")
        problems.append(f"nearest sizes that divide exactly: {' and '.join(str(n) for n in (below, above) if n)}")
    return ClaimCheck(None, "input", dims(stated), built, False, "; ".join(problems))
