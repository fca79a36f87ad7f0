"""How fast `archcalc show` is, start to finish, and how its cost grows with the number of layers.

1. Start to finish, as a user runs it (a new process each time; median of --repeat runs):
   `archcalc show alexnet` (table and JSON), `archcalc compare lenet alexnet`, against
   `python -c "import torch"` (what any torch-based tool pays before its first line of work) and
   `python -c pass` (the interpreter alone). Target (issue 2): `show` well under a third of torch's import.
2. Generated chain specs of N layers (conv 3×3/1 pad 1, batchnorm, relu, repeated; every size divides):
   each phase timed in this process (parse the YAML, build the graph, analyse, render JSON), best of
   --repeat-chain runs; the cost per layer must stay roughly constant from 1,000 to 20,000 layers.
   A second chain starts with five stride-2 convs on a 250×250 input, so that the sizes do not divide
   and the analysis also searches the nearest exact input sizes (findings); a third (short) chain
   starts with ten, so that the search must try about a thousand sizes per axis.
   The rich table is rendered for the smaller sizes only (it is the slowest phase by far).

Run:  python benchmarks/bench_show.py                 (about a minute on 2 cores)
      python benchmarks/bench_show.py --quick         (fewer repeats, sizes up to 4,000)
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from archcalc import report
from archcalc.analysis import analyse
from archcalc.graph import build_graph
from archcalc.spec import parse_spec

CHAIN = (
    "{{name: conv{i}, type: conv, filters: 16, kernel: 3, padding: 1}}",
    "{{name: bn{i}, type: batchnorm}}",
    "{{name: relu{i}, type: relu}}",
)


def chain_spec(layers: int, strides: int = 0) -> str:
    """A chain of `layers` layers; `strides` > 0: that many stride-2 convs first, on a size that does not divide."""
    rows = [CHAIN[i % 3].format(i=i) for i in range(layers)]
    size = 32
    if strides == 5:
        size = 250  # (250 − 3)/2 + 1 = 124.5: nearest exact inputs 223 and 255 (≡ 31 mod 32)
    elif strides:
        size = 3000  # ten stride-2 convs: exact inputs are ≡ 1023 mod 1024, so 2047 and 3071
    rows[:strides] = [f"{{name: down{i}, type: conv, filters: 16, kernel: 3, stride: 2}}" for i in range(strides)]
    return f"name: chain{layers}\ninput: [16, {size}, {size}]\nlayers:\n" + "".join(f"  - {r}\n" for r in rows)


def archcalc_command() -> list[str]:
    exe = shutil.which("archcalc")
    return [exe] if exe else [sys.executable, "-m", "archcalc"]


def time_command(cmd: list[str], repeat: int, cwd: str) -> list[float]:
    """Wall seconds of each run of a new process (after one warm-up run for the file cache)."""
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Least wall seconds over `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def render_table(a: Any) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    console.print(report.show_table(a))
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def phases(text: str, repeat: int, table: bool) -> dict[str, float]:
    """Seconds per phase for one spec text."""
    t_parse, spec = best(lambda: parse_spec(text, "chain.yaml"), repeat)
    t_graph, graph = best(lambda: build_graph(spec), repeat)
    t_analyse, a = best(lambda: analyse(graph), repeat)
    t_json, _ = best(lambda: report.to_json(a), repeat)
    result = {"parse": t_parse, "graph": t_graph, "analyse": t_analyse, "json": t_json, "findings": len(a.findings)}
    if table:
        result["table"], _ = best(lambda: render_table(a), 1)
    return result


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs of each command (median reported)")
    parser.add_argument("--repeat-chain", type=int, default=3, help="runs of each phase (best reported)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 10_000, 20_000])
    parser.add_argument("--search-sizes", type=int, nargs="+", default=[100, 200, 400], help="layers of the 2c chains")
    parser.add_argument("--table-up-to", type=int, default=1_000, help="render the rich table for sizes up to this")
    parser.add_argument("--gc-off", action="store_true", help="disable Python's cyclic garbage collector while timing phases")
    parser.add_argument("--skip-commands", action="store_true", help="only the chain specs (part 2)")
    parser.add_argument("--quick", action="store_true", help="--repeat 3 --repeat-chain 1 --sizes 1000 2000 4000")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.repeat_chain, args.sizes, args.search_sizes = 3, 1, [1_000, 2_000, 4_000], [50, 100]

    print(f"machine: {machine()}")
    if not args.skip_commands:
        start_to_finish(args.repeat)
    if args.gc_off:
        gc.disable()
        print("\n(the cyclic garbage collector is off while the phases run)")
    chains(args)


def start_to_finish(repeat: int) -> None:
    cli = archcalc_command()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "chain10000.yaml"
        big.write_text(chain_spec(10_000), encoding="utf-8")
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ('python -c "import torch"', [sys.executable, "-c", "import torch"]),
            ("archcalc show alexnet", [*cli, "show", "alexnet"]),
            ("archcalc show alexnet --format json", [*cli, "show", "alexnet", "--format", "json"]),
            ("archcalc show alexnet --input 224", [*cli, "show", "alexnet", "--input", "224"]),
            ("archcalc compare lenet alexnet", [*cli, "compare", "lenet", "alexnet"]),
            ("archcalc show chain10000.yaml --format json", [*cli, "show", str(big), "--format", "json"]),
        ]
        print(f"\n1. start to finish, a new process each run (median of {repeat}; min)")
        print(f"{'command':<46}{'median ms':>10}{'min ms':>9}{'÷ torch':>9}")
        medians: dict[str, float] = {}
        for title, cmd in commands:
            try:
                times = time_command(cmd, repeat, tmp)
            except (subprocess.CalledProcessError, FileNotFoundError):
                print(f"{title:<46}{'failed':>10}")
                continue
            medians[title] = statistics.median(times)
            torch_ms = medians.get('python -c "import torch"')
            ratio = f"{medians[title] / torch_ms:.2f}" if torch_ms else ""
            print(f"{title:<46}{medians[title] * 1e3:>10.0f}{min(times) * 1e3:>9.0f}{ratio:>9}")


def chains(args: argparse.Namespace) -> None:
    labels = {
        0: "every size divides",
        5: "five stride-2 convs first: sizes do not divide, nearest exact inputs searched",
        10: "ten stride-2 convs first on 3000×3000: the nearest-size search tries ~1,000 sizes per axis",
    }
    for part, strides, sizes in (("2a", 0, args.sizes), ("2b", 5, args.sizes), ("2c", 10, args.search_sizes)):
        print(f"\n{part}. chain specs, {labels[strides]} (best of {args.repeat_chain}; ms, and µs per layer)")
        print(f"{'layers':>7}{'parse':>9}{'graph':>9}{'analyse':>9}{'json':>8}{'total':>9}{'µs/layer':>10}{'table':>9}{'findings':>9}")
        per_layer: dict[str, list[float]] = {k: [] for k in ("parse", "graph", "analyse", "json", "total")}
        for n in sizes:
            p = phases(chain_spec(n, strides), args.repeat_chain if strides < 10 else 1, n <= args.table_up_to and strides < 10)
            p["total"] = p["parse"] + p["graph"] + p["analyse"] + p["json"]
            for k in per_layer:
                per_layer[k].append(p[k] / n * 1e6)
            table = f"{p['table'] * 1e3:.0f}" if "table" in p else "—"
            print(f"{n:>7}{p['parse'] * 1e3:>9.0f}{p['graph'] * 1e3:>9.0f}{p['analyse'] * 1e3:>9.0f}{p['json'] * 1e3:>8.0f}"
                  f"{p['total'] * 1e3:>9.0f}{per_layer['total'][-1]:>10.1f}{table:>9}{p['findings']:>9}")
        # a phase is flagged when its µs per layer grows by half and it is a tenth or more of the total
        growth = {k: v[-1] / v[0] for k, v in per_layer.items() if v[0] > 0}
        weighty = {k for k, v in per_layer.items() if v[-1] >= 0.1 * per_layer["total"][-1]}
        print(f"   µs per layer at {sizes[-1]:,} layers ÷ at {sizes[0]:,}: "
              + ", ".join(f"{k} {g:.2f}×{' (NOT linear)' if g > 1.5 and k in weighty else ''}" for k, g in growth.items()))


if __name__ == "__main__":
    main()
