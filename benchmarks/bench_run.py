"""AlexNet built from specs/alexnet.yaml against the same network hand-written as an nn.Sequential.

Both get the same weights (copied, and the outputs compared), the same device, batch and dtype,
and are measured in one run: rounds that alternate which goes first, each a
torch.utils.benchmark blocked_autorange under inference_mode. Two figures are printed, each named for
what it is: the ratio of the two medians (what a reader can check from the two columns) and the
median over rounds of the per-round ratio (spec / hand-written, each round's pair measured moments
apart, so a machine whose speed drifts between rounds moves both alike). The second must be at most
1.05 (exit 1 otherwise). With --write BLOCK the output replaces that block of benchmarks/README.md.

    python benchmarks/bench_run.py                          # CPU, batch 1 and 8, float32, 21 rounds
    python benchmarks/bench_run.py --device cuda --batch 1 --batch 128 --dtype float32 --dtype bfloat16
    python benchmarks/bench_run.py --write cpu              # the figures of benchmarks/README.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import torch
import torch.utils.benchmark as benchmark
from readme_block import README, command_line, record, write_block  # benchmarks/, beside this script
from torch import nn

from archcalc import build_graph, load_spec
from archcalc import torch_backend as tb
from archcalc.analysis import Analysis, analyse

LIMIT = 1.05


class TowerLRN(nn.Module):
    """The paper's LRN over each GPU's own maps (section 3.3): torch's LocalResponseNorm takes α·n."""

    def __init__(self, gpus: int = 2) -> None:
        super().__init__()
        self.gpus = gpus
        self.lrn = nn.LocalResponseNorm(5, alpha=5 * 1e-4, beta=0.75, k=2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        return self.lrn(x.reshape(n * self.gpus, c // self.gpus, -1)).view(x.shape)


def hand_written_alexnet() -> nn.Sequential:
    """Krizhevsky et al. (2012), figure 2, on one device: the towers as groups=2 convolutions."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 1000), nn.Softmax(dim=1),
    )


def pair(device: torch.device, dtype: torch.dtype) -> tuple[nn.Module, nn.Module, Analysis]:
    graph = build_graph(load_spec("alexnet"))
    a = analyse(graph)
    built = tb.build_module(graph, a)
    hand = hand_written_alexnet()
    with torch.no_grad():
        for ours, theirs in zip(built.parameters(), hand.parameters(), strict=True):
            assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
            theirs.copy_(ours)
    built, hand = built.to(device, dtype).eval(), hand.to(device, dtype).eval()
    x = tb.example_input(a, 1, device, dtype)
    with torch.inference_mode():
        assert torch.equal(built(x), hand(x)), "the two networks must compute the same thing"
    return built, hand, a


def measure(module: nn.Module, x: torch.Tensor, seconds: float) -> float:
    timer = benchmark.Timer("module(x)", globals={"module": module, "x": x}, num_threads=torch.get_num_threads())
    with torch.inference_mode():
        return float(timer.blocked_autorange(min_run_time=seconds).median) * 1e3


def compare(device: torch.device, dtype: torch.dtype, batch: int, rounds: int, seconds: float) -> tuple[float, float, float, float]:
    """(median ms from the spec, median ms hand-written, median of per-round ratios, ratio of the best rounds)."""
    built, hand, a = pair(device, dtype)
    x = tb.example_input(a, batch, device, dtype)
    torch.backends.cudnn.benchmark = device.type == "cuda"
    with torch.inference_mode():
        for _ in range(3):  # warm-up: cudnn autotuning, caches, allocator
            built(x), hand(x)
    ours_ms, theirs_ms, ratios = [], [], []
    for r in range(rounds):
        order: list[tuple[list[float], nn.Module]] = [(ours_ms, built), (theirs_ms, hand)]
        for times, module in order if r % 2 == 0 else order[::-1]:
            times.append(measure(module, x, seconds))
        ratios.append(ours_ms[-1] / theirs_ms[-1])
    return statistics.median(ours_ms), statistics.median(theirs_ms), statistics.median(ratios), min(ours_ms) / min(theirs_ms)


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}"
    return f"{tb.cpu_model()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, load average {os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, action="append")
    parser.add_argument("--dtype", choices=tb.DTYPES, action="append")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--seconds", type=float, default=0.5, help="min_run_time of each measurement")
    parser.add_argument("--write", metavar="BLOCK", help="replace this block of benchmarks/README.md with the output")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)  # another file to write
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    recorder = record() if args.write else None
    print(f"`{command_line('bench_run.py', sys.argv[1:] if argv is None else argv)}`\n")
    print(f"{datetime.date.today()} · torch {torch.__version__} · Python {platform.python_version()} · {describe(device)} · "
          f"commit {commit()}\n")
    print(f"{args.rounds} rounds, each {args.seconds} s per network, order alternating\n")
    print("| device | batch | dtype | from spec, median ms | hand-written nn.Sequential, median ms | ratio of the medians "
          "| median of the per-round ratios | best round ÷ best round |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for dtype_name in args.dtype or ["float32"]:
        for batch in args.batch or [1, 8]:
            ours, theirs, ratio, best = compare(device, tb.DTYPES[dtype_name], batch, args.rounds, args.seconds)
            worst = max(worst, ratio)
            print(f"| {device} | {batch} | {dtype_name} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.3f} | {ratio:.3f} | {best:.3f} |")
    print(f"\nEach ratio is from spec ÷ hand-written. The two medians are of different rounds, so their ratio moves with the "
          f"machine's speed between rounds; the median of the per-round ratios compares each round's pair, measured moments "
          f"apart, and is the figure held to the limit: worst {worst:.3f}, {'within' if worst <= LIMIT else 'OVER'} the limit {LIMIT}.")
    if recorder is not None:
        sys.stdout = recorder.stream  # type: ignore[assignment]
        write_block(args.write, recorder.kept.getvalue(), args.readme)
    return 0 if worst <= LIMIT else 1


def commit() -> str:
    try:
        root = Path(__file__).resolve().parent.parent
        out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
