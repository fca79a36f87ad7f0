"""The bundled classics — VGG-16, ResNet-18, GoogLeNet, SqueezeNet 1.0 — held against hand-written
torch models (tests/classics_torch.py), the figures their papers state, and the CLI.

Each torch model runs once, batch 1, with forward hooks and FlopCounterMode (a module-scoped
fixture per spec): parameters, every layer's output shape and every layer's FLOPs must equal
archcalc's, row by row.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from click.testing import CliRunner

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.kinds.terms.values import Shape
from archcalc.specfile import load_spec

CLASSICS = ["vgg16", "resnet18", "googlenet", "squeezenet"]

# Total parameters as published, where a figure exists for exactly this network.
PUBLISHED_PARAMS = {
    "vgg16": 138_357_544,  # torchvision vgg16 (its model table); the paper's table 2 rounds it to 138M
    "resnet18": 11_689_512,  # torchvision resnet18 (its model table); He et al. give no parameter count
    "squeezenet": 1_248_424,  # Iandola et al. (2016) table 1, total "before pruning"; torchvision squeezenet1_0 too
}
# GoogLeNet as in table 1 (LRN, 5×5 branches, no batch norm) has no published exact total: the
# paper's column is in K of weights without biases. Its count is the hand-written torch model's.
GOOGLENET_TORCH_PARAMS = 6_998_552

# The claims archcalc must find contradicted, with the arithmetic (everything else is confirmed).
# A stated input is confirmed only where every layer divides exactly at it.
CONTRADICTED = {
    "vgg16": set(),
    # input: confirmed: 224 gives every size of table 1, though not exactly (conv1 (224 − 7 + 2·3)/2 + 1
    # = 112.5 → 112): flooring is the network's design, a non_integer_size finding, not a contradiction
    "resnet18": set(),
    # conv1: table 1 says 2.7K parameters; 7·7·3·64 weights + 64 biases = 9,472.
    # total: "12× fewer parameters than [AlexNet]" = 60M/12 = 5M; table 1's network has 6,998,552 (+40%).
    # input: confirmed: 224 gives every size of table 1 with pools that round up: pool1 (112 − 3)/2 + 1 = 55.5 → 56
    "googlenet": {"conv1 params", "total params"},
    # table 1 states a 224×224 input but a 111×111 conv1: (224 − 7)/2 + 1 = 109.5, while (227 − 7)/2 + 1 = 111.
    "squeezenet": {"input"},
}

# Layers whose size arithmetic does not divide at the spec's own input (hand arithmetic).
INEXACT = {
    "vgg16": set(),  # 224 = 7·2⁵: every 2×2/2 pool halves an even size
    # stride-2 layers on an even size with an odd kernel span: (224 − 7 + 6)/2 + 1 = 112.5,
    # (112 − 3 + 2)/2 + 1 = 56.5, then (56 − 3 + 2)/2 + 1 = 28.5 and (56 − 1)/2 + 1 = 28.5, and so on
    "resnet18": {"conv1", "maxpool", "layer2.0.conv1", "layer2.0.downsample.0", "layer3.0.conv1",
                 "layer3.0.downsample.0", "layer4.0.conv1", "layer4.0.downsample.0"},
    # 3×3/2 pools on even sizes round up: (112 − 3)/2 + 1 = 55.5 → 56, 27.5 → 28, 13.5 → 14, 6.5 → 7
    "googlenet": {"pool1", "pool2", "pool3", "pool4"},
    "squeezenet": set(),  # at 227: 111, 55, 27, 13 all exact
}


def analysis_of(name: str, shape: Shape | None = None) -> Analysis:
    return analyse(build_graph(load_spec(name)), shape)


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    return {name: analysis_of(name) for name in CLASSICS}


def torch_model(name: str) -> Any:
    pytest.importorskip("torch")
    import classics_torch

    return classics_torch.build({"vgg16": classics_torch.VGG16, "resnet18": classics_torch.ResNet18,
                                 "googlenet": classics_torch.GoogLeNet, "squeezenet": classics_torch.SqueezeNet}[name])


def measured(a: Analysis, name: str) -> Any:
    import classics_torch

    return classics_torch.measure(torch_model(name), [r.name for r in a.rows], a.input)


@pytest.fixture(scope="module", params=CLASSICS)
def pair(request: pytest.FixtureRequest, analyses: dict[str, Analysis]) -> tuple[str, Analysis, Any]:
    """(spec name, archcalc's analysis, torch's measurement): one forward pass per network."""
    a = analyses[request.param]
    return request.param, a, measured(a, request.param)


# --- against torch ------------------------------------------------------------------------------


def test_total_params_equal_torch_and_the_published_figure(pair: tuple[str, Analysis, Any]) -> None:
    name, a, m = pair
    assert a.totals.params == m.total_params
    assert a.totals.params == PUBLISHED_PARAMS.get(name, GOOGLENET_TORCH_PARAMS)


def test_every_layer_output_shape_equals_torch(pair: tuple[str, Analysis, Any]) -> None:
    _, a, m = pair
    assert [(r.name, r.output) for r in a.rows] == [(r.name, m.shapes[r.name]) for r in a.rows]


def test_every_layer_flops_and_params_equal_torch(pair: tuple[str, Analysis, Any]) -> None:
    _, a, m = pair
    assert [(r.name, r.flops) for r in a.rows] == [(r.name, m.flops[r.name]) for r in a.rows]
    assert [(r.name, r.params) for r in a.rows] == [(r.name, m.params[r.name]) for r in a.rows]
    assert a.totals.flops == sum(m.flops.values())


def test_squeezenet_at_224_rounds_up_like_torch() -> None:
    """At 224 (torchvision's input) the sizes do not divide and the ceil-mode pools decide them."""
    a = analysis_of("squeezenet", (3, 224, 224))
    m = measured(a, "squeezenet")
    assert [(r.name, r.output, r.flops) for r in a.rows] == [(r.name, m.shapes[r.name], m.flops[r.name]) for r in a.rows]
    assert a.rows[0].output == (96, 109, 109)  # (224 − 7)/2 + 1 = 109.5, floored
    assert {f.layer for f in a.findings if f.kind == "non_integer_size"} == {"conv1", "maxpool4"}  # 109.5; (54 − 3)/2 + 1 = 26.5 → 27


# --- against the papers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSICS)
def test_claims_confirmed_except_the_papers_errors(name: str, analyses: dict[str, Analysis]) -> None:
    a = analyses[name]
    assert len(a.claims) >= 4
    assert {c.subject for c in a.claims if not c.confirmed} == CONTRADICTED[name]
    reported = [f.message for f in a.findings if f.kind == "claim_contradicted"]  # each one a finding too
    assert len(reported) == len(CONTRADICTED[name])
    starts = {subject: "the stated input " if subject == "input" else f"claimed {subject} " for subject in CONTRADICTED[name]}
    assert all(any(message.startswith(start) for message in reported) for start in starts.values())


@pytest.mark.parametrize("name", CLASSICS)
def test_inexact_sizes_found_where_the_arithmetic_says(name: str, analyses: dict[str, Analysis]) -> None:
    assert {f.layer for f in analyses[name].findings if f.kind == "non_integer_size"} == INEXACT[name]


def test_squeezenet_fire_modules_have_table_1_parameters(analyses: dict[str, Analysis]) -> None:
    # Iandola et al. (2016) table 1, "# parameter before pruning", one figure per fire module
    table = {"fire2": 11_920, "fire3": 12_432, "fire4": 45_344, "fire5": 49_440,
             "fire6": 104_880, "fire7": 111_024, "fire8": 188_992, "fire9": 197_184}
    per_module: dict[str, int] = defaultdict(int)
    for r in analyses["squeezenet"].rows:
        if r.name.startswith("fire"):
            per_module[r.name.split(".")[0]] += r.params
    assert dict(per_module) == table


def test_resnet18_blocks_expand_to_torchvision_names(analyses: dict[str, Analysis]) -> None:
    names = [r.name for r in analyses["resnet18"].rows]
    assert names[4:11] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1", "layer1.0.conv2", "layer1.0.bn2",
                           "layer1.0.add", "layer1.0.relu"]
    assert [n for n in names if "downsample" in n] == [f"layer{i}.0.downsample.{j}" for i in (2, 3, 4) for j in (0, 1)]
    add = next(r for r in analyses["resnet18"].rows if r.name == "layer2.0.add")
    assert add.inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_googlenet_inception_reads_one_input_four_ways(analyses: dict[str, Analysis]) -> None:
    rows = {r.name: r for r in analyses["googlenet"].rows}
    assert rows["inception_3b.concat"].inputs == tuple(f"inception_3b.{b}" for b in ("1x1", "3x3", "5x5", "pool_proj"))
    for branch in ("1x1", "3x3_reduce", "5x5_reduce", "pool"):  # each branch reads the module's input
        assert rows[f"inception_3b.{branch}"].inputs == ("inception_3a.concat",)
    assert rows["pool3"].inputs == ("inception_3b.concat",)  # an instance's name stands for its last layer


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSICS)
def test_show_runs(name: str, analyses: dict[str, Analysis]) -> None:
    result = CliRunner().invoke(main, ["show", name])
    assert result.exit_code == 0, result.output
    assert f"{analyses[name].totals.params:,}" in result.output


def test_compare_of_three_names_each_and_its_params(analyses: dict[str, Analysis]) -> None:
    done = CliRunner().invoke(main, ["compare", "vgg16", "resnet18", "googlenet"])  # in process: the output is the test
    assert done.exit_code == 0, done.stderr
    for name in ("vgg16", "resnet18", "googlenet"):
        assert analyses[name].name in done.stdout
        assert f"{analyses[name].totals.params:,}" in done.stdout
