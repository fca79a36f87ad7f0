"""Receptive fields: hand arithmetic on AlexNet and LeNet, each rule on a small case, and a
gradient experiment in torch on random chains and merges (the pixels a unit's gradient reaches)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archcalc.analysis import propagate
from archcalc.analysis.graph import build_graph
from archcalc.analysis.receptive import receptive_fields
from archcalc.errors import SpecError
from archcalc.kinds.terms.fields import ReceptiveField
from archcalc.specfile import load_spec, parse_spec

Layer = dict[str, Any]


def fields_of(layers: list[Layer], shape: list[int]) -> dict[str, ReceptiveField]:
    """The fields by way of the real pipeline: YAML text → parse_spec → build_graph → propagate."""
    text = json.dumps({"name": "case", "input": shape, "layers": layers})  # JSON is YAML
    graph = build_graph(parse_spec(text))
    return receptive_fields(propagate(graph, graph.input))


def square(size: int, jump: int, start: int) -> ReceptiveField:
    return ReceptiveField((size, size), (jump, jump), (start, start))


# --- hand arithmetic -----------------------------------------------------------------------------

# AlexNet (specs/alexnet.yaml, 227×227), by hand with size += (k − 1)·jump, jump *= s, start −= p·jump:
#   conv1 11/4:     size 11,                jump 4,  start 0
#   pool1 3/2:      11 + 2·4   = 19,        jump 8,  start 0
#   conv2 5/1 p2:   19 + 4·8   = 51,        jump 8,  start 0 − 2·8   = −16
#   pool2 3/2:      51 + 2·8   = 67,        jump 16, start −16
#   conv3 3/1 p1:   67 + 2·16  = 99,        jump 16, start −16 − 16  = −32
#   conv4 3/1 p1:   99 + 2·16  = 131,       jump 16, start −48
#   conv5 3/1 p1:   131 + 2·16 = 163,       jump 16, start −64
#   pool5 3/2:      163 + 2·16 = 195,       jump 32, start −64
#   fc6 sees the whole 6×6 map: 195 + 5·32 = 355 (227 + 64 rows of padding on each side), jump 6·32 = 192
ALEXNET = {
    "conv1": square(11, 4, 0), "norm1": square(11, 4, 0), "pool1": square(19, 8, 0),
    "conv2": square(51, 8, -16), "norm2": square(51, 8, -16), "pool2": square(67, 16, -16),
    "conv3": square(99, 16, -32), "conv4": square(131, 16, -48), "conv5": square(163, 16, -64),
    "pool5": square(195, 32, -64), "fc6": square(355, 192, -64), "drop6": square(355, 192, -64),
    "fc7": square(355, 192, -64), "drop7": square(355, 192, -64), "fc8": square(355, 192, -64),
    "prob": square(355, 192, -64),
}


def test_alexnet_by_hand() -> None:
    graph = build_graph(load_spec("alexnet"))
    assert receptive_fields(propagate(graph, graph.input)) == ALEXNET


def test_lenet_by_hand() -> None:
    # specs/lenet.yaml, 28×28: conv1 5/1 p2 → 5, start −2; pool1 2/2 → 5 + 1 = 6, jump 2;
    # conv2 5/1 → 6 + 4·2 = 14; pool2 2/2 → 14 + 1·2 = 16, jump 4; fc1 over 5×5 → 16 + 4·4 = 32 = 28 + 2·2
    graph = build_graph(load_spec("lenet"))
    fields = receptive_fields(propagate(graph, graph.input))
    assert [(n, f.size[0], f.jump[0], f.start[0]) for n, f in fields.items()] == [
        ("conv1", 5, 1, -2), ("pool1", 6, 2, -2), ("conv2", 14, 2, -2), ("pool2", 16, 4, -2),
        ("fc1", 32, 20, -2), ("fc2", 32, 20, -2), ("fc3", 32, 20, -2),
    ]


def test_rectangular_dilated_and_same_padding() -> None:
    # H: kernel 3, dilation 2 → k_eff 5; W: kernel 1. 'same' on 10×10 with stride 2:
    # H total pad (5 − 1)·2 + 5 − 10 = 3 → 1 before; W total (5 − 1)·2 + 1 − 10 = −1 → 0.
    layers = [{"name": "c", "type": "conv", "filters": 2, "kernel": [3, 1], "stride": 2, "dilation": [2, 1], "padding": "same"}]
    assert fields_of(layers, [1, 10, 10])["c"] == ReceptiveField((5, 1), (2, 2), (-1, 0))


def test_element_wise_layers_keep_the_field() -> None:
    layers = [
        {"name": "c", "type": "conv", "filters": 4, "kernel": 3, "stride": 2, "padding": 1},
        {"name": "bn", "type": "batchnorm"}, {"name": "r", "type": "relu"},
        {"name": "d", "type": "dropout"}, {"name": "n", "type": "lrn"}, {"name": "f", "type": "flatten"},
    ]
    fields = fields_of(layers, [3, 9, 9])
    assert {fields[n] for n in ("c", "bn", "r", "d", "n", "f")} == {square(3, 2, -1)}


def test_merge_of_nested_fields_is_the_larger() -> None:
    # A ResNet downsampling block on 8×8. Main path: 3×3/2 pad 1 → size 3, jump 2, start −1;
    # 3×3/1 pad 1 → 3 + 2·2 = 7, start −1 − 1·2 = −3 (rows −3..3). Shortcut 1×1/2 → size 1, jump 2,
    # start 0 (row 0), inside the main path's: the merge takes the main path's field.
    layers = [
        {"name": "m1", "type": "conv", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
        {"name": "m2", "type": "conv", "filters": 2, "kernel": 3, "padding": 1},
        {"name": "short", "type": "conv", "filters": 2, "kernel": 1, "stride": 2, "inputs": ["input"]},
        {"name": "sum", "type": "add", "inputs": ["m2", "short"]},
        {"name": "cat", "type": "concat", "inputs": ["m2", "short"]},
    ]
    fields = fields_of(layers, [1, 8, 8])
    assert fields["m2"] == square(7, 2, -3)
    assert fields["short"] == square(1, 2, 0)
    assert fields["sum"] == fields["cat"] == square(7, 2, -3)


def test_merge_of_fields_that_do_not_nest_is_their_union() -> None:
    # 'same' padding on 8 rows, stride 1: a 3×3 pads (1, 1) → rows −1..1; a 2×2 pads (0, 1) → rows 0..1,
    # twice → rows 0..2 (2 + 1·1 = 3, start 0). The union of −1..1 and 0..2 is −1..2: size 4, larger
    # than either input's 3 (the gradient experiment below finds the same for random merges).
    layers = [
        {"name": "a", "type": "conv", "filters": 2, "kernel": 3, "padding": "same", "inputs": ["input"]},
        {"name": "b", "type": "conv", "filters": 2, "kernel": 2, "padding": "same", "inputs": ["input"]},
        {"name": "b2", "type": "conv", "filters": 2, "kernel": 2, "padding": "same"},
        {"name": "sum", "type": "add", "inputs": ["a", "b2"]},
    ]
    fields = fields_of(layers, [1, 8, 8])
    assert fields["a"] == square(3, 1, -1)
    assert fields["b2"] == square(3, 1, 0)
    assert fields["sum"] == square(4, 1, -1)


def test_merge_union_per_axis() -> None:
    # a: 1×3 conv, padding [0, 1] → rows 0..0, columns −1..1; b: 3×1 conv, padding [1, 0] → rows −1..1,
    # columns 0..0; both 8×8. Neither holds the other; the union is rows −1..1, columns −1..1.
    layers = [
        {"name": "a", "type": "conv", "filters": 2, "kernel": [1, 3], "padding": [0, 1], "inputs": ["input"]},
        {"name": "b", "type": "conv", "filters": 2, "kernel": [3, 1], "padding": [1, 0], "inputs": ["input"]},
        {"name": "sum", "type": "add", "inputs": ["a", "b"]},
    ]
    fields = fields_of(layers, [1, 8, 8])
    assert fields["a"] == ReceptiveField((1, 3), (1, 1), (0, -1))
    assert fields["b"] == ReceptiveField((3, 1), (1, 1), (-1, 0))
    assert fields["sum"] == square(3, 1, -1)


def test_whole_input_layers() -> None:
    # conv 3×3/2 on 9×9 → 4×4 map, field 3, jump 2, start 0. Global pooling and dense see all 4×4 units:
    # 3 + 3·2 = 9 = the whole image, jump 4·2 = 8. Dense after dense: the same. Global pooling says so:
    # the whole input (its figures kept for the arithmetic only); a dense layer on the map keeps the figures.
    layers = [
        {"name": "c", "type": "conv", "filters": 4, "kernel": 3, "stride": 2},
        {"name": "g", "type": "globalavgpool", "inputs": ["c"]},
        {"name": "d", "type": "dense", "units": 5, "inputs": ["c"]},
        {"name": "d2", "type": "dense", "units": 3},
        {"name": "f", "type": "flatten", "inputs": ["c"]},
        {"name": "d3", "type": "dense", "units": 3},
    ]
    fields = fields_of(layers, [1, 9, 9])
    assert fields["d"] == fields["d2"] == fields["d3"] == square(9, 8, 0)
    assert fields["g"] == ReceptiveField((9, 9), (8, 8), (0, 0), whole=True)


def test_adaptive_pooling() -> None:
    # 8 → 4: torch's windows 0..1, 2..3, 4..5, 6..7: a 2/2 pool, exact. 8 → 3: windows 0..2, 2..5, 5..7
    # (⌊i·8/3⌋ to ⌈(i+1)·8/3⌉ − 1): largest 4, largest step 3: the bound size 4, jump 3.
    # 8 → 1: the whole map, as global pooling: the whole input.
    layers = [
        {"name": "a4", "type": "adaptiveavgpool", "output": [4, 3], "inputs": ["input"]},
        {"name": "a1", "type": "adaptiveavgpool", "output": 1, "inputs": ["input"]},
    ]
    fields = fields_of(layers, [1, 8, 8])
    assert fields["a4"] == ReceptiveField((2, 4), (2, 3), (0, 0), exact=False)  # W: bounds (uneven windows)
    assert fields["a1"] == ReceptiveField((8, 8), (8, 8), (0, 0), whole=True)


def test_vector_input_has_no_fields() -> None:
    assert fields_of([{"name": "d", "type": "dense", "units": 3}], [10]) == {}


def test_window_and_centre() -> None:
    f = ReceptiveField((195, 5), (32, 1), (-64, 0))
    assert f.window((1, 2)) == (range(-32, 163), range(2, 7))
    assert f.centre == (33.0, 2.0)


# --- the gradient experiment -------------------------------------------------------------------

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _same(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow 'SAME' padding (written out here, not taken from archcalc): (before, after)."""
    total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def torch_forward(layers: list[Layer], x: Any, gen: Any) -> Any:
    """The chain by hand in torch functional calls, with positive weights, so no gradient cancels."""
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            kh, kw = layer["kernel"]
            sh, sw = layer["stride"]
            dh, dw = layer["dilation"]
            g = layer["groups"]
            w = torch.rand(layer["filters"], x.shape[1] // g, kh, kw, generator=gen, dtype=torch.float64) + 0.1
            b = torch.rand(layer["filters"], generator=gen, dtype=torch.float64) + 0.1
            if layer["padding"] == "same":
                (ht, hb), (wl, wr) = _same(x.shape[2], kh, sh, dh), _same(x.shape[3], kw, sw, dw)
                x, pad = F.pad(x, (wl, wr, ht, hb)), (0, 0)
            else:
                pad = tuple(layer["padding"])
            x = torch.relu(F.conv2d(x, w, b, (sh, sw), pad, (dh, dw), g))
        elif kind == "avgpool":
            x = F.avg_pool2d(x, layer["kernel"], layer["stride"], layer["padding"], ceil_mode=layer["rounding"] == "ceil")
        elif kind == "adaptiveavgpool":
            x = F.adaptive_avg_pool2d(x, layer["output"])
        elif kind == "globalavgpool":
            x = x.mean((2, 3), keepdim=True)
        elif kind == "dense":
            flat = x.flatten(1)
            w = torch.rand(layer["units"], flat.shape[1], generator=gen, dtype=torch.float64) + 0.1
            x = (flat @ w.T)[:, :, None, None]  # (N, units, 1, 1): unit (0, 0) is the whole vector
        else:
            raise AssertionError(kind)
    return x


def reached(layers_by_branch: list[list[Layer]], shape: list[int], units: list[tuple[int, int]], merge: str | None) -> list[set[tuple[int, int]]]:
    """For each output unit (i, j): the input pixels with a non-zero gradient of the sum over its channels."""
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(len(units), *shape, generator=gen, dtype=torch.float64) + 0.1).requires_grad_()
    outs = [torch_forward(branch, x, gen) for branch in layers_by_branch]
    out = outs[0] if merge is None else (outs[0] + outs[1] if merge == "add" else torch.cat(outs, 1))
    sum(out[b, :, i, j].sum() for b, (i, j) in enumerate(units)).backward()
    nonzero = (x.grad.abs().sum(1) > 0).nonzero().tolist()  # rows of [b, i, j]
    found: list[set[tuple[int, int]]] = [set() for _ in units]
    for b, i, j in nonzero:
        found[b].add((i, j))
    return found


def rect(rows: range, cols: range, h: int, w: int) -> set[tuple[int, int]]:
    return {(i, j) for i in rows if 0 <= i < h for j in cols if 0 <= j < w}


def units_to_try(f: ReceptiveField, out: tuple[int, int], image: tuple[int, int]) -> list[tuple[int, int]]:
    """The first, middle and last units, and the first and last whose field lies inside the image."""
    inside = [
        [u for u in range(out[a]) if f.start[a] + u * f.jump[a] >= 0 and f.start[a] + u * f.jump[a] + f.size[a] <= image[a]]
        for a in (0, 1)
    ]
    units = {(0, 0), (out[0] // 2, out[1] // 2), (out[0] - 1, out[1] - 1)}
    if inside[0] and inside[1]:
        units |= {(inside[0][0], inside[1][0]), (inside[0][-1], inside[1][-1])}
    return sorted(units)


@st.composite
def conv_or_pool(draw: st.DrawFn, name: str, stride: list[int] | None = None, solid: bool = False) -> Layer:
    """A conv or an average pool; `solid`: one whose field has no holes (no dilation, kernel ≥ stride)."""
    stride = stride or [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    kernel = [draw(st.integers(s if solid else 1, 4)) for s in stride]
    if draw(st.booleans()):
        pad: Any = "same" if draw(st.integers(0, 3)) == 0 else [draw(st.integers(0, 2)), draw(st.integers(0, 2))]
        dilation = [1, 1] if solid else [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
        groups = draw(st.sampled_from([1, 2]))
        return {"name": name, "type": "conv", "filters": 2, "kernel": kernel, "stride": stride, "padding": pad,
                "dilation": dilation, "groups": groups, "activation": "relu"}
    pad = [draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2))]
    return {"name": name, "type": "avgpool", "kernel": kernel, "stride": stride, "padding": pad,
            "rounding": draw(st.sampled_from(["floor", "ceil"]))}


def has_no_holes(layers: list[Layer]) -> bool:
    """Fields without holes: no dilation, and no stride longer than its kernel."""
    return all(
        all(k >= s for k, s in zip(layer["kernel"], layer["stride"])) and layer.get("dilation", [1, 1]) == [1, 1]
        for layer in layers if layer["type"] in ("conv", "avgpool")
    )


def uniform_adaptive(n: int, m: int) -> bool:
    starts = [i * n // m for i in range(m)]
    ends = [-(-(i + 1) * n // m) for i in range(m)]
    return len({e - s for s, e in zip(starts, ends)}) == 1 and len({b - a for a, b in zip(starts, starts[1:])}) <= 1


def check(found: set[tuple[int, int]], f: ReceptiveField, unit: tuple[int, int], image: tuple[int, int], exact: bool, whole: bool) -> None:
    rows, cols = f.window(unit)
    if not exact:  # uneven adaptive windows: no unit sees more than the size; the first unit is in its window
        assert all(max(p[a] for p in found) - min(p[a] for p in found) < f.size[a] for a in (0, 1) if found)
        assert unit != (0, 0) or found <= rect(rows, cols, *image)
        return
    assert found <= rect(rows, cols, *image)  # never a pixel outside the computed field
    if rows.start >= 0 and cols.start >= 0 and rows.stop <= image[0] and cols.stop <= image[1]:
        assert found, "the unit reaches no pixel at all"
        assert (min(i for i, _ in found), max(i for i, _ in found)) == (rows.start, rows.stop - 1)
        assert (min(j for _, j in found), max(j for _, j in found)) == (cols.start, cols.stop - 1)
        if whole:
            assert found == rect(rows, cols, *image)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_gradient_reaches_exactly_the_field_of_a_chain(data: st.DataObject) -> None:
    image = (data.draw(st.integers(6, 24)), data.draw(st.integers(6, 24)))
    shape = [2, *image]
    layers = [data.draw(conv_or_pool(f"l{i}")) for i in range(data.draw(st.integers(1, 4)))]
    tail = data.draw(st.sampled_from([None, "adaptiveavgpool", "globalavgpool", "dense"]))
    if tail == "adaptiveavgpool":
        layers.append({"name": "tail", "type": "adaptiveavgpool", "output": [data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))]})
    elif tail is not None:
        layers.append({"name": "tail", "type": tail, **({"units": 3} if tail == "dense" else {})})
    try:
        text = json.dumps({"name": "case", "input": shape, "layers": layers})
        graph = build_graph(parse_spec(text))
        steps = propagate(graph, graph.input)
    except SpecError:
        assume(False)
        raise
    f = receptive_fields(steps)[layers[-1]["name"]]
    out = (1, 1) if len(steps[-1].output) == 1 else steps[-1].output[1:]
    exact = tail != "adaptiveavgpool" or all(uniform_adaptive(n, m) for n, m in zip(steps[-1].inputs[0][1:], out))
    units = units_to_try(f, out, image)
    for unit, found in zip(units, reached([layers], shape, units, None)):
        check(found, f, unit, image, exact, has_no_holes(layers))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_gradient_reaches_exactly_the_cover_of_a_merge(data: st.DataObject) -> None:
    """Two branches from the input with the same strides, sized to match by a last stride-1 conv, then add or concat."""
    image = (data.draw(st.integers(8, 24)), data.draw(st.integers(8, 24)))
    shape = [2, *image]
    strides = [[data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))] for _ in range(data.draw(st.integers(1, 2)))]
    solid = data.draw(st.booleans())
    branches = [[data.draw(conv_or_pool(f"{b}{i}", stride, solid)) for i, stride in enumerate(strides)] for b in "ab"]
    try:  # the sizes each branch gives, then a stride-1 conv on b that brings them level with a
        sizes = [propagate(build_graph(parse_spec(json.dumps({"name": b[0]["name"], "input": shape, "layers": b}))), tuple(shape))[-1].output[1:]
                 for b in branches]
    except SpecError:
        assume(False)
        raise
    kernel, pad = [], []
    for n_a, n_b in zip(*sizes):
        p = data.draw(st.integers(max(0, -(-(n_a - n_b) // 2)), 2 + max(0, n_a - n_b)))
        kernel.append(n_b + 2 * p - n_a + 1)  # n_b + 2p − (k − 1) = n_a
    assume(all(1 <= k <= 7 for k in kernel))
    pad = [(n_a - n_b + k - 1) // 2 for n_a, n_b, k in zip(*sizes, kernel)]
    branches[1].append({"name": "b_level", "type": "conv", "filters": 2, "kernel": kernel, "stride": [1, 1], "padding": pad,
                        "dilation": [1, 1], "groups": 1, "activation": "relu"})
    merge = data.draw(st.sampled_from(["add", "concat"]))
    layers = [{**branches[0][0], "inputs": ["input"]}, *branches[0][1:], {**branches[1][0], "inputs": ["input"]}, *branches[1][1:],
              {"name": "merge", "type": merge, "inputs": [branches[0][-1]["name"], "b_level"]}]
    steps = propagate(build_graph(parse_spec(json.dumps({"name": "case", "input": shape, "layers": layers}))), tuple(shape))
    fields = receptive_fields(steps)
    f = fields["merge"]
    units = units_to_try(f, steps[-1].output[1:], image)
    for unit, found in zip(units, reached(branches, shape, units, merge)):
        check(found, f, unit, image, exact=True, whole=False)
        rows, cols = f.window(unit)
        if has_no_holes(branches[0] + branches[1]) and rows.start >= 0 and cols.start >= 0 and rows.stop <= image[0] and cols.stop <= image[1]:
            a, b = fields[branches[0][-1]["name"]], fields["b_level"]
            assert found == rect(*a.window(unit), *image) | rect(*b.window(unit), *image)
