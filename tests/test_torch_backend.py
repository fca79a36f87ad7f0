"""archcalc.torch_backend: the module built from a spec, held against the calculator and the papers.

Every bundled spec runs on the CPU at batch 1 and must agree with the calculator layer by layer.
The layer modules torch does not have are held against their papers' formulas, computed here by
hand; the split towers against the single-device module, on two CPU "devices" (CI has no GPU).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
import torch
from torch import fx, nn

from archcalc import torch_backend as tb
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.analysis.memory import memory
from archcalc.errors import ArchcalcError
from archcalc.kinds import KINDS, missing_rules
from archcalc.outputs.serialize import run_json
from archcalc.specfile import bundled_names, load_spec, parse_spec
from archcalc.torch_backend import run as run_module

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device")
needs_two_gpus = pytest.mark.skipif(torch.cuda.device_count() < 2, reason="--split on AlexNet needs two CUDA devices")


def loaded(spec: str, shape: tuple[int, ...] | None = None) -> tuple[Graph, Analysis]:
    graph = build_graph(load_spec(spec))
    return graph, analyse(graph, shape)


@pytest.fixture(scope="module")
def alexnet() -> tuple[Graph, Analysis, fx.GraphModule]:
    """AlexNet built once for the tests that only read it (60 million parameters take a while to initialise)."""
    graph, a = loaded("alexnet")
    return graph, a, tb.build_module(graph, a).eval()


TOWERS = """
    name: Towers
    input: [4, 12, 12]
    gpus: 2
    layers:
      - {name: a, type: conv, filters: 8, kernel: 3, padding: 1, activation: relu}   # reads the whole input
      - {name: n, type: lrn, size: 3, alpha: 0.1, beta: 0.75, k: 1}                  # within each GPU's maps
      - {name: b, type: conv, filters: 8, kernel: 3, padding: 1, groups: 2}         # its own GPU's maps
      - {name: bn, type: batchnorm}
      - {name: sum, type: add, inputs: [bn, a]}
      - {name: c, type: conv, filters: 6, kernel: 1, groups: 2, inputs: [n]}
      - {name: cat, type: concat, inputs: [sum, c, input]}                           # per GPU: 4 + 3 + 2 maps
      - {name: p, type: avgpool, kernel: 2}
      - {name: s, type: subsample, kernel: 2, inputs: [cat]}                         # a second output
      - {name: fc, type: dense, units: 10, activation: tanh, inputs: [p]}            # gathers both GPUs' maps
      - {name: out, type: dense, units: 4, split: false}                             # whole on GPU 0
      - {name: prob, type: softmax}
"""


# --- every bundled spec agrees with torch -----------------------------------------------------


# unet computes at 572×572 (4 s of CPU), vgg16 initialises 138 million parameters (1 s): -m slow; by default
# tests/test_unet.py holds unet's build against torch, and tests/test_classics.py vgg16's parameters against torchvision.
# The newer networks (0.5 to 1.2 s of CPU each) have their own test against a torchvision-style module
# (tests/test_mobilenet_v2.py, test_efficientnet_b0.py, test_convnext_tiny.py, test_vit_b_16.py, test_swin_t.py,
# test_deeplabv3.py; ViT-B/16's by default, the others under -m slow): here, layer by layer, under -m slow.
BY_DEFAULT = ("lenet", "lenet5-1998", "alexnet", "resnet18", "googlenet", "squeezenet")


@pytest.mark.parametrize("spec", [s if s in BY_DEFAULT else pytest.param(s, marks=pytest.mark.slow) for s in bundled_names()])
def test_bundled_spec_agrees_with_torch_layer_by_layer(spec: str) -> None:
    graph, a = loaded(spec)
    v = tb.verify(graph, a, "cpu", torch.float32)
    assert [c.name for c in v.layers] == [r.name for r in a.rows]
    assert [(c.torch_shape, c.torch_params, c.torch_frozen_params, c.torch_flops) for c in v.layers] == \
           [(r.output, r.params, r.frozen_params, r.flops) for r in a.rows]
    assert v.checks == {"shapes": True, "params": True, "flops": True} and v.mismatches == ()


@pytest.mark.slow  # a build and check of AlexNet at 224; by default tests/test_run_cli.py's table test shows the same floors through `run`
def test_alexnet_at_224_torch_floors_as_the_calculator_says() -> None:
    graph, a = loaded("alexnet", (3, 224, 224))
    v = tb.verify(graph, a)
    assert v.ok
    by_name = {c.name: c for c in v.layers}
    # (224 − 11)/4 + 1 = 54.25 → 54; then (54 − 3)/2 + 1 = 26.5 → 26 (hand arithmetic, paper section 3.5 says 55)
    assert by_name["conv1"].torch_shape == (96, 54, 54) and by_name["conv1"].floors[0].text() == "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54"
    assert by_name["pool1"].torch_shape == (96, 26, 26) and by_name["pool1"].floors[0].value() == "26.5"
    assert by_name["conv2"].floors == ()  # (26 − 5 + 2·2)/1 + 1 = 26 divides
    # fc6 then reads 256×5×5, not 256×6×6: (256·5·5 + 1)·4096 = 26,218,496 parameters
    assert by_name["fc6"].torch_params == 26_218_496


# one layer of every kind, in a chain whose shapes work: 4×12×12 in
BUILD_EVERY = {
    "conv": ", filters: 4, kernel: 3, padding: 1", "lrn": "", "batchnorm": "", "relu": "", "sigmoid": "", "tanh": "",
    "scaled_tanh": "", "relu6": "", "hardswish": "", "hardsigmoid": "", "silu": "", "gelu": "", "leakyrelu": "", "elu": "",
    "prelu": "", "layernorm": "", "groupnorm": ", groups: 2", "layer_scale": "", "stochastic_depth": "",
    "channel_shuffle": ", groups: 2", "multiply": ", inputs: [channel_shuffle_layer, relu6_layer]", "chunk": ", chunks: 1",
    "convtranspose": ", filters: 4, kernel: 1", "upsample": ", scale: 1", "pixel_shuffle": ", factor: 1", "crop": ", size: [12, 12]",
    "permute": "", "linear": ", units: 4", "window_attention": ", heads: 2, window: 5, shift: 2", "patch_merging": "",
    "tokens": "", "class_token": "", "pos_embedding": ", length: 37",
    "self_attention": ", heads: 2", "select_token": "",  # a branch of sequences, read by no one: a second output
    "dropout": ", inputs: [crop_layer]", "maxpool": ", kernel: 2", "avgpool": ", kernel: 1", "subsample": "",
    "adaptiveavgpool": ", output: 2", "add": ", inputs: [adaptiveavgpool_layer, adaptiveavgpool_layer]",
    "concat": ", inputs: [add_layer, adaptiveavgpool_layer]", "globalavgpool": "", "flatten": "", "dense": ", units: 6",
    "softmax": "", "rbf": ", units: 3",
}


def test_every_layer_kind_builds_a_module_named_like_its_layer() -> None:
    """Each kind's own builder (archcalc.kinds): one spec of every kind that takes a C×H×W input, built and run."""
    assert all(not missing_rules(cls) for cls in KINDS.values())
    assert set(BUILD_EVERY) == set(KINDS), "add the new kind to BUILD_EVERY"
    rows = [f"  - {{name: {kind}_layer, type: {kind}{extra}}}" for kind, extra in BUILD_EVERY.items()]
    graph = build_graph(parse_spec("name: every\ninput: [4, 12, 12]\nlayers:\n" + "\n".join(rows) + "\n"))
    a = analyse(graph)
    module = tb.build_module(graph, a)
    assert [name for name, _ in module.named_children()] == [r.name for r in a.rows]
    assert tb.verify(graph, a, module=module).ok


def test_the_module_reads_like_the_spec(alexnet: tuple[Graph, Analysis, fx.GraphModule]) -> None:
    graph, a, module = alexnet
    assert [name for name, _ in module.named_children()] == [r.name for r in a.rows]
    assert type(module).__name__ == "AlexNet"
    assert "conv2 = self.conv2(pool1)" in module.code  # the forward is generated Python, one line per layer
    conv2 = module.get_submodule("conv2.conv")
    assert isinstance(conv2, nn.Conv2d) and conv2.groups == 2 and conv2.padding == (2, 2)
    assert isinstance(module.get_submodule("fc6.flatten"), nn.Flatten)  # dense flattens 256×6×6 first


def test_block_instances_nest_like_torchvision() -> None:
    graph, a = loaded("resnet18")
    module = tb.build_module(graph, a)
    conv = module.get_submodule("layer2.0.conv1")
    # torchvision resnet18: layer2.0.conv1 is a 3×3/2 conv from 64 to 128 maps, no bias (batch norm follows)
    assert isinstance(conv, nn.Conv2d) and conv.weight.shape == (128, 64, 3, 3) and conv.stride == (2, 2) and conv.bias is None
    assert "layer2_0_conv1 = getattr(self.layer2, \"0\").conv1(" in module.code


def test_module_paths_keep_names_and_fix_only_what_python_cannot_call() -> None:
    paths = tb.module_paths(["conv1", "layer1.0.conv1", "for", "forward", "a b", "x", "x.y", "graph", "training", "meta"])
    assert paths == {"conv1": "conv1", "layer1.0.conv1": "layer1.0.conv1", "for": "for_", "forward": "forward_",
                     "a b": "a_b", "x": "x", "x.y": "x_y",  # x.y would nest inside the layer x
                     "graph": "graph_", "training": "training_", "meta": "meta_"}  # attributes a GraphModule has


def test_a_spec_whose_names_python_cannot_call_still_builds_and_agrees(tmp_path: Path) -> None:
    spec = _spec("""
        name: Awkward names
        input: [1, 8, 8]
        layers:
          - {name: training, type: conv, filters: 2, kernel: 3}
          - {name: for, type: relu}
          - {name: x.y, type: maxpool, kernel: 2}
          - {name: fc-1, type: dense, units: 3}
    """, tmp_path)
    graph, a = loaded(spec)
    module = tb.build_module(graph, a)
    assert [name for name, _ in module.named_children()] == ["training_", "for_", "x", "fc-1"]
    assert tb.verify(graph, a, module=module).ok


def test_same_padding_with_an_odd_total_pads_the_end(tmp_path: Path) -> None:
    spec = _spec("""
        name: Same
        input: [1, 8, 8]
        layers:
          - {name: c, type: conv, filters: 2, kernel: 2, padding: same}
    """, tmp_path)
    graph, a = loaded(spec)
    module = tb.build_module(graph, a)
    pad = module.get_submodule("c.pad")
    assert isinstance(pad, nn.ZeroPad2d) and pad.padding == (0, 1, 0, 1)  # TensorFlow: total 1, the odd pixel at the end
    assert tb.verify(graph, a).ok


# --- layers torch does not have, against their papers -----------------------------------------


def paper_lrn(a: torch.Tensor, n: int, alpha: float, beta: float, k: float) -> torch.Tensor:
    """Krizhevsky et al. (2012), section 3.3, term by term:
    b_i = a_i / (k + α Σ_{j = max(0, i − n/2)}^{min(N − 1, i + n/2)} a_j²)^β."""
    N = a.shape[1]
    b = torch.empty_like(a)
    for i in range(N):
        total = sum(a[:, j] ** 2 for j in range(max(0, i - n // 2), min(N - 1, i + n // 2) + 1))
        b[:, i] = a[:, i] / (k + alpha * total) ** beta
    return b


@pytest.mark.parametrize("n", [3, 5])
def test_lrn_is_the_papers_formula(n: int) -> None:
    a = torch.randn(2, 10, 3, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3
    alpha, beta, k = 0.1, 0.75, 2.0  # α large enough that the normalisation shows
    ours = tb.PaperLRN(n, alpha, beta, k)(a)
    assert torch.allclose(ours, paper_lrn(a, n, alpha, beta, k), rtol=1e-12, atol=0)
    # torch's own module with the paper's α normalises n times less: the translation matters
    assert not torch.allclose(nn.LocalResponseNorm(n, alpha, beta, k)(a), paper_lrn(a, n, alpha, beta, k))


def test_lrn_split_across_gpus_sums_within_each_gpus_maps() -> None:
    a = torch.randn(1, 8, 2, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 3
    ours = tb.PaperLRN(5, 0.1, 0.75, 2.0, groups=2)(a)
    per_gpu = torch.cat([paper_lrn(half, 5, 0.1, 0.75, 2.0) for half in a.chunk(2, 1)], 1)
    assert torch.allclose(ours, per_gpu, rtol=1e-12, atol=0)
    # maps 2..5 see a neighbour on the other GPU in a single tower, so the whole-network LRN differs there
    assert not torch.allclose(ours[:, 2:6], paper_lrn(a, 5, 0.1, 0.75, 2.0)[:, 2:6])


def test_subsampling_is_lecun_1998_sum_times_coefficient_plus_bias() -> None:
    layer = tb.Subsampling(2, (2, 2), (2, 2))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.5, -2.0]))
        layer.bias.copy_(torch.tensor([1.0, 0.25]))
    x = torch.arange(32, dtype=torch.float32).view(1, 2, 4, 4)
    # map 0, top-left window: 0 + 1 + 4 + 5 = 10 → 0.5·10 + 1 = 6; map 1, bottom-right: 26 + 27 + 30 + 31 = 114 → −2·114 + 0.25
    y = layer(x)
    assert y.shape == (1, 2, 2, 2) and y[0, 0, 0, 0].item() == 6.0 and y[0, 1, 1, 1].item() == -227.75


def test_rbf_is_the_squared_distance_to_each_fixed_vector() -> None:
    layer = tb.RBFUnits(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, -1.0]]))
    y = layer(torch.tensor([[0.5, 0.0, 2.0]]))
    # (0.5 − 1)² + (0 + 1)² + (2 − 1)² = 2.25; (1.5)² + 1² + 3² = 12.25
    assert torch.allclose(y, torch.tensor([[2.25, 12.25]]))
    assert not layer.weight.requires_grad  # fixed by hand in the paper: frozen, not trained


def test_scaled_tanh_is_lecun_1998_appendix_a() -> None:
    x = torch.tensor([0.0, 1.0, -3.0])
    assert torch.allclose(tb.ScaledTanh()(x), 1.7159 * torch.tanh(2 / 3 * x))
    assert abs(tb.ScaledTanh()(torch.tensor(1.0)).item() - 1.0) < 1e-3  # the paper chose A, S so that f(1) ≈ 1


def test_table_conv_equals_a_full_conv_with_the_unconnected_weights_zero() -> None:
    table = ((0, 1), (1, 2), (0, 1, 2))
    conv = tb.TableConv2d(3, table, (3, 3), (1, 1), (1, 1), (1, 1), bias=True)
    assert sum(p.numel() for p in conv.parameters()) == (2 + 2 + 3) * 9 + 3  # connected weights + biases only
    full = torch.zeros(3, 3, 3, 3)
    for w in conv.weights:  # filters grouped by fan-in: 2 (filters 0, 1), then 3 (filter 2)
        filters = [f for f, row in enumerate(table) if len(row) == w.shape[1]]
        for j, f in enumerate(filters):
            full[f, list(table[f])] = w[j].detach()
    x = torch.randn(2, 3, 5, 5, generator=torch.Generator().manual_seed(3))
    expected = nn.functional.conv2d(x, full, conv.bias.detach(), padding=1)
    assert torch.allclose(conv(x), expected, atol=1e-6)


def test_lenet_1998_c3_has_the_papers_parameters_and_connections() -> None:
    graph, a = loaded("lenet5-1998")
    c3 = tb.build_module(graph, a).get_submodule("C3.conv")
    # LeCun et al. (1998), section II.B: C3 has 1,516 trainable parameters (60 connected maps · 25 + 16 biases)
    assert sum(p.numel() for p in c3.parameters()) == 1516


# --- split across devices ---------------------------------------------------------------------


def test_alexnet_towers_compute_the_single_module_output_with_each_gpus_share(alexnet: tuple[Graph, Analysis, fx.GraphModule]) -> None:
    graph, a, module = alexnet
    towers = tb.split_module(graph, a, module, ["cpu", "cpu"])
    check = tb.check_split(graph, a, module, towers, ["cpu", "cpu"], torch.float32)
    assert check.same_output and check.ok
    # the calculator's GPU split, held by the towers: GPU 0 also runs fc8 (split: false) whole
    assert [(g.torch_params, g.torch_flops) for g in check.gpus] == [(t.params, t.flops) for t in a.gpu_totals]
    assert [g.torch_params for g in check.gpus] == [32_531_112, 28_434_112]  # sum 60,965,224 (the whole network)
    conv1 = towers.get_submodule("gpu1.conv1.conv")
    assert conv1.out_channels == 48  # figure 2: 48 kernels of conv1 on each GPU
    assert towers.get_submodule("gpu0.conv3.conv").in_channels == 256  # conv3 reads both GPUs' maps
    assert towers.get_submodule("gpu0.conv4.conv").in_channels == 192  # conv4 only its own GPU's
    assert "pool2_all_on_gpu1 = torch.cat(" in towers.code  # the exchange before conv3, as in figure 2


def test_towers_of_a_dag_with_every_kind_of_placement(tmp_path: Path) -> None:
    graph, a = loaded(_spec(TOWERS, tmp_path))
    module = tb.build_module(graph, a).eval()
    with torch.no_grad():  # running statistics that are not the identity, so that cutting them matters
        module.get_submodule("bn").running_mean.uniform_(-1, 1)
        module.get_submodule("bn").running_var.uniform_(0.5, 2)
    assert tb.verify(graph, a, module=module).ok
    towers = tb.split_module(graph, a, module, ["cpu", "cpu"])
    check = tb.check_split(graph, a, module, towers, ["cpu", "cpu"], torch.float32)
    assert check.ok, check
    assert towers.get_submodule("gpu0.cat").gpus == 1 and module.get_submodule("cat").gpus == 2
    assert "input_part1 = input_on_gpu1.narrow(1, 2, 2)" in towers.code  # GPU 1 concatenates input maps 2 and 3
    assert towers.get_submodule("gpu1.bn").num_features == 4


def test_a_layer_that_cannot_be_cut_runs_whole_on_each_gpu_and_the_check_says_so(tmp_path: Path) -> None:
    spec = _spec("""
        name: Thirds
        input: [6, 8, 8]
        gpus: 2
        layers:
          - {name: d, type: conv, filters: 6, kernel: 3, groups: 3}
    """, tmp_path)
    graph, a = loaded(spec)
    module = tb.build_module(graph, a).eval()
    check = tb.check_split(graph, a, module, tb.split_module(graph, a, module, ["cpu", "cpu"]), ["cpu", "cpu"], torch.float32)
    assert check.same_output and not check.ok
    # 6 filters · 2 maps · 9 + 6 biases = 114 parameters: each GPU holds all of them, not its 57
    assert [(g.params, g.torch_params) for g in check.gpus] == [(57, 114), (57, 114)]


def test_run_network_with_split_devices_on_the_cpu(tmp_path: Path) -> None:
    graph, a = loaded(_spec(TOWERS, tmp_path))
    r = tb.run_network(graph, a, tb.RunOptions("cpu", "float32", 2, 0.01, split_devices=("cpu", "cpu")))
    assert r.ok and r.split is not None and r.split.timing is not None and r.split.timing.batch == 2
    doc = run_json(r)
    assert doc["split"]["same_output"] is True and doc["split"]["devices"] == ["cpu", "cpu"]
    # per GPU, by hand: a (8·4·9 + 8)/2 = 148, b 148, bn 8, c (6·4 + 6)/2 = 15, s 18, fc (648·10 + 10)/2 = 3,245;
    # GPU 0 also holds 'out' whole: 10·4 + 4 = 44. So 3,626 and 3,582.
    assert [(g["gpu"], g["params"], g["torch_params"]) for g in doc["split"]["gpus"]] == [(0, 3626, 3626), (1, 3582, 3582)]


# --- timing, devices, memory ------------------------------------------------------------------


def test_timing_figures_follow_from_the_median() -> None:
    graph, a = loaded("lenet")
    module = tb.build_module(graph, a)
    seen: list[tuple[str, float]] = []
    t = tb.time_forward(module, a, "cpu", torch.float32, batch=4, min_time_s=0.02, progress=lambda what, f: seen.append((what, f)))
    assert t.batch == 4 and t.runs >= 4 and t.min_ms <= t.median_ms <= t.max_ms
    assert t.images_per_s == pytest.approx(4 / (t.median_ms / 1e3))
    assert t.tflops == pytest.approx(a.totals.flops * 4 / (t.median_ms / 1e3) / 1e12)  # lenet: 833,040 FLOPs per image
    assert a.totals.flops == 833_040  # 2 · (117,600 + 240,000 + 48,000 + 10,080 + 840) MACs by hand
    assert seen and all(what == "timing" and 0 <= f <= 1 for what, f in seen)


def test_per_layer_times_name_every_layer_and_share_the_whole() -> None:
    graph, a = loaded("lenet")
    times = tb.time_layers(tb.build_module(graph, a), a, "cpu", torch.float32, min_time_s=0.02)
    assert [t.name for t in times] == [r.name for r in a.rows]
    assert all(t.median_ms > 0 for t in times) and sum(t.share for t in times) == pytest.approx(1.0)


def test_float16_runs_on_the_cpu_including_lrn(tmp_path: Path) -> None:
    graph, a = loaded(_spec(TOWERS, tmp_path))
    assert tb.verify(graph, a, "cpu", torch.float16).ok


def test_an_op_without_a_cpu_kernel_for_the_dtype_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    try:  # torch's 4-D LRN path uses avg_pool3d, which has no float16 CPU kernel in torch 2.x
        nn.LocalResponseNorm(5)(torch.ones(1, 8, 2, 2, dtype=torch.float16))
        pytest.skip("this torch has a float16 CPU kernel for avg_pool3d")
    except RuntimeError:
        pass
    monkeypatch.setattr(KINDS["lrn"], "build", lambda layer, site: nn.LocalResponseNorm(layer.size))
    graph, a = loaded(_spec(TOWERS, tmp_path))
    with pytest.raises(ArchcalcError) as info:
        tb.verify(graph, a, "cpu", torch.float16)
    assert "Towers: torch" in info.value.message and "cannot run layer 'n' in float16 on the cpu" in info.value.message and "--dtype float32" in (info.value.hint or "")


def test_auto_picks_the_cpu_and_says_why_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    device, note = tb.resolve_device("auto")
    assert device == torch.device("cpu")
    assert "CPU-only build (torch.version.cuda is None)" in note and tb.cpu_model() in note


def test_cuda_without_a_device_names_what_torch_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    with pytest.raises(ArchcalcError) as info:
        tb.resolve_device("cuda")
    assert "built for CUDA 12.4, but torch.cuda.device_count() is 0" in info.value.message
    assert "--device cpu" in (info.value.hint or "")


def test_split_needs_a_cuda_device_per_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    alexnet, _ = loaded("alexnet")
    lenet, _ = loaded("lenet")
    assert tb.split_devices(lenet, torch.device("cpu")) == ()  # one GPU: nothing to split
    with pytest.raises(ArchcalcError, match="towers go on CUDA devices, and this run is on the cpu"):
        tb.split_devices(alexnet, torch.device("cpu"))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ArchcalcError, match="needs 2 CUDA devices; torch sees 1"):
        tb.split_devices(alexnet, torch.device("cuda", 0))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert tb.split_devices(alexnet, torch.device("cuda", 0)) == (torch.device("cuda", 0), torch.device("cuda", 1))


def test_out_of_memory_names_the_batch_and_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(run_module, "time_forward", exhausted)
    graph, a = loaded("lenet")
    with pytest.raises(tb.DeviceOutOfMemoryError) as info:
        tb.run_network(graph, a, tb.RunOptions("cpu", "float32", 64, 0.01))
    # lenet by hand: 61,706 params × 4 B = 246,824 B. Live activations peak at pool1: conv1's 6×28×28 = 4,704 values
    # and pool1's 6×14×14 = 1,176 (the input is freed after conv1) = 5,880 values × 4 B × 64 = 1,505,280 B.
    assert "at batch 64 in float32" in info.value.message
    assert ("estimates 1,752,104 B (1.7 MiB) for inference: parameters 246,824 B (241.0 KiB) + "
            "the peak of live activations 1,505,280 B (1.4 MiB) at pool1") in info.value.message
    assert info.value.hint.endswith("(archcalc show lenet --batch 64 --dtype float32 gives the memory by layer)")  # a bundled spec by its name
    assert "torch said: CUDA out of memory. Tried to allocate 2.00 GiB" in info.value.message


def test_other_runtime_errors_stay_loud(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(run_module, "time_forward", broken)
    graph, a = loaded("lenet")
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        tb.run_network(graph, a, tb.RunOptions("cpu", "float32", 1, 0.01))


def test_a_cpu_run_has_the_estimate_and_no_measurement() -> None:
    graph, a = loaded("lenet")
    r = tb.run_network(graph, a, tb.RunOptions("cpu", "float32", 64, 0.01))
    # lenet by hand (as in the out-of-memory test): 246,824 B of parameters + 1,505,280 B live at pool1, batch 64
    assert r.memory == tb.MemoryUse(1_752_104, "pool1", None) and r.memory.ratio is None


class FakeAllocator:
    """torch.cuda's allocator counters as its functions report them: bytes allocated now, the peak since the last reset."""

    def __init__(self, allocated: int, peak: int) -> None:
        self.allocated, self.peak, self.resets = allocated, peak, 0

    def alloc(self, n: int) -> None:
        self.allocated += n
        self.peak = max(self.peak, self.allocated)

    def free(self, n: int) -> None:
        self.allocated -= n

    def reset(self, device: object = None) -> None:
        self.peak, self.resets = self.allocated, self.resets + 1

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: None)
        monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: self.allocated)
        monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: self.peak)
        monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", self.reset)


def test_measured_peak_is_the_most_allocated_during_the_pass_minus_what_was_allocated_before(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda = FakeAllocator(allocated=7_000, peak=50_000)  # another network's 7,000 B still held; an earlier run peaked at 50,000
    cuda.install(monkeypatch)

    def forward() -> None:
        assert cuda.resets == 1  # the earlier peak is gone before the pass
        cuda.alloc(2_000)  # parameters
        cuda.alloc(300)  # input
        cuda.alloc(1_000)  # layer 1's output
        cuda.alloc(500)  # layer 2's output: 7,000 + 2,000 + 300 + 1,000 + 500 = 10,800 allocated, the peak
        cuda.free(1_300)  # input and layer 1's output
        cuda.alloc(40)

    # 10,800 − 7,000: not 43,000 (the stale peak) nor 10,800 (counting the other network)
    assert tb.peak_bytes(torch.device("cuda", 0), forward) == 3_800


def test_measure_memory_on_cuda_reports_the_first_pass_beside_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda = FakeAllocator(allocated=0, peak=0)
    cuda.install(monkeypatch)
    graph, a = loaded("lenet")
    module = tb.build_module(graph, a)
    passes: list[tuple[object, ...]] = []

    def first_pass(*args: object) -> None:  # what moving lenet to the device and one pass of batch 64 allocate
        passes.append(args)
        cuda.alloc(246_824)  # parameters: 61,706 × 4 B
        cuda.alloc(200_704)  # input 1×28×28 × 4 B × 64
        cuda.alloc(1_204_224)  # conv1 6×28×28 × 4 B × 64
        cuda.free(200_704)
        cuda.alloc(301_056)  # pool1 6×14×14 × 4 B × 64: conv1 + pool1 live, the estimate's peak
        cuda.alloc(8_192)  # a workspace the estimate leaves out

    monkeypatch.setattr(run_module, "first_pass", first_pass)
    m = tb.measure_memory(module, a, torch.device("cuda", 0), torch.float32, 64)
    assert passes == [(module, a, torch.device("cuda", 0), torch.float32, 64)]
    # 246,824 + 1,204,224 + 301,056 + 8,192 = 1,760,296 measured; 1,752,104 estimated (lenet by hand, batch 64)
    assert m == tb.MemoryUse(1_752_104, "pool1", 1_760_296)
    assert m.ratio == pytest.approx(1_760_296 / 1_752_104)


def test_first_pass_casts_moves_and_runs_one_batch_under_inference_mode() -> None:
    graph, a = loaded("lenet")
    module = tb.build_module(graph, a).train()
    seen: list[tuple[bool, tuple[int, ...], torch.dtype]] = []
    module.get_submodule("conv1").register_forward_pre_hook(
        lambda mod, args: seen.append((torch.is_inference_mode_enabled(), tuple(args[0].shape), args[0].dtype)))
    tb.first_pass(module, a, torch.device("cpu"), torch.bfloat16, 3)
    assert seen == [(True, (3, 1, 28, 28), torch.bfloat16)]
    assert not module.training and all(p.dtype == torch.bfloat16 for p in module.parameters())


# --- CUDA (skipped where torch sees no device) ------------------------------------------------


@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_alexnet_on_cuda(dtype: str) -> None:
    graph, a = loaded("alexnet")
    r = tb.run_network(graph, a, tb.RunOptions(torch.device("cuda", 0), dtype, 8, 0.1, per_layer=True))
    assert r.ok and r.device == "cuda:0" and r.device_name == torch.cuda.get_device_name(0)
    assert r.timing.runs >= 4 and len(r.layer_times) == len(a.rows)
    itemsize = tb.DTYPES[dtype].itemsize
    assert r.memory.estimate_bytes == memory(a.rows, 8, itemsize).inference_bytes
    # the measured pass holds at least the parameters (60,965,224 values) and the input batch (8 × 3×227×227)
    assert r.memory.measured_peak_bytes is not None and r.memory.measured_peak_bytes >= (60_965_224 + 8 * 3 * 227 * 227) * itemsize


@pytest.mark.cuda
@needs_two_gpus
def test_alexnet_towers_on_two_gpus() -> None:
    graph, a = loaded("alexnet")
    devices = tb.split_devices(graph, torch.device("cuda", 0))
    r = tb.run_network(graph, a, tb.RunOptions(devices[0], "float32", 8, 0.1, split_devices=devices))
    assert r.ok and r.split is not None and r.split.devices == ("cuda:0", "cuda:1")


def _spec(text: str, folder: Path) -> str:
    path = folder / "net.yaml"
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return str(path)


def test_dense_on_a_vector_does_not_flatten() -> None:
    graph, a = loaded("lenet")
    module = tb.build_module(graph, a)
    assert isinstance(module.get_submodule("fc2.linear"), nn.Linear) and not hasattr(module.get_submodule("fc2"), "flatten")
    assert math.prod(a.rows[3].output) == module.get_submodule("fc1.linear").in_features  # 16·5·5 = 400
