"""Memory: bytes per layer, the inference peak of live activations, and the training estimate,
by hand arithmetic on small chains and graphs and on AlexNet."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.analysis.memory import Memory, dtype_bytes, memory
from archcalc.errors import ArchcalcError
from archcalc.specfile import load_spec, parse_spec


def memory_of(layers: list[dict[str, Any]], shape: list[int], batch: int, size: int) -> Memory:
    text = json.dumps({"name": "case", "input": shape, "layers": layers})  # JSON is YAML
    return memory(analyse(build_graph(parse_spec(text))).rows, batch, size)


def test_dtype_bytes() -> None:
    assert [dtype_bytes(d) for d in ("float32", "float16", "bfloat16", "float64")] == [4, 2, 2, 8]
    with pytest.raises(ArchcalcError, match="unknown dtype 'flaot32'") as caught:
        dtype_bytes("flaot32")
    assert caught.value.hint == "did you mean 'float32'?"


def test_chain_by_hand() -> None:
    # Input 1×4×4 = 16 values. conv 3×3 pad 1, 2 filters → 2×4×4 = 32 values, 2·9 + 2 = 20 params;
    # relu → 32; pool 2/2 → 2×2×2 = 8; dense 3 → 3 values, 8·3 + 3 = 27 params. Batch 2, float16:
    # bytes = values × 2 × 2.
    layers = [
        {"name": "conv", "type": "conv", "filters": 2, "kernel": 3, "padding": 1},
        {"name": "relu", "type": "relu"},
        {"name": "pool", "type": "maxpool", "kernel": 2},
        {"name": "fc", "type": "dense", "units": 3},
    ]
    m = memory_of(layers, [1, 4, 4], batch=2, size=2)
    assert [(x.name, x.output_bytes, x.param_bytes) for x in m.layers] == [
        ("conv", 128, 40), ("relu", 128, 0), ("pool", 32, 0), ("fc", 12, 54),
    ]
    # live values: conv 16 + 32 = 48; relu 32 + 32 = 64; pool 32 + 8 = 40; fc 8 + 3 = 11 (× 4 bytes)
    assert [x.live_bytes for x in m.layers] == [192, 256, 160, 44]
    assert (m.input_bytes, m.param_bytes, m.peak_bytes, m.peak_layer) == (64, 94, 256, "relu")
    assert m.inference_bytes == 94 + 256
    # kept for backward (archcalc.analysis.kept, as torch keeps it): conv its input, 16 values × 2 × 2 = 64; the relu runs in
    # place (nothing else reads the conv's output) and keeps its output, 32 × 4 = 128; the pool its input (the relu's
    # storage, counted) and int64 indices, 8 × 2 × 8 = 128; fc its flattened input, 8 × 4 = 32. In all 352 bytes.
    assert [x.saved_bytes for x in m.layers] == [64, 128, 128, 32]
    sgd, momentum, adam, adamw = m.training
    assert (sgd.optimiser, sgd.param_bytes, sgd.gradient_bytes, sgd.optimiser_bytes, sgd.activation_bytes, sgd.total_bytes) == (
        "sgd", 94, 94, 0, 352, 540)
    assert (momentum.optimiser, momentum.optimiser_bytes, momentum.total_bytes) == ("momentum", 94, 634)
    assert (adam.optimiser, adam.optimiser_bytes, adam.total_bytes) == ("adam", 188, 728)
    assert (adamw.optimiser, adamw.optimiser_bytes, adamw.total_bytes) == ("adamw", 188, 728)


BRANCHING = """
name: branching
input: [1, 4, 4]              # 16 values
layers:
  - {name: a, type: conv, filters: 4, kernel: 1, inputs: [input]}                # 4×4×4 = 64
  - {name: b, type: conv, filters: 4, kernel: 3, padding: 1, inputs: [input]}    # 64
  - {name: c, type: conv, filters: 4, kernel: 3, padding: 1}                     # 64, reads b
  - {name: cat, type: concat, inputs: [a, c]}                                    # 8×4×4 = 128
  - {name: relu, type: relu}                                                     # 128
  - {name: out, type: conv, filters: 2, kernel: 1}                               # 32
"""


def test_branching_graph_peaks_at_the_merge() -> None:
    m = memory(analyse(build_graph(parse_spec(BRANCHING))).rows, 1, 4)
    # live values, layer by layer:
    #   a:    input 16 (b still reads it) + a 64                  =  80
    #   b:    input 16 + a 64 + b 64; the input is then freed       = 144
    #   c:    a 64 (cat reads it) + b 64 + c 64; b then freed       = 192
    #   cat:  a 64 + c 64 + cat 128                                 = 256
    #   relu: cat 128 + relu 128                                    = 256 (a tie: the first is the peak)
    #   out:  relu 128 + out 32                                     = 160
    assert [x.live_bytes // 4 for x in m.layers] == [80, 144, 192, 256, 256, 160]
    assert (m.peak_bytes, m.peak_layer) == (1024, "cat")
    # kept for backward: a and b keep the input (once, 16), c keeps b (64), the relu runs in place on cat's output and
    # keeps it (128), out keeps that same storage: 208 values, less than the peak of live values
    assert [x.saved_bytes // 4 for x in m.layers] == [16, 0, 64, 0, 128, 0]
    assert m.training[0].activation_bytes == 208 * 4 < m.peak_bytes


def test_unread_tensor_stays_live_to_the_end() -> None:
    # 'side' (16 values) is read by no layer: an output of the network, live to the end.
    # side: input 16 + 16 = 32; main: side 16 + input 16 + main 32 = 64; relu: side 16 + main 32 + relu 32 = 80
    layers = [
        {"name": "side", "type": "conv", "filters": 1, "kernel": 1, "inputs": ["input"]},
        {"name": "main", "type": "conv", "filters": 2, "kernel": 1, "inputs": ["input"]},
        {"name": "relu", "type": "relu"},
    ]
    m = memory_of(layers, [1, 4, 4], batch=1, size=1)
    assert [x.live_bytes for x in m.layers] == [32, 64, 80]
    assert (m.peak_bytes, m.peak_layer) == (80, "relu")


def test_a_layer_reading_one_tensor_twice_frees_it_once() -> None:
    # add(x, x): 16 + 16 at 'x', then x 16 + sum 16 = 32 at 'sum'; then relu 16 + 16
    layers = [
        {"name": "x", "type": "relu"},
        {"name": "sum", "type": "add", "inputs": ["x", "x"]},
        {"name": "out", "type": "relu"},
    ]
    assert [x.live_bytes for x in memory_of(layers, [1, 4, 4], 1, 1).layers] == [32, 32, 32]


def test_alexnet_by_hand() -> None:
    m = memory(analyse(build_graph(load_spec("alexnet"))).rows, 1, 4)
    assert m.param_bytes == 60_965_224 * 4 == 243_860_896  # torch's parameter count of the spec × float32
    # the peak: norm1 runs with conv1's output and its own, each 96×55×55 = 290,400 values
    assert (m.peak_layer, m.peak_bytes) == ("norm1", 2 * 290_400 * 4)
    assert m.input_bytes == 3 * 227 * 227 * 4 == 618_348
    # kept for backward: conv1 its input 154,587 values and its in-place ReLU's output 290,400 (1,779,948 bytes); norm1
    # (torch's composite LRN) the squares padded by 4 maps per GPU, (96 + 2·4)·55·55 = 314,600, and two tensors of
    # 290,400 (3,581,600 bytes); pool1 its input (counted) and 96·27·27 = 69,984 int64 indices (1,721,472 bytes);
    # conv2 its input 69,984 and its ReLU's output 186,624 (1,026,432 bytes). The whole network keeps 12,543,052
    # bytes, as torch 2.13's saved_tensors_hooks measure it (tests/test_kept.py)
    assert [x.saved_bytes for x in m.layers[:4]] == [1_779_948, 3_581_600, 1_721_472, 1_026_432]
    sgd, momentum, adam, adamw = m.training
    assert sgd.activation_bytes == 12_543_052
    assert momentum.total_bytes == 3 * 243_860_896 + 12_543_052 == 744_125_740
    assert adam.total_bytes == 4 * 243_860_896 + 12_543_052 == 987_986_636
    batch = memory(analyse(build_graph(load_spec("alexnet"))).rows, 128, 2)  # activations scale with the batch, params do not
    assert (batch.param_bytes, batch.peak_bytes) == (60_965_224 * 2, 2 * 290_400 * 128 * 2)


@pytest.mark.parametrize("spec", ["alexnet", "lenet"])
def test_rows_add_up(spec: str) -> None:
    analysis = analyse(build_graph(load_spec(spec)))
    m = memory(analysis.rows, 3, 8)
    assert [x.output_bytes for x in m.layers] == [r.activations * 3 * 8 for r in analysis.rows]
    assert sum(x.param_bytes for x in m.layers) == m.param_bytes == analysis.totals.params * 8
    assert m.training[0].activation_bytes == sum(x.saved_bytes for x in m.layers)
    assert m.peak_bytes == max(x.live_bytes for x in m.layers)


@pytest.mark.slow  # a fresh interpreter; tests/test_imports.py's CORE (memory and fields among them) proves it by default in one
def test_the_analysis_modules_stay_pure() -> None:
    code = ("import sys, archcalc.analysis.memory, archcalc.kinds.terms.fields; "
            "print(sorted(m for m in ('torch', 'click', 'rich', 'graphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
