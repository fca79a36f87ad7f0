"""Claims a paper makes, checked against the figures: each check keeps the stated and computed values
and what its detail is made of; archcalc.text words them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from archcalc import text
from archcalc.analysis.findings import Finding, Nearest
from archcalc.analysis.graph import Graph
from archcalc.analysis.shapes import exact, nearest_exact, propagate
from archcalc.errors import Location, SpecError
from archcalc.kinds.terms.sizes import SizeTerm
from archcalc.kinds.terms.values import Shape
from archcalc.specfile import Stated
from archcalc.text import printable

if TYPE_CHECKING:
    from archcalc.analysis import Row, Totals

Value = Union[int, Shape]


@dataclass(frozen=True)
class InputCheck:
    """The stated input run through the network: what refused it, floored, or came out otherwise."""

    refused: str | None = None  # the network cannot take it: why
    floors: tuple[str, tuple[SizeTerm, ...]] | None = None  # the first layer whose size does not divide, and its axes
    wrong: tuple[str, Shape, Shape] | None = None  # the first stated layer shape it does not give: layer, computed, stated
    more_wrong: int = 0  # further stated shapes it does not give
    shapes_stated: bool = False  # the claims state layer shapes (and it gives them all)
    spec_exact: bool = False  # the spec's own input differs, and there every layer divides
    nearest: Nearest = (None, None)  # otherwise: the nearest sizes that divide exactly


@dataclass(frozen=True)
class ClaimCheck:
    layer: str | None
    subject: str  # "input", "conv1 output", "total params"
    figure: str  # input, output, activations, params, connections, or a total's figure
    stated: Value
    computed: Value
    tolerance: float
    confirmed: bool
    where: Location | None
    terms: tuple[SizeTerm, ...] = ()  # output: its size arithmetic
    input_shapes: tuple[Shape, ...] = ()  # output: where a layer without arithmetic gets its shape
    output: Shape | None = None  # output, activations: the layer's computed shape
    members: int = 1  # params, connections: the layers summed (a block instance's)
    input_check: InputCheck | None = None  # input
    conventions: tuple[tuple[str, int | None], ...] = ()  # a total's FLOPs or MACs: each FLOPs tool's total, to match

    @property
    def matches(self) -> tuple[str, ...]:
        """The conventions whose totals fit the stated figure (within its tolerance), nearest first; of equal ones
        `macs` (the papers') first, then in the order of CONVENTIONS."""
        assert isinstance(self.stated, int)
        order = [name for name, _ in self.conventions]
        fits = [(abs(v - self.stated), name != "macs", order.index(name), name) for name, v in self.conventions
                if v is not None and abs(v - self.stated) <= self.tolerance * self.stated]
        return tuple(fit[-1] for fit in sorted(fits))

    @property
    def stated_text(self) -> str:
        return text.stated(self.stated, self.tolerance) if isinstance(self.stated, int) else text.dims(self.stated)

    @property
    def computed_text(self) -> str:
        return text.figure_text(self.computed)

    @property
    def detail(self) -> str:
        return text.claim_detail(self)


def check_claims(graph: Graph, rows: list[Row], totals: Totals) -> tuple[list[ClaimCheck], list[Finding]]:
    claims = graph.claims
    if claims is None:
        return [], []
    checks: list[ClaimCheck] = []
    if claims.input is not None:
        checks.append(_check_input(graph, claims.input))
    by_name = {r.name: r for r in rows}
    aliases = dict(graph.aliases)
    for c in claims.layers:
        if c.layer in by_name:
            row, members = by_name[c.layer], [by_name[c.layer]]
        elif c.layer in aliases:  # a block instance: its output is its last layer's, its figures all its layers'
            row, members = by_name[aliases[c.layer]], [r for r in rows if r.name.startswith(f"{c.layer}.")]
        else:
            raise SpecError(c.where, f"the claim names '{printable(c.layer)}', which is no layer or block instance")
        if c.output is not None:
            checks.append(ClaimCheck(c.layer, f"{c.layer} output", "output", c.output, row.output, 0.0, c.output == row.output, c.where,
                                     terms=row.terms, input_shapes=row.input_shapes, output=row.output))
        if c.activations is not None:
            checks.append(_figure(c.layer, "activations", c.activations, row.activations, c.where, output=row.output))
        for figure in ("params", "connections"):
            claim: Stated | None = getattr(c, figure)
            if claim is not None:
                value = sum(getattr(r, figure) for r in members)
                checks.append(_figure(c.layer, figure, claim, value, c.where, members=len(members)))
    conventions: tuple[tuple[str, int | None], ...] = ()
    if any(figure in ("macs", "flops") for figure, _ in claims.totals):
        from archcalc.analysis.counts import convention_totals

        conventions = convention_totals(rows, graph.gpus)
    for figure, s in claims.totals:
        counted = {"conventions": conventions} if figure in ("macs", "flops") else {}
        checks.append(_figure(None, figure, s, getattr(totals, figure), None, **counted))
    contradicted = [Finding(c.layer, "claim_contradicted", c.where, claim=c) for c in checks if not c.confirmed]
    return checks, contradicted


def _figure(layer: str | None, figure: str, s: Stated, value: int, where: Location | None, **detail: object) -> ClaimCheck:
    subject = f"{layer} {figure}" if layer else f"total {figure}"
    return ClaimCheck(layer, subject, figure, s.value, value, s.tolerance, s.fits(value), where, **detail)  # type: ignore[arg-type]


def _check_input(graph: Graph, stated: Shape) -> ClaimCheck:
    """The stated input, whatever input this run uses: does every layer divide exactly at it, and
    does it give the stated layer shapes? 'computed' is the input the spec itself builds."""
    def check(confirmed: bool, result: InputCheck) -> ClaimCheck:
        return ClaimCheck(None, "input", "input", stated, graph.input, 0.0, confirmed, None, input_check=result)

    try:
        steps = propagate(graph, stated)
    except SpecError as exc:
        return check(False, InputCheck(refused=exc.problem))
    inexact = next((st for st in steps if any(not t.divides for t in st.terms)), None)
    floors = None if inexact is None else (inexact.node.name, tuple(t for t in inexact.terms if not t.divides))
    claimed = {c.layer: c.output for c in graph.claims.layers if c.output} if graph.claims else {}
    wrong = [st for st in steps if st.node.name in claimed and claimed[st.node.name] != st.output]
    if not wrong:  # sizes that floor are the network's design (ResNet), unless they contradict a stated shape
        return check(True, InputCheck(floors=floors, shapes_stated=bool(claimed)))
    first = wrong[0]
    spec_exact = stated[1:] != graph.input[1:] and exact(graph, graph.input)
    nearest = (None, None) if spec_exact else nearest_exact(graph, stated, "H")
    return check(False, InputCheck(floors=floors, wrong=(first.node.name, first.output, claimed[first.node.name]),
                                   more_wrong=len(wrong) - 1, spec_exact=spec_exact, nearest=nearest))
