"""`archcalc import`: hand-written models (tests/import_models.py, written as torchvision writes its models) imported,
the written spec read back, and the round trip exact: the spec built in torch gives every layer's shape, parameters
and FLOPs as the model itself does (the command checks that; these tests check the command, and count the model's
parameters with torch themselves). Blocks folding and the YAML writer are checked without torch."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.outputs.blockfold import fold
from archcalc.outputs.specyaml import INPUT, Row, SpecText, spec_text
from archcalc.specfile import load_spec, parse_spec

ROOT = Path(__file__).resolve().parent.parent
MODELS = "tests/import_models.py"


def imported(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(ROOT)
    return CliRunner().invoke(main, ["import", *args])


def test_repeated_instances_fold_into_a_block_whose_differing_values_are_arguments() -> None:
    """Two residual units of one shape whose inner width differs: one block, `filters` its argument; read back, the
    spec expands to the rows it was folded from, in order (no torch)."""
    def unit(prefix: str, source: str, filters: int) -> list[Row]:
        return [Row(f"{prefix}.conv1", "conv", {"filters": filters, "kernel": 3, "padding": 1}, (source,)),
                Row(f"{prefix}.relu", "relu", {}, (f"{prefix}.conv1",)),
                Row(f"{prefix}.conv2", "conv", {"filters": 4, "kernel": 1}, (f"{prefix}.relu",)),
                Row(f"{prefix}.add", "add", {}, (f"{prefix}.conv2", source))]
    rows = [Row("stem", "conv", {"filters": 4, "kernel": 3, "padding": 1}, (INPUT,)), *unit("u.0", "stem", 4), *unit("u.1", "u.0.add", 8),
            Row("pool", "globalavgpool", {}, ("u.1.add",))]
    folded, blocks = fold(rows, {"u.0": "ResidualUnit", "u.1": "ResidualUnit"}, {"conv": {"stride": 1}, "relu": {}, "add": {}})
    assert [(b.name, b.args) for b in blocks] == [("residual_unit", ("filters",))]
    assert [(r.name, r.kind, r.keys, r.inputs) for r in folded] == [
        ("stem", "conv", {"filters": 4, "kernel": 3, "padding": 1}, (INPUT,)), ("u.0", "residual_unit", {"filters": 4}, ("stem",)),
        ("u.1", "residual_unit", {"filters": 8}, ("u.0",)), ("pool", "globalavgpool", {}, ("u.1",))]  # a use read for its last row
    text = spec_text(SpecText("t", "folded", (3, 8, 8), tuple(folded), tuple(blocks)))
    assert "      - {name: conv1, type: conv, filters: $filters, kernel: 3, padding: 1}\n" in text
    assert "      - {name: add, type: add, inputs: [conv2, input]}\n" in text
    analysis = analyse(build_graph(parse_spec(text)))
    assert [r.name for r in analysis.rows] == [r.name for r in rows]
    assert [r.output[0] for r in analysis.rows] == [4, 4, 4, 4, 4, 8, 8, 4, 4, 4]


ALEXNET_LIKE = """\
name: alexnet_like
description: "imported from tests/import_models.py:alexnet_like by archcalc import"
input: [3, 32, 32]

layers:
  - {name: "0", type: conv, filters: 8, kernel: 5, stride: 2, padding: 2}
  - {name: "1", type: relu}
  - {name: "2", type: lrn, alpha: 2.0e-05}
  - {name: "3", type: maxpool, kernel: 3, stride: 2, rounding: ceil}
  - {name: "4", type: conv, filters: 16, kernel: 3, padding: 1, groups: 2}
  - {name: "5", type: relu}
  - {name: "6", type: adaptiveavgpool, output: 2}
  - {name: "7", type: flatten}
  - {name: "8", type: dropout}
  - {name: "9", type: dense, units: 10}
  - {name: "10", type: softmax}
"""


def test_an_nn_sequential_stack_is_imported_and_proven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each module a row named by its index, its hyper-parameters read from it (LocalResponseNorm's α divided by its
    size: archcalc's lrn is the paper's, 1e-4 / 5), the defaults left out; 1,850 parameters: 3·25·8 + 8 + 16·(8/2)·9 + 16
    (two groups) + 64·10 + 10 by hand."""
    out = tmp_path / "alexnet_like.yaml"
    result = imported(monkeypatch, f"{MODELS}:alexnet_like", "--input", "3x32x32", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("archcalc: ✓ alexnet_like: 11 layers, 1,850 parameters, 382,208 FLOPs: every layer's shape")
    assert out.read_text(encoding="utf-8") == ALEXNET_LIKE
    assert 3 * 25 * 8 + 8 + 16 * (8 // 2) * 9 + 16 + 64 * 10 + 10 == 1850


def _model(name: str, **kwargs: object) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_models_for_tests", ROOT / MODELS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)(**kwargs)


STYLES = [  # (callable, input, layers, the blocks it folds into)
    ("docs/examples/resnet_style.py:ResNet", "3x32x32", 52, ["basic_block", "basic_block_downsample", "layer"]),
    (f"{MODELS}:Functional", "1x32x32", 26, ["b", "inception"]),
    (f"{MODELS}:SENet", "3x16x16", 33, ["squeeze_excitation", "blocks"]),
    (f"{MODELS}:TinyViT", "3x32x32", 29, ["mlp", "encoder_block"]),
    (f"{MODELS}:DenseAndInverted", "3x32x32", 62, ["inverted_residual_conv", "inverted_residual"]),
    (f"{MODELS}:TinyViT --kwargs {{\"timm\":true}}", "3x32x32", 29, ["mlp", "encoder_block"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("target", "size", "layers", "blocks"), STYLES, ids=[s[0].split(":")[1].split(" ")[0] + ("-timm" if "timm" in s[0]
                                                                                                             else "") for s in STYLES])
def test_each_style_is_imported_folded_and_proven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, target: str, size: str, layers: int,
                                                  blocks: list[str]) -> None:
    """Residual adds and projected shortcuts, torch.cat branches and functional calls, squeeze-and-excitation's product,
    a transformer encoder (attention, layer norms, class token, position embedding, x[:, 0]): each imported with ✓,
    read back, its parameters those torch counts in the model, and --flat the same layers without blocks."""
    import torch

    out, flat = tmp_path / "folded.yaml", tmp_path / "flat.yaml"
    target, *more = target.split(" ")
    result = imported(monkeypatch, target, *more, "--input", size, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("archcalc: ✓ ") and f": {layers} layers, " in result.stderr
    assert imported(monkeypatch, target, *more, "--input", size, "--out", str(flat), "--flat").exit_code == 0
    spec, flat_spec = load_spec(out), load_spec(flat)
    assert "blocks:" in out.read_text(encoding="utf-8") and "blocks:" not in flat.read_text(encoding="utf-8")
    assert [i.block for i in spec.instances] and sorted({i.block for i in spec.instances}) == sorted(blocks)
    assert [ls.name for ls in spec.layers] == [ls.name for ls in flat_spec.layers] and len(spec.layers) == layers
    assert [ls.layer for ls in spec.layers] == [ls.layer for ls in flat_spec.layers]
    analysis = analyse(build_graph(spec))
    path, name = target.split(":")
    model = _model(name, **({"timm": True} if more else {})) if path == MODELS else None
    if model is not None:
        assert isinstance(model, torch.nn.Module)
        assert sum(r.params for r in analysis.rows) == sum(p.numel() for p in model.parameters())
        assert analysis.rows[-1].output == tuple(model.eval()(torch.zeros(1, *map(int, size.split("x")))).shape[1:])


@pytest.mark.slow
def test_what_has_no_kind_is_named_with_its_place_and_nothing_is_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "never.yaml"
    result = imported(monkeypatch, f"{MODELS}:unsupported", "--input", "3x8x8", "--out", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr == (
        f"archcalc: error: {MODELS}:unsupported: 2 modules or operations of it have no archcalc kind, so no spec is written: "
        "2: nn.InstanceNorm2d has no archcalc kind; 3: nn.Conv2d has no archcalc kind: padding_mode 'reflect' (archcalc's conv pads with zeros)\n"
        "  hint: `archcalc kinds` lists the vocabulary; write those parts by hand, or leave them out of the model you import\n")


@pytest.mark.slow
def test_control_flow_fx_cannot_trace_is_said_in_fx_words(monkeypatch: pytest.MonkeyPatch) -> None:
    result = imported(monkeypatch, f"{MODELS}:Dynamic", "--input", "3x8x8")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"archcalc: error: {MODELS}:Dynamic: torch.fx cannot trace its forward (TraceError: "
                                    "symbolically traced variables cannot be used as inputs to control flow), nor torch.export "
                                    "(GuardOnDataDependentSymNode: Could not guard on data-dependent expression")
    assert result.stderr.count("\n") == 2  # one message and its hint: nothing torch.export printed


@pytest.mark.slow
def test_control_flow_on_a_shape_falls_back_on_torch_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """fx cannot trace `if x.shape[-1] % 2`; torch.export traces it at 3×8×8, in ATen operations read back as kinds."""
    result = imported(monkeypatch, f"{MODELS}:ShapeFlow", "--input", "3x8x8")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("archcalc: ✓ ShapeFlow: 11 layers, 284 parameters, ")  # 3·9·8 + 2·8 + 2·8 + 8·4 + 4
    assert 3 * 9 * 8 + 2 * 8 + 2 * 8 + 8 * 4 + 4 == 284
    assert [(ls.name, ls.layer.kind) for ls in parse_spec(result.stdout).layers] == [
        ("conv", "conv"), ("bn", "batchnorm"), ("relu", "relu"), ("pool", "maxpool"), ("max_pool2d", "maxpool"), ("add", "add"),
        ("adaptive_avg_pool2d", "globalavgpool"), ("flatten", "flatten"), ("norm", "layernorm"), ("fc", "dense"), ("sigmoid", "sigmoid")]


@pytest.mark.slow
def test_a_spec_that_does_not_reproduce_is_not_written_unless_forced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One convolution run twice: 4·4·9 + 4 = 148 parameters in the model, a spec of two conv layers holds 296."""
    out = tmp_path / "shared.yaml"
    result = imported(monkeypatch, f"{MODELS}:Shared", "--input", "4x6x6", "--out", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "in total: 148 parameters in the model, 296 in the spec" in result.stderr
    forced = imported(monkeypatch, f"{MODELS}:Shared", "--input", "4x6x6", "--out", str(out), "--force")
    assert forced.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# archcalc import: this spec does NOT reproduce the model (written with --force):\n")
    assert "#   in total: 148 parameters in the model, 296 in the spec (a module run twice shares its weights)\n" in text
    assert len(load_spec(out).layers) == 3


@pytest.mark.slow
def test_a_builder_gets_weights_none_and_the_kwargs_and_stdout_has_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    result = imported(monkeypatch, f"{MODELS}:built", "--input", "3x8x8", "--kwargs", '{"width": 5}')
    assert result.exit_code == 0, result.output
    assert "  - {name: \"0\", type: conv, filters: 5, kernel: 3}\n" in result.stdout
    assert parse_spec(result.stdout).layers[0].name == "0"


@pytest.mark.slow
def test_an_input_the_model_cannot_take_is_said_with_the_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """3×10×10: the flattened map has 4·8·8 = 256 values, the model's linear layer takes 4·6·6 = 144."""
    result = imported(monkeypatch, f"{MODELS}:unsupported", "--input", "3x10x10")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"archcalc: error: {MODELS}:unsupported cannot run on an input of 3×10×10: at 5: "
                                    "mat1 and mat2 shapes cannot be multiplied (1x256 and 144x3)\n")


@pytest.mark.slow
def test_modern_styles_and_a_head_only_training_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """ConvNeXt's LayerNorm2d, Permute, layer scale and StochasticDepth, Swin's window attention and patch merging,
    ShuffleNetV2's chunk and channel shuffle, F.interpolate to x.shape[-2:], x.mean([2, 3]): proven; a module run
    only in training is said, not counted (3·9·4 + 4 = 112 parameters run)."""
    out = tmp_path / "modern.yaml"
    result = imported(monkeypatch, f"{MODELS}:Modern", "--input", "3x16x16", "--out", str(out))
    assert result.exit_code == 0, result.output
    kinds = {ls.layer.kind for ls in load_spec(out).layers}
    assert {"layer_scale", "stochastic_depth", "window_attention", "patch_merging", "chunk", "channel_shuffle", "upsample",
            "permute", "globalavgpool", "flatten"} <= kinds
    text = out.read_text(encoding="utf-8")
    assert "  - {name: to_last, type: permute}\n" in text and "      - {name: layer_scale, type: layer_scale}\n" in text
    aux = imported(monkeypatch, f"{MODELS}:WithAux", "--input", "3x5x5")
    assert aux.exit_code == 0, aux.output
    assert "1 layer, 112 parameters (and 50 in modules its forward does not run), " in aux.stderr


# kinds whose torch form is no module the reverse table reads, and how `import` meets them
READ_OTHERWISE = {
    "add": "operator.add, torch.add", "concat": "torch.cat", "multiply": "operator.mul",
    "tokens": "x.flatten(2).transpose(1, 2)", "class_token": "torch.cat of a learned token", "pos_embedding": "x + a parameter",
    "select_token": "x[:, 0]", "layer_scale": "a C×1×1 parameter times x", "chunk": "x.chunk(n, dim=1)",
    "permute": "x.permute / torch.permute", "patch_merging": "torchvision's _patch_merging_pad", "dense": "nn.Linear on a vector",
    "globalavgpool": "nn.AdaptiveAvgPool2d(1)", "adaptiveavgpool": "nn.AdaptiveAvgPool2d, to a fixed size",
    "upsample": "nn.Upsample, F.interpolate", "lrn": "nn.LocalResponseNorm (α÷size: archcalc's is the paper's PaperLRN)",
    "flatten": "nn.Flatten(), torch.flatten(x, 1), view and reshape",
    "crop": "none: a centre crop is slicing", "subsample": "none: LeNet-1998's", "rbf": "none: LeNet-1998's",
    "scaled_tanh": "none: LeNet-1998's", "self_attention": "nn.MultiheadAttention (run builds a one-input wrapper of it)",
    "stochastic_depth": "torchvision's StochasticDepth and stochastic_depth, by their names",
}


def test_each_kind_s_own_torch_module_maps_back_to_it() -> None:
    """The reverse table proven on the kinds' builders: every example of every kind, built as `run` builds it (a fused
    activation's Sequential read for its first part), maps back to its kind and keys; a kind whose torch form is no
    module is named in READ_OTHERWISE with how import reads it, so a kind added later is in one or the other."""
    from proof_nets import alone, analysed, chained, examples

    from archcalc.kinds import KINDS, Site, keys
    from archcalc.torch_backend.reverse import module_rule

    proven = set()
    for ex in examples():
        if ex.kind in READ_OTHERWISE and ex.kind not in ("lrn", "dense", "globalavgpool", "adaptiveavgpool", "upsample", "flatten"):
            continue
        built = next((b for t in (alone, chained) if (rows := t(ex, (12, 12))) is not None and (b := analysed(rows, (12, 12)))), None)
        assert built is not None, ex.id
        row = next(r for r in built[1].rows if r.kind == ex.kind)
        module = row.layer.build(Site(row.input_shapes, 1))
        parts = list(module.children()) if type(module).__name__ == "Sequential" else [module]
        ins = row.input_shapes
        if len(parts) > 1 and type(parts[0]).__name__ == "Flatten":  # dense: flatten, then linear on the vector
            parts, ins = parts[1:], ((math.prod(ins[0]),),)
        rule = module_rule(parts[0]) if parts else None  # 'same' padding of an odd total: a ZeroPad2d first, no rule
        if rule is None:
            continue
        mapped = rule(parts[0], ins, row.output)
        if (ex.kind, mapped.kind) == ("adaptiveavgpool", "globalavgpool"):  # to 1×1: the same layer, as the spec would say it
            assert row.output[1:] == (1, 1), ex.id
            continue
        assert mapped.kind == ex.kind, ex.id
        values = {k.key: getattr(row.layer, k.field) for k in keys(KINDS[ex.kind]) if k.key != "activation"}
        again = {**values, **{k: v for k, v in parse_spec_values(ex.kind, mapped.values).items()}}
        assert again == values, ex.id
        proven.add(ex.kind)
    assert set(KINDS) == proven | set(READ_OTHERWISE), sorted(set(KINDS) - proven - set(READ_OTHERWISE))
    assert not proven & set(READ_OTHERWISE) - {"lrn", "dense", "globalavgpool", "adaptiveavgpool", "upsample", "flatten"}


def parse_spec_values(kind: str, values: dict[str, object]) -> dict[str, object]:
    """Values as the reader parses them from a spec row."""
    from archcalc.kinds import KINDS, keys

    known = {k.key: k for k in keys(KINDS[kind])}
    return {key: known[key].value.parse(list(v) if isinstance(v, tuple) else v, kind, key) for key, v in values.items()}


@pytest.mark.slow
def test_older_habits_and_a_forward_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    result = imported(monkeypatch, f"{MODELS}:Older", "--input", "3x6x6")
    assert result.exit_code == 0, result.output
    assert [(ls.name, ls.layer.kind) for ls in parse_spec(result.stdout).layers] == [
        ("conv", "conv"), ("clip", "relu6"), ("relu", "relu"), ("hardtanh", "relu6"), ("add", "add")]
