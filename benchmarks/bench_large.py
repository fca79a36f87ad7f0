"""Large specs, `run` and `diagram --fit`: the CPU time (user + sys, the process and the programs it waits for, such
as Graphviz's dot) and the peak memory (max RSS) of whole processes, as a user runs them, each against a baseline
measured in the same run, interleaved (a, b, a, b, ...), so that the machine's drift falls on both alike.

1. `archcalc show CHAIN --format json > FILE` of generated chains (conv 3×3/1 pad 1, batchnorm, relu, repeated) of
   1,000, 10,000 and 100,000 layers: CPU per layer, end to end (spec to JSON, start-up taken off: the 1,000-layer
   chain's CPU is subtracted from each, so the figure is what each further layer costs), and the peak memory;
   with --baseline DIR (a checkout of an earlier commit) the same from there, alternating.
2. `archcalc run alexnet --device cpu` against `python -c "import torch"`.
3. `archcalc diagram resnet18 --fit 16:9` against `archcalc show resnet18 --format json`.

The tables are Markdown, headed by the command, the date, the machine and the commit; with --write BLOCK they
replace that block of benchmarks/README.md (readme_block.py).

Run:  git worktree add /tmp/js/base df0b515
      python benchmarks/bench_large.py --baseline /tmp/js/base --write large      (about 5 minutes on 2 cores)
      python benchmarks/bench_large.py --quick                                  (10,000 layers at most, 1 repeat)
      python benchmarks/bench_large.py --only fit --repeat 9 --baseline DIR --write fit   (3. alone, its own block)
      python benchmarks/bench_large.py --only run --repeat 5                    (part 2 alone, not written)
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readme_block import README, command_line, record, write_block  # benchmarks/, beside this script

ROOT = Path(__file__).resolve().parent.parent
CHAIN = ("{{name: conv{i}, type: conv, filters: 16, kernel: 3, padding: 1}}", "{{name: bn{i}, type: batchnorm}}",
         "{{name: relu{i}, type: relu}}")


def chain_spec(layers: int) -> str:
    return f"name: chain{layers}\ninput: [16, 32, 32]\nlayers:\n" + "".join(f"  - {CHAIN[i % 3].format(i=i)}\n" for i in range(layers))


def measure(cmd: list[str], cwd: Path, out: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, user + sys, of the process and the children it waited for; its peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=sink, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)} (in {cwd})")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def paired(commands: list[tuple[list[str], Path]], repeat: int) -> list[list[tuple[float, float]]]:
    """Each command `repeat` times, interleaved: a, b, a, b, ... (after one warm-up round for the file cache)."""
    for cmd, cwd in commands:
        measure(cmd, cwd)
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for i, (cmd, cwd) in enumerate(commands):
            runs[i].append(measure(cmd, cwd))
    return runs


def cpu(runs: list[tuple[float, float]]) -> float:
    return statistics.median(c for c, _ in runs)


def rss(runs: list[tuple[float, float]]) -> float:
    return max(m for _, m in runs)


def machine() -> str:
    cpu_name = platform.processor() or "?"
    with contextlib.suppress(OSError, StopIteration):
        cpu_name = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.system()} {platform.machine()}, {cpu_name}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load:.1f}"


def commit(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def large(sizes: list[int], repeat: int, baseline: Path | None, tmp: Path) -> None:
    roots = [("new", ROOT)] + ([("baseline", baseline)] if baseline else [])
    print(f"\n1. `archcalc show CHAIN --format json > FILE`: CPU (user + sys, median of {repeat}) and peak RSS (the most of {repeat})\n")
    print("| layers | " + " | ".join(f"{name} CPU s | {name} µs/layer | {name} peak MB" for name, _ in roots) + (" | new ÷ baseline CPU |" if baseline else " |"))
    print("|---:|" + "---:|---:|---:|" * len(roots) + ("---:|" if baseline else ""))
    specs = {}
    for n in [1000, *sizes]:
        specs[n] = tmp / f"chain{n}.yaml"
        specs[n].write_text(chain_spec(n), encoding="utf-8")
    start: dict[str, float] = {}
    for n in [1000, *sizes]:
        commands = [([sys.executable, "-m", "archcalc", "show", str(specs[n]), "--format", "json"], root) for _, root in roots]
        runs = paired(commands, repeat)
        cells = []
        for (name, _), r in zip(roots, runs):
            if n == 1000:
                start[name] = cpu(r) - 1000 * 0  # the 1,000-layer chain: the start-up and its first layers
            per = (cpu(r) - start[name]) / (n - 1000) * 1e6 if n > 1000 else float("nan")
            cells.append(f"{cpu(r):.2f} | {'' if n == 1000 else f'{per:.1f}'} | {rss(r):.0f}")
        ratio = f" {cpu(runs[0]) / cpu(runs[1]):.2f} |" if baseline else ""
        print(f"| {n:,} | " + " | ".join(cells) + " |" + ratio)
    print("\nµs/layer: (CPU at N layers − CPU at 1,000 layers) ÷ (N − 1,000), what each further layer costs from the spec to its JSON.")


def ratios(repeat: int, baseline: Path | None, only: str | None = None) -> None:
    cli = [sys.executable, "-m", "archcalc"]
    cases = [
        ("2", "archcalc run alexnet --device cpu", [*cli, "run", "alexnet", "--device", "cpu"], 'python -c "import torch"', [sys.executable, "-c", "import torch"], 2.5),
        ("3", "archcalc diagram resnet18 --fit 16:9 --out r18.svg", [*cli, "diagram", "resnet18", "--fit", "16:9", "--out", "r18.svg"],
         "archcalc show resnet18 --format json", [*cli, "show", "resnet18", "--format", "json"], 2.0),
    ]
    for number, title, cmd, against, against_cmd, limit in cases:
        if only is not None and number != {"run": "2", "fit": "3"}.get(only):
            continue
        roots = [("new", ROOT)] + ([("baseline", baseline)] if baseline else [])
        with tempfile.TemporaryDirectory() as out:
            commands = [(against_cmd, ROOT)] + [(cmd[:-1] + [str(Path(out) / f"{name}.svg")] if "--out" in cmd else cmd, root) for name, root in roots]
            runs = paired(commands, repeat)
        base = cpu(runs[0])
        print(f"\n{number}. `{title}` against `{against}`: CPU (user + sys, with the programs it waits for), median of {repeat}, interleaved\n")
        print("| command | CPU s | ÷ " + against.split(" ", 1)[0] + " | limit |")
        print("|---|---:|---:|---:|")
        print(f"| {against} | {base:.2f} | 1.00 | |")
        for (name, _), r in zip(roots, runs[1:]):
            print(f"| {title} ({name}) | {cpu(r):.2f} | {cpu(r) / base:.2f} | {limit if name == 'new' else ''} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit, run alternately with this one")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="up to 10,000 layers, one run each")
    parser.add_argument("--skip-ratios", action="store_true", help="only the large specs")
    parser.add_argument("--only", choices=["show", "run", "fit"],
                        help="only the large specs (1.), only `run alexnet` (2.) or only `diagram resnet18 --fit 16:9` (3.)")
    parser.add_argument("--write", metavar="BLOCK", help="replace this block of benchmarks/README.md with the output")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    if args.only and args.write and (args.only, args.write) != ("fit", "fit"):
        parser.error("--only measures one part of the 'large' block that --write replaces whole: write it with all three "
                     "(--only fit writes its own block, --write fit)")
    recorder = record() if args.write else None
    repeat = 1 if args.quick else args.repeat
    for root in (ROOT, *([args.baseline] if args.baseline else [])):
        compileall.compile_dir(str(root / "archcalc"), quiet=1)  # bytecode, as an install has it
    print(f"`{command_line('bench_large.py', sys.argv[1:] if argv is None else argv)}`\n")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {machine()} · commit {commit(ROOT)}"
          + (f" · baseline {commit(args.baseline)}" if args.baseline else ""))
    if args.only in (None, "show"):
        with tempfile.TemporaryDirectory() as tmp:
            large([10_000] if args.quick else [10_000, 100_000], repeat, args.baseline, Path(tmp))
    if not args.skip_ratios and args.only != "show":
        ratios(repeat, args.baseline, args.only)
    if recorder is not None:
        sys.stdout = recorder.stream  # type: ignore[assignment]
        write_block(args.write, recorder.kept.getvalue(), args.readme)


if __name__ == "__main__":
    main()
