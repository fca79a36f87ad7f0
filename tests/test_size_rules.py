"""A kind with a size formula of its own needs nothing outside its own module: the size rule shows
its arithmetic, says whether it divides and what frameworks do otherwise, and the findings, the
tables' header, the JSON and the valid-input search all ask it (nothing assumes (W − K + 2P)/S + 1).

The kind here, written inside the test, halves each side by an integer factor: out = floor(W/f)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from archcalc.analysis import analyse, valid_inputs
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.kinds import KINDS, Layer, missing_rules
from archcalc.kinds.base import NoWeights, PerMap, Uncounted, VectorUnits
from archcalc.kinds.terms.fields import Field, window_field
from archcalc.kinds.terms.kept import Kept
from archcalc.kinds.terms.sizes import SizeTerm, Sizing, Term, spatial
from archcalc.kinds.terms.values import PosInt, Shape
from archcalc.specfile import parse_spec


@dataclass(frozen=True)
class DivideTerm(Term):
    formula: ClassVar[str] = "W/f"
    axis: str
    size: int
    factor: int
    out: int
    # what window_field reads, for the receptive field: a window of f, stride f, no padding
    reach: int = 0
    stride: int = 0
    pad_before: int = 0

    @property
    def exact(self) -> Fraction:
        return Fraction(self.size, self.factor)

    @property
    def divides(self) -> bool:
        return self.size % self.factor == 0

    def expression(self) -> str:
        return f"{self.size}/{self.factor}"

    def value(self) -> str:
        return str(float(self.exact)).removesuffix(".0")

    def text(self) -> str:
        return f"{self.expression()} = {self.value()}" + ("" if self.divides else f" → {self.out}")

    def consequence(self) -> str:
        return f"the last {self.size % self.factor} pixels are dropped, leaving {self.out}"

    @property
    def period(self) -> int:  # the valid-input search asks the term itself (issue 19): sizes divisible by f
        return self.factor

    @property
    def downsampling(self) -> int:
        return self.factor


@dataclass(frozen=True)
class Halve(NoWeights, Uncounted, PerMap, VectorUnits, Layer):
    kind: ClassVar[str] = "halve"
    category: ClassVar[str] = "pool"
    label: ClassVar[str] = "halve"
    summary: ClassVar[str] = "each side divided by an integer factor"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"factor": 2},)  # a kind says what its rules are proven on

    factor: PosInt = 2

    def sizing(self, *xs: Shape) -> Sizing:
        c, h, w = spatial(xs[0], self.kind)
        terms = tuple(DivideTerm(a, n, self.factor, n // self.factor, self.factor, self.factor) for a, n in (("H", h), ("W", w)))
        return Sizing((c, h // self.factor, w // self.factor), terms)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return window_field(ins[0], terms, out)

    def hyper(self) -> str:
        return f"÷{self.factor}"

    def build(self, site: object) -> None:
        raise NotImplementedError("not built in this test")

    def kept(self, keeping: object) -> Kept:
        return Kept()  # a new, smaller map; nothing kept (it is never built)


SPEC = "name: h\ninput: [3, 9, 9]\nlayers:\n  - {name: down, type: halve}\n  - {name: conv, type: conv, filters: 4, kernel: 3}\n"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KINDS, "halve", Halve)


def test_the_kind_is_complete() -> None:
    assert missing_rules(Halve) == []


def test_its_arithmetic_and_finding_are_its_own(registered: None) -> None:
    a = analyse(build_graph(parse_spec(SPEC)))
    down = a.rows[0]
    assert down.output == (3, 4, 4) and a.rows[1].output == (4, 2, 2)  # 9/2 → 4; (4 − 3 + 2·0)/1 + 1 = 2
    [finding] = a.findings
    # its own words: the expression, the value, what happens; nearest exact inputs by its own `divides`: 8 and 10
    # a rule that does not say which rows it leaves unread is graded as losing real input (archcalc.kinds.terms.unread)
    assert finding.severity == "warning"
    assert finding.message == ("down: H and W = 9/2 = 4.5 is not a whole number; the last 1 pixels are dropped, leaving 4. "
                               "A warning: its size rule does not say which rows it leaves unread, so some may be real input. "
                               "Nearest input sizes for which every layer divides exactly: 8 and 10")
    assert a.rows[0].receptive_field is not None and a.rows[0].receptive_field.size == (2, 2)


def test_the_table_header_names_every_formula(registered: None, tmp_path: Path) -> None:
    runner = CliRunner(env={"NO_COLOR": "1"})
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    table = runner.invoke(main, ["show", str(spec)])
    doc = json.loads(runner.invoke(main, ["show", str(spec), "--format", "json"]).stdout)
    assert table.exit_code == 0, table.output
    assert "size arithmetic  (W/f; (W − K + 2P)/S + 1)" in table.stdout
    assert "9/2 = 4.5 → 4 (H and W)" in table.stdout
    assert doc["layers"][0]["arithmetic"][0] == {"axis": "H", "expression": "9/2", "value": "4.5", "output": 4, "exact": False}
    assert doc["findings"][0]["nearest"] == [8, 10] and doc["findings"][0]["value"] == 4.5


def test_the_valid_input_search_asks_the_rule(registered: None) -> None:
    graph = build_graph(parse_spec(SPEC))
    [v] = valid_inputs(graph, 5, 16)
    assert v.exact == (6, 8, 10, 12, 14, 16)  # even sides: n/2 divides; the conv then fits from n/2 = 3
    assert v.smallest == 6  # at 5 → 2, the 3×3 conv no longer fits
