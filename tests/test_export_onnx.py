"""`archcalc export SPEC --out net.onnx`: the built module as ONNX, checked by onnx.checker, every node named after its
spec layer, run by onnx's own reference evaluator to the output torch gives; one message where torch or onnx is missing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

torch = pytest.importorskip("torch")


def onnx_package() -> Any:
    """onnx, imported by the tests that read a file (0.9 s of CPU: not at collection, where every test would pay it)."""
    return pytest.importorskip("onnx")


def layers_in(model: object) -> set[str]:
    """The spec layers the ONNX nodes name: '/layer2.0.conv1/Conv' → 'layer2.0.conv1'."""
    return {n.name.split("/")[1] for n in model.graph.node if n.name.startswith("/")}  # type: ignore[attr-defined]


def export(spec: str, out: Path) -> object:
    result = CliRunner().invoke(main, ["export", spec, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: ")
    onnx = onnx_package()
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    return model


@pytest.mark.slow  # torch's exporter and onnx: 3 s of CPU; the refusals below run by default
def test_lenet_exports_loads_and_computes_what_torch_computes(tmp_path: Path) -> None:
    onnx = onnx_package()
    from onnx.reference import ReferenceEvaluator

    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec
    from archcalc.torch_backend import build_module, example_input

    model = export("lenet", tmp_path / "lenet.onnx")
    graph = build_graph(load_spec("lenet"))
    a = analyse(graph)
    assert layers_in(model) == {r.name for r in a.rows}  # every layer of the spec is a node (named after it)
    assert model.graph.name == "LeNet-5" and [i.name for i in model.graph.input] == ["input"]  # type: ignore[attr-defined]
    module = build_module(graph, a).eval()
    weights = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in model.graph.initializer}  # type: ignore[attr-defined]
    module.load_state_dict(weights, strict=True)  # the weights, named as torch names them: the module now computes the file's network
    x = example_input(a, 2, "cpu", torch.float32)  # a batch of 2: the batch axis is dynamic
    with torch.no_grad():
        expected = module(x).numpy()
    (got,) = ReferenceEvaluator(model).run(None, {"input": x.numpy()})
    assert got.shape == (2, 10) and abs(got - expected).max() < 1e-5


def test_a_missing_package_is_one_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    result = CliRunner().invoke(main, ["export", "lenet", "--out", str(tmp_path / "l.onnx")])
    assert result.exit_code == 2 and not (tmp_path / "l.onnx").exists()
    assert "archcalc export needs PyTorch and the onnx package: onnx is not installed" in result.output and "Traceback" not in result.output


def test_what_one_file_cannot_hold_is_refused_before_torch_builds_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import archcalc.cli.export as command

    monkeypatch.setattr(command, "MAX_EXPORT_LAYERS", 6)  # LeNet-5 has 7 layers
    result = CliRunner().invoke(main, ["export", "lenet", "--out", str(tmp_path / "l.onnx")])
    assert result.exit_code == 2 and "lenet (bundled): archcalc export writes at most 6 layers; this spec has 7" in result.output
    spec = tmp_path / "big.yaml"  # 1,000,000 × 1,000 weights and 1,000 biases (by hand): 4,000,004,000 bytes of float32
    spec.write_text("name: big\ninput: [1000000]\nlayers:\n  - {name: d, type: dense, units: 1000}\n")
    result = CliRunner().invoke(main, ["export", str(spec), "--out", str(tmp_path / "b.onnx")])
    assert result.exit_code == 2 and "1,000,001,000 parameters are 4,000,004,000 bytes as float32, past the 2 GiB" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["resnet18", "mobilenet_v2", "googlenet", "unet"])  # googlenet: LRN, an If whose branches read outer values; unet: crop
def test_bundled_specs_export_with_every_layer_named(spec: str, tmp_path: Path) -> None:
    # every layer has a node, but those that do nothing at inference: dropout (torch's eval mode) and stochastic depth
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec

    model = export(spec, tmp_path / f"{spec}.onnx")
    rows = analyse(build_graph(load_spec(spec))).rows
    assert layers_in(model) == {r.name for r in rows if r.layer.kind not in ("dropout", "stochastic_depth")}
