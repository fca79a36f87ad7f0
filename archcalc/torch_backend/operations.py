"""The rules of traced operations (functions and tensor methods) that archcalc.torch_backend.mapping asks for each.

`operation_rule(walk, node, name)` → (the kind and keys, or None where the node makes no row; the nodes it reads;
the row's name; parameters it holds). The kinds come from archcalc.torch_backend.reverse, as for modules; what
only a pattern of operations is (ViT's `x.flatten(2).transpose(1, 2)` → tokens, `torch.cat([token.expand(…), x])`
→ class_token, `x + self.pos_embedding` → pos_embedding, `x[:, 0]` → select_token) is read here.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import torch
from torch import fx, nn
from torch.nn import functional as F  # noqa: N812

from archcalc.torch_backend import reverse
from archcalc.torch_backend.mapping import iter_nodes, kwargs_of, shape
from archcalc.torch_backend.reverse import ALIAS, Mapped, NoKindError, mapped

if TYPE_CHECKING:
    from archcalc.torch_backend.mapping import _Walk

Result = tuple[Mapped | None, list[fx.Node], str, int]
_RENAMED = {"p": "rate"}  # F.dropout(x, p) → dropout's rate
_ALIASES = frozenset({"contiguous", "clone", torch.clone, F.dropout2d})
_POOLS = {F.max_pool2d: "maxpool", F.avg_pool2d: "avgpool"}
_NAMED = {  # torchvision's functions that torch.fx.wrap keeps whole, known by their names (torchvision is never imported here)
    "_patch_merging_pad": lambda kw: mapped("patch_merging"),
    "stochastic_depth": lambda kw: mapped("stochastic_depth", rate=float(kw.get("p", 0.0)), mode=kw.get("mode", "row")),
}


def operation_rule(walk: _Walk, node: fx.Node, name: str) -> Result:
    from archcalc.torch_backend.exported import WEIGHTED, weighted

    target = node.target
    if target in WEIGHTED:
        return weighted(walk, node, name)
    args = [a for a in iter_nodes((node.args, node.kwargs))]
    tensors = [a for a in args if a in walk.values or a in walk.half or a in walk.held]
    held = [a for a in tensors if a in walk.held]
    kw = kwargs_of(node) if node.op == "call_function" else {}
    x = tensors[0] if tensors else None
    if target == "expand" and x in walk.held:
        walk.held[node] = walk.held[x]
        return None, [], name, 0
    if target in ("chunk", torch.chunk) or target is operator.getitem and node.args[0] in walk.pending:
        return _chunk(walk, node, name)
    if target is operator.getitem:
        return _getitem(walk, node, name)
    if target in reverse.MERGES and len(tensors) == 2 and held:
        return _with_parameter(walk, node, tensors, held[0], reverse.MERGES[target])
    if node.args and node.args[0] in walk.pending or target in ("view", "reshape") and len(shape(node) or ()) == 4:
        return _shuffle(walk, node, name)
    if getattr(target, "__name__", "") in _NAMED:
        return _NAMED[getattr(target, "__name__", "")](kw), _plain(walk, tensors[:1]), name, 0
    if any(a in walk.held for a in tensors) and target is not torch.cat:
        raise NoKindError("it reads a parameter of the model")
    if target in reverse.MERGES:
        if len(tensors) != len(node.args) or len(tensors) < 2:
            raise NoKindError("with a number (archcalc's add and multiply merge tensors)")
        return mapped(reverse.MERGES[target]), _plain(walk, tensors), name, 0
    if x is None:
        raise NoKindError("it reads no tensor of the network")
    if target is torch.cat:
        return _cat(walk, node, kw, name)
    if target in _ALIASES or target in ("contiguous", "clone"):
        return Mapped(ALIAS, {}), _plain(walk, [x]), name, 0
    if target in reverse.ELEMENTWISE:
        kind = reverse.ELEMENTWISE[target]
        values = {_RENAMED.get(k, k): v for k, v in kw.items() if k not in ("input", "inplace", "training")}
        return reverse.activation(kind)(**values), _plain(walk, [x]), name, 0
    if target in _POOLS:
        return reverse.pool(_POOLS[target], kw["kernel_size"], kw.get("stride"), kw.get("padding", 0), kw.get("dilation", 1),
                            kw.get("ceil_mode", False), kw.get("count_include_pad", True), kw.get("divisor_override")), _plain(walk, [x]), name, 0
    if target is F.hardtanh:
        return reverse.hardtanh(kw.get("min_val", -1.0), kw.get("max_val", 1.0)), _plain(walk, [x]), name, 0
    if target is F.adaptive_avg_pool2d:
        return reverse.adaptive(kw["output_size"]), _plain(walk, [x]), name, 0
    if target in (F.softmax, torch.softmax, "softmax"):
        dim = kw.get("dim", node.args[1] if len(node.args) > 1 else node.kwargs.get("dim"))
        return reverse.softmax(dim, shape(x) or ()), _plain(walk, [x]), name, 0
    if target is F.interpolate:
        size = kw.get("size")
        if size is not None and list(iter_nodes(size)) or not isinstance(size, (int, tuple, list, type(None))):
            size = list((shape(node) or (0, 0, 0))[1:])  # x.shape[-2:] of another tensor: the size it gave
        return reverse.upsample(size, kw.get("scale_factor"), kw.get("mode", "nearest"), kw.get("align_corners")), _plain(walk, [x]), name, 0
    if target == "mean":
        return _mean(walk, node, x, name)
    if target in (torch.flatten, "flatten", "view", "reshape"):
        return _reshape(walk, node, x, name)
    if target in ("transpose", "permute", torch.transpose, torch.permute):
        return _permute(walk, node, x, name)
    raise NoKindError("")


def _plain(walk: _Walk, nodes: list[fx.Node]) -> list[fx.Node]:
    """The nodes as inputs of a row: a flatten(2) left half-way or a parameter is no layer's input."""
    if any(n in walk.half or n in walk.held or n in walk.pending for n in nodes):
        raise NoKindError("its input is a flatten(2) or a parameter that is not one of ViT's patterns (tokens, class token, position embedding)")
    return nodes


def _getitem(walk: _Walk, node: fx.Node, name: str) -> Result:
    source, index = node.args[0], node.args[1]
    assert isinstance(source, fx.Node)
    if source.op == "call_module" and isinstance(walk.gm.get_submodule(str(source.target)), nn.MultiheadAttention):
        if index == 0 and source in walk.values:
            return Mapped(ALIAS, {}), [source], name, 0
        if not node.users:
            return None, [], name, 0  # the attention weights, never read
        raise NoKindError("the attention weights (archcalc's self_attention gives its output only)")
    x = shape(source)
    if isinstance(index, tuple) and len(index) == 2 and index[0] == slice(None) and isinstance(index[1], int) and x and len(x) == 2:
        return mapped("select_token", index=index[1] % x[0]), _plain(walk, [source]), name.rsplit(".", 1)[0] + ".select_token" if "." in name else "select_token", 0
    raise NoKindError(f"indexing by {index!r}")


def _with_parameter(walk: _Walk, node: fx.Node, tensors: list[fx.Node], param: fx.Node, kind: str) -> Result:
    """`x + self.pos_embedding` (1×N×D, N tokens of D): pos_embedding; `self.layer_scale * x` (C×1×1): layer_scale."""
    x = next(t for t in tensors if t is not param)
    value, into = walk.held[param], shape(x) or ()
    if kind == "add" and value.dim() == 3 and value.shape[0] == 1 and into == tuple(value.shape[1:]):
        return mapped("pos_embedding", length=int(value.shape[1])), _plain(walk, [x]), _param_name(param), value.numel()
    if kind == "multiply" and len(into) == 3 and tuple(value.shape) == (into[0], 1, 1):
        return mapped("layer_scale", init=float(f"{float(value.detach().flatten()[0]):.7g}")), _plain(walk, [x]), _param_name(param), value.numel()
    raise NoKindError(f"a parameter of {list(value.shape)} (archcalc's pos_embedding adds a 1×N×D parameter to N tokens of D, "
                      "layer_scale multiplies a map by a C×1×1 one)")


def _chunk(walk: _Walk, node: fx.Node, name: str) -> Result:
    """`a, b = x.chunk(2, dim=1)`: each part a chunk row (ShuffleNetV2)."""
    if node.target is not operator.getitem:
        dim = node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0)
        chunks = node.args[1] if len(node.args) > 1 else node.kwargs.get("chunks")
        x = node.args[0]
        if dim not in (1, -3) or not isinstance(chunks, int) or not isinstance(x, fx.Node) or len(shape(x) or ()) != 3:
            raise NoKindError(f"a chunk along dim {dim} (archcalc's chunk cuts the channels of a map)")
        walk.pending[node] = ("chunk", x, chunks)
        return None, [], name, 0
    what, x, chunks = walk.pending[node.args[0]]  # type: ignore[index]
    if what != "chunk" or not isinstance(node.args[1], int):
        raise NoKindError(f"indexing by {node.args[1]!r}")
    return mapped("chunk", chunks=chunks, index=node.args[1]), [x], f"{name.rsplit('.', 1)[0]}.chunk" if "." in name else "chunk", 0


def _shuffle(walk: _Walk, node: fx.Node, name: str) -> Result:
    """torchvision's channel_shuffle: x.view(n, g, C/g, H, W), transpose(1, 2), contiguous, view(n, C, H, W)."""
    into, out = shape(node.args[0]) or (), shape(node) or ()
    source = walk.pending.get(node.args[0])  # type: ignore[arg-type]
    if source is None:
        if len(into) == 3 and len(out) == 4 and out[0] * out[1] == into[0] and out[2:] == into[1:]:
            walk.pending[node] = ("grouped", node.args[0], out[0])  # type: ignore[assignment]
            return None, [], name, 0
        raise NoKindError(f"a reshape of {list(into)} to {list(out)} (archcalc has flatten, tokens and permute)")
    what, x, groups = source
    if what == "grouped" and node.target in ("transpose", torch.transpose) and tuple(node.args[1:3]) in ((1, 2), (2, 1)):
        walk.pending[node] = ("swapped", x, groups)
        return None, [], name, 0
    if what == "swapped" and node.target in ("contiguous",):
        walk.pending[node] = source
        return None, [], name, 0
    if what == "swapped" and node.target in ("view", "reshape") and out == shape(x):
        return mapped("channel_shuffle", groups=groups), [x], f"{name.rsplit('.', 1)[0]}.channel_shuffle" if "." in name else "channel_shuffle", 0
    raise NoKindError(f"a {node.target} of a map reshaped to {list(into)} (archcalc has channel_shuffle: view, transpose(1, 2), view)")


def _param_name(node: fx.Node) -> str:
    while node.op != "get_attr":
        node = node.args[0]  # type: ignore[assignment]
    return str(node.target)


def _cat(walk: _Walk, node: fx.Node, kw: dict[str, Any], name: str) -> Result:
    parts = [p for p in iter_nodes(kw["tensors"])]
    dim = kw.get("dim", 0)
    x = shape(parts[-1]) or ()
    if len(parts) == 2 and parts[0] in walk.held and len(x) == 2 and dim in (1, -2):
        value = walk.held[parts[0]]
        if value.dim() == 3 and value.shape[0] == 1 and value.shape[1] == 1:
            return mapped("class_token"), _plain(walk, [parts[1]]), _param_name(parts[0]), value.numel()
    if len(x) != 3 or dim not in (1, -3):
        raise NoKindError(f"dim={dim} over inputs of {list(x)} (archcalc's concat joins maps along their channels)")
    return mapped("concat"), _plain(walk, parts), name, 0


def _mean(walk: _Walk, node: fx.Node, x: fx.Node, name: str) -> Result:
    dims: Any = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    keep = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
    if len(shape(x) or ()) == 3 and sorted(d % 4 for d in (dims if isinstance(dims, (list, tuple)) else [dims])) == [2, 3]:
        pool = mapped("globalavgpool")
        return (pool if keep else Mapped(pool.kind, pool.values, then="flatten")), _plain(walk, [x]), name, 0
    raise NoKindError(f"a mean over {dims} (archcalc's globalavgpool is x.mean((2, 3)))")


def _reshape(walk: _Walk, node: fx.Node, x: fx.Node, name: str) -> Result:
    into, out = shape(x) or (), shape(node) or ()
    if len(into) == 3 and out == (into[0], into[1] * into[2]):
        walk.half[node] = x  # ViT: (C, H·W), tokens once transposed
        return None, [], name, 0
    if node.target is torch.flatten and kwargs_of(node).get("start_dim", 0) == 0:
        raise NoKindError("it flattens the batch too (torch.flatten(x, 1) keeps it)")
    return reverse.flatten(into, out), _plain(walk, [x]), name, 0


def _permute(walk: _Walk, node: fx.Node, x: fx.Node, name: str) -> Result:
    into, out = shape(x) or (), shape(node) or ()
    if x in walk.half and len(into) == 2 and out == (into[1], into[0]):
        return mapped("tokens"), [walk.half[x]], name.rsplit(".", 1)[0] + ".tokens" if "." in name else "tokens", 0
    given: Any = node.args[1] if len(node.args) == 2 and isinstance(node.args[1], (list, tuple)) else node.args[1:] or node.kwargs.get("dims", ())
    order = tuple(a for a in given if isinstance(a, int))
    if len(into) == 3 and order == (0, 2, 3, 1):
        return mapped("permute", to="channels_last"), _plain(walk, [x]), name, 0
    if len(into) == 3 and order == (0, 3, 1, 2):
        return mapped("permute", to="channels_first"), _plain(walk, [x]), name, 0
    raise NoKindError(f"a {node.target} of {list(into)} to {list(out)} (archcalc has tokens, x.flatten(2).transpose(1, 2), and permute to and from channels-last)")
