"""How fast `archcalc show` is, start to finish, and how its cost grows with the number of layers.

1. Start to finish, as a user runs it (a new process each time; median of --repeat runs):
   `archcalc show alexnet` (table and JSON), `archcalc compare lenet alexnet`, and `archcalc show` of
   generated chains of 10,000 conv+relu layers (`activation: relu` on each conv, and conv and relu
   as layers of their own) as JSON, against `python -c "import torch"` (what any torch-based tool
   pays before its first line of work) and `python -c pass` (the interpreter alone), in one run.
   With --baseline DIR (a checkout of another commit, e.g. `git worktree add /tmp/base cd76fed`)
   the same commands run from there too, side by side, and the table gives new ÷ baseline.
2. Generated chain specs of N layers (conv 3×3/1 pad 1, batchnorm, relu, repeated; every size divides):
   each phase timed in this process (read the YAML, turn it into a spec, build the graph, analyse,
   write the JSON), best of --repeat-chain runs; the cost per layer must stay roughly constant from
   1,000 to 20,000 layers.
   A second chain starts with five stride-2 convs on a 250×250 input, so that the sizes do not divide
   and the analysis also searches the nearest exact input sizes (findings); a third (short) chain
   starts with ten, so that the search must try about a thousand sizes per axis.
   The rich table is rendered for the smaller sizes only (it is the slowest phase by far).

The tables are Markdown, headed by the command, the date, the machine and the commit; with --write BLOCK
they replace that block of benchmarks/README.md (readme_block.py), so the figures there are this script's.

Run:  python benchmarks/bench_show.py                 (a few minutes on 2 cores)
      python benchmarks/bench_show.py --quick         (fewer repeats, sizes up to 4,000)
      python benchmarks/bench_show.py --skip-chains --repeat 7 --baseline /tmp/base --write start-to-finish
"""

from __future__ import annotations

import argparse
import compileall
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from readme_block import README, command_line, record, write_block  # benchmarks/, beside this script
from rich.console import Console

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.outputs import serialize
from archcalc.outputs.jsontext import dumps
from archcalc.report.show import show_table
from archcalc.specfile import parse_spec
from archcalc.specfile.yamlmap import load

CHAIN = (
    "{{name: conv{i}, type: conv, filters: 16, kernel: 3, padding: 1}}",
    "{{name: bn{i}, type: batchnorm}}",
    "{{name: relu{i}, type: relu}}",
)


def conv_relu_spec(layers: int, fused: bool) -> str:
    """`layers` conv+relu layers: each conv with `activation: relu`, or conv and relu as layers of their own."""
    if fused:
        rows = [f"{{name: conv{i}, type: conv, filters: 16, kernel: 3, padding: 1, activation: relu}}" for i in range(layers)]
    else:
        rows = [f"{{name: conv{i}, type: conv, filters: 16, kernel: 3, padding: 1}}" if i % 2 == 0 else f"{{name: relu{i}, type: relu}}"
                for i in range(layers)]
    return f"name: convrelu{layers}\ninput: [16, 32, 32]\nlayers:\n" + "".join(f"  - {r}\n" for r in rows)


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
    console.print(show_table(a))
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def phases(text: str, repeat: int, table: bool) -> dict[str, float]:
    """Seconds per phase for one spec text: 'yaml' is the YAML alone, 'parse' the spec (YAML included)."""
    t_yaml, _ = best(lambda: load(text), repeat)
    t_parse, spec = best(lambda: parse_spec(text, "chain.yaml"), repeat)
    t_graph, graph = best(lambda: build_graph(spec), repeat)
    t_analyse, a = best(lambda: analyse(graph), repeat)
    t_json, _ = best(lambda: dumps(serialize.to_json(a)), repeat)
    result = {"yaml": t_yaml, "parse": t_parse, "graph": t_graph, "analyse": t_analyse, "json": t_json, "findings": len(a.findings)}
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs of each command (median reported)")
    parser.add_argument("--repeat-chain", type=int, default=3, help="runs of each phase (best reported)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 10_000, 20_000])
    parser.add_argument("--search-sizes", type=int, nargs="+", default=[100, 200, 400], help="layers of the 2c chains")
    parser.add_argument("--table-up-to", type=int, default=1_000, help="render the rich table for sizes up to this")
    parser.add_argument("--gc-off", action="store_true", help="disable Python's cyclic garbage collector while timing phases")
    parser.add_argument("--skip-commands", action="store_true", help="only the chain specs (part 2)")
    parser.add_argument("--skip-chains", action="store_true", help="only start to finish (part 1)")
    parser.add_argument("--quick", action="store_true", help="--repeat 3 --repeat-chain 1 --sizes 1000 2000 4000")
    parser.add_argument("--baseline", metavar="DIR", help="a checkout of another commit: its archcalc runs beside this one")
    parser.add_argument("--write", metavar="BLOCK", help="replace this block of benchmarks/README.md with the output")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)  # another file to write (the script's own test)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.repeat_chain, args.sizes, args.search_sizes = 3, 1, [1_000, 2_000, 4_000], [50, 100]
    recorder = record() if args.write else None
    print(f"`{command_line('bench_show.py', sys.argv[1:] if argv is None else argv)}`\n")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')} · {machine()} · commit {commit(Path(__file__).resolve().parent.parent)}")
    if not args.skip_commands:
        start_to_finish(args.repeat, args.baseline)
    if not args.skip_chains:
        if args.gc_off:
            gc.disable()
            print("\n(the cyclic garbage collector is off while the phases run)")
        chains(args)
    if recorder is not None:
        sys.stdout = recorder.stream  # type: ignore[assignment]
        write_block(args.write, recorder.kept.getvalue(), args.readme)


def commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def start_to_finish(repeat: int, baseline: str | None) -> None:
    # bytecode first, as a user's install has it (pip compiles on install; PYTHONDONTWRITEBYTECODE stops
    # an editable checkout from writing it on import, and compiling the sources would be timed each run)
    for root in (Path(__file__).resolve().parent.parent, *([Path(baseline)] if baseline else [])):
        compileall.compile_dir(str(root / "archcalc"), quiet=1)
    cli = [sys.executable, "-m", "archcalc"]
    with tempfile.TemporaryDirectory() as tmp:
        specs = {"fused": Path(tmp) / "convrelu_fused.yaml", "apart": Path(tmp) / "convrelu_apart.yaml"}
        specs["fused"].write_text(conv_relu_spec(10_000, fused=True), encoding="utf-8")
        specs["apart"].write_text(conv_relu_spec(10_000, fused=False), encoding="utf-8")
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"], False),
            ('python -c "import torch"', [sys.executable, "-c", "import torch"], False),
            ("archcalc show alexnet", [*cli, "show", "alexnet"], True),
            ("archcalc show alexnet --format json", [*cli, "show", "alexnet", "--format", "json"], True),
            ("archcalc show alexnet --input 224", [*cli, "show", "alexnet", "--input", "224"], True),
            ("archcalc compare lenet alexnet", [*cli, "compare", "lenet", "alexnet"], True),
            ("show 10,000 conv (activation: relu), json", [*cli, "show", str(specs["fused"]), "--format", "json"], True),
            ("show 5,000 conv + 5,000 relu, json", [*cli, "show", str(specs["apart"]), "--format", "json"], True),
        ]
        print(f"\n1. start to finish, a new process each run (median of {repeat}, in ms; min)\n")
        head = "| command | median ms | min ms | ÷ import torch |"
        print(head + (" baseline median ms | new ÷ baseline |" if baseline else ""))
        print("|---|---:|---:|---:|" + ("---:|---:|" if baseline else ""))
        torch_s = None
        for title, cmd, ours in commands:
            try:
                times = time_command(cmd, repeat, tmp)
                base = time_command(cmd, repeat, baseline) if baseline and ours else None
            except (subprocess.CalledProcessError, FileNotFoundError):
                print(f"| {title} | failed | | |")
                continue
            median = statistics.median(times)
            torch_s = median if "torch" in title else torch_s
            ratio = f"{median / torch_s:.3f}" if torch_s else ""
            row = f"| {title} | {median * 1e3:.0f} | {min(times) * 1e3:.0f} | {ratio} |"
            if baseline:
                row += f" {statistics.median(base) * 1e3:.0f} | {median / statistics.median(base):.2f} |" if base else " | |"
            print(row)


def chains(args: argparse.Namespace) -> None:
    labels = {
        0: "every size divides",
        5: "five stride-2 convs first: sizes do not divide, nearest exact inputs searched",
        10: "ten stride-2 convs first on 3000×3000: the nearest-size search tries ~1,000 sizes per axis",
    }
    for part, strides, sizes in (("2a", 0, args.sizes), ("2b", 5, args.sizes), ("2c", 10, args.search_sizes)):
        print(f"\n{part}. chain specs, {labels[strides]} (best of {args.repeat_chain}; ms, and µs per layer)\n")
        print("| layers | yaml | spec (with yaml) | graph | analyse | json | total | µs/layer | table | findings |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        per_layer: dict[str, list[float]] = {k: [] for k in ("yaml", "parse", "graph", "analyse", "json", "total")}
        for n in sizes:
            p = phases(chain_spec(n, strides), args.repeat_chain if strides < 10 else 1, n <= args.table_up_to and strides < 10)
            p["total"] = p["parse"] + p["graph"] + p["analyse"] + p["json"]
            for k in per_layer:
                per_layer[k].append(p[k] / n * 1e6)
            table = f"{p['table'] * 1e3:.0f}" if "table" in p else "—"
            print(f"| {n:,} | {p['yaml'] * 1e3:.0f} | {p['parse'] * 1e3:.0f} | {p['graph'] * 1e3:.0f} | {p['analyse'] * 1e3:.0f} | "
                  f"{p['json'] * 1e3:.0f} | {p['total'] * 1e3:.0f} | {per_layer['total'][-1]:.1f} | {table} | {p['findings']} |")
        # a phase is flagged when its µs per layer grows by half and it is a tenth or more of the total
        growth = {k: v[-1] / v[0] for k, v in per_layer.items() if v[0] > 0}
        weighty = {k for k, v in per_layer.items() if v[-1] >= 0.1 * per_layer["total"][-1]}
        print(f"\nµs per layer at {sizes[-1]:,} layers ÷ at {sizes[0]:,}: "
              + ", ".join(f"{k} {g:.2f}×{' (NOT linear)' if g > 1.5 and k in weighty else ''}" for k, g in growth.items()))


if __name__ == "__main__":
    main()
