"""How much CPU `archcalc` takes to start and draw, against `python -c "import torch"` (issue 24).

1. CPU time (user + sys) of whole processes, paired and interleaved: each round runs `python -c "import torch"`,
   `python -c pass` and every archcalc command once, in turn, so that the machine's load falls on all alike;
   the table gives each command's median and its median ratio to `import torch` in the same round.
2. The table rendering alone, in this process: `show` of generated chains of 100 and 1,000 layers drawn by
   archcalc.cli.tables.print_whole into a pipe (every row), best of 3, in µs of CPU per row (show_table's own
   building of the cells included).

Run:  python benchmarks/bench_start.py --write start-cpu     (about a minute on 2 cores)
      git archive df0b515 archcalc | tar -x -C /tmp/base && python benchmarks/bench_start.py --baseline /tmp/base
      (the same commands from the commit before issue 24, in the same rounds)
"""

from __future__ import annotations

import argparse
import compileall
import io
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_show import chain_spec, commit, machine  # benchmarks/, beside this script
from readme_block import command_line, record, write_block

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ("archcalc --help", ["--help"]),
    ("archcalc kinds", ["kinds"]),
    ("archcalc schema", ["schema"]),
    ("archcalc show alexnet", ["show", "alexnet"]),
    ("archcalc show alexnet --format json", ["show", "alexnet", "--format", "json"]),
    ("archcalc compare lenet alexnet", ["compare", "lenet", "alexnet"]),
]
TARGETS = {"archcalc show alexnet": 0.05, "archcalc show alexnet --format json": 0.03}
# the floor under those targets: the same interpreter importing only the libraries each command's process ends up
# holding (click, PyYAML, orjson, and the standard modules archcalc's core is written with), none of archcalc's code
FLOOR_JSON = "import click, yaml, orjson, dataclasses, fractions, pathlib, json, difflib"
FLOORS = [("floor of show --format json: " + FLOOR_JSON, FLOOR_JSON),
          ("floor of show: the same + rich.console, rich.table", FLOOR_JSON + ", rich.console, rich.table")]


def cpu_ms(cmd: list[str], cwd: Path = ROOT) -> float:
    """User + system CPU of one run of `cmd` in `cwd` (whose archcalc/ `python -m archcalc` runs), in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def processes(rounds: int, baseline: str | None) -> None:
    py = sys.executable
    runs = [('python -c "import torch"', [py, "-c", "import torch"], ROOT), ("python -c pass", [py, "-c", "pass"], ROOT),
            *[(name, [py, "-c", code], ROOT) for name, code in FLOORS],
            *[(name, [py, "-m", "archcalc", *args], ROOT) for name, args in COMMANDS]]
    for root in (ROOT, *([Path(baseline)] if baseline else [])):
        compileall.compile_dir(str(root / "archcalc"), quiet=1)  # bytecode, as an install has it
    if baseline:  # the same commands from another checkout (its archcalc/ first on the path), in the same rounds
        runs += [(f"{name} (baseline)", [py, "-m", "archcalc", *args], Path(baseline)) for name, args in COMMANDS]
    for _, cmd, cwd in runs:  # one warm-up each, for the file cache
        cpu_ms(cmd, cwd)
    times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    for _ in range(rounds):
        this = {name: cpu_ms(cmd, cwd) for name, cmd, cwd in runs}
        for name, ms in this.items():
            times[name].append(ms)
            ratios[name].append(ms / this['python -c "import torch"'])
    print(f"\n1. CPU time (user + sys) of the whole process, {rounds} paired rounds, interleaved (median ms; median ratio "
          "to import torch in the same round)\n")
    print("| command | CPU ms | ÷ import torch | target | met |")
    print("|---|---:|---:|---:|---|")
    for name, _, _ in runs:
        target = TARGETS.get(name)
        ratio = statistics.median(ratios[name])
        met = "" if target is None else ("yes" if ratio <= target else "no")
        print(f"| {name} | {statistics.median(times[name]):.0f} | {ratio:.3f} | {'' if target is None else f'≤ {target}'} | {met} |")


def rendering(sizes: list[int]) -> None:
    sys.path.insert(0, str(ROOT))
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.cli.tables import print_whole
    from archcalc.report.show import show_table
    from archcalc.specfile import parse_spec

    print("\n2. the table alone: show_table + print_whole into a pipe, every row (best of 3, CPU)\n")
    print("| layers | ms | µs per row | target µs per row |")
    print("|---:|---:|---:|---:|")
    for layers in sizes:
        a = analyse(build_graph(parse_spec(chain_spec(layers), "chain.yaml")))
        best = float("inf")
        for _ in range(3):
            real, sys.stdout = sys.stdout, io.StringIO()
            start = time.process_time()
            try:
                print_whole(show_table(a, every=True), wide=False)
            finally:
                spent, sys.stdout = time.process_time() - start, real
            best = min(best, spent)
        print(f"| {layers:,} | {best * 1000:.1f} | {best / layers * 1e6:.0f} | 100 |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds of every command")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000])
    parser.add_argument("--baseline", metavar="DIR", help="a checkout of another commit: its commands run in the same rounds")
    parser.add_argument("--write", metavar="BLOCK", help="replace this block of benchmarks/README.md with the output")
    args = parser.parse_args(argv)
    recorder = record() if args.write else None
    print(f"`{command_line('bench_start.py', sys.argv[1:] if argv is None else argv)}`\n")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')} · {machine()} · commit {commit(ROOT)}")
    processes(args.rounds, args.baseline)
    rendering(args.sizes)
    if recorder is not None:
        sys.stdout = recorder.stream
        write_block(args.write, recorder.kept.getvalue())


if __name__ == "__main__":
    main()
