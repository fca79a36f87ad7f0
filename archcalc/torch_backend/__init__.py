"""Graph → torch.nn.Module; verify every figure against torch; time the forward pass.

The only package of archcalc that imports torch; the `run` command imports it when it runs, and
without torch (or with a torch that fails to load) importing it is the user's error that says what to do.

The module mirrors the spec: one submodule per spec layer, named after it (a block instance's
dotted names nest, as torchvision's do: ``layer2.0.conv1``), and a forward that torch.fx
generates as plain Python, one line per layer (``print(module.code)``). A layer with a fused
activation is an ``nn.Sequential`` of its parts, so that its hooks, parameters and FLOPs are the
spec layer's.

A spec split across G GPUs (AlexNet's two towers) keeps the towers' channel order on one device:
the first C/G maps of a split tensor are GPU 0's. Layers that mix maps only within a GPU (LRN,
which the paper's towers computed per GPU; concat) do so per group of C/G maps, so the
single-device module computes exactly what the towers compute; ``split_module`` places the
towers on their own devices.

    modules       layer modules torch does not have (PaperLRN, Subsampling, RBFUnits, TableConv2d, ...)
    shards        helpers for the kinds' tower-sharding rules
    names         spec layer names → submodule paths and the class name
    build         build_module (each layer by its kind's builder, archcalc.kinds), example_input
    verification  verify: shapes, parameters and FLOPs per layer against the analysis
    timing        time_forward, time_layers
    blocks        the timing's blocks of passes, and when it stops: once the median is known
    quickinit     QuickInit: large weights drawn a block of rows at a time, for run
    split         split_module, check_split: the towers on their own devices
    devices       DTYPES, resolve_device, device_name, split_devices, the out-of-memory message
    run           run_network: all of the above for one network
    tracing, mapping, operations, reverse, measure, roundtrip
                  `archcalc import`: a PyTorch model traced by torch.fx, mapped back to kinds, proven by the round trip
"""

from __future__ import annotations

from archcalc.errors import ArchcalcError

try:
    import torch  # noqa: F401 - the one place that asks whether torch is there
except ModuleNotFoundError as exc:
    if exc.name is None or exc.name.split(".")[0] != "torch":  # torch is there, and something it needs is not
        raise ArchcalcError(f"torch could not be loaded: {exc}", "check the torch installation: python -c 'import torch'") from None
    raise ArchcalcError("archcalc run needs PyTorch, which is not installed", "pip install torch --index-url "
                        "https://download.pytorch.org/whl/cpu (its CPU build; any torch 2.x, a CUDA build for --device cuda, will do)") from None
except (ImportError, OSError) as exc:  # a broken install, or a library that cannot be mapped under a memory limit
    reason = " ".join(str(exc).split())[:300] or type(exc).__name__
    raise ArchcalcError(f"torch could not be loaded: {reason}", "check the torch installation: python -c 'import torch'") from None

from archcalc.kinds import Site
from archcalc.torch_backend.blocks import MIN_BLOCKS
from archcalc.torch_backend.build import build_module, example_input, layer_module
from archcalc.torch_backend.devices import (
    DTYPES,
    DeviceOutOfMemoryError,
    cpu_model,
    device_name,
    dtype_name,
    no_cuda_reason,
    out_of_memory,
    peak_bytes,
    resolve_device,
    split_devices,
)
from archcalc.torch_backend.modules import Add, Concat, PaperLRN, RBFUnits, ScaledTanh, Subsampling, TableConv2d, flattened, fused
from archcalc.torch_backend.names import class_name, module_paths
from archcalc.torch_backend.overhead import timer_overhead
from archcalc.torch_backend.run import MemoryUse, RunOptions, RunResult, first_pass, measure_memory, run_network
from archcalc.torch_backend.split import RTOL, GpuCheck, SplitCheck, check_split, split_module
from archcalc.torch_backend.timing import WARMUP_PASSES, LayerTime, Progress, Timing, time_forward, time_layers
from archcalc.torch_backend.verification import LayerCheck, Mismatch, Verification, verify

__all__ = [
    "DTYPES", "MIN_BLOCKS", "RTOL", "WARMUP_PASSES",
    "Add", "Concat", "DeviceOutOfMemoryError", "GpuCheck", "LayerCheck", "LayerTime", "MemoryUse", "Mismatch", "PaperLRN",
    "Progress", "RBFUnits", "RunOptions", "RunResult", "ScaledTanh", "Site", "SplitCheck", "Subsampling", "TableConv2d",
    "Timing", "Verification",
    "build_module", "check_split", "flattened", "fused", "class_name", "cpu_model", "device_name", "dtype_name", "example_input", "first_pass", "layer_module",
    "measure_memory", "module_paths", "no_cuda_reason", "out_of_memory", "peak_bytes", "resolve_device", "run_network", "split_devices",
    "split_module", "time_forward", "time_layers", "verify", "timer_overhead",
]
