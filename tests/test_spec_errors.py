"""Every bad-input case of issue 2, through the real command line.

Each one must give one clear message on stderr that names the file, the line and the layer
(where there is one), nothing on stdout, exit status 2, and no traceback. Specs are written
with one layer per line, so that the line a message must name is unambiguous: line 4 + i for
layer i (the head takes lines 1-3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc.cli.app import main

HEAD = "name: t\ninput: [3, 32, 32]\nlayers:\n"  # lines 1-3; layer i is on line 4 + i


def spec(*layers: str, head: str = HEAD, tail: str = "") -> str:
    return head + "".join(f"  - {layer}\n" for layer in layers) + tail


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="archcalc")


def assert_user_error(result: Result, *needles: str) -> str:
    """Exit 2, nothing on stdout, no traceback, one 'archcalc: error:' message holding every needle."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exc_info)
    assert isinstance(result.exception, SystemExit), result.exc_info  # anything else is a crash
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("archcalc: error: "), result.stderr
    assert sum(line.startswith("archcalc: error:") for line in lines) == 1
    assert all(line.startswith(("archcalc: error:", "  hint: ")) for line in lines), result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    return result.stderr


def fails(tmp_path: Path, text: str, line: int | None, layer: str | None, *needles: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    where = f"{path}:{line}" if line is not None else str(path)
    message = assert_user_error(invoke("show", str(path)), *needles)
    first = message.splitlines()[0]
    assert first.startswith(f"archcalc: error: {where}:") or first.startswith(f"archcalc: error: {where} "), first
    if layer is not None:
        assert f"layer '{layer}'" in first or f"layer #{layer}" in first, first
    return message


CONV = "{name: conv1, type: conv, filters: 8, kernel: 3}"
DENSE = "{name: fc, type: dense, units: 10}"

# (id, spec text, line the message names, layer it names, words it must hold)
CASES: list[tuple[str, str, int, str | None, tuple[str, ...]]] = [
    # not a mapping
    ("a list", "- conv\n- relu\n", 1, None, ("mapping",)),
    ("a scalar", "just some words\n", 1, None, ("mapping",)),
    ("empty file", "", 1, None, ("mapping",)),
    # required keys
    ("no input", "name: t\nlayers:\n  - {name: r, type: relu}\n", 1, None, ("'input'",)),
    ("no layers", "name: t\ninput: [3, 32, 32]\n", 1, None, ("'layers'",)),
    ("no name", "input: [3, 32, 32]\nlayers:\n  - {name: r, type: relu}\n", 1, None, ("'name'",)),
    ("conv without filters", spec("{name: conv1, type: conv, kernel: 3}"), 4, "conv1", ("'filters'",)),
    ("conv without kernel", spec("{name: conv1, type: conv, filters: 8}"), 4, "conv1", ("'kernel'",)),
    ("dense without units", spec(CONV, "{name: fc, type: dense}"), 5, "fc", ("'units'",)),
    ("layer without type", spec(CONV, "{name: fc, units: 10}"), 5, "fc", ("'type'",)),
    ("layer without name", spec(CONV, "{type: relu}"), 5, "2", ("'name'",)),
    # unknown keys, with the near match
    ("strides", spec("{name: conv1, type: conv, filters: 8, kernel: 3, strides: 2}"), 4, "conv1", ("'strides'", "did you mean 'stride'")),
    ("filter", spec("{name: conv1, type: conv, filter: 8, kernel: 3}"), 4, "conv1", ("'filter'", "did you mean 'filters'")),
    ("units on a conv", spec("{name: conv1, type: conv, filters: 8, kernel: 3, units: 4}"), 4, "conv1", ("'units'",)),
    ("top-level layer", "name: t\ninput: [3, 32, 32]\nlayer:\n  - {name: r, type: relu}\n", 3, None, ("'layer'", "did you mean 'layers'")),
    ("gpu count typo", "name: t\ninput: [3, 32, 32]\ngpu: 2\nlayers:\n  - {name: r, type: relu}\n", 3, None, ("'gpu'", "did you mean 'gpus'")),
    # unknown layer types, with the near match
    ("maxpooling", spec("{name: p, type: maxpooling, kernel: 2}"), 4, "p", ("'maxpooling'", "did you mean 'maxpool'")),
    ("dens", spec(CONV, "{name: fc, type: dens, units: 10}"), 5, "fc", ("'dens'", "did you mean 'dense'")),
    ("Conv", spec("{name: conv1, type: Conv, filters: 8, kernel: 3}"), 4, "conv1", ("'Conv'", "did you mean 'conv'")),
    # wrong types
    ("filters as text", spec("{name: conv1, type: conv, filters: eight, kernel: 3}"), 4, "conv1", ("'filters'", "eight")),
    ("kernel as a float", spec("{name: conv1, type: conv, filters: 8, kernel: 3.5}"), 4, "conv1", ("'kernel'", "3.5")),
    ("kernel of three", spec("{name: conv1, type: conv, filters: 8, kernel: [3, 3, 3]}"), 4, "conv1", ("'kernel'",)),
    ("filters as a bool", spec("{name: conv1, type: conv, filters: true, kernel: 3}"), 4, "conv1", ("'filters'",)),
    ("bias as text", spec("{name: conv1, type: conv, filters: 8, kernel: 3, bias: 'yes'}"), 4, "conv1", ("'bias'",)),
    ("activation swish", spec("{name: conv1, type: conv, filters: 8, kernel: 3, activation: swish}"), 4, "conv1", ("'activation'", "swish")),
    ("rounding round", spec("{name: p, type: maxpool, kernel: 2, rounding: round}"), 4, "p", ("'rounding'",)),
    ("padding Valid", spec("{name: conv1, type: conv, filters: 8, kernel: 3, padding: Valid}"), 4, "conv1", ("'padding'", "Valid")),
    ("inputs as a number", spec(CONV, "{name: r, type: relu, inputs: 5}"), 5, "r", ("'inputs'",)),
    ("split as text", spec(CONV, "{name: r, type: relu, split: 'no'}"), 5, "r", ("'split'",)),
    ("name as a number", spec("{name: 5, type: relu}"), 4, "1", ("'name'",)),
    ("input of two", "name: t\ninput: [3, 32]\nlayers:\n  - {name: r, type: relu}\n", 2, None, ("'input'",)),
    ("input of floats", "name: t\ninput: [3, 32.5, 32]\nlayers:\n  - {name: r, type: relu}\n", 2, None, ("'input'", "32.5")),
    ("gpus as text", "name: t\ninput: [3, 32, 32]\ngpus: two\nlayers:\n  - {name: r, type: relu}\n", 3, None, ("'gpus'",)),
    ("layers a mapping", "name: t\ninput: [3, 32, 32]\nlayers: {conv1: 1}\n", 3, None, ("'layers'",)),
    # zero or negative sizes
    ("zero filters", spec("{name: conv1, type: conv, filters: 0, kernel: 3}"), 4, "conv1", ("'filters'", "0")),
    ("zero kernel", spec("{name: conv1, type: conv, filters: 8, kernel: 0}"), 4, "conv1", ("'kernel'",)),
    ("zero stride", spec("{name: conv1, type: conv, filters: 8, kernel: 3, stride: [1, 0]}"), 4, "conv1", ("'stride'",)),
    ("zero dilation", spec("{name: conv1, type: conv, filters: 8, kernel: 3, dilation: 0}"), 4, "conv1", ("'dilation'",)),
    ("negative padding", spec("{name: conv1, type: conv, filters: 8, kernel: 3, padding: -1}"), 4, "conv1", ("'padding'", "-1")),
    ("negative units", spec(CONV, "{name: fc, type: dense, units: -5}"), 5, "fc", ("'units'", "-5")),
    ("zero-height input", "name: t\ninput: [3, 0, 32]\nlayers:\n  - {name: r, type: relu}\n", 2, None, ("'input'",)),
    ("zero gpus", "name: t\ninput: [3, 32, 32]\ngpus: 0\nlayers:\n  - {name: r, type: relu}\n", 3, None, ("'gpus'",)),
    ("dropout rate 1.5", spec("{name: d, type: dropout, rate: 1.5}"), 4, "d", ("'rate'", "1.5")),
    ("lrn beta 0", spec("{name: n, type: lrn, beta: 0}"), 4, "n", ("'beta'",)),
    # a kernel larger than its padded input
    ("kernel 40 on 32", spec("{name: conv1, type: conv, filters: 8, kernel: 40}"), 4, "conv1", ("40", "32")),
    ("kernel 5 on 4 after pooling", spec(CONV, "{name: p, type: maxpool, kernel: 8}", "{name: conv2, type: conv, filters: 8, kernel: 5}"),
     6, "conv2", ("5", "3×3",)),
    ("dilated reach 7 on 6", spec("{name: p, type: maxpool, kernel: 5}", "{name: conv2, type: conv, filters: 8, kernel: 3, dilation: 3}"),
     5, "conv2", ("7", "6")),
    ("pool padding over half the kernel", spec("{name: p, type: maxpool, kernel: 2, padding: 2}"), 4, "p", ("padding",)),
    # groups that do not divide the channels (3 input channels; 8 filters)
    ("groups 2 of 3 channels", spec("{name: conv1, type: conv, filters: 8, kernel: 3, groups: 2}"), 4, "conv1", ("groups", "3")),
    ("groups 3 of 8 filters", spec("{name: conv1, type: conv, filters: 8, kernel: 3, groups: 3}"), 4, "conv1", ("groups", "8")),
    # channels or units that do not divide among the GPUs (lines shift by one for 'gpus: 2')
    ("7 maps on 2 GPUs", "name: t\ninput: [3, 32, 32]\ngpus: 2\nlayers:\n  - {name: conv1, type: conv, filters: 7, kernel: 3}\n",
     5, "conv1", ("7", "2 GPUs")),
    ("5 units on 2 GPUs", "name: t\ninput: [3, 32, 32]\ngpus: 2\nlayers:\n  - {name: conv1, type: conv, filters: 8, kernel: 3}\n"
     "  - {name: fc, type: dense, units: 5}\n", 6, "fc", ("5", "2 GPUs")),
    ("gpu 2 of 2", "name: t\ninput: [3, 32, 32]\ngpus: 2\nlayers:\n  - {name: conv1, type: conv, filters: 8, kernel: 3, split: false, gpu: 2}\n",
     5, "conv1", ("gpu",)),
    # the layer list and the names
    ("empty layers", "name: t\ninput: [3, 32, 32]\nlayers: []\n", 3, None, ("'layers'",)),
    ("duplicate name", spec(CONV, "{name: r, type: relu}", "{name: conv1, type: relu}"), 6, "conv1", ("duplicate", ":4")),
    ("inputs names no layer", spec(CONV, "{name: r, type: relu, inputs: [conv2]}"), 5, "r", ("'conv2'", "did you mean 'conv1'")),
    ("a cycle", spec(CONV, "{name: a, type: relu, inputs: [b]}", "{name: b, type: relu, inputs: [a]}"), 5, "a", ("cycle", "a", "b")),
    ("a longer cycle", spec("{name: a, type: relu, inputs: [c]}", "{name: b, type: relu, inputs: [a]}", "{name: c, type: relu, inputs: [b]}"),
     4, "a", ("cycle", "→")),
    ("reads itself", spec("{name: a, type: relu, inputs: [a]}"), 4, "a", ("cycle",)),
    ("add of one input", spec(CONV, "{name: s, type: add, inputs: [conv1]}"), 5, "s", ("add",)),
    ("add of two shapes", spec(CONV, "{name: s, type: add, inputs: [conv1, input]}"), 5, "s", ("shape",)),
    ("conv on a vector", "name: t\ninput: [10]\nlayers:\n  - {name: conv1, type: conv, filters: 8, kernel: 3}\n", 4, "conv1", ("C×H×W",)),
    # claims
    ("claim for no layer", spec(CONV, tail="claims:\n  layers:\n    conv9: {output: [8, 30, 30]}\n"), 7, None, ("'conv9'",)),
    ("claim tolerance 2", spec(CONV, tail="claims:\n  totals:\n    params: {about: 224, tolerance: 2}\n"), 7, None, ("tolerance",)),
    ("claim key typo", spec(CONV, tail="claims:\n  totals:\n    param: 224\n"), 7, None, ("'param'", "did you mean 'params'")),
    # YAML tags that would build Python objects (safe loading only)
    ("python/object/apply", "name: !!python/object/apply:os.getcwd []\ninput: [3, 32, 32]\nlayers:\n  - {name: r, type: relu}\n",
     1, None, ("tag",)),
    ("python/tuple", "name: t\ninput: !!python/tuple [3, 32, 32]\nlayers:\n  - {name: r, type: relu}\n", 2, None, ("tag",)),
    ("python/name", "name: t\ninput: [3, 32, 32]\nlayers:\n  - {name: r, type: !!python/name:os.system }\n", 4, None, ("tag",)),
]


@pytest.mark.parametrize(("text", "line", "layer", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec(tmp_path: Path, text: str, line: int, layer: str | None, needles: tuple[str, ...]) -> None:
    fails(tmp_path, text, line, layer, *needles)


def test_unknown_key_names_its_own_line(tmp_path: Path) -> None:
    # block style: the message names the line of the key itself, not of its layer
    text = HEAD + "  - name: conv1\n    type: conv\n    filters: 8\n    kernel: 11\n    strides: 4\n"
    fails(tmp_path, text, 8, "conv1", "'strides'", "did you mean 'stride'")


def test_wrong_value_names_its_own_line(tmp_path: Path) -> None:
    text = HEAD + "  - name: conv1\n    type: conv\n    filters: 8\n    kernel: 3\n  - name: fc\n    type: dense\n    units: ten\n"
    fails(tmp_path, text, 10, "fc", "'units'", "ten")


def test_not_yaml(tmp_path: Path) -> None:
    # the bracket opened on line 2 is never closed; the parser notices on line 3
    path = tmp_path / "net.yaml"
    path.write_text("name: t\ninput: [3, 32, 32\nlayers:\n  - {name: r, type: relu}\n", encoding="utf-8")
    first = assert_user_error(invoke("show", str(path))).splitlines()[0]
    assert first.startswith((f"archcalc: error: {path}:2:", f"archcalc: error: {path}:3:")), first


def test_tab_indentation_is_not_yaml(tmp_path: Path) -> None:
    fails(tmp_path, "name: t\ninput: [3, 32, 32]\nlayers:\n\t- {name: r, type: relu}\n", 4, None)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_bytes(b"name: t\xff\xfe\n")
    assert_user_error(invoke("show", str(path)), str(path))


def test_python_tag_runs_nothing(tmp_path: Path) -> None:
    # a safe loader never calls os.mkdir: the directory must not appear
    target = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.mkdir ['{target}']\ninput: [3, 32, 32]\nlayers:\n  - {{name: r, type: relu}}\n"
    fails(tmp_path, text, 1, None)
    assert not target.exists()


def test_type_that_is_a_list(tmp_path: Path) -> None:
    # an unhashable type value must be a wrong-type message, not a TypeError
    fails(tmp_path, spec("{name: conv1, type: [conv], filters: 8, kernel: 3}"), 4, "conv1", "'type'")


def test_type_that_is_a_mapping(tmp_path: Path) -> None:
    fails(tmp_path, spec("{name: conv1, type: {conv: 1}, filters: 8, kernel: 3}"), 4, "conv1", "'type'")


def test_duplicate_key_is_not_silently_dropped(tmp_path: Path) -> None:
    # YAML mappings may not repeat a key (YAML 1.2, 3.2.1.1); PyYAML keeps the last one silently,
    # which would make this conv 16 filters wide without a word. The issue: never silently ignored.
    fails(tmp_path, spec("{name: conv1, type: conv, filters: 8, filters: 16, kernel: 3}"), 4, "conv1", "'filters'")


def test_layer_that_is_not_a_mapping_names_its_own_line(tmp_path: Path) -> None:
    # the second layer (line 5) is a bare word; pointing at 'layers:' (line 3) does not find it in a long spec
    fails(tmp_path, spec(CONV, "relu"), 5, "2", "mapping")


# --- paths --------------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.yaml"
    assert_user_error(invoke("show", str(missing)), str(missing), "no such")


def test_misspelt_bundled_name_suggests(tmp_path: Path) -> None:
    assert_user_error(invoke("show", "alexnt"), "alexnt", "did you mean 'alexnet'")


def test_directory(tmp_path: Path) -> None:
    assert_user_error(invoke("show", str(tmp_path)), str(tmp_path), "directory")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(spec(CONV), encoding="utf-8")
    path.chmod(0)
    assert_user_error(invoke("show", str(path)), str(path))


def test_compare_with_a_bad_spec(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(spec("{name: conv1, type: conv, filters: 8, kernel: 3, strides: 2}"), encoding="utf-8")
    assert_user_error(invoke("compare", "lenet", str(path)), f"{path}:4", "'strides'")


def test_compare_needs_two_specs() -> None:
    assert_user_error(invoke("compare", "lenet"), "two or more")


# --- the command line itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle", "hint"),
    [
        # an option like none of show's ('--bogus' is now like '--counts', which click suggests)
        (["show", "alexnet", "--frobnicate"], "no such option '--frobnicate'", "'archcalc show --help' says what each option takes"),
        (["show", "alexnet", "--stirct"], "no such option '--stirct'", "did you mean '--strict'?"),  # '--strcit' is as near '--train'
        (["show", "alexnet", "--format", "xml"], "invalid value for '--format': 'xml' is not one of", "archcalc show [OPTIONS] SPEC"),
        (["show", "alexnet", "--batch", "0"], "invalid value for '--batch': 0 is not at least 1", "archcalc show --help"),
        (["run", "--device", "tpu"], "invalid value for '--device': 'tpu' is not one of 'auto', 'cpu', 'cuda'", "archcalc run --help"),
        (["show"], "missing argument 'SPEC'", "archcalc show [OPTIONS] SPEC"),
        (["shwo", "alexnet"], "no such command 'shwo'", "did you mean 'show'?"),
        (["compare", "lenet", "alexnet", "--inptu", "224"], "no such option '--inptu'", "did you mean '--input'?"),
        (["show", "alexnet", "--batch"], "option '--batch' requires an argument", "give it a value: --batch VALUE"),
    ],
)
def test_click_usage_errors(args: list[str], needle: str, hint: str) -> None:
    """Click's usage errors in archcalc's form (issue 14, item 19): one 'archcalc: error:' line and a hint, exit 2,
    not click's four lines of 'Usage: ... Try ... Error: ...'."""
    stderr = assert_user_error(invoke(*args), needle)
    assert "Usage:" not in stderr and "Error:" not in stderr and "Try '" not in stderr
    assert stderr.splitlines()[1] == f"  hint: {hint}" or hint in stderr.splitlines()[1], stderr


@pytest.mark.parametrize("text", ["0", "abc", "3x", "", "-5", "2.5", "1x2x3x4", "x224", "224x", "0x224", "224x0", "00227", " 224", "3x224x224x"])
def test_bad_input_strings(text: str) -> None:
    assert_user_error(invoke("show", "alexnet", "--input", text), "--input")


def test_input_too_small_for_a_layer() -> None:
    # conv1 is on line 10 of specs/alexnet.yaml; 11 > 10
    message = assert_user_error(invoke("show", "alexnet", "--input", "3x10x10"), "alexnet (bundled):10: layer 'conv1'", "11", "10")
    assert "3×10×10" in message and "3×227×227" in message  # the hint says the input was overridden


def test_input_with_two_numbers_for_a_vector_spec(tmp_path: Path) -> None:
    path = tmp_path / "mlp.yaml"
    path.write_text("name: mlp\ninput: [784]\nlayers:\n  - {name: fc, type: dense, units: 10}\n", encoding="utf-8")
    assert_user_error(invoke("show", str(path), "--input", "28x28"), "--input")
    assert invoke("show", str(path), "--input", "100", "--format", "csv").exit_code == 0


@pytest.mark.parametrize("text", ["224X224", "1x224x224", "4x227x227", "227"])
def test_good_input_strings(text: str) -> None:
    result = invoke("show", "alexnet", "--input", text, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


# --- a real process: no traceback on stderr, whatever the interpreter prints ----------------------
# One case by default (a fresh interpreter is 0.2 s of CPU; each message is proven in process above), the rest -m slow.


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: !!python/object/apply:os.getcwd []\ninput: [3, 32, 32]\nlayers:\n  - {name: r, type: relu}\n", "tag"),
        pytest.param(spec("{name: a, type: relu, inputs: [b]}", "{name: b, type: relu, inputs: [a]}"), "cycle", marks=pytest.mark.slow),
        pytest.param(spec("{name: conv1, type: conv, filters: 8, kernel: 3, strides: 2}"), "did you mean 'stride'", marks=pytest.mark.slow),
        pytest.param(spec("{name: conv1, type: [conv], filters: 8, kernel: 3}"), "'type'", marks=pytest.mark.slow),
    ],
    ids=["tag", "cycle", "strides", "type-list"],
)
def test_subprocess_error(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "archcalc", "show", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"archcalc: error: {path}:") and needle in proc.stderr


@pytest.mark.parametrize(("text", "hint"), [
    ("name: t\ninput: [3, 8, 8]\nlayers:\n\t- {name: a, type: relu}\n", "YAML does not allow tabs for indentation: replace the tab on line 4"),
    (spec("{name: a, type: relu}", "{name: b, type: conv, filters: 4, kernel: 3}", "{name: s, type: add, inputs: [a, b]}"),
     "the branches it sums must end in one shape"),
    (spec("{name: c, type: conv, filters: 4, kernel: 3, groups: 2}"), "choose groups that divide both"),
    (spec("{name: fc, type: dense, units: 192}", "{name: s, type: add, inputs: [fc, input]}"),
     "'fc' is a dense layer, which flattens its input to a vector; for a linear layer at each position use a 1×1 conv"),
    (spec("{name: c, type: conv, filters: 4, kernel: 40}"), "check the layer's kernel, stride and padding"),
])
def test_the_hint_fits_the_error(tmp_path: Path, text: str, hint: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("show", str(path))
    assert result.exit_code == 2 and f"hint: {hint}" in result.stderr, result.stderr


@pytest.mark.parametrize(("text", "said"), [
    ("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: conv, filters: 4, kernel: 3\n  - {name: b, type: relu}\n",
     "bad.yaml:4: not a valid spec: the '{' opened on line 4 is not closed before line 5\n  hint: end it with '}' on line 4"),
    ("name: t\ninput: [3, 8, 8\nlayers:\n  - {name: a, type: relu}\n",
     "bad.yaml:2: not a valid spec: the '[' opened on line 2 is not closed before line 3\n  hint: end it with ']' on line 2"),
    # a row that goes on to the next line on purpose: PyYAML's own line, where a ',' is missing
    ("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: conv,\n     filters: 4 kernel: 3}\n", "bad.yaml:5: not a valid spec"),
])
def test_an_unclosed_row_is_said_where_it_opens(tmp_path: Path, text: str, said: str) -> None:
    """PyYAML notices a row's missing '}' on the line after it (where the next row's '{' comes): the message names the
    row's own line."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("show", str(path))
    assert result.exit_code == 2 and said in result.stderr, result.stderr


@pytest.mark.parametrize("text", [
    spec('{name: "a\\e[31m", type: relu}'),  # a layer's name
    spec('{name: a, type: conv, filters: 4, kernel: 3, "s\\e[2J": 1}'),  # an unknown key
    spec('{name: a, type: relu, inputs: ["b\\e[2J"]}'),  # a name in inputs
    spec("{name: a, type: relu}", tail='claims:\n  layers:\n    "z\\e[2J": {output: [3, 8, 8]}\n'),  # a claim's layer
])
def test_a_spec_cannot_drive_the_terminal(tmp_path: Path, text: str) -> None:
    """Control characters from a spec reach the terminal written as their codes, never raw (an escape can clear a screen)."""
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("show", str(path))
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\\x1b" in result.stderr, result.stderr


def test_the_network_name_and_description_are_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text('name: "net\\e[2J"\ndescription: "d\\r\\u202e"\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: relu}\n', encoding="utf-8")
    result = invoke("show", str(path))
    assert result.exit_code == 0 and "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "net\\x1b[2J — d\\x0d\\u202e" in result.stdout
