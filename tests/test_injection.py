"""Issue 14, items 12 and 13: text from a spec (or a path) never drives the terminal and is never read as rich markup.

Control and format characters reach every output as their codes (\\x1b); names made of rich markup
("[/]", "[bold]x[/bold]", ":smile:") are shown as written, in every command.
"""

from __future__ import annotations

import io
import json
import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archcalc.cli.app import main
from archcalc.text import printable

MARKUP = ["[", "]", "[/]", "[bold]", "[/bold]", "[red]", "[link=https://x.test]", "[on red]", ":smile:", ":pile_of_poo:", "\\", "\\[",
          "x", "7", ".", "_", "-", " ", "é", "中", "|", "<", "&", '"', "'", "{", "}", "#", "%", "$", "*"]
CONTROL = ["\x1b", "\x1b[31m", "\x1b]0;PWNED\x07", "\x07", "\r", "\n", "\t", "\x00", "\x7f", "\x9b", "\u202e", "\u200b", "\ufeff",
           "\u2028", "\x85"]
names = st.lists(st.sampled_from(MARKUP + CONTROL), min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() == s and s != "input")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="archcalc")


def controls(text: str) -> list[str]:
    """Characters that could move a cursor, set a title or reorder a line: anything but a newline that is a control,
    a format character or a line separator."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def write_spec(path: Path, net: str, description: str, conv: str, relu: str, source: str) -> None:
    q = json.dumps  # JSON's escapes are YAML's: any character written in ASCII
    path.write_text(f"name: {q(net)}\ndescription: {q(description)}\ninput: [3, 8, 8]\nlayers:\n"
                    f"  - {{name: {q(conv)}, type: conv, filters: 4, kernel: 3}}\n  - {{name: {q(relu)}, type: relu}}\n"
                    f"claims:\n  source: {q(source)}\n  layers:\n    {q(conv)}: {{output: [4, 6, 6]}}\n", encoding="utf-8")


COMMANDS = [["show", "{}", "--memory"], ["show", "{}", "--format", "json"], ["show", "{}", "--format", "markdown"],
            ["compare", "{}", "{}"], ["diagram", "{}", "--out", "{out}"]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(net=names, description=names, conv=names, relu=names, source=names)
@example(net="\\[", description="[/]", conv="[", relu="\\[", source="[bold]")  # rich.markup.escape left '\\[' as markup
def test_spec_text_is_shown_as_written_and_never_drives_the_terminal(tmp_path: Path, net: str, description: str, conv: str, relu: str,
                                                                     source: str) -> None:
    path = tmp_path / "odd.yaml"
    write_spec(path, net, description, conv, relu, source)
    printable_names = conv.isprintable() and relu.isprintable() and conv != relu
    for command in COMMANDS:
        args = [a.format(path, out=tmp_path / "odd.dot") for a in command]
        result = invoke(*args)
        assert isinstance(result.exception, SystemExit) or result.exception is None, (args, result.exc_info)
        assert result.exit_code == (0 if printable_names else 2), (args, result.output)
        assert not controls(result.stdout) and not controls(result.stderr), (args, result.output)
        if result.exit_code == 2:
            lines = result.stderr.splitlines()
            assert lines[0].startswith("archcalc: error: ") and all(x.startswith("  hint: ") for x in lines[1:]), lines
        elif command[:2] == ["show", "{}"] and len(command) == 3:  # markup is shown as written: '[bold]x[/bold]' is not a bold x
            assert conv in result.stdout and relu in result.stdout and printable(net) in result.stdout, result.stdout
        elif command[0] == "diagram":
            assert not controls((tmp_path / "odd.dot").read_text(encoding="utf-8").replace("\t", ""))


@pytest.mark.parametrize("name", ["[/]", "[bold]x[/bold]", ":smile: [red]", "a\\[b]"])
def test_run_shows_markup_names_as_written(tmp_path: Path, name: str) -> None:
    """`archcalc run` put names into rich as markup: '[/]' crashed its table and its progress bar (MarkupError)."""
    pytest.importorskip("torch")
    path = tmp_path / "odd.yaml"
    write_spec(path, name, "d", name, name + "2", "s")
    result = invoke("run", str(path), "--device", "cpu", "--min-time", "0.01")
    assert result.exit_code == 0, (result.output, result.exc_info)
    assert f"  {name}  " in result.stdout and f"{name}  input 3×8×8" in result.stdout
    assert not controls(result.stdout) and not controls(result.stderr)


@pytest.mark.parametrize("command", [["show", "{}"], ["compare", "{}", "lenet"], ["diagram", "{}", "--out", "{out}"], ["run", "{}"]])
def test_a_path_with_control_characters_is_shown_as_its_codes(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "x\x1b]0;PWNED\x07\x1b[2J.yaml"
    path.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: conv, filters: 0, kernel: 3}\n", encoding="utf-8")
    result = invoke(*[a.format(path, out=tmp_path / "x.dot") for a in command])
    assert result.exit_code == 2 and not controls(result.stderr), result.stderr
    assert "x\\x1b]0;PWNED\\x07\\x1b[2J.yaml:4: layer 'a'" in result.stderr


@pytest.mark.parametrize("text", [
    # a block argument's arithmetic that is not arithmetic
    'blocks:\n  b:\n    args: {f: 4}\n    layers:\n      - {name: c, type: conv, filters: "$f \\e[2J\\e]0;T\\a", kernel: 1}\nlayers:\n'
    "  - {name: x, type: b}\n",
    # a key that appears twice, itself an escape
    'layers:\n  - {name: a, type: relu, "\\e[31m": 1, "\\e[31m": 2}\n',
    # an unknown argument of a block use
    "blocks:\n  b:\n    args: {f: 4}\n    layers:\n      - {name: c, type: relu}\nlayers:\n  - {name: x, type: b, \"\\e]0;T\\a\": 1}\n",
    # an unknown layer type
    'layers:\n  - {name: a, type: "re\\e[2Jlu"}\n',
])
def test_messages_quote_spec_text_as_codes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("name: t\ninput: [3, 8, 8]\n" + text, encoding="utf-8")
    result = invoke("show", str(path))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert not controls(result.stderr) and "\\x1b" in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) <= 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")
def test_control_characters_in_spec_text_draw_as_codes(tmp_path: Path) -> None:
    """Graphviz refused a label with a control character (item 17): they reach the picture as their codes."""
    path = tmp_path / "odd.yaml"
    write_spec(path, "net\x01\x1b[31m", "d\x02\u202e", "c[/]", "r<&>", "s")
    result = invoke("diagram", str(path), "--out", str(tmp_path / "odd.svg"))
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "odd.svg").read_text(encoding="utf-8")
    assert "net\\x01\\x1b[31m" in svg and "c[/]" in svg and "r&lt;&amp;&gt;" in svg and not controls(svg.replace("\t", ""))


@pytest.fixture(scope="module")
def lenet_run() -> Any:
    tb = pytest.importorskip("archcalc.torch_backend")
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec

    graph = build_graph(load_spec("lenet"))
    return tb.run_network(graph, analyse(graph), tb.RunOptions("cpu", "float32", 1, 0.01, True))


@settings(max_examples=30, deadline=None)
@given(name=names.filter(str.isprintable))
def test_the_run_report_and_its_progress_bar_show_any_name_as_written(lenet_run: Any, name: str) -> None:
    """The run report's table and its progress bar, for names made of rich markup (a layer named '[/]' crashed both)."""
    from rich.console import Console

    from archcalc.report import run as run_report

    layers = tuple(replace(c, name=f"{name}{i}") for i, c in enumerate(lenet_run.verification.layers))
    times = tuple(replace(t, name=f"{name}{i}") for i, t in enumerate(lenet_run.layer_times))
    result = replace(lenet_run, name=name, verification=replace(lenet_run.verification, layers=layers), layer_times=times)
    out = io.StringIO()
    Console(file=out, width=400, highlight=False, emoji=False).print(run_report.run_table(result))
    assert f"{name}  input 1×28×28" in out.getvalue() and f" {name}0 " in out.getvalue(), out.getvalue()
    with run_report.progress_display(name) as update:  # rendered once, at its end
        update("verifying", 0.5)
