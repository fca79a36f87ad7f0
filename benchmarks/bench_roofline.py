"""Each layer's measured CPU time against its roofline on this machine, as `archcalc calibrate` then
`archcalc run SPEC --device cpu --per-layer` give them, for AlexNet and ResNet-18 at batch 1 and 16.

The machine is calibrated first (archcalc.torch_backend.calibrate, into a temporary folder: the user's
profiles are left alone), on the threads torch uses (--threads, default 1: on a shared machine two threads
wait on each other whenever another job holds a CPU). With --write BLOCK the output replaces that block of
benchmarks/README.md.

    python benchmarks/bench_roofline.py                       # about 2 minutes on 2 cores
    python benchmarks/bench_roofline.py --write roofline-cpu  # the figures of benchmarks/README.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
from pathlib import Path

import torch
from bench_run import commit  # benchmarks/, beside this script
from readme_block import README, command_line, record, write_block

from archcalc import build_graph, load_spec
from archcalc import torch_backend as tb
from archcalc.analysis import analyse, hardware
from archcalc.analysis.roofline import Against, against, roofline
from archcalc.report.roofline import seconds_text
from archcalc.torch_backend.calibrate import calibrate, profile_text

WORST = 5  # the least efficient compute-bound layers listed per run


def measure(spec: str, batch: int, profile: hardware.Profile, overhead: tuple[float, float], min_time_s: float) -> Against:
    graph = build_graph(load_spec(spec))
    a = analyse(graph)
    result = tb.run_network(graph, a, tb.RunOptions("cpu", "float32", batch, min_time_s, per_layer=True))
    medians = {t.name: t.median_ms / 1e3 for t in result.layer_times}
    return against(roofline(a, profile, batch, "float32"), medians, *overhead, result.timing.median_ms / 1e3)


def table(spec: str, batch: int, ag: Against, kinds: dict[str, str]) -> None:
    r = ag.roofline
    print(f"#### {spec}, batch {batch}: least time {seconds_text(r.seconds)}, measured {seconds_text(ag.layers_sum)} "
          f"(sum of layers; whole forward {seconds_text(ag.forward)}): {100 * r.seconds / ag.layers_sum:.1f}% of roofline\n")
    print("| layer | kind | bound | measured | roofline | % of roofline |")
    print("|---|---|---|---:|---:|---:|")
    for m in ag.layers:
        if m.bound == 0:  # a view or dropout: it moves nothing
            continue
        percent = f"{m.percent:.1f}" if m.percent is not None else "—"
        print(f"| {m.name} | {kinds[m.name]} | {m.roof} | {seconds_text(m.seconds)} | {seconds_text(m.bound)} | {percent} |")
    compute = sorted((m for m in ag.layers if m.roof == "compute" and m.percent is not None), key=lambda m: m.percent or 0.0)
    memory = [m for m in ag.layers if m.roof == "memory" and m.bound > 0]  # a view or dropout moves nothing: no roofline
    line = "compute-bound layers, least efficient first: " + ", ".join(f"{m.name} {m.percent:.1f}%" for m in compute[:WORST])
    if memory:
        share = sum(m.seconds for m in memory) / ag.layers_sum
        line += (f"; memory-bound layers: {len(memory)}, {share:.0%} of the measured time, at "
                 f"{min(m.percent or 0 for m in memory):.1f}–{max(m.percent or 0 for m in memory):.1f}% of roofline")
    print(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--spec", action="append")
    parser.add_argument("--batch", type=int, action="append")
    parser.add_argument("--seconds", type=float, default=1.0, help="--min-time of each run")
    parser.add_argument("--write", metavar="BLOCK", help="replace this block of benchmarks/README.md with the output")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    recorder = record() if args.write else None
    print(f"`{command_line('bench_roofline.py', sys.argv[1:] if argv is None else argv)}`\n")
    device = torch.device("cpu")
    c = calibrate(device, ("float32",))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cpu.yaml"
        path.write_text(profile_text(c, "cpu"), encoding="utf-8")
        profile = hardware.read(path)
    overhead = tb.timer_overhead(device)
    print(f"{datetime.date.today()} · torch {torch.__version__} · Python {platform.python_version()} · {tb.cpu_model()}, "
          f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, load average {os.getloadavg()[0]:.1f} · commit {commit()}\n")
    print(f"calibrated: matmul float32 {profile.matrix_tflops['float32'] * 1e3:.1f} GFLOP/s; streaming copy {profile.bandwidth_gbs:.1f} GB/s "
          f"(the best size; main memory {c.main_memory_gbs:.1f} GB/s); per-layer timer {seconds_text(overhead[0])} "
          f"(90th percentile {seconds_text(overhead[1])}), taken off each layer\n")
    for spec in args.spec or ["alexnet", "resnet18"]:
        a = analyse(build_graph(load_spec(spec)))
        kinds = {r.name: r.kind for r in a.rows}
        for batch in args.batch or [1, 16]:
            table(spec, batch, measure(spec, batch, profile, overhead, args.seconds), kinds)
    if recorder is not None:
        sys.stdout = recorder.stream  # type: ignore[assignment]
        write_block(args.write, recorder.kept.getvalue(), args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
