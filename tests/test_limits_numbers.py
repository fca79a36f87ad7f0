"""Issue 14, items 8-11: numbers from a spec or the command line, bounded and exact.

Sizes and counts stop at 2^63 − 1 (archcalc.limits.MAX_INT), refused where they are read, with the
layer and key; every figure after that is integer arithmetic, so that nothing overflows a float.
Before issue 14 each case here ended in an OverflowError, ValueError, RecursionError or torch's
TypeError traceback, or passed NaN through to torch.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from capped import GB, capped, refused

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.errors import SpecError
from archcalc.kinds import KINDS, keys
from archcalc.kinds.terms.sizes import fraction_text, same_padding
from archcalc.kinds.terms.values import NUMBER, POS_FLOAT, RATE
from archcalc.specfile import parse_spec
from archcalc.text import human, off, ratio, size

BIG = 10**400


def spec(*layers: str, shape: str = "[3, 8, 8]", tail: str = "") -> str:
    return f"name: x\ninput: {shape}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers) + tail


HUGE_SPECS = {
    "units 10^200 twice": (spec(f"{{name: a, type: dense, units: {10**200}}}", f"{{name: b, type: dense, units: {10**200}}}"),
                           "layer 'a'", "'units' must be at most 2^63 − 1"),
    "filters 10^400": (spec(f"{{name: a, type: conv, filters: {BIG}, kernel: 3}}"), "layer 'a'", "'filters' must be at most"),
    "input 10^400": (spec("{name: a, type: conv, filters: 4, kernel: 3}", shape=f"[3, {BIG}, 8]"), ":2:", "'input' must be at most"),
    "alpha 10^400": (spec(f"{{name: a, type: lrn, size: 5, alpha: {BIG}}}"), "layer 'a'", "'alpha' must be a finite number"),
    "claims 10^400": (spec("{name: a, type: conv, filters: 4, kernel: 3}", tail=f"claims:\n  totals:\n    params: {BIG}\n"),
                      ":7:", "must be at most"),
    "same padding at 10^400": (spec("{name: a, type: conv, filters: 4, kernel: 3, stride: 3, padding: same}", shape=f"[3, {BIG}, 8]"),
                               ":2:", "'input' must be at most"),
    "5,000 digits": (spec("{name: a, type: conv, filters: 4, kernel: 3}", shape=f"[3, {'9' * 5000}, 8]"), ":2:",
                     "a whole number of about 5,000 digits"),
    "0x and 4,000 digits": (spec("{name: a, type: conv, filters: 4, kernel: 3}", shape=f"[3, 0x{'f' * 4000}, 8]"), ":2:",
                            "past the 4,300 archcalc reads"),
    "an upsampled size past 2^63": (spec("{name: a, type: upsample, scale: 4294967296}", "{name: b, type: upsample, scale: 4294967296}"),
                                    "layer 'b'", "is larger than 2^63 − 1"),
}


@pytest.mark.parametrize("case", list(HUGE_SPECS))
def test_item8_sizes_past_2_63_are_refused_where_they_are_read(tmp_path: Path, case: str) -> None:
    text, *needles = HUGE_SPECS[case]
    path = tmp_path / "big.yaml"
    path.write_text(text)
    for fmt in ("table", "json"):
        refused(capped("show", str(path), "--format", fmt, timeout=60), *needles)


@pytest.mark.parametrize("args", [
    ["--input", "9" * 400], ["--input", "9" * 5000], ["--input", "9223372036854775808"], ["--input", f"3x{'9' * 5000}x4"],
    ["--range", f"1:{'9' * 5000}", "--valid-inputs"], ["--range", f"{'9' * 400}:{'9' * 401}", "--valid-inputs"],
])
def test_item8_command_line_sizes_past_2_63_are_refused(args: list[str]) -> None:
    message = refused(capped("show", "alexnet", *args, timeout=60), "is larger than 2^63 − 1 (9,223,372,036,854,775,807)")
    assert len(message) < 400


@pytest.mark.parametrize("digits", [400, 5000])
def test_item8_batch_past_2_63_is_refused(digits: int) -> None:
    result = capped("show", "alexnet", "--batch", "9" * digits, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "larger than 2^63 − 1" in result.stderr
    assert len(result.stderr) < 600


def test_item8_the_largest_batch_is_exact() -> None:
    # AlexNet's peak of live activations at batch 1 is 2,323,200 B at norm1 (README); times 2^63 − 1, exactly
    result = capped("show", "alexnet", "--batch", str(2**63 - 1), "--format", "markdown", timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"inference peak of live activations {2_323_200 * (2**63 - 1):,} B" in result.stdout


def test_item8_same_padding_at_10_18_is_tensorflows_ceil() -> None:
    # TensorFlow's SAME: out = ⌈n/s⌉; n = 10^18 + 1, s = 3: ⌈(10^18 + 1)/3⌉ = 333,333,333,333,333,334, padding (0, 1)
    n = 10**18 + 1
    assert same_padding(n, 3, 3) == (0, 1)
    a = analyse(build_graph(parse_spec(spec("{name: a, type: conv, filters: 4, kernel: 3, stride: 3, padding: same}",
                                            shape=f"[3, {n}, 9]"))))
    assert a.rows[0].output == (4, 333_333_333_333_333_334, 3)
    assert a.rows[0].output[1] == -(-n // 3)


def test_item8_non_dividing_sizes_are_written_exactly() -> None:
    # (10^18 + 1 − 3)/3 + 1 = 333,333,333,333,333,333.666…: a float showed 333333333333333312.000…
    assert fraction_text(Fraction(10**18 + 1 - 3, 3) + 1) == "333333333333333333.667…"
    assert fraction_text(Fraction(2**70 + 1, 4)) == "295147905179352825856.25"
    assert fraction_text(Fraction(1, 2**64)) == "0." + str(5**64).rjust(64, "0")  # 1/2^64 = 5^64/10^64
    assert fraction_text(Fraction(217, 4)) == "54.25" and fraction_text(Fraction(55, 3)) == "18.333…"


def test_item8_figures_past_a_float_are_written_exactly() -> None:
    assert human(10**400) == f"{10**388:,} T"
    assert human(60_965_224) == "60.97 M"  # AlexNet's parameters (README)
    assert size(2**1100) == f"{2**1100:,} B ({2**1070:,} GiB)"
    assert ratio(7 * 10**400, 10**100) == f"×{7 * 10**300:,}" and ratio(5, 3) == "×1.67"
    assert off(10**400, 2, 0.05) == f"+{(10**400 - 2) * 100 // 2:,}% from the stated figure"


def test_item8_compare_ratios_do_not_overflow(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(spec("{name: a, type: dense, units: 9223372036854775807}", "{name: b, type: dense, units: 9223372036854775807}"))
    for fmt in ("table", "json", "csv", "markdown"):
        result = capped("compare", "lenet", str(path), "--format", fmt, timeout=60)
        assert result.returncode == 0, result.stderr
    params = 192 * (2**63 - 1) + (2**63 - 1) + (2**63 - 1) ** 2 + (2**63 - 1)  # dense a: 3·8·8 inputs + bias; dense b: the same from a
    assert f"{params:,}" in result.stdout


FLOAT_VALUES = (RATE, POS_FLOAT, NUMBER)


def float_keys() -> list[tuple[str, str]]:
    return [(name, k.key) for name, cls in KINDS.items() for k in keys(cls) if k.value in FLOAT_VALUES]


def test_item9_every_float_key_is_found() -> None:
    found = float_keys()
    assert {("dropout", "rate"), ("lrn", "alpha"), ("lrn", "beta"), ("lrn", "k"), ("batchnorm", "eps")} <= set(found)
    assert len(found) >= 10


@pytest.mark.parametrize(("kind", "key"), float_keys())
@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", str(BIG)])
def test_item9_nan_and_infinity_are_refused_with_the_layer_and_key(kind: str, key: str, value: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec(spec(f"{{name: odd, type: {kind}, {key}: {value}}}"))
    assert "layer 'odd'" in raised.value.where and raised.value.where.endswith("layer 'odd'")
    assert f"'{key}' must be a finite number" in raised.value.problem


def test_item9_nan_tolerance_is_refused() -> None:
    with pytest.raises(SpecError, match="'tolerance' must be a fraction"):
        parse_spec(spec("{name: a, type: conv, filters: 4, kernel: 3}", tail="claims:\n  totals:\n    params: {about: 100, tolerance: .nan}\n"))


RUN_CASES = {
    "--input 10^9": (["lenet", "--input", "1000000000"], "layer 'conv1'", "more than torch can hold in one tensor"),
    "filters 2^63 − 1": (None, "layer 'c'", "its output (batch 1 × 9223372036854775807×8×8)", "more than torch can hold"),
    "2^63 parameter bytes": (None, "layer 'c'", "its parameters (9,223,372,036,854,775,808 parameters)"),
    "--batch 10^19": (["lenet", "--batch", "10000000000000000000"], "larger than 2^63 − 1"),
}


@pytest.mark.parametrize("case", [c if c == "--batch 10^19" else pytest.param(c, marks=pytest.mark.slow) for c in RUN_CASES])  # torch starts in each: -m slow
def test_item10_run_refuses_what_torch_cannot_build(tmp_path: Path, case: str) -> None:
    pytest.importorskip("torch")
    args, *needles = RUN_CASES[case]
    if args is None:  # 2^23 input maps × 2^40 filters, 1×1: 2^63 weights (no bias), 2^65 bytes in float32
        path = tmp_path / "wide.yaml"
        path.write_text(spec("{name: c, type: conv, filters: 9223372036854775807, kernel: 1}") if "filters" in case else
                        spec("{name: c, type: conv, filters: 1099511627776, kernel: 1, bias: false}", shape="[8388608, 1, 1]"))
        args = [str(path)]
    result = capped("run", *args, "--min-time", "0.01", memory=4 * GB, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert all(needle in result.stderr for needle in needles), result.stderr


ARITHMETIC = {
    "division by zero": ("$a // ($a - 3)", "division by zero"),
    "1,200 terms": (" + ".join(["$a"] * 1200), "arithmetic is at most 1,000"),
    "2,000 leading minus signs": ("-" * 2000 + "$a", "arithmetic is at most 1,000"),
    "100,000 minus signs": ("-" * 100_000 + "$a", "arithmetic is at most 1,000"),
    "60 leading minus signs": ("-" * 60 + "$a", "nest more than 50 deep"),
    "parentheses 60 deep": ("(" * 60 + "$a" + ")" * 60, "nest more than 50 deep"),
    "a 31-digit product": ("$a" + " * $a" * 70, "a value past 10^30"),
}


@pytest.mark.parametrize("case", list(ARITHMETIC))
def test_item11_block_arithmetic_errors_in_archcalcs_words(tmp_path: Path, case: str) -> None:
    expression, needle = ARITHMETIC[case]
    path = tmp_path / "arith.yaml"
    path.write_text("name: x\ninput: [3, 8, 8]\nblocks:\n  b:\n    args: {a: 3}\n    layers:\n"
                    f"      - {{name: c, type: conv, filters: '{expression}', kernel: 1}}\nlayers:\n  - {{name: u, type: b}}\n")
    message = refused(capped("show", str(path), timeout=30), f"{path}:7: layer 'u.c'", needle)
    assert len(message) < 600


def test_item11_nested_squares_stop_at_the_digit_bound(tmp_path: Path) -> None:
    # $a * $a, 16 blocks deep from a = 10: 10^(2^16) would pass Python's 4,300-digit limit; 10^32 already passes 10^30
    text = "name: x\ninput: [3, 8, 8]\nblocks:\n  b0:\n    args: {a: null}\n    layers:\n      - {name: c, type: conv, filters: $a, kernel: 1}\n"
    for i in range(1, 17):
        text += f"  b{i}:\n    args: {{a: null}}\n    layers:\n      - {{name: u, type: b{i - 1}, a: $a * $a}}\n"
    path = tmp_path / "nested.yaml"
    path.write_text(text + "layers:\n  - {name: top, type: b16, a: 10}\n")
    refused(capped("show", str(path), timeout=30), "cannot work out '$a * $a': a value past 10^30")
