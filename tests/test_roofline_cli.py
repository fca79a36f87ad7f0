"""`archcalc hardware`, and `--hardware` in show and compare, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import hardware
from archcalc.analysis.roofline import roofline
from archcalc.cli.app import main
from archcalc.cli.common import load

PLAIN = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": "200"}


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def invoke(*args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner(env=PLAIN).invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == code, result.output
    return result.stdout, result.stderr


def test_hardware_lists_every_chip_with_its_source() -> None:
    out, _ = invoke("hardware")
    for name in ("h100-sxm", "h200", "a100-80gb-sxm", "v100-sxm2", "l4", "t4", "rtx-4090"):
        assert f"  {name}: NVIDIA" in out  # its source line
    assert "989.5" in out and "https://www.nvidia.com/en-us/data-center/h100/" in out
    doc = json.loads(invoke("hardware", "--format", "json")[0])
    h100 = next(p for p in doc if p["name"] == "h100-sxm")
    assert h100["matrix_tflops"]["bfloat16"] == 989.5 and h100["memory_bandwidth_gbs"] == 3350
    assert h100["source"]["url"] == "https://www.nvidia.com/en-us/data-center/h100/"


def test_show_json_gives_each_layers_roofline_and_the_total() -> None:
    doc = json.loads(invoke("show", "alexnet", "--hardware", "h100-sxm", "--batch", "256", "--dtype", "bfloat16", "--format", "json")[0])
    _, a = load("alexnet", None)
    r = roofline(a, hardware.load("h100-sxm"), 256, "bfloat16")
    layers = {x["name"]: x["roofline"] for x in doc["layers"]}
    assert set(layers["conv2"]) >= {"bytes", "intensity", "bound", "seconds"}
    assert layers["conv2"]["bound"] == "compute" and layers["fc6"]["bytes"] == {x.name: x for x in r.layers}["fc6"].bytes
    assert doc["totals"]["roofline"]["hardware"] == "h100-sxm"
    assert (doc["totals"]["roofline"]["batch"], doc["totals"]["roofline"]["dtype"]) == (256, "bfloat16")
    assert doc["totals"]["roofline"]["seconds"] == float(f"{r.seconds:.6g}")


def test_show_table_has_the_roofline() -> None:
    out, _ = invoke("show", "alexnet", "--hardware", "h100-sxm", "--dtype", "bfloat16")
    assert "roofline on NVIDIA H100 SXM 80GB (h100-sxm), batch 1, bfloat16" in out
    fc6 = next(line for line in out.splitlines() if line.strip().startswith("fc6") and "matrix" in line)
    assert "memory" in fc6 and "22.5 µs" in fc6  # 75,532,288 B ÷ 3.35 TB/s


@pytest.mark.parametrize(("args", "message"), [
    (("--hardware", "h100sxm"), "unknown hardware 'h100sxm'\n  hint: did you mean 'h100-sxm'?"),
    (("--hardware", "t4", "--dtype", "bfloat16"), "hardware 't4' has no bfloat16 figure for its matrix units (it has: float16)"),
    (("--hardware", "h100-sxm", "--dtype", "float64"), "hardware profiles give no float64 figure"),
    (("--hardware", "h100-sxm", "--format", "csv"), "--hardware shows in --format table, json and html, not csv"),
])
def test_bad_hardware_is_one_message(args: tuple[str, ...], message: str) -> None:
    out, err = invoke("show", "alexnet", *args, code=2)
    assert message in err and "Traceback" not in err and out == ""


def test_compare_with_hardware() -> None:
    out, _ = invoke("compare", "alexnet", "resnet18", "--hardware", "h100-sxm", "--batch", "16", "--dtype", "bfloat16")
    assert "least time on NVIDIA H100 SXM 80GB (h100-sxm), batch 16, bfloat16" in out
    doc = json.loads(invoke("compare", "alexnet", "lenet", "--hardware", "l4", "--format", "json")[0])
    assert [n["totals"]["roofline"]["hardware"] for n in doc["networks"]] == ["l4", "l4"]


@pytest.mark.slow  # a fresh interpreter; tests/test_imports.py proves it by default in the interpreter its NO_TORCH commands share
def test_show_and_diagram_with_hardware_import_no_torch(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from archcalc.cli.app import main; main(['show', 'alexnet', '--hardware', 'h100-sxm'], standalone_mode=False); "
            f"main(['diagram', 'alexnet', '--style', 'roofline', '--hardware', 'l4', '--out', {str(tmp_path / 'r.svg')!r}], "
            "standalone_mode=False); print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "False"
