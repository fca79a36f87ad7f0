"""`archcalc calibrate`: this machine's attained peaks, measured with torch, written as a hardware profile.

    matrix units   the best of large square matmuls (n×n by n×n: 2n³ FLOPs) at a few sizes and of five 3×3
                   convolutions (ResNet's, VGG's and U-Net's, batch 1; 2 FLOPs a multiply-accumulate), per dtype
    vector units   the float32 matmul figure (on a CPU the same SIMD lanes run both; on CUDA, float32
                   matmuls without TF32 run on the CUDA cores)
    bandwidth      the best streaming copy or in-place update (each byte read once and written once) over sizes from a few
                   hundred KiB to hundreds of MiB: so a layer whose data sits in a cache is bounded too;
                   the largest copy's figure (main memory) is said in the notes

Each figure is the best of several timed repeats on the threads torch uses (synchronised on CUDA): a
roofline is a least time, so its peaks must be the most the machine can reach. On the CPU a repeat counts
both by the clock and by the CPU time the process was given (× torch's threads), the higher: other programs
running at the same time take CPU time from it, which lowers the first and not the second (with several
threads the second assumes they scale perfectly: a peak, which no run exceeds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch

from archcalc.torch_backend.devices import device_name

MATMUL_SIZES = (512, 1024, 2048)
QUICK_MATMUL_SIZES = (512, 1024)
CONVS = ((64, 56), (128, 28), (256, 14), (256, 56), (512, 28))  # (channels, side): 3×3 convolutions at batch 1, ResNet's
# and the wider ones of VGG and U-Net (on some CPUs those reach more than any square matmul does)
COPY_MIB = (0.25, 1, 4, 16, 64, 256)
QUICK_COPY_MIB = (0.25, 1, 4, 16)
TENSOR_CORE_DTYPES = {"tf32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class Calibration:
    device: str  # torch's name
    device_name: str
    threads: int
    matmul_tflops: dict[str, float]  # dtype -> best attained
    bandwidth_gbs: float  # the best copy over the sizes
    main_memory_gbs: float  # the largest copy's
    memory_gb: float | None
    quick: bool


def _best_rate(work: Callable[[], object], amount: float, device: torch.device, min_s: float, repeats: int) -> float:
    """The most `amount` per second seen: `repeats` timings of as many calls of `work` as fill `min_s`."""
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    work()
    sync()
    start = time.perf_counter()
    work()
    sync()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(min_s / once))
    best = 0.0
    threads = torch.get_num_threads()
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(calls):
            work()
        sync()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        best = max(best, amount * calls / wall)
        if device.type == "cpu" and cpu > 0:  # the CPU time the threads were given: other programs do not lower it
            best = max(best, amount * calls * threads / cpu)
    return best


def matmul_tflops(device: torch.device, dtype: str, sizes: tuple[int, ...], min_s: float, repeats: int) -> float:
    """The best attained TFLOP/s of n×n matmuls in `dtype` ('tf32': float32 with TF32 allowed, on CUDA)."""
    torch_dtype = TENSOR_CORE_DTYPES.get(dtype, torch.float32)
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    try:
        best = 0.0
        for n in sizes:
            a = torch.randn(n, n, device=device).to(torch_dtype)
            b = torch.randn(n, n, device=device).to(torch_dtype)
            out = torch.empty(n, n, device=device, dtype=torch_dtype)
            best = max(best, _best_rate(partial(torch.mm, a, b, out=out), 2.0 * n**3, device, min_s, repeats))
        for channels, side in CONVS:  # 3×3 convolutions, as the networks have them: a library may reach more there
            x = torch.randn(1, channels, side, side, device=device).to(torch_dtype)
            w = torch.randn(channels, channels, 3, 3, device=device).to(torch_dtype)
            flops = 2.0 * channels * channels * 9 * side * side
            best = max(best, _best_rate(partial(torch.nn.functional.conv2d, x, w, padding=1), flops, device, min_s, repeats))
        return best / 1e12
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def copy_gbs(device: torch.device, mib: float, min_s: float, repeats: int) -> float:
    """GB/s of streaming `mib` MiB, each byte read once and written once: the better of y.copy_(x) and an in-place update
    x.clamp_(min=0) (an activation run in place, as torchvision's ReLU(inplace=True), reads and writes one buffer, which
    a CPU's caches serve faster than two)."""
    values = int(mib * 2**20) // 4
    x = torch.rand(values, device=device)
    y = torch.empty_like(x)
    copied = _best_rate(lambda: y.copy_(x), 2.0 * values * 4, device, min_s, repeats)
    updated = _best_rate(lambda: x.clamp_(min=0.0), 2.0 * values * 4, device, min_s, repeats)
    return max(copied, updated) / 1e9


def memory_gb(device: torch.device) -> float | None:
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory / 1e9
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return None


def calibrate(device: torch.device, dtypes: tuple[str, ...], quick: bool = False) -> Calibration:
    """Measure: matmuls per dtype, then streaming copies. `quick`: smaller sizes and shorter timings (a test's)."""
    min_s, repeats = (0.01, 6) if quick else (0.05, 12)  # many short repeats: the best catches a quiet moment
    sizes = QUICK_MATMUL_SIZES if quick else MATMUL_SIZES
    with torch.inference_mode():
        matmul = {d: matmul_tflops(device, d, sizes, min_s, repeats) for d in dtypes}
        copies = [copy_gbs(device, mib, min_s, repeats) for mib in (QUICK_COPY_MIB if quick else COPY_MIB)]
    return Calibration(str(device), device_name(device), torch.get_num_threads(), matmul, max(copies), copies[-1],
                       memory_gb(device), quick)


def profile_text(c: Calibration, name: str) -> str:
    """The profile file `archcalc calibrate` writes (archcalc.analysis.hardware reads it)."""
    matrix = "\n".join(f"  {d}: {v:.6g}" for d, v in c.matmul_tflops.items())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    how = "quick (small sizes, short timings)" if c.quick else "full"
    lines = [
        f"# Measured by `archcalc calibrate` ({how}) on {when}: attained, not datasheet, peaks.",
        f"name: {name}",
        f"title: {_quoted(c.device_name)}",
        "measured: true",
        "vector_tflops:",
        f"  float32: {c.matmul_tflops.get('float32', max(c.matmul_tflops.values())):.6g}",
        "matrix_tflops:",
        matrix,
        f"memory_bandwidth_gbs: {c.bandwidth_gbs:.6g}",
        *([f"memory_gb: {c.memory_gb:.4g}"] if c.memory_gb else []),
        "source:",
        f"  name: {_quoted(f'measured on {c.device} with torch {torch.__version__}, {c.threads} threads, on {when}')}",
        "notes: " + _quoted(f"matmuls of {', '.join(map(str, QUICK_MATMUL_SIZES if c.quick else MATMUL_SIZES))} squared and 3×3 convolutions "
                            f"of {', '.join(f'{ch}×{s}×{s}' for ch, s in CONVS)}, best of repeats; "
                            f"bandwidth: the best streaming copy or in-place update of {', '.join(f'{m:g}' for m in (QUICK_COPY_MIB if c.quick else COPY_MIB))} MiB "
                            f"(the largest alone, main memory: {c.main_memory_gbs:.3g} GB/s)"),
    ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
