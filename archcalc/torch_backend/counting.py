"""`archcalc run`'s verification without arithmetic where that is cheaper: the spec's module built again on
torch's meta device, where every tensor has a shape and a dtype but no values, so that forward hooks see the same
output shapes, numel the same parameters and FlopCounterMode (which counts from shapes) the same FLOPs, and
nothing is computed (every bundled spec: the same Verification as on the CPU, tests/test_flopcount.py).

The meta device is not free: some of its kernels are written in Python behind torch._disable_dynamo, whose first
call imports torch._dynamo (about 1 s of CPU; AlexNet's LRN has one). A CPU pass of a small network costs less
(AlexNet's: about 0.3 s), so the meta device counts where the pass is costly, META_FROM FLOPs and up, on the CPU
(a GPU's pass is cheap), and the run's device counts otherwise, or where meta cannot run the module.
"""

from __future__ import annotations

import torch

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.errors import ArchcalcError
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.verification import Verification, verify

META = torch.device("meta")
META_FROM = 4_000_000_000  # FLOPs per image: a CPU pass of about a second or more on a small machine


def verified(graph: Graph, analysis: Analysis, device: torch.device, dtype: torch.dtype, module: torch.nn.Module) -> Verification:
    """verify(), on the meta device where that costs less than a pass on `device` (which `module` is moved to either way)."""
    if on_meta(analysis, device):
        counted = verify_on_meta(graph, analysis, dtype)
        if counted is not None:
            module.to(device=device, dtype=dtype).eval()
            return counted
    return verify(graph, analysis, device, dtype, module)


def on_meta(analysis: Analysis, device: torch.device) -> bool:
    """Whether verified() counts on the meta device (if meta can run the module) rather than with a pass on `device`."""
    return device.type == "cpu" and analysis.totals.flops >= META_FROM


def verify_on_meta(graph: Graph, analysis: Analysis, dtype: torch.dtype) -> Verification | None:
    """verify() of a module built on the meta device: the same figures, no arithmetic; None where meta cannot run it."""
    try:
        with torch.device(META):
            module = build_module(graph, analysis)  # no weights initialised: a meta tensor has no values to fill
        return verify(graph, analysis, META, dtype, module)
    except (RuntimeError, NotImplementedError, TypeError, ValueError, ArchcalcError):
        return None


__all__ = ["META_FROM", "on_meta", "verified", "verify_on_meta"]
