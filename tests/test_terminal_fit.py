"""Tables that fit the terminal (archcalc.report.fit, archcalc.report.layout), in-process: rich takes
FORCE_COLOR for a terminal and COLUMNS for its width (the real pty is tests/test_terminal.py)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.cli.lazy import SHORT_HELP

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FIGURE = re.compile(r"\d[\d,.]*\d|\d")
PIPE = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": None}


def terminal(columns: int, *args: str) -> str:
    result = CliRunner(env={"FORCE_COLOR": "1", "COLUMNS": str(columns), "NO_COLOR": None, "TERM": "xterm-256color"}).invoke(
        main, list(args), prog_name="archcalc")
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


def pipe(*args: str) -> str:
    result = CliRunner(env=PIPE).invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("args", [("show", "alexnet"), ("compare", "lenet", "alexnet"), ("kinds",),
                                  ("show", "resnet18")], ids=" ".join)  # resnet18's claims: arithmetic beside, then more
def test_tables_fit_the_width_and_cut_no_figure(columns: int, args: tuple[str, ...]) -> None:
    out, whole = terminal(columns, *args), pipe(*args)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    on_screen = {f for line in lines if "left out to fit" not in line for f in FIGURE.findall(line)}
    assert on_screen <= set(FIGURE.findall(whole)), on_screen - set(FIGURE.findall(whole))  # a cut figure (210,83) is not there


def test_lenet_at_80_columns_keeps_the_arithmetic_under_each_row_and_names_what_it_left_out() -> None:
    lines = terminal(80, "show", "lenet").splitlines()
    header = next(line for line in lines if line.split()[:1] == ["layer"])
    assert header.split() == ["layer", "type", "hyper-parameters", "output", "params", "FLOPs"]
    conv1 = lines.index(next(line for line in lines if line.split()[:1] == ["conv1"]))
    # LeNet-5's conv1: 6·(5·5 + 1) = 156 params, 2 · 150 · 28² = 235,200 FLOPs; (28 − 5 + 2·2)/1 + 1 = 28
    assert lines[conv1].split()[-2:] == ["156", "235,200"]
    assert lines[conv1 + 1].strip() == "(28 − 5 + 2·2)/1 + 1 = 28 (H and W)"
    note = " ".join(line.strip() for line in lines[lines.index(next(x for x in lines if "left out" in x)):][:3])
    assert note.startswith("4 columns left out to fit 80 columns: receptive field size /jump, MACs, connections, activations (every column: --wide")


def test_wide_in_a_terminal_is_the_pipes_table() -> None:
    assert terminal(80, "show", "alexnet", "--wide") == pipe("show", "alexnet")


def test_columns_picks_the_layer_tables_columns_in_a_pipe_too() -> None:
    lines = pipe("show", "lenet", "--columns", "output,params").splitlines()
    header = next(line for line in lines if line.split()[:1] == ["layer"])
    assert header.split() == ["layer", "output", "params"]
    assert next(line for line in lines if line.split()[:1] == ["conv2"]).split() == ["conv2", "16×10×10", "2,416"]  # 16·(6·25 + 1)
    result = CliRunner(env=PIPE).invoke(main, ["show", "lenet", "--columns", "name,bogus"], prog_name="archcalc")
    assert result.exit_code == 2 and "bogus: not a column" in result.output


def test_a_name_in_markup_stays_text_in_a_narrow_terminal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "odd.yaml"
    spec.write_text("name: odd\ninput: [1, 8, 8]\nlayers:\n  - {name: '[bold red]x[/]', type: conv, filters: 2, kernel: 3}\n", encoding="utf-8")
    assert "[bold red]x[/]" in terminal(80, "show", str(spec))


def test_the_help_lists_each_commands_own_first_paragraph() -> None:
    """`archcalc --help` reads SHORT_HELP, without importing the commands: it says what each command's help says."""
    ctx = main.make_context("archcalc", ["--help"], resilient_parsing=True)
    for name, short in SHORT_HELP.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.help is not None
        assert " ".join(command.help.split("\n\n")[0].split()) == short


UNIT_AT_START = re.compile(r"^\s*(?:[KMGT]i?B|B)\b")


@pytest.mark.parametrize("columns", [80, pytest.param(120, marks=pytest.mark.slow), pytest.param(200, marks=pytest.mark.slow)])
def test_training_prose_fits_and_keeps_each_number_with_its_unit(columns: int) -> None:
    """The training step, checkpointing and --fits sentences (printed after the tables) wrap at the terminal's width too,
    between words, and never between a number and its unit: before, they ran past the width (236 columns), and the memory
    paragraph broke `(44.6` from `MiB)`."""
    args = ("show", "resnet18", "--train", "--checkpoint", "blocks", "--fits", "24GiB")
    out, whole = terminal(columns, *args), pipe(*args)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    assert not [(a, b) for a, b in zip(lines, lines[1:]) if a[-1:].isdigit() and UNIT_AT_START.match(b)]
    on_screen = {f for line in lines if "left out to fit" not in line for f in FIGURE.findall(line)}
    assert on_screen <= set(FIGURE.findall(whole)), on_screen - set(FIGURE.findall(whole))
    assert "peak 206,512,676 B (196.9 MiB)" in " ".join(lines)  # the step's peak (archcalc.analysis.training), whole


def test_prose_breaks_between_words_and_not_before_a_unit() -> None:
    from rich.text import Text

    from archcalc.cli.prose import breaks, wrap

    text = "parameters 46,758,048 B (44.6 MiB); peak 3.2 ms, 87 % of it"
    assert breaks(text, 31) == [text.index("(44.6"), text.index("of it")]  # rich would break after "(44.6": it fits 29
    pieces = wrap(Text(text), 31).plain.split("\n")
    assert pieces == ["parameters 46,758,048 B", "(44.6 MiB); peak 3.2 ms, 87 %", "of it"], pieces
    assert max(map(len, pieces)) <= 31
    assert wrap(Text("  indented line that is long\nnext"), 12).plain == "  indented\nline that is\nlong\nnext"
    assert wrap(Text("a long line of words\n"), 10).plain == "a long\nline of\nwords\n"  # its own blank line after it stays
