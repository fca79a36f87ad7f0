"""Mixed precision as torch 2.13's CPU autocast runs it (archcalc.analysis.amp): the bytes autograd keeps for backward,
per layer and to the byte, against one training-mode forward pass of the built float32 module under
torch.autocast("cpu", dtype=torch.bfloat16) and saved_tensors_hooks (archcalc.torch_backend.kept: storages once,
parameters and buffers left out; the bfloat16 copies of weights that autocast makes are not parameters, and count)."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner
from test_kept import EVERY, loaded

from archcalc.analysis import analyse
from archcalc.analysis.amp import kept_amp, weight_copy_bytes
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.specfile import bundled_names, load_spec
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.kept import measure_kept


def both_ways(name: str, batch: int) -> tuple[dict[str, int], dict[str, int], int, int]:
    graph = build_graph(load_spec(name))
    a = analyse(graph)
    estimate = kept_amp(a.rows, batch)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        measured = measure_kept(build_module(graph, a), a, batch)
    return ({k.name: k.saved_bytes for k in estimate.layers if k.saved_bytes}, measured.per_layer(), estimate.total_bytes,
            measured.total_bytes)


def test_resnet18_under_cpu_autocast_keeps_what_torch_keeps() -> None:
    ours, torchs, total, measured = both_ways("resnet18", 2)
    assert ours == torchs
    assert total == measured == 47_185_696  # torch 2.13's saved_tensors_hooks under CPU autocast, batch 2
    # ResNet-18's 11,678,912 convolution and fc weights (11,689,512 parameters less fc's bias and batch norms' 9,600), in bfloat16
    assert weight_copy_bytes(analyse(build_graph(load_spec("resnet18"))).rows) == 23_357_824


def test_every_kind_under_cpu_autocast_keeps_what_torch_keeps_layer_by_layer() -> None:
    graph, a = loaded(EVERY)  # one layer of every kind (tests/test_kept.py)
    for batch in (1, 2):
        estimate = kept_amp(a.rows, batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            measured = measure_kept(build_module(graph, a), a, batch)
        assert {k.name: k.saved_bytes for k in estimate.layers if k.saved_bytes} == measured.per_layer()
        # torch 2.13, CPU autocast (with the sequence and channels-last branch of issue 28: attention keeps the most)
        assert estimate.total_bytes == measured.total_bytes == (120_812 if batch == 1 else 238_924)


def test_show_amp_says_what_autocast_keeps() -> None:
    result = CliRunner().invoke(main, ["show", "resnet18", "--train", "--amp", "bfloat16", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "activations kept for backward 47,185,696 instead of 44,406,080 in float32 (23,357,824 of them" in result.output
    refused = CliRunner().invoke(main, ["show", "resnet18", "--amp", "bfloat16", "--dtype", "float16"])
    assert refused.exit_code == 2


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_spec_under_cpu_autocast_keeps_what_torch_keeps(name: str, batch: int) -> None:
    if name == "deeplabv3_resnet50" and batch == 1:  # ASPP's image-level branch: batch norm of one value per channel
        with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
            both_ways(name, batch)  # torch refuses to train it at batch 1, as torchvision's does
        return
    ours, torchs, total, measured = both_ways(name, batch)
    assert ours == torchs
    assert total == measured
