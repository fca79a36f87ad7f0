"""Issue 25, a new user's first hour: what they tripped on, each with its check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc.cli.app import main
from archcalc.specfile import bundled_dir, bundled_names


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_help_gives_each_commands_summary_whole() -> None:
    result = invoke("--help")
    assert result.exit_code == 0 and "..." not in result.output.split("Commands:")[1]
    text = " ".join(result.output.split())
    assert "show Per-layer shapes (with the arithmetic), parameters, MACs, FLOPs, activations, receptive fields, memory and findings." in text
    assert "specs The bundled specs, one line each;" in text


@pytest.mark.parametrize(("command", "option", "words"), [
    (["show"], "--format", "table (for people), json, csv, markdown, or html"),
    (["compare"], "--format", "table (for people), json, csv, markdown, or html"),
    (["run"], "--format", "table (for people) or json"),
    (["run"], "--dtype", "The type of the weights and the input"),
    (["kinds"], "--format", "table (for people) or json"),
    (["diagram"], "-o, --out", "The picture"),
    (["report"], "-o, --out", "The page"),
])
def test_every_option_says_what_it_takes(command: list[str], option: str, words: str) -> None:
    text = " ".join(invoke(*command, "--help").output.split())
    assert f"{option} " in text and words in text


def test_o_is_out(tmp_path: Path) -> None:
    assert invoke("diagram", "lenet", "-o", str(tmp_path / "l.dot")).exit_code == 0
    assert (tmp_path / "l.dot").read_text().startswith("digraph")
    assert invoke("report", "lenet", "-o", str(tmp_path / "l.html")).exit_code == 0 and (tmp_path / "l.html").exists()


def test_compare_takes_input_as_show_does() -> None:
    doc = json.loads(invoke("compare", "lenet", "vgg16", "--input", "64", "--format", "json").output)
    shown = json.loads(invoke("show", "vgg16", "--input", "64", "--format", "json").output)
    assert doc["networks"][1]["input"] == shown["input"] == [3, 64, 64]  # vgg16's own input is 3×224×224


def test_specs_lists_the_bundled_specs_one_line_each() -> None:
    result = invoke("specs")
    lines = result.output.splitlines()
    assert result.exit_code == 0 and [line.split()[0] for line in lines] == bundled_names()
    assert "resnet18         He et al. (2016), 18 layers, basic blocks with projection shortcuts" in lines


def test_specs_name_prints_its_yaml_as_the_template(tmp_path: Path) -> None:
    result = invoke("specs", "resnet18")
    assert result.exit_code == 0 and result.output == (bundled_dir() / "resnet18.yaml").read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(result.output)
    assert json.loads(invoke("show", str(tmp_path / "mine.yaml"), "--format", "json").output)["totals"]["params"] == 11_689_512  # torchvision
    wrong = invoke("specs", "resnet19")
    assert wrong.exit_code == 2 and "'resnet19' is not a bundled spec" in wrong.stderr and "did you mean 'resnet18'?" in wrong.stderr


def test_a_bundled_spec_is_named_so_in_messages() -> None:
    result = invoke("show", "alexnet", "--input", "3x10x10")
    assert result.exit_code == 2 and result.stderr.startswith("archcalc: error: alexnet (bundled):10: layer 'conv1'")
    assert str(bundled_dir()) not in result.stderr
