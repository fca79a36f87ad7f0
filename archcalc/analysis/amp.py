"""Mixed precision as torch 2.13's CPU autocast does it (`torch.autocast("cpu", dtype=torch.bfloat16)`), for what
autograd keeps for backward: which layers run in bfloat16 and so what dtype each kept tensor has.

CPU autocast's lists (aten/src/ATen/autocast_mode.cpp; torch.testing._internal.autocast_test_lists): convolutions,
transposed convolutions, linear, matmul and PReLU run in the lower precision: their float32 inputs are cast to
bfloat16 (a new tensor per call, which is what they keep), and their weights too (one bfloat16 copy per parameter,
cached for the autocast region: they keep it, so it counts, though the float32 parameter does not). Ops on the
float32 list (losses, avg_pool3d, reflection padding, ...) cast to float32; every other op runs in its inputs'
dtype, a binary op promoting to the wider one (a bfloat16 map times a float32 parameter is float32). Measured with
saved_tensors_hooks (tests/test_amp.py): batch, layer and group norm given a bfloat16 map and float32 parameters
keep their per-channel statistics in float32; LRN's composite runs its avg_pool3d in float32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT
from archcalc.analysis.kept import KeptNetwork, Ledger, in_place_layers, keeping
from archcalc.kinds import activation_kind
from archcalc.kinds.terms.kept import Keeping

if TYPE_CHECKING:
    from archcalc.analysis import Row

LOWER = frozenset({"conv", "convtranspose", "dense", "linear", "prelu", "self_attention", "window_attention"})  # CPU autocast's
# lower-precision list, as archcalc's kinds (attention: its projections and matrix products)
STATISTICS = frozenset({"batchnorm", "layernorm", "groupnorm"})  # statistics in their float32 parameters' dtype
PROMOTES = frozenset({"layer_scale", "scale", "subsample", "rbf", "class_token", "pos_embedding"})  # a map combined with float32
# parameters or buffers (a class token concatenated, a position embedding added)
FULL, HALF = 4, 2  # float32, bfloat16


def _weights(r: Row) -> int:
    if r.layer.kind in ("self_attention", "window_attention"):  # the q/k/v and output projections' weights (not the bias table)
        return 4 * r.input_shapes[0][-1] ** 2
    out: int = getattr(r.layer, "filters", 0) or getattr(r.layer, "units", 0)
    return int(r.params) - (out if getattr(r.layer, "bias", False) else 0)


def kept_amp(rows: Sequence[Row], batch: int) -> KeptNetwork:
    """archcalc.analysis.kept.kept for float32 parameters and input under CPU autocast to bfloat16."""
    net_input = next(x for r in rows for i, x in zip(r.inputs, r.input_shapes) if i == INPUT)
    ledger = Ledger([batch * math.prod(net_input) * FULL])
    new = ledger.new
    storage, grad, contiguous, dtype = {INPUT: 0}, {INPUT: False}, {INPUT: True}, {INPUT: FULL}
    in_place = in_place_layers(rows)
    for r in rows:
        kind = r.layer.kind
        grads = tuple(grad[i] for i in r.inputs)
        needs = any(grads) or r.params > 0
        widest = max(dtype[i] for i in r.inputs)
        rule = HALF if kind in LOWER else widest  # the dtype its own tensors are in
        tabled = getattr(r.layer, "connections_table", None) is not None and getattr(r.layer, "bias", False)
        # its output's: a binary op with float32 parameters promotes, as does a connections table (bfloat16
        # convolutions concatenated, plus a float32 bias)
        compute = FULL if kind in PROMOTES or tabled else rule
        k = keeping(r, batch, rule, grads, r.name in in_place, tuple(contiguous[i] for i in r.inputs))
        own = r.layer.kept(k)
        out = storage[r.inputs[0]] if own.alias else new(k.bytes(r.output, compute))
        kept_inputs = []
        for j in own.inputs:
            source = r.inputs[j]
            cast = kind in LOWER and dtype[source] != HALF
            kept_inputs.append(new(k.bytes(r.input_shapes[j])) if cast else storage[source])
        extra = r.layer.kept(replace(k, itemsize=FULL)).extra if kind in STATISTICS else own.extra
        if kind == "window_attention":  # the float32 bias table promotes the scores: softmax in float32, cast back for A·V
            extra = (*extra[:-1], 2 * extra[-1], extra[-1])
        keeps = kept_inputs + ([out] if own.output else []) + [new(b) for b in extra]
        if kind in LOWER and r.params:
            keeps.append(new(_weights(r) * HALF))  # the bfloat16 copy of its weight
        if kind == "rbf":
            keeps.append(new(r.figures.frozen_params * HALF))  # F.linear(x, vectors) keeps a bfloat16 copy of its fixed vectors
        flat = own.contiguous if own.contiguous is not None else (len(r.output) != len(r.input_shapes[0]) or k.is_contiguous(0))
        if r.activation is not None:
            act = activation_kind(r.activation)
            after = act.kept(Keeping((r.output,), r.output, batch, compute, (needs,), act.runs_in_place, (flat,)))
            pre, out = out, out if after.alias else new(k.bytes(r.output, compute))
            keeps += [pre] * len(after.inputs) + ([out] if after.output else []) + [new(b) for b in after.extra]
        if not needs:
            keeps = []
        ledger.keep(r.name, keeps, out)
        storage[r.name], grad[r.name], contiguous[r.name], dtype[r.name] = out, needs, flat, compute
    return ledger.network()


def weight_copy_bytes(rows: Sequence[Row]) -> int:
    """The bfloat16 copies of weights (and of fixed RBF vectors) that the layers running in bfloat16 keep."""
    return sum(_weights(r) * HALF for r in rows if r.layer.kind in LOWER and r.params) + \
        sum(r.figures.frozen_params * HALF for r in rows if r.layer.kind == "rbf")


def amp_text(rows: Sequence[Row], batch: int, float32_bytes: int) -> str:
    """What `show --train --amp bfloat16` prints after the training step."""
    total = kept_amp(rows, batch).total_bytes
    return (f"with --amp bfloat16, as torch.autocast(\"cpu\", dtype=torch.bfloat16) runs it: activations kept for backward {total:,} "
            f"instead of {float32_bytes:,} in float32 ({weight_copy_bytes(rows):,} of them bfloat16 copies of weights, which autocast "
            f"caches and convolutions and linear layers keep); the step's peak under autocast is not modelled")
