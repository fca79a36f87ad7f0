"""The torch.export fallback of `archcalc import`: where torch.fx cannot trace a forward (Python control flow on a
tensor's shape, `len(x)`), torch.export can, at the input given, as ATen operations. Those are read as the torch
functions they are (`aten.max_pool2d` as `F.max_pool2d`, with the same arguments) by archcalc.torch_backend.operations,
and the operations of weighted modules (`aten.conv2d`, `aten.linear`, `aten.batch_norm`, ...) here, their
hyper-parameters from the arguments and the weights' shapes. A module's one operation is named by the module
(archcalc.torch_backend.mapping names a one-operation module's row after it).
"""

from __future__ import annotations

import contextlib
import io
import logging
import operator
from typing import TYPE_CHECKING, Any

import torch
from torch import fx
from torch.nn import functional as F  # noqa: N812

from archcalc.torch_backend.mapping import kwargs_of, shape
from archcalc.torch_backend.reverse import Mapped, NoKindError, mapped

if TYPE_CHECKING:
    from archcalc.torch_backend.mapping import _Walk

aten = torch.ops.aten

AS_TORCH: dict[Any, Any] = {  # ATen operations and the torch functions they are, argument for argument
    aten.relu.default: F.relu, aten.relu_.default: F.relu, aten.sigmoid.default: torch.sigmoid, aten.tanh.default: torch.tanh,
    aten.gelu.default: F.gelu, aten.silu.default: F.silu, aten.silu_.default: F.silu, aten.hardswish.default: F.hardswish,
    aten.hardswish_.default: F.hardswish, aten.hardsigmoid.default: F.hardsigmoid, aten.hardtanh.default: F.hardtanh,
    aten.hardtanh_.default: F.hardtanh, aten.leaky_relu.default: F.leaky_relu, aten.softmax.int: F.softmax,
    aten.dropout.default: F.dropout, aten.max_pool2d.default: F.max_pool2d, aten.avg_pool2d.default: F.avg_pool2d,
    aten.adaptive_avg_pool2d.default: F.adaptive_avg_pool2d, aten.add.Tensor: operator.add, aten.add_.Tensor: operator.add,
    aten.mul.Tensor: operator.mul, aten.mul_.Tensor: operator.mul, aten.cat.default: torch.cat, aten.flatten.using_ints: torch.flatten,
    aten.view.default: "view", aten.reshape.default: "reshape", aten.permute.default: torch.permute, aten.transpose.int: torch.transpose,
    aten.mean.dim: "mean", aten.contiguous.default: "contiguous", aten.clone.default: torch.clone, aten.chunk.default: torch.chunk,
}


def export(model: torch.nn.Module, x: torch.Tensor) -> fx.GraphModule:
    """torch.export's graph of the model at `x` (non-strict: the model's Python runs as written)."""
    quiet = logging.getLogger("torch").level
    logging.getLogger("torch").setLevel(logging.CRITICAL)  # its warnings and the graph it prints on failing: the message says why
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            program = torch.export.export(model, (x,), strict=False)
    finally:
        logging.getLogger("torch").setLevel(quiet)
    gm = program.module()
    assert isinstance(gm, fx.GraphModule)
    return gm


def as_torch(gm: fx.GraphModule) -> None:
    """Each ATen operation that is a torch function becomes that function (after its shapes and FLOPs are measured)."""
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target in AS_TORCH:
            node.target = AS_TORCH[node.target]
            if isinstance(node.target, str):
                node.op = "call_method"


def _weights(walk: _Walk, kw: dict[str, Any], *names: str) -> tuple[list[torch.Tensor | None], int]:
    found = [walk.held.get(kw.get(n)) if kw.get(n) is not None else None for n in names]  # type: ignore[arg-type]
    return found, sum(t.numel() for t in found if t is not None)


def weighted(walk: _Walk, node: fx.Node, name: str) -> tuple[Mapped, list[fx.Node], str, int]:
    """aten.conv2d, aten.linear, aten.batch_norm, aten.layer_norm, aten.group_norm: the kind, its input, its parameters."""
    kw = kwargs_of(node)
    x = kw.get("input")
    if not isinstance(x, fx.Node) or x not in walk.values:
        raise NoKindError("its input is no layer's output")
    target = node.target
    if target in (aten.conv2d.default, aten.conv2d.padding):
        (w, b), params = _weights(walk, kw, "weight", "bias")
        assert w is not None
        return mapped("conv", filters=w.shape[0], kernel=tuple(w.shape[2:]), stride=kw["stride"], padding=kw["padding"],
                      dilation=kw["dilation"], groups=kw["groups"], bias=b is not None), [x], name, params
    if target is aten.linear.default:
        (w, b), params = _weights(walk, kw, "weight", "bias")
        assert w is not None
        return mapped("dense" if len(shape(x) or ()) == 1 else "linear", units=w.shape[0], bias=b is not None), [x], name, params
    if target is aten.batch_norm.default:
        (w, _), params = _weights(walk, kw, "weight", "bias")
        return mapped("batchnorm", eps=float(kw["eps"]), affine=w is not None), [x], name, params
    if target is aten.layer_norm.default:
        (w, _), params = _weights(walk, kw, "weight", "bias")
        if list(kw["normalized_shape"]) != [(shape(x) or (0,))[-1]]:
            raise NoKindError(f"normalized_shape {kw['normalized_shape']} (archcalc's layernorm: the last axis)")
        return mapped("layernorm", eps=float(kw["eps"]), affine=w is not None), [x], name, params
    if target is aten.group_norm.default:
        (w, _), params = _weights(walk, kw, "weight", "bias")
        return mapped("groupnorm", groups=kw["num_groups"], eps=float(kw["eps"]), affine=w is not None), [x], name, params
    raise NoKindError("")


WEIGHTED = frozenset({aten.conv2d.default, aten.conv2d.padding, aten.linear.default, aten.batch_norm.default,
                      aten.layer_norm.default, aten.group_norm.default})
