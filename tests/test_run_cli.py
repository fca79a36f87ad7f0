"""`archcalc run` through the CLI: the JSON shape, the table, and every failure the issue lists.

The CPU path runs for real (small specs, short timing); the failures that need hardware this
machine lacks (a CUDA build without a device, an out-of-memory) are made with monkeypatch.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner, Result
from rich.console import Console

from archcalc import specfile as spec_module
from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.kinds import KINDS
from archcalc.outputs.serialize import run_json
from archcalc.report.run import run_table
from archcalc.specfile import load_spec
from archcalc.torch_backend import run as run_module

FAST = ["--device", "cpu", "--min-time", "0.01"]
KEYS = {"name", "input", "device", "torch_device", "batch", "dtype", "checks", "mismatches", "forward_ms", "images_per_s", "tflops",
        "memory"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args])


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_shape_of_one_spec() -> None:
    doc = as_json(run("lenet", *FAST, "--batch", "2", "--format", "json"))
    assert set(doc) == KEYS
    assert doc["name"] == "LeNet-5" and doc["input"] == [1, 28, 28] and doc["batch"] == 2 and doc["dtype"] == "float32"
    assert doc["device"] == tb.device_name("cpu") and doc["device"].startswith(tb.cpu_model())
    assert doc["torch_device"] == "cpu"
    assert doc["checks"] == {"shapes": True, "params": True, "flops": True} and doc["mismatches"] == []
    ms = doc["forward_ms"]
    assert set(ms) == {"median", "min", "max", "runs", "settled"} and ms["runs"] >= 4 and ms["min"] <= ms["median"] <= ms["max"]
    assert isinstance(ms["settled"], bool)
    assert doc["images_per_s"] == pytest.approx(2 / (ms["median"] / 1e3), rel=1e-3)
    # lenet: 833,040 FLOPs per image (FlopCounterMode convention, by hand in test_torch_backend)
    assert doc["tflops"] == pytest.approx(833_040 * 2 / (ms["median"] / 1e3) / 1e12, abs=1e-5)
    # lenet by hand: 61,706 params × 4 B = 246,824 B + (4,704 + 1,176) values live at pool1 × 4 B × batch 2 = 47,040 B
    assert doc["memory"] == {"estimate_bytes": 293_864, "estimate_peak_layer": "pool1", "measured_peak_bytes": None}


def test_several_specs_give_a_list_and_float16_runs_on_the_cpu() -> None:
    docs = as_json(run("lenet", "lenet5-1998", *FAST, "--dtype", "float16", "--format", "json"))
    assert [d["name"] for d in docs] == ["LeNet-5", "LeNet-5 (1998)"]
    assert all(d["dtype"] == "float16" and d["checks"] == {"shapes": True, "params": True, "flops": True} for d in docs)


def test_no_spec_runs_every_bundled_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_module, "bundled_names", lambda: ["lenet5-1998", "lenet"])  # the two that run in a blink
    docs = as_json(run(*FAST, "--format", "json"))
    assert [d["name"] for d in docs] == ["LeNet-5 (1998)", "LeNet-5"]


def test_per_layer_times_in_json() -> None:
    doc = as_json(run("lenet5-1998", *FAST, "--per-layer", "--format", "json"))
    assert [t["layer"] for t in doc["per_layer_ms"]] == ["C1", "S2", "C3", "S4", "C5", "F6", "output"]
    assert sum(t["share"] for t in doc["per_layer_ms"]) == pytest.approx(1.0, abs=1e-3)


def test_table_shows_torch_flooring_alexnet_at_224() -> None:
    result = run("alexnet", *FAST, "--input", "224")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "96×54×54 ✓" in out and "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54" in out  # conv1: torch floors 54.25 as archcalc does
    assert "26,218,496 ✓" in out  # fc6 reads 256×5×5 at 224: (6,400 + 1)·4,096
    assert "every layer's output shape, parameters and FLOPs agree with torch" in out
    assert "forward: median" in out and "images/s" in out


def test_a_mismatch_is_shown_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    build_conv = KINDS["conv"].build

    def without_bias(layer: Any, site: tb.Site) -> Any:  # a builder that forgets the biases
        from dataclasses import replace
        return build_conv(replace(layer, bias=False), site)

    monkeypatch.setattr(KINDS["conv"], "build", without_bias)
    result = run("lenet", *FAST)
    assert result.exit_code == 1
    # conv1: 6·1·5·5 + 6 = 156 with biases, 150 without; conv2: 16·6·5·5 + 16 = 2,416, 2,400 without
    assert "156 ≠ torch 150" in result.stdout and "2,416 ≠ torch 2,400" in result.stdout and "2 mismatches" in result.stdout
    doc = json.loads(run("lenet", *FAST, "--format", "json").stdout)
    assert doc["checks"] == {"shapes": True, "params": False, "flops": True}
    assert doc["mismatches"] == [{"layer": "conv1", "check": "params", "calculator": 156, "torch": 150},
                                 {"layer": "conv2", "check": "params", "calculator": 2416, "torch": 2400}]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_device_cuda_without_cuda_exits_2_with_one_message() -> None:
    result = run("lenet", "--device", "cuda")
    assert result.exit_code == 2
    assert "archcalc: error: --device cuda: torch sees no CUDA device: " in result.stderr
    assert tb.no_cuda_reason() in result.stderr and "hint: use --device cpu" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_device_cuda_on_a_cuda_build_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    result = run("lenet", "--device", "cuda")
    assert result.exit_code == 2
    assert f"torch {torch.__version__} is built for CUDA 12.4, but torch.cuda.device_count() is 0" in result.stderr


def test_auto_says_which_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run("lenet", "--min-time", "0.01", "--format", "json")
    assert result.exit_code == 0
    assert "archcalc: no CUDA device (" in result.stderr and "running on the CPU: " in result.stderr
    assert json.loads(result.stdout)["torch_device"] == "cpu"


def test_split_without_cuda_devices_is_a_clear_error() -> None:
    result = run("alexnet", *FAST, "--split")
    assert result.exit_code == 2
    assert "--split: AlexNet's towers go on CUDA devices, and this run is on the cpu" in result.stderr
    assert "Traceback" not in result.output


def test_split_on_a_one_gpu_spec_just_runs() -> None:
    doc = as_json(run("lenet", *FAST, "--split", "--format", "json"))
    assert "split" not in doc and doc["checks"]["shapes"]


def test_out_of_memory_exits_1_with_the_batch_and_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 2621440000 bytes")

    monkeypatch.setattr(run_module, "time_forward", exhausted)
    result = run("lenet", *FAST, "--batch", "64")
    assert result.exit_code == 1
    # lenet by hand: 61,706 params × 4 B = 246,824 B; the live activations peak at pool1, (4,704 + 1,176) × 4 B × 64
    assert "archcalc: error: LeNet-5: out of memory on cpu" in result.stderr and "at batch 64 in float32" in result.stderr
    assert "The calculator estimates 1,752,104 B (1.7 MiB) for inference: parameters 246,824 B (241.0 KiB)" in result.stderr
    assert "torch said: DefaultCPUAllocator: can't allocate memory" in result.stderr
    assert "hint: try a smaller --batch" in result.stderr and "Traceback" not in result.output


def test_without_torch_says_to_install_the_extra(tmp_path: Path) -> None:
    code = "import sys; sys.modules['torch'] = None; from archcalc.cli.app import main; main(['run', 'lenet'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == ("archcalc: error: archcalc run needs PyTorch, which is not installed\n  hint: pip install torch --index-url "
                           "https://download.pytorch.org/whl/cpu (its CPU build; any torch 2.x, a CUDA build for --device cuda, will do)\n")


@pytest.mark.slow  # a fresh interpreter; tests/test_imports.py proves it by default in the interpreter its NO_TORCH commands share
def test_show_still_imports_no_torch(tmp_path: Path) -> None:
    code = ("import sys; from click.testing import CliRunner; from archcalc.cli.app import main; "
            "r = CliRunner().invoke(main, ['show', 'alexnet']); assert r.exit_code == 0; print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr


def test_the_renderers_import_no_torch(tmp_path: Path) -> None:
    code = "import sys, archcalc.report.run; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr


def test_table_shows_the_memory_estimate_and_says_the_cpu_is_not_measured() -> None:
    result = run("lenet", *FAST, "--batch", "64")
    assert result.exit_code == 0, result.output
    # lenet by hand, batch 64: 246,824 B of parameters + 1,505,280 B live at pool1
    assert ("memory at batch 64 in float32: estimated 1,752,104 B (1.7 MiB) for inference (parameters + live activations "
            "at their peak, at pool1); not measured on the cpu (torch counts CUDA memory only)") in result.stdout


def test_a_measured_peak_is_shown_beside_the_estimate_with_the_ratio() -> None:
    graph = build_graph(load_spec("lenet"))
    a = analyse(graph)
    r = tb.run_network(graph, a, tb.RunOptions("cpu", "float32", 64, 0.01))
    on_cuda = replace(r, device="cuda:0", memory=replace(r.memory, measured_peak_bytes=2_000_000))  # as a CUDA run reports it
    assert run_json(on_cuda)["memory"] == {"estimate_bytes": 1_752_104, "estimate_peak_layer": "pool1", "measured_peak_bytes": 2_000_000}
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(run_table(on_cuda))
    # 2,000,000 / 1,752,104 = 1.1415; 2,000,000 B / 2^20 = 1.9 MiB
    assert "; measured peak 2,000,000 B (1.9 MiB) on cuda:0 = 1.14× the estimate" in console.export_text()


def separated(stdout: str) -> None:
    """A blank line before each spec after the first."""
    lines = stdout.splitlines()
    second = next(i for i, line in enumerate(lines) if line.startswith("LeNet-5 (1998)  input"))
    assert lines[0].startswith("LeNet-5  input") and lines[second - 1] == "" and lines[second - 2].startswith("✓ every layer")


def test_a_run_not_on_a_terminal_is_quiet_on_stderr_and_separates_the_specs() -> None:
    """In process, neither stream a terminal: stderr holds the device note alone (no progress display, no blank
    lines); stdout has a blank line before each spec after the first. The real process below (-m slow) adds
    what only a fresh interpreter shows: no warning from importing torch."""
    result = run("lenet", "lenet5-1998", *FAST)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"archcalc: running on the CPU: {tb.device_name('cpu')}"]
    separated(result.stdout)


@pytest.mark.slow  # a fresh interpreter importing torch: 3 s of CPU; the test above runs the same commands in process
def test_redirected_run_is_quiet_on_stderr_and_separates_the_specs(tmp_path: Path) -> None:
    """A real process with stdout and stderr to files (issue 11): stderr holds the device note alone (no
    progress display, no blank lines, no torch warning such as 'Failed to initialize NumPy', which the
    `torch` extra prevents by bringing numpy); stdout has a blank line before each spec after the first."""
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.run([sys.executable, "-m", "archcalc", "run", "lenet", "lenet5-1998", *FAST], stdout=stdout, stderr=stderr,
                              cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, err.read_text()
    assert err.read_text().splitlines() == [f"archcalc: running on the CPU: {tb.device_name('cpu')}"]
    assert "NumPy" not in err.read_text() and "Warning" not in err.read_text()
    separated(out.read_text())


def test_run_reads_a_spec_from_standard_input() -> None:
    text = (Path(__file__).resolve().parent.parent / "specs" / "lenet.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "-", *FAST, "--format", "json"], input=text)
    assert as_json(result)["name"] == "LeNet-5"
    result = CliRunner().invoke(main, ["run", "-", "lenet", "-", *FAST], input=text)
    assert result.exit_code == 2 and "'-' (standard input) is given more than once" in result.stderr
