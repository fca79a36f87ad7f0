"""Hardware profiles and each layer's roofline, checked by hand arithmetic from the profile files' own figures."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from archcalc.analysis import hardware
from archcalc.analysis.roofline import roofline
from archcalc.cli.common import load
from archcalc.errors import ArchcalcError
from archcalc.kinds import KINDS
from archcalc.kinds.base import MatrixUnits

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "archcalc" / "analysis" / "hardware"
CHIPS = {"h100-sxm", "h200", "a100-80gb-sxm", "v100-sxm2", "l4", "t4", "rtx-4090"}


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # this machine's own calibrations stay out


def figures(name: str) -> dict[str, object]:
    """The profile's figures as its file writes them, read without archcalc."""
    data = yaml.safe_load((PROFILES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_bundled_chips_each_with_a_datasheet() -> None:
    assert set(hardware.names()) >= CHIPS
    for p in hardware.every():
        assert p.name == p.path.stem
        assert p.source and p.url.startswith("https://")
        assert "float32" in p.vector_tflops and p.bandwidth_gbs > 0 and p.memory_gb
        assert not p.measured


def test_dense_figures_not_sparse() -> None:
    """H100 SXM: the datasheet's 1,979 bfloat16 TFLOPS are with sparsity; dense is half."""
    h100 = hardware.load("h100-sxm")
    assert h100.matrix_tflops["bfloat16"] == 1979 / 2
    assert h100.peak("matrix", "bfloat16") == 989.5e12
    assert h100.peak("vector", "bfloat16") == 67e12  # vector units: the float32 figure
    assert h100.peak("matrix", "float32") == 67e12  # plain float32 matmuls without a matrix figure: the vector units


def test_a_dtype_the_chip_lacks_is_refused() -> None:
    with pytest.raises(ArchcalcError, match="hardware 'v100-sxm2' has no bfloat16 figure for its matrix units"):
        hardware.load("v100-sxm2").check("bfloat16")
    with pytest.raises(ArchcalcError, match="no float64 figure"):
        hardware.load("h100-sxm").check("float64")


def test_an_unknown_name_gets_the_nearest() -> None:
    with pytest.raises(ArchcalcError, match="unknown hardware 'h100sxm'") as e:
        hardware.load("h100sxm")
    assert e.value.hint is not None and e.value.hint.startswith("did you mean 'h100-sxm'?")


@pytest.mark.parametrize(("text", "problem"), [
    ("name: x\ntitle: x\nvector_tflops: {float32: 1}\nmatrix_tflops: {}\nmemory_bandwidth_gbs: -3\nsource: {name: s}\n",
     "memory_bandwidth_gbs must be a positive number, not -3"),
    ("name: x\ntitle: x\nvector_tflops: {float32: 1}\nmatrix_tflops: {int8: 4}\nmemory_bandwidth_gbs: 3\nsource: {name: s}\n",
     "matrix_tflops: unknown dtype 'int8'"),
    ("name: x\ntitle: x\nvector_tflops: {float32: 1}\nmatrix_tflops: {}\nmemory_bandwidth_gbs: 3\nsource: {name: s}\nspeed: 3\n",
     "unknown key 'speed'"),
    ("name: x\ntitle: x\nmatrix_tflops: {}\nmemory_bandwidth_gbs: 3\nsource: {name: s}\n", "lacks 'vector_tflops'"),
    ("[1, 2]\n", "a mapping"),
])
def test_a_bad_profile_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArchcalcError, match=problem.replace("(", r"\(")):
        hardware.read(path)


def test_a_user_profile_is_found_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "archcalc" / "hardware"
    folder.mkdir(parents=True)
    (folder / "mybox.yaml").write_text("name: mybox\ntitle: my box\nvector_tflops: {float32: 1}\nmatrix_tflops: {}\n"
                                       "memory_bandwidth_gbs: 10\nsource: {name: measured}\nmeasured: true\n", encoding="utf-8")
    assert hardware.user_dir() == folder
    assert hardware.load("mybox").measured and "mybox" in hardware.names()


def test_every_kind_says_which_units_it_runs_on() -> None:
    """Matrix units for the matrix products, vector units for the rest."""
    matrix = {k for k, cls in KINDS.items() if issubclass(cls, MatrixUnits)}
    assert matrix == {"conv", "convtranspose", "dense", "rbf", "linear", "self_attention", "window_attention"}  # attention: its projections and products


def test_fc6_at_batch_1_in_bfloat16_is_memory_bound() -> None:
    """AlexNet fc6 reads 9216 values, 9216×4096 weights and 4096 biases, writes 4096: about 1 FLOP per byte in bfloat16."""
    _, a = load("alexnet", None)
    fc6 = {r.name: r for r in roofline(a, hardware.load("h100-sxm"), 1, "bfloat16").layers}["fc6"]
    weights = 9216 * 4096
    assert fc6.flops == 2 * weights == 75_497_472
    assert fc6.bytes == 2 * (weights + 4096 + 9216 + 4096) == 75_532_288
    assert 0.99 < fc6.intensity < 1.0
    bandwidth = float(figures("h100-sxm")["memory_bandwidth_gbs"]) * 1e9  # type: ignore[arg-type]
    assert fc6.bound == "memory"
    assert fc6.seconds == 75_532_288 / bandwidth  # about 22.5 µs


def test_conv2_at_batch_256_is_compute_bound() -> None:
    """conv2: 256 filters of 48×5×5 (two groups) over 27×27 positions: 447,897,600 FLOPs an image."""
    _, a = load("alexnet", None)
    r = roofline(a, hardware.load("h100-sxm"), 256, "bfloat16")
    conv2 = {x.name: x for x in r.layers}["conv2"]
    flops = 256 * (2 * 256 * 48 * 5 * 5 * 27 * 27)
    peak = figures("h100-sxm")["matrix_tflops"]["bfloat16"] * 1e12  # type: ignore[index]
    assert conv2.flops == flops
    assert conv2.bound == "compute" and conv2.seconds == flops / peak
    assert r.seconds == sum(x.seconds for x in r.layers)
    assert 0 < r.memory_share < 1


def test_a_view_moves_nothing() -> None:
    _, a = load("alexnet", None)
    drop6 = {r.name: r for r in roofline(a, hardware.load("h100-sxm"), 1, "float32").layers}["drop6"]
    assert (drop6.bytes, drop6.seconds) == (0, 0.0)


def test_the_wheel_carries_the_profiles(tmp_path: Path) -> None:
    wheel_builder = pytest.importorskip("hatchling.builders.wheel")
    [wheel] = list(wheel_builder.WheelBuilder(str(ROOT)).build(directory=str(tmp_path / "dist"), versions=["standard"]))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"archcalc/analysis/hardware/{c}.yaml" for c in CHIPS} <= names
