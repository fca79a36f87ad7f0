"""The model's own figures, node by node, for the round trip: one forward pass of the traced model at batch 1 that
records each node's output shape (torch.fx's ShapeProp, which mapping reads) and FLOPs (FlopCounterMode around that
node alone, counted as archcalc.torch_backend.verification counts the built spec)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp
from torch.utils.flop_counter import FlopCounterMode

from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.values import Shape
from archcalc.torch_backend.mapping import Found
from archcalc.torch_backend.tracing import example
from archcalc.torch_backend.verification import counting_mode


@dataclass(frozen=True)
class Measured:
    """One row as the model has it."""

    shape: Shape | None  # None: no node of the model gives it (the first of two rows made from one operation)
    params: int
    flops: int


class _Counting(ShapeProp):
    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.flops: dict[fx.Node, int] = {}
        self.running = ""

    def run_node(self, n: fx.Node) -> Any:
        self.running = str(n.target) if n.op == "call_module" else n.name
        with FlopCounterMode(display=False) as counter:
            out = super().run_node(n)
        self.flops[n] = counter.get_total_flops()
        return out


def uses_attention(model: nn.Module) -> bool:
    """Counted as verification counts the kinds that say `uses_attention` (self_attention, window_attention)."""
    return any(isinstance(m, nn.MultiheadAttention) or type(m).__name__ == "ShiftedWindowAttention" for m in model.modules())


def propagate(gm: fx.GraphModule, shape: Shape, target: str) -> dict[fx.Node, int]:
    """Every node's shape into its meta; every node's FLOPs returned."""
    counting = _Counting(gm)
    try:  # ShapeProp prints the traceback of a failing node itself: kept, for the message, not shown
        with counting_mode(uses_attention(gm)), contextlib.redirect_stderr(io.StringIO()):
            counting.propagate(example(shape))
    except Exception as exc:  # the user's model on this input: a wrong --input, mostly
        cause = exc.__cause__ or exc  # ShapeProp's own error wraps the model's
        said = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:300]
        raise ArchcalcError(f"{target} cannot run on an input of {'×'.join(map(str, shape))}: at {counting.running}: {said}",
                            "give --input the size the model takes, as C×H×W (3x224x224)") from None
    return counting.flops


def measured(found: Found, flops: dict[fx.Node, int]) -> dict[str, Measured]:
    """Each row's shape, parameters and FLOPs in the model."""
    from archcalc.torch_backend.mapping import shape as node_shape

    out = {}
    for row in found.rows:
        nodes = found.nodes[row.name]
        module = found.modules.get(row.name)
        params = sum(p.numel() for p in module.parameters()) if module is not None else found.params.get(row.name, 0)
        node = nodes[-1] if nodes else None
        if node is not None and isinstance(module, nn.MultiheadAttention):
            node = next((u for u in node.users if len(u.args) > 1 and u.args[1] == 0), node)  # its output of (output, weights)
        seen = None if node is None else node_shape(node) or ()
        out[row.name] = Measured(seen, params, sum(flops.get(n, 0) for n in nodes))
    return out
