"""Block arguments' $ arithmetic: archcalc's own small language, parsed as that (never by Python's
parser), so a keyword such as `in` is an argument like any other, and errors are in its own words."""

from __future__ import annotations

import pytest

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.errors import SpecError
from archcalc.specfile import parse_spec
from archcalc.specfile.blocks import Arithmetic

ARGS = {"in": 5, "a": 7, "width": 96, "flag": True}


@pytest.mark.parametrize(("text", "value"), [
    ("$in * 2", 10), ("($a + 1) // 2", 4), ("-$a + 3 * 2", -1), ("$width // 4 * 4", 96), ("$a - $in - 1", 1), ("in + 1", 6),
    ("((($a)))", 7), ("7 // 2", 3), ("-7 // 2", -4),  # // rounds down, as Python's and torch's integer division
])
def test_values(text: str, value: int) -> None:
    assert Arithmetic(text, ARGS).value() == value


@pytest.mark.parametrize(("text", "message"), [
    ("$a * ", "it ends where a number or a $name should come"),
    ("2 ** 3", "'*' where a number or a $name should come"),
    ("1 // 0", "division by zero"),
    ("$x + 1", "'x' names no argument of the block"),
    ("((1)", "a '(' is not closed"),
    ("1 2", "'2' does not belong there"),
    ("$flag * 2", "'flag' is True, not a whole number"),
    ("2 ^ 3", "'^' is not part of the arithmetic"),
    ("9" * 40 + " * 2", "a value past 10^30"),
    ("10000000000000000 * 10000000000000000", "a value past 10^30"),
])
def test_errors_in_its_own_words(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace("*", r"\*").replace("^", r"\^").replace("$", r"\$")):
        Arithmetic(text, ARGS).value()


def test_an_argument_named_like_a_python_keyword() -> None:
    # issue 10: `args: {in: null}` with `filters: $in * 2` said "invalid syntax (<unknown>, line 1)"
    spec = parse_spec("""name: k
input: [3, 8, 8]
blocks:
  wide:
    args: {in: null, class: 1}
    layers:
      - {name: c, type: conv, filters: $in * 2 + $class, kernel: 3}
layers:
  - {name: w, type: wide, in: 4}
""")
    assert analyse(build_graph(spec)).rows[0].output == (9, 6, 6)


def test_a_bad_expression_names_the_place() -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec("name: k\ninput: [3, 8, 8]\nblocks:\n  b:\n    args: {n: 2}\n    layers:\n"
                   "      - {name: c, type: conv, filters: $n * * 2, kernel: 3}\nlayers:\n  - {name: x, type: b}\n")
    assert "<spec>:7: layer 'x.c'" in str(raised.value) and "cannot work out '$n * * 2'" in str(raised.value)
