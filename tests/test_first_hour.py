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
    assert "resnet18            He et al. (2016), 18 layers, basic blocks with projection shortcuts" in lines  # as wide as deeplabv3_resnet50


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


def shown(tmp_path: Path, text: str) -> Result:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return invoke("show", str(path))


HEAD = "name: t\ninput: [3, 8, 8]\n"
BLOCK = "blocks:\n  b:\n    args: {f: null}\n"


@pytest.mark.parametrize(("text", "message", "hint"), [
    (HEAD + "layers:\n  - {name: f, type: flatten}\n  - {name: d, type: dense, units: 4, activation: softmax}\n", "not 'softmax'",
     "softmax is a layer of its own: add one after this layer, e.g. {name: prob, type: softmax}"),
    (HEAD + BLOCK + "    layers:\n      - {name: c, type: conv, filters: $f, kernel: 1}\nlayers:\n  - {name: u, type: b}\n",
     "block 'b' needs the argument 'f'", "give it where the block is used: f: ..."),
    ("name: t\ninput: [32, 32]\nlayers:\n  - {name: u, type: relu}\n", "not [32, 32]",
     "an image is [channels, height, width]: [3, 32, 32] for colour, [1, 32, 32] for grey"),
    ("name: t\ninput: [3, 32]\nlayers:\n  - {name: u, type: relu}\n", "not [3, 32]",
     "an image is [channels, height, width]: [3, 32, 32] for a 32×32 image"),  # channels and one side, not [3, 3, 32]
    (HEAD + "layers:\n  - {name: c, type: conv, filters: 8.0, kernel: 1}\n", "'filters' must be a whole number, not 8.0",
     "write 8, without the decimal point"),
    (HEAD + "layers:\n  - {name: d, type: dropout, rate: 30}\n", "'rate' must be from 0.0 up to, not including, 1.0, not 30",
     "a fraction: 30 % is 0.3"),
    (HEAD + BLOCK + "layers:\n  - {name: u, type: b, f: 3}\n", "a block is {args: {name: default, ...}, layers: [...]}",
     "give it 'layers:', a list of layers as the spec's own"),
    (HEAD + "layers:\n  - {name: a, type: swish}\n", "unknown layer type 'swish'", "did you mean 'silu'?"),
    (HEAD + "layers:\n  - {name: a, type: conv, filters: 4, kernel: 3, activation: swish}\n", "not 'swish'", "did you mean 'silu'?"),
    (HEAD + "layers:\n  - {name: a, type: ReLU}\n", "unknown layer type 'ReLU'", "did you mean 'relu'?"),
    (HEAD + "layers:\n  - {name: a, type: dropout, p: 0.5}\n", "unknown key 'p' in a dropout layer", "did you mean 'rate'?"),
    (HEAD + "layers:\n  - {name: a, type: maxpool, kernel: 2, padding: Valid}\n", "same or valid, not 'Valid'", "did you mean 'valid'?"),
    ("name: t\ninput: [32, 32, 3]\nlayers:\n  - {name: u, type: relu}\n", "'input' [32, 32, 3] reads as 32 channels of 32×3: archcalc reads [C, H, W]",
     "did you mean [3, 32, 32] (Keras writes height, width, channels)?"),
    ("name: t\ninput: [28, 28, 1]\nlayers:\n  - {name: u, type: relu}\n", "reads as 28 channels of 28×1",
     "did you mean [1, 28, 28] (Keras writes height, width, channels)?"),
])
def test_every_first_hour_error_has_a_hint(tmp_path: Path, text: str, message: str, hint: str) -> None:
    result = shown(tmp_path, text)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stderr.splitlines()[1] == f"  hint: {hint}"


def test_padding_valid_is_no_padding(tmp_path: Path) -> None:
    valid = json.loads(invoke("show", str(_write(tmp_path, "v", "valid")), "--format", "json").output)
    zero = json.loads(invoke("show", str(_write(tmp_path, "z", "0")), "--format", "json").output)
    assert valid["layers"][0]["output"] == zero["layers"][0]["output"] == [4, 6, 6]  # (8 − 3 + 2·0)/1 + 1 = 6


def test_a_1d_signal_with_one_channel_last_is_no_keras_habit(tmp_path: Path) -> None:
    assert shown(tmp_path, "name: t\ninput: [64, 16000, 1]\nlayers:\n  - {name: u, type: relu}\n").exit_code == 0


def _write(tmp_path: Path, stem: str, padding: str) -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(HEAD + f"layers:\n  - {{name: c, type: conv, filters: 4, kernel: 3, padding: {padding}}}\n")
    return path


def test_the_python_api_loads_and_builds() -> None:
    import archcalc

    a = archcalc.load("resnet18")
    assert a.totals.params == 11_689_512  # torchvision's resnet18
    assert (a.rows[0].name, a.rows[0].output) == ("conv1", (64, 112, 112))  # (224 + 2·3 − 7)/2 + 1 = 112
    assert archcalc.load("lenet", (1, 32, 32)).rows[0].output == (6, 32, 32)  # the input overridden, as --input does
    torch = pytest.importorskip("torch")
    model = archcalc.build("resnet18")
    assert isinstance(model, torch.nn.Module) and sum(p.numel() for p in model.parameters()) == 11_689_512
    assert model(torch.zeros(2, 3, 224, 224)).shape == (2, 1000)
    assert "layer2.0.conv1" in dict(model.named_modules())  # named after the spec's layers, as torchvision's


def test_run_says_when_its_timing_is_unstable_and_how_many_specs_agree() -> None:
    from types import SimpleNamespace

    from archcalc.report.run import agreement, unsettled_note, unstable_note
    from archcalc.torch_backend.timing import Timing

    quiet = Timing(1, 50, median_ms=1.10, min_ms=1.00, max_ms=1.5, images_per_s=909.1, tflops=0.001)
    busy = Timing(1, 50, median_ms=300.0, min_ms=1.00, max_ms=900.0, images_per_s=3.3, tflops=0.0)  # the 300× on a busy machine
    assert unstable_note(quiet) is None
    assert unstable_note(busy) == ("unstable: the median is 300.0× the fastest pass (1.000 ms), so something else was running; "
                                   "the fastest pass is nearer the network's own time: time it again on a quiet machine")
    # stopped at its limit before the median was known to ±5% (torch_backend.blocks.settled): said, not left silent
    stopped = Timing(1, 4, median_ms=270.5, min_ms=160.3, max_ms=360.3, images_per_s=3.7, tflops=0.0, settled=False, seconds=1.02)
    assert unsettled_note(quiet) is None
    assert unsettled_note(stopped) == ("not settled: after 1.02 s of passes the median is not yet known to ±5% (the passes' times "
                                       "moved); a longer --min-time, or a quiet machine, narrows it")
    results = [SimpleNamespace(name=f"net{i}", ok=i != 3) for i in range(11)]
    assert agreement(results[:3]) == "3 of 3 specs agree with torch"  # type: ignore[arg-type]
    assert agreement(results) == "10 of 11 specs agree with torch; not: net3"  # type: ignore[arg-type]


@pytest.mark.parametrize(("words", "cword", "expected"), [
    ("archcalc show al", 2, ["plain,alexnet", "file,al"]),
    ("archcalc compare lenet le", 3, ["plain,lenet", "plain,lenet5-1998", "file,le"]),
    ("archcalc specs res", 2, ["plain,resnet18"]),
    ("archcalc diagram lenet --st", 3, ["plain,--style"]),
])
def test_completion_offers_bundled_specs_and_options(words: str, cword: int, expected: list[str]) -> None:
    result = CliRunner().invoke(main, [], prog_name="archcalc",
                                env={"_ARCHCALC_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.output.splitlines() == expected


def test_kinds_lists_each_keys_type_and_default() -> None:
    out = invoke("kinds").output
    assert "stride: int or [h, w], ≥ 1 = 1" in out and "filters: int ≥ 1 " in out  # a default after '='; none: required
    assert "padding: int or [h, w], ≥ 0, or same, or valid (0) = 0" in out
