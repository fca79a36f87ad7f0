"""`archcalc show` and `archcalc compare` as a user runs them: the table's content, the entry points."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
PLAIN = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}


def run(*args: str, columns: str | None = None) -> str:
    result = CliRunner(env={**PLAIN, "COLUMNS": columns}).invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def section(text: str, start: str, end: str | None = None) -> str:
    """The part of the output from the first line holding `start` up to the first later line holding `end`."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if start in line)
    j = next((k for k in range(i + 1, len(lines)) if end and end in lines[k]), len(lines))
    return "\n".join(lines[i:j])


def row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.split()[:1] == [name])


def test_show_by_name_and_by_path_agree() -> None:
    assert run("show", "alexnet") == run("show", str(ROOT / "specs" / "alexnet.yaml"))


def test_show_table_alexnet() -> None:
    out = run("show", "alexnet")
    assert out.startswith("AlexNet")
    assert "FlopCounterMode" in out  # the FLOPs convention in the header
    conv1 = row(out, "conv1")
    # name, type, hyper-parameters, output, the formula with its own numbers, params, MACs, FLOPs, activations
    for cell in ("conv", "relu", "11×11/4", "96×55×55", "(227 − 11 + 2·0)/4 + 1 = 55", "34,944", "105,415,200", "210,830,400", "290,400"):
        assert cell in conv1, cell
    assert "flattens 256×6×6" in row(out, "fc6")  # a dense layer after C×H×W says so
    total = row(out, "total")
    for figure in ("60,965,224", "724,406,816", "1,448,813,632", "1,267,952"):  # see test_bundled.py
        assert figure in total, figure
    assert "60.97 M" in out  # humanised beside the exact figure, never instead


def test_show_table_is_never_cut_however_narrow_the_terminal_says() -> None:
    # piped output keeps its natural width: no figure is cut with an ellipsis, whatever COLUMNS says
    for columns in (None, "60", "300"):
        out = run("show", "alexnet", columns=columns)
        assert "…" not in section(out, "layer", "split across")
        assert "60,965,224" in row(out, "total")


def test_show_table_gpu_split() -> None:
    out = run("show", "alexnet")
    gpus = section(out, "split across 2 GPUs (per image)", "claims checked")
    conv3 = row(gpus, "conv3")
    assert "192×13×13" in conv3 and "442,560" in conv3 and conv3.count("21,632") == 2  # each GPU receives 128×13×13
    assert "2,048" in row(gpus, "fc8") and "4,097,000" in row(gpus, "fc8")
    assert "32,531,112" in row(gpus, "total") and "28,434,112" in row(gpus, "total")


def test_show_table_gpu_split_has_macs_and_activations() -> None:
    # issue 2: for a split spec, "the same figures for each GPU": params, MACs, FLOPs, activations
    gpus = section(run("show", "alexnet"), "split across 2 GPUs (per image)", "claims checked")
    conv1 = row(gpus, "conv1")
    assert conv1.count("52,707,600") == 2  # MACs per GPU: 48·3·11·11·55·55
    assert conv1.count("145,200") == 2  # activations per GPU: 48·55·55


def test_show_table_claims_and_findings() -> None:
    out = run("show", "alexnet")
    assert "⚠ 2 errors (below)" in out  # the stated 224 input and conv1's 253,440 activations: contradicted claims are errors
    claims = section(out, "claims checked")
    input_claim = row(claims, "input")
    assert "3×224×224" in input_claim and "3×227×227" in input_claim and "contradicted" in input_claim
    assert "54.25" in input_claim  # the arithmetic that contradicts it
    conv1 = next(line for line in claims.splitlines() if "conv1 activations" in line)
    assert "253,440" in conv1 and "290,400" in conv1 and "contradicted" in conv1
    assert "✓ confirmed" in row(claims, "conv2")


def test_show_table_at_224() -> None:
    out = run("show", "alexnet", "--input", "224")
    conv1 = row(out, "conv1")
    assert "96×54×54" in conv1 and "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54" in conv1
    findings = out[out.index("⚠ 13 errors, 4 warnings ─"):]
    assert "[warning · non_integer_size]" in findings and "195 and 227" in findings


def test_show_lenet_table() -> None:
    out = run("show", "lenet")
    assert "61,706" in row(out, "total") and "1×28×28" in out
    assert "no findings" in out
    assert "split across" not in out


def test_compare_table() -> None:
    out = run("compare", "lenet", "alexnet")
    assert "FlopCounterMode" in out
    stages = section(out, "stage by stage", "summary")
    # stage 5: LeNet has nothing beside AlexNet's conv3
    assert re.search(r"^\s+5\s{10,}conv \+ relu 3×3/1, 384", stages, re.M), stages
    summary = section(out, "summary")
    params = row(summary, "params")
    assert "61,706" in params and "60,965,224" in params and "×988" in params  # 60,965,224 / 61,706
    for title in ("input", "conv layers", "pool layers", "dense layers", "MACs", "FLOPs", "activations"):
        assert title in summary, title


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "archcalc", "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and re.search(r"\d+\.\d+\.\d+", proc.stdout)
    shown = run("show", "--help")  # in process: one fresh interpreter (for --version, from the installed metadata) is enough
    assert "--input" in shown and "--strict" in shown and "--format" in shown


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format_of_both_commands(fmt: str) -> None:
    assert "34,944" in run("show", "alexnet", "--format", fmt).replace("34944", "34,944")  # conv1: 11·11·3·96 + 96
    assert "60,965,224" in run("compare", "lenet", "alexnet", "--format", fmt).replace("60965224", "60,965,224")


def test_output_is_data_only_on_stdout() -> None:
    # findings are part of the report (stdout), not of stderr: a script can pipe the JSON
    result = CliRunner().invoke(main, ["show", "alexnet", "--input", "224", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == "" and result.stdout.lstrip().startswith("{")


def test_names_are_shown_verbatim_not_as_rich_markup(tmp_path: Path) -> None:
    # a layer may be called '[bold]r' or 'conv[/]': the table shows the name as written, and never
    # crashes with rich's MarkupError (a traceback from a valid spec)
    path = tmp_path / "net.yaml"
    path.write_text('name: "[red]T"\ninput: [3, 8, 8]\nlayers:\n  - {name: "conv[/]", type: conv, filters: 4, kernel: 3}\n'
                    '  - {name: "[bold]r", type: relu}\n', encoding="utf-8")
    out = run("show", str(path))
    assert "[red]T" in out and "conv[/]" in out and "[bold]r" in out
    out = run("compare", str(path), "lenet")
    assert "[red]T" in out


def test_emoji_codes_in_names_stay_as_written(tmp_path: Path) -> None:
    # rich turns ':thumbs_up:' into an emoji unless told not to; a spec's names reach the table as written
    path = tmp_path / "e.yaml"
    path.write_text('name: ":rocket: net"\ninput: [3, 8, 8]\nlayers:\n  - {name: ":thumbs_up:", type: relu}\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["show", str(path)]).stdout
    assert ":rocket: net" in out and ":thumbs_up:" in out and "🚀" not in out and "👍" not in out


@pytest.mark.parametrize("args", [["show", "alexnet"], ["show", "lenet5-1998", "--memory"], ["compare", "lenet", "alexnet"], ["kinds"]],
                         ids=" ".join)
def test_piped_tables_end_no_line_with_spaces(args: list[str]) -> None:
    # rich pads every cell to its column's width; a pipe gets the lines trimmed (issue 11: 71 of 82 lines ended in spaces)
    lines = run(*args).splitlines()
    assert len(lines) > 10
    assert [line for line in lines if line != line.rstrip()] == []


LENET = (ROOT / "specs" / "lenet.yaml").read_text(encoding="utf-8")


def test_a_dash_reads_the_spec_from_standard_input(tmp_path: Path) -> None:
    runner = CliRunner(env=PLAIN)
    result = runner.invoke(main, ["show", "-"], input=LENET)
    assert result.exit_code == 0 and result.stdout == run("show", "lenet")
    result = runner.invoke(main, ["compare", "alexnet", "-", "--format", "json"], input=LENET)
    assert result.exit_code == 0 and [n["name"] for n in json.loads(result.stdout)["networks"]] == ["AlexNet", "LeNet-5"]
    out = tmp_path / "net.dot"
    result = runner.invoke(main, ["diagram", "-", "--out", str(out)], input=LENET)
    assert result.exit_code == 0 and "LeNet-5" in out.read_text(encoding="utf-8")


def test_standard_input_is_named_in_messages_and_given_once() -> None:
    bad = "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: conv, filters: 4, kernel: 3, strides: 2}\n"
    result = CliRunner().invoke(main, ["show", "-"], input=bad)
    assert result.exit_code == 2 and result.stderr.startswith("archcalc: error: <stdin>:4: layer 'a': unknown key 'strides'")
    for args in (["compare", "-", "lenet", "-"], ["diagram", "-", "-", "--out", "x.dot"]):
        result = CliRunner().invoke(main, args, input=LENET)
        assert result.exit_code == 2 and "'-' (standard input) is given more than once" in result.stderr, args


def test_range_without_valid_inputs_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["show", "alexnet", "--range", "150:300"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--range 150:300 needs --valid-inputs" in result.stderr and "archcalc show alexnet --valid-inputs --range 150:300" in result.stderr


def test_compare_summary_titles_are_prose() -> None:
    summary = section(run("compare", "lenet", "lenet5-1998"), "summary")
    frozen = row(summary, "frozen")
    assert frozen.split() == ["frozen", "params", "0", "840"]  # LeNet-1998's 84×10 RBF codes
    assert "frozen_params" not in summary
