"""Large weights initialised the usual way in a fraction of the time, for `archcalc run`, whose figures do not depend
on the weights' values: shapes, parameters and FLOPs come from the shapes, and a forward pass costs the same for any
finite values that are not denormal (the timing), which torch's usual draws are.

Drawing AlexNet's 61 million weights one by one from torch's generator (`kaiming_uniform_` in each layer's
`reset_parameters`) costs about 0.2 s of CPU, more than half of building the module. Here such a weight draws its
first rows the usual way, with torch's own function (the same fan-in, so the same bound), and repeats them down the
rest: every row holds values drawn from the usual distribution, only not independently of every other row. A
weight of at most BLOCK values, and every other initialiser, is left to torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

BLOCK = 1 << 16  # values drawn at least, per weight (a row more where a row is longer)


class QuickInit(TorchFunctionMode):
    """Within it, `torch.nn.init.kaiming_uniform_` (fan-in, torch's default mode and the one nn.Linear and nn.ConvNd
    use) of a weight of more than BLOCK values draws whole rows enough for BLOCK values and repeats them."""

    def __torch_function__(self, func: Callable[..., Any], types: Sequence[type], args: Sequence[Any] = (),
                           kwargs: Mapping[str, Any] | None = None) -> Any:
        kwargs = dict(kwargs or {})
        if func is torch.nn.init.kaiming_uniform_ and kwargs.get("mode", "fan_in") == "fan_in":
            rest = {k: v for k, v in kwargs.items() if k != "tensor"}  # torch passes the weight by name
            weight, more = (kwargs["tensor"], args) if "tensor" in kwargs else (args[0], args[1:])
            if isinstance(weight, torch.Tensor) and weight.dim() >= 2 and weight.numel() > BLOCK and weight.is_contiguous():
                return _repeated_rows(func, weight, more, rest)
        return func(*args, **kwargs)


def _repeated_rows(init: Callable[..., Any], weight: torch.Tensor, args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    """`init` on the first rows (rows × the rest of the shape: the same fan-in), repeated down `weight`."""
    length = weight[0].numel()  # one row: an output unit's weights
    rows = max(1, BLOCK // length)
    drawn = init(torch.empty((rows, *weight.shape[1:]), dtype=weight.dtype, device=weight.device), *args, **kwargs)
    out = weight.shape[0]
    repeats, rest = divmod(out, rows)
    with torch.no_grad():
        matrix = weight.view(out, length)  # (out, fan-in × receptive field)
        matrix[: repeats * rows].view(repeats, rows, length).copy_(drawn.view(1, rows, length).expand(repeats, rows, length))
        matrix[repeats * rows:].copy_(drawn.view(rows, length)[:rest])
    return weight


__all__ = ["BLOCK", "QuickInit"]
