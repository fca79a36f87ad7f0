"""`show --counts`, `show --counted-as TOOL`, `compare --counted-as TOOL` and the JSON `counts` object, as a user runs them.

The figures are LeNet's (Dive into Deep Learning's), whose every convention tests/test_counts.py derives by hand and checks
against the tools themselves; U-Net's crop is where fvcore fails (also proven there)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.kinds.terms.conventions import CONVENTIONS

PLAIN = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
LENET = {"torch": 833_040, "fvcore": 416_520, "ptflops": 435_646, "ptflops-aten": 423_038, "thop": 418_096, "torchinfo": 423_038,
         "macs": 416_520}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={**PLAIN, "COLUMNS": "250"}).invoke(main, list(args), prog_name="archcalc")
    return result.exit_code, result.stdout, result.stderr


def test_counts_lists_every_tool_with_its_figure_unit_and_reason() -> None:
    code, out, err = invoke("show", "lenet", "--counts")
    assert code == 0 and err == ""
    for name, figure in LENET.items():
        line = next(line for line in out.splitlines() if line.split()[:1] == [name])
        assert f"{figure:,}" in line and CONVENTIONS[name].unit in line and CONVENTIONS[name].differs in line
    # what each adds to the MACs here (tests/test_counts.py derives each by hand): biases, pools, nothing
    here = {line.split()[0]: line for line in out.splitlines() if line.split()[:1] and line.split()[0] in LENET}
    assert "MACs + avgpool 12,608 + conv 6,304 + dense 214  " in here["ptflops"]  # pools twice; 6·28·28 + 16·10·10 biases
    assert "MACs + avgpool 1,576  " in here["thop"]  # 6·14·14 + 16·5·5 outputs
    assert "2 × MACs  " in here["torch"] and "  MACs  " in here["macs"]


def test_counted_as_puts_the_tools_figures_in_the_flops_column() -> None:
    code, out, _ = invoke("show", "lenet", "--counted-as", "thop")
    assert code == 0
    assert "MACs as thop counts them" in out
    pool1 = next(line for line in out.splitlines() if line.split()[:1] == ["pool1"])
    assert pool1.split()[-3] == "1,176"  # thop: an avg pool counts one per output value, 6·14·14
    total = next(line for line in out.splitlines() if line.split()[:1] == ["total"])
    assert "418,096" in total


def test_a_tool_that_is_not_one_is_one_message_with_the_choices() -> None:
    code, out, err = invoke("show", "lenet", "--counted-as", "flopper")
    assert code == 2 and out == ""
    assert err.count("error") == 1 and all(name in err for name in CONVENTIONS)
    assert "Traceback" not in err


def test_a_tool_that_fails_on_the_network_says_so() -> None:
    code, out, _ = invoke("show", "unet", "--counts")
    assert code == 0
    assert next(line for line in out.splitlines() if line.split()[:1] == ["fvcore"]).split()[1] == "fails"
    code, _, err = invoke("show", "unet", "--counted-as", "fvcore")
    assert code == 2 and "fvcore prints no figure for U-Net: the tool fails on layer 'crop4' (crop)" in err


def test_compare_counted_as_and_its_counts_table() -> None:
    code, out, _ = invoke("compare", "lenet", "alexnet", "--counted-as", "ptflops")
    assert code == 0
    assert next(line for line in out.splitlines() if line.strip().startswith("MACs (ptflops)")).split()[2:4] == ["435,646", "729,362,336"]
    assert next(line for line in out.splitlines() if line.split()[:1] == ["thop"]).split()[2:] == ["418,096", "724,409,815"]


def test_json_has_every_tools_total_unit_and_rules() -> None:
    code, out, _ = invoke("show", "lenet", "--format", "json")
    assert code == 0
    counts = json.loads(out)["counts"]
    assert {k: v["total"] for k, v in counts.items()} == LENET
    assert all(v["unit"] == CONVENTIONS[k].unit and v["rules"] == CONVENTIONS[k].rules for k, v in counts.items())
    code, out, _ = invoke("show", "unet", "--format", "json")
    assert json.loads(out)["counts"]["fvcore"]["total"] is None


def test_counts_and_counted_as_are_tables() -> None:
    code, _, err = invoke("show", "lenet", "--counted-as", "thop", "--format", "csv")
    assert code == 2 and "--counted-as makes a table" in err


def test_counts_as_json_is_the_counts_object_alone() -> None:
    code, out, _ = invoke("show", "lenet", "--counts", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"name", "counts"} and {k: v["total"] for k, v in doc["counts"].items()} == LENET
    code, _, err = invoke("show", "lenet", "--counts", "--format", "csv")
    assert code == 2 and "--counts makes a table, not --format csv" in err
