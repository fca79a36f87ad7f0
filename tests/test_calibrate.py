"""`archcalc calibrate` and `run --per-layer` against the roofline, on this machine's CPU.

The roofline is a least time: after calibrating, no layer's measured time may be below its bound by more than
the per-layer timer's stated error: LeNet after a quick calibration, and every bundled spec after a full one, under
-m slow (timed runs); the refusals run by default.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from archcalc import analyse, build_graph, load_spec
from archcalc.analysis import hardware
from archcalc.cli.app import main
from archcalc.kinds.terms.sizes import WindowTerm
from archcalc.specfile import bundled_names


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh configuration folder, and one torch thread (as `calibrate` and `run` then both measure)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path / "config" / "archcalc" / "hardware"
    torch.set_num_threads(threads)


def invoke(*args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == code, result.output
    return result.stdout, result.stderr


def calibrated(folder: Path, quick: bool = True) -> None:
    out, err = invoke("calibrate", "--device", "cpu", *(["--quick"] if quick else []))
    assert f"wrote {folder / 'cpu.yaml'}: use it with --hardware cpu" in err
    assert "matmul float32" in out and "GFLOP/s" in out and "streaming copy" in out


def per_layer(spec: str) -> dict[str, Any]:
    out, _ = invoke("run", spec, "--device", "cpu", "--per-layer", "--min-time", "0.05", "--format", "json")
    doc: dict[str, Any] = json.loads(out)["roofline"]
    return doc


def below_bound(doc: dict[str, Any], share: dict[str, float] | None = None, margin: float = 1.0) -> list[tuple[str, float, float]]:
    """Layers measured faster than the least time allows (times `share`, a convolution's taps that read the image;
    divided by `margin`), past the timer's error."""
    error, share = doc["timer_error_seconds"], share or {}
    return [(x["layer"], x["measured_seconds"], x["roofline_seconds"]) for x in doc["layers"]
            if x["measured_seconds"] < x["roofline_seconds"] * share.get(x["layer"], 1.0) / margin - error]


# How far a layer of a bundled network may run above the calibrated peak in the sweep below. The calibration's peaks are
# the best of a few kernel shapes, timed minutes before the layers on a shared machine whose clock and neighbours change:
# on CI's CPU (not this one) 3×3 convolutions of U-Net, VGG and DeepLabV3 ran up to 1.36× the peak of a quick
# calibration, while on this AMD EPYC every layer stays under it. A bound off by a factor of 2 or more (MACs counted as
# FLOPs, bytes counted twice) still fails; LeNet's check above holds the bound with no margin.
SWEEP_MARGIN = 1.5


@pytest.mark.slow  # a calibration and a timed run, 2 s of CPU; the profile's reading is tested by default in tests/test_roofline*.py
def test_calibrate_writes_a_profile_run_measures_against_it(config: Path) -> None:
    calibrated(config)
    p = hardware.load("cpu")
    assert p.measured and p.path == config / "cpu.yaml"
    assert p.matrix_tflops["float32"] > 0 and p.bandwidth_gbs > 0 and "float32" in p.vector_tflops
    doc = per_layer("lenet")
    assert (doc["hardware"], doc["batch"], doc["dtype"]) == ("cpu", 1, "float32")
    assert [x["layer"] for x in doc["layers"]] == ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"]  # specs/lenet.yaml
    assert all(x["measured_seconds"] >= 0 and x["roofline_seconds"] >= 0 for x in doc["layers"])
    assert 0 < doc["timer_error_seconds"] < 1e-3  # the hooks around an empty module: microseconds
    assert below_bound(doc) == []
    out, _ = invoke("run", "lenet", "--device", "cpu", "--per-layer", "--min-time", "0.05")
    assert "% of roofline" in out and "the whole forward pass, timed alone, took" in out


def test_per_layer_without_a_profile_says_how_to_get_one(config: Path) -> None:
    _, err = invoke("run", "lenet", "--device", "cpu", "--per-layer", "--min-time", "0.01")
    assert "note: no roofline beside the per-layer times: `archcalc calibrate --device cpu`" in err


@pytest.mark.parametrize(("args", "message"), [
    (("--name", "../x"), "--name '../x': a profile's name is letters, digits"),
    (("--dtype", "tf32"), "tf32 is a matrix mode of NVIDIA GPUs: there is none to measure on the CPU"),
])
def test_calibrate_refuses(config: Path, args: tuple[str, ...], message: str) -> None:
    _, err = invoke("calibrate", "--device", "cpu", *args, code=2)
    assert message in err and "Traceback" not in err
    assert not config.exists()


def taps_inside(t: WindowTerm) -> int:
    """How many (output position, kernel tap) pairs of one axis read the input rather than its zero padding."""
    inside = 0
    for k in range(t.kernel):
        at = k * t.dilation - t.pad_before  # the input row tap k of output 0 reads
        first = max(0, -(at // t.stride) if at < 0 else 0)
        while first < t.out and first * t.stride + at < 0:
            first += 1
        last = min(t.out - 1, (t.size - 1 - at) // t.stride) if t.size - 1 - at >= 0 else -1
        inside += max(0, last - first + 1)
    return inside


def inside_share(spec: str) -> dict[str, float]:
    """Each convolution's share of its taps that read the image rather than zero padding. Its FLOPs count every tap,
    as FlopCounterMode does, but oneDNN skips the padded ones: DeepLabV3's ASPP convolutions (dilation 12 to 36 on a
    28×28 map) run in a third to four fifths of FLOPs ÷ peak on this CPU. The least time of a kernel that does only
    the image's taps is at least this share of the stated one (max(s·F/P, B/W) ≥ s·max(F/P, B/W) for s ≤ 1)."""
    a = analyse(build_graph(load_spec(spec)))
    shares = {}
    for r in a.rows:
        terms = [t for t in r.terms if isinstance(t, WindowTerm)]
        if r.kind == "conv" and len(terms) == 2:
            shares[r.name] = math.prod(taps_inside(t) / (t.kernel * t.out) for t in terms)
    return shares


def test_taps_inside_by_hand() -> None:
    a = analyse(build_graph(load_spec("alexnet")))
    conv2 = next(r for r in a.rows if r.name == "conv2")
    assert [taps_inside(t) for t in conv2.terms if isinstance(t, WindowTerm)] == [5 * 27 - 2 * (2 + 1)] * 2  # 5×5, pad 2, 27 out
    assert inside_share("alexnet")["conv2"] == (129 / 135) ** 2 and inside_share("alexnet")["conv1"] == 1
    assert inside_share("deeplabv3_resnet50")["classifier.0.convs.1.0"] == (60 / 84) ** 2  # dilation 12 on 28: 16 + 28 + 16 of 3·28


@pytest.mark.slow
def test_no_layer_beats_its_roofline(config: Path) -> None:
    """Every bundled spec on this CPU, after a full calibration: the measured times are at or above the least times (a
    convolution's scaled by the share of its taps that read the image: see inside_share), within SWEEP_MARGIN."""
    calibrated(config, quick=False)
    beaten = {spec: below_bound(per_layer(spec), inside_share(spec), SWEEP_MARGIN) for spec in bundled_names()}
    assert {s: b for s, b in beaten.items() if b} == {}


def test_a_dtype_the_profile_lacks_is_refused_before_running(config: Path) -> None:
    _, err = invoke("run", "lenet", "--device", "cpu", "--per-layer", "--hardware", "t4", "--dtype", "bfloat16", code=2)
    assert "hardware 't4' has no bfloat16 figure for its matrix units" in err and "forward" not in err


@pytest.mark.slow  # a calibration and a timed run; test_calibrate_writes_a_profile_run_measures_against_it runs by default
def test_run_draws_the_measured_chart(config: Path, tmp_path: Path) -> None:
    calibrated(config)
    out = tmp_path / "measured.svg"
    _, err = invoke("run", "lenet", "--device", "cpu", "--per-layer", "--min-time", "0.02", "--chart", str(out))
    assert f"wrote {out}" in err
    svg = out.read_text(encoding="utf-8")
    assert "LeNet-5 measured on cpu, batch 1, float32" in svg and 'fill="#ffffff" stroke=' in svg  # hollow: measured
    _, err = invoke("run", "lenet", "--device", "cpu", "--chart", str(out), code=2)
    assert "--chart draws one network's measured layers: give one SPEC and --per-layer" in err
