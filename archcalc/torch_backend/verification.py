"""Every spec layer held against torch: output shapes (forward hooks), parameters (numel) and
FLOPs (FlopCounterMode), at batch 1."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import nn

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.sizes import SizeTerm
from archcalc.kinds.terms.values import Shape
from archcalc.torch_backend.build import build_module, example_input
from archcalc.torch_backend.devices import dtype_name
from archcalc.torch_backend.flopcount import Counter
from archcalc.torch_backend.names import module_paths


@dataclass(frozen=True)
class LayerCheck:
    """One spec layer: each figure as the calculator gives it and as torch measures it."""

    name: str
    kind: str
    shape: Shape
    torch_shape: Shape
    params: int
    torch_params: int
    frozen_params: int
    torch_frozen_params: int
    flops: int  # batch 1
    torch_flops: int
    floors: tuple[SizeTerm, ...]  # size arithmetic that does not divide: torch rounds it as the calculator did


@dataclass(frozen=True)
class Mismatch:
    layer: str
    check: str  # shape, params, frozen params, flops
    calculator: int | Shape
    torch: int | Shape


@dataclass(frozen=True)
class Verification:
    layers: tuple[LayerCheck, ...]
    attention_math: bool = False  # attention ran on the math path with gradients on, so that FlopCounterMode sees its products

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        found = []
        for c in self.layers:
            for check, ours, theirs in (("shape", c.shape, c.torch_shape), ("params", c.params, c.torch_params),
                                        ("frozen params", c.frozen_params, c.torch_frozen_params), ("flops", c.flops, c.torch_flops)):
                if ours != theirs:
                    found.append(Mismatch(c.name, check, ours, theirs))
        return tuple(found)

    @property
    def checks(self) -> dict[str, bool]:
        failed = {m.check for m in self.mismatches}
        return {"shapes": "shape" not in failed, "params": not failed & {"params", "frozen params"}, "flops": "flops" not in failed}

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(graph: Graph, analysis: Analysis, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32,
           module: nn.Module | None = None) -> Verification:
    """Every layer's output shape (forward hooks), parameters (numel) and FLOPs (FlopCounterMode) at batch 1."""
    module = (build_module(graph, analysis) if module is None else module).to(device=device, dtype=dtype).eval()
    paths = module_paths(r.name for r in analysis.rows)
    shapes: dict[str, Shape] = {}
    running = [""]  # the layer that torch is running, for a message if it cannot
    handles = []
    for row in analysis.rows:
        sub = module.get_submodule(paths[row.name])
        handles.append(sub.register_forward_pre_hook(partial(_note_running, running, row.name)))
        handles.append(sub.register_forward_hook(partial(_note_shape, shapes, row.name)))
    attention = any(getattr(row.layer, "uses_attention", False) for row in analysis.rows)
    try:
        with counting_mode(attention), Counter() as counter:  # torch's FlopCounterMode (torch_backend.flopcount)
            module(example_input(analysis, 1, device, dtype))
    except RuntimeError as exc:
        if "not implemented for" not in str(exc):
            raise
        raise ArchcalcError(f"{analysis.name}: torch {torch.__version__} cannot run layer '{running[0]}' in "
                            f"{dtype_name(dtype)} on the {torch.device(device).type}: {str(exc).splitlines()[0]}",
                            "use --dtype float32 on the CPU, or a CUDA device for float16 and bfloat16") from None
    finally:
        for h in handles:
            h.remove()
    flops = counter.get_flop_counts()
    prefix = type(module).__name__
    checks = []
    for row in analysis.rows:
        sub = module.get_submodule(paths[row.name])
        trainable = sum(p.numel() for p in sub.parameters() if p.requires_grad)
        frozen = sum(p.numel() for p in sub.parameters() if not p.requires_grad)
        counted = sum(flops.get(f"{prefix}.{paths[row.name]}", {}).values())
        checks.append(LayerCheck(row.name, row.kind, row.output, shapes[row.name], row.params, trainable,
                                 row.frozen_params, frozen, row.flops, counted, tuple(t for t in row.terms if not t.divides)))
    return Verification(tuple(checks), attention)


def counting_mode(attention: bool) -> contextlib.AbstractContextManager[object]:
    """inference_mode; for a network with attention, gradients on and scaled_dot_product_attention's math path
    instead: FlopCounterMode counts nothing of nn.MultiheadAttention's fast path (eval under no_grad) nor of the
    fused kernels, and the math path's two batched matrix products are what the calculator counts."""
    if not attention:
        return torch.inference_mode()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    stack = contextlib.ExitStack()
    stack.enter_context(torch.enable_grad())
    stack.enter_context(sdpa_kernel(SDPBackend.MATH))
    return stack


def _note_running(running: list[str], name: str, module: nn.Module, args: Any) -> None:
    running[0] = name


def _note_shape(shapes: dict[str, Shape], name: str, module: nn.Module, args: Any, out: torch.Tensor) -> None:
    shapes[name] = tuple(out.shape[1:])
