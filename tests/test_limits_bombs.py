"""Issue 14, items 1-7: a small spec (or option) must never cost unbounded memory or time.

Each case runs archcalc in a subprocess under a memory cap (RLIMIT_AS) and a timeout, and must end
with the documented outcome: one 'archcalc: error:' message (and its hint) on stderr, exit 2, no
traceback; or, where the input is fine, the right answer in bounded time. On the code before
issue 14 each of these took minutes and gigabytes, then crashed (the figures quoted are the issue's).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from capped import GB, capped, refused
from click.testing import CliRunner

from archcalc.analysis import valid_inputs
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.kinds.terms.fields import adaptive_windows
from archcalc.kinds.terms.values import quote
from archcalc.limits import MAX_LAYERS, MAX_TABLE_ROWS, TABLE_EDGE_ROWS
from archcalc.specfile import load_spec, parse_spec


def laughs(indent: str) -> str:
    """A "billion laughs" list: ten levels of nine aliases each, 9^10 strings from a few hundred bytes."""
    rows = [f"{indent}- &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"{indent}- &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(rows) + "\n"


LAYER = "layers:\n  - {name: c, type: conv, filters: 4, kernel: 3}\n"
BOMBS = {
    "description": "name: x\ndescription:\n" + laughs("  ") + "input: [3, 32, 32]\n" + LAYER,
    "input": "name: x\ninput:\n" + laughs("  ") + LAYER,
    "claims source": "name: x\ninput: [3, 32, 32]\n" + LAYER + "claims:\n  source:\n" + laughs("    "),
    "block argument": ("name: x\ninput: [3, 32, 32]\nblocks:\n  b:\n    args: {k: 3}\n    layers:\n"
                       "      - {name: c, type: conv, filters: 4, kernel: $k}\nlayers:\n  - name: u\n    type: b\n    k:\n"
                       + laughs("      ")),
}


@pytest.mark.parametrize("where", list(BOMBS))
def test_item1_alias_bombs_are_refused_while_loading(tmp_path: Path, where: str) -> None:
    # before: 48 s and 1.5 GB, then MemoryError (the full repr of the quoted value)
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMBS[where])
    assert len(BOMBS[where]) < 800
    message = refused(capped("show", str(path), memory=1 * GB, timeout=30), "aliases repeat more than 100,000 values")
    assert message.splitlines()[0].split(f"{path}:")[1].split(":")[0].isdigit()  # file:line


def test_item1_an_alias_that_holds_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text("name: x\ninput: &a [3, *a]\n" + LAYER)
    refused(capped("show", str(path), timeout=30), f"{path}:2:", "holds itself")


def test_item1_quote_looks_at_no_more_than_it_shows() -> None:
    tree: object = ["lol"] * 9
    for _ in range(9):
        tree = [tree] * 9  # 9^10 strings, shared: repr() would build a text of gigabytes
    shown = quote(tree)
    assert len(shown) <= 60 and shown.startswith("[[[[")
    assert quote("x" * 5_000_000).endswith("…") and len(quote("x" * 5_000_000)) == 60
    assert quote(10**4000) == "a whole number of 4001 digits"


def fan_out(levels: int, fan: int = 10) -> str:
    """Blocks b0 … b{levels-1}, each using the one before `fan` times: fan^(levels-1) relu layers."""
    text = "name: x\ninput: [3, 8, 8]\nblocks:\n  b0:\n    layers:\n      - {name: r, type: relu}\n"
    for i in range(1, levels):
        text += f"  b{i}:\n    layers:\n" + "".join(f"      - {{name: u{j}, type: b{i - 1}}}\n" for j in range(fan))
    return text + f"layers:\n  - {{name: top, type: b{levels - 1}}}\n"


def test_item2_block_fan_out_is_refused_before_it_expands(tmp_path: Path) -> None:
    # before: 10^9 layers from 2 KB, a segfault at a 2 GB cap
    path = tmp_path / "fan.yaml"
    path.write_text(fan_out(10))
    assert len(path.read_text()) < 3000
    refused(capped("show", str(path), memory=1 * GB, timeout=30), "block 'b9' expands to 1,000,000,000 layers",
            "b9: 10 × b8, b8: 10 × b7", f"past {MAX_LAYERS:,} layers", "--max-layers")


@pytest.mark.parametrize("command", [["show"], ["compare", "lenet"], ["diagram", "--out"], ["run"]])
def test_item2_max_layers_on_every_command_that_loads_a_spec(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "fan.yaml"
    path.write_text(fan_out(3))  # 100 layers
    args = [*command[:1], str(path), *command[1:], *([str(tmp_path / "x.dot")] if command[0] == "diagram" else []), "--max-layers", "99"]
    # `run` in this process, where torch is imported already: a worker of its own imports torch for it (1.7 s of CPU)
    refused(in_process(*args) if command == ["run"] else capped(*args, memory=4 * GB), "block 'b2' expands to 100 layers", "past 99 layers")


def in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """archcalc ARGS through click's runner, answered as capped() answers."""
    result = CliRunner().invoke(main, list(args), prog_name="archcalc")
    return subprocess.CompletedProcess(["archcalc", *args], result.exit_code, result.stdout, result.stderr)


def test_item2_max_layers_lets_a_larger_spec_through(tmp_path: Path) -> None:
    path = tmp_path / "fan.yaml"
    path.write_text(fan_out(3))
    result = capped("show", str(path), "--max-layers", "100", "--format", "json")
    assert result.returncode == 0 and result.stdout.count("\"type\": \"relu\"") == 100


def test_item2_max_layers_counts_blocks_chosen_by_an_argument() -> None:
    text = ("name: x\ninput: [3, 8, 8]\nblocks:\n  b0:\n    layers:\n      - {name: r, type: relu}\n      - {name: s, type: relu}\n"
            "  pick:\n    args: {kind: null}\n    layers:\n      - {name: p, type: $kind}\nlayers:\n"
            + "".join(f"  - {{name: t{i}, type: pick, kind: b0}}\n" for i in range(6)))
    assert len(parse_spec(text, max_layers=12).layers) == 12
    with pytest.raises(Exception, match="past 11 layers"):
        parse_spec(text, max_layers=11)


def test_item3_more_gpus_than_any_split_layer_has_maps_is_an_error(tmp_path: Path) -> None:
    # before: gpus: 1000000 took 41 s and 2.9 GB, then MemoryError
    path = tmp_path / "gpus.yaml"
    path.write_text("name: x\ninput: [3, 8, 8]\ngpus: 1000000\nlayers:\n  - {name: c, type: conv, filters: 4, kernel: 3, split: false}\n"
                    "  - {name: r, type: relu}\n")
    refused(capped("show", str(path), memory=1 * GB, timeout=30), f"{path}:3:", "'gpus' must be at most 1,024")
    path.write_text("name: x\ninput: [3, 8, 8]\ngpus: 1000\nlayers:\n  - {name: c, type: conv, filters: 4, kernel: 3, split: false}\n")
    refused(capped("show", str(path), memory=1 * GB, timeout=30), "gpus: 1000, but no layer is split")
    path.write_text("name: x\ninput: [3, 8, 8]\ngpus: 8\nlayers:\n  - {name: c, type: conv, filters: 4, kernel: 3}\n")
    refused(capped("show", str(path), timeout=30), "layer 'c'", "gpus: 8 is more than its 4 output maps")


def test_item4_adaptive_pooling_to_a_huge_output_in_closed_form(tmp_path: Path) -> None:
    # before: lists as long as the output, 1.8 GB, then MemoryError
    path = tmp_path / "adaptive.yaml"
    path.write_text("name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: p, type: adaptiveavgpool, output: [1000000000, 1000000000]}\n")
    result = capped("show", str(path), "--format", "json", memory=1 * GB, timeout=30)
    assert result.returncode == 0, result.stderr
    assert '"output": [\n        3,\n        1000000000,\n        1000000000\n      ]' in result.stdout
    # 8 units to 10^9: a = 0, b = 8, gcd 8 = b, so every window is one unit (a + 1) and the step is 0 or 1 (b ≥ 2)
    assert adaptive_windows(8, 1_000_000_000) == (1, 1)


@pytest.mark.parametrize("n", range(1, 61))
def test_item4_adaptive_windows_match_torchs_windows_listed_out(n: int) -> None:
    for m in range(1, 61):  # torch: unit i reads ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1
        starts = [i * n // m for i in range(m)]
        ends = [-(-(i + 1) * n // m) for i in range(m)]
        listed = (max(e - s for s, e in zip(starts, ends)), max((b - a for a, b in zip(starts, starts[1:])), default=n))
        assert adaptive_windows(n, m) == listed, (n, m)


def test_item5_valid_inputs_over_a_billion_sizes_is_fast_and_right() -> None:
    # before: minutes. AlexNet divides exactly at 67 + 32k (README); 67 + 32k ≤ 10^9 for k = 0 … 31,249,997
    result = capped("show", "alexnet", "--valid-inputs", "--range", "1:1000000000", "--format", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"count": 31249998' in result.stdout and '"period": 32' in result.stdout and '"last": 999999971' in result.stdout
    table = capped("show", "alexnet", "--valid-inputs", "--range", "1:1000000000", "--format", "markdown", timeout=60)
    assert "31,249,998 sizes: 67, 99, 131, 163, 195, 227, 259, …, 999,999,971 (every 32: 67 + 32k)" in table.stdout


def test_item5_input_of_a_billion_with_valid_inputs_is_fast() -> None:
    result = capped("show", "alexnet", "--input", "1000000000", "--valid-inputs", "--format", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"count": 62499998' in result.stdout  # 67 + 32k ≤ 2·10^9 (the default range is up to twice the input)


@pytest.mark.parametrize("name", ["alexnet", "unet", "resnet18", "googlenet", "squeezenet", "lenet", "vgg16"])
def test_item5_the_solved_sizes_are_the_sizes_tried_one_by_one(name: str) -> None:
    graph = build_graph(load_spec(name))
    high = 1200
    brute = valid_inputs(graph, 1, high, budget=10**12)  # every size tried
    solved = valid_inputs(graph, 1, high, budget=len(graph.nodes) * 400)  # a few hundred tried, the rest from the pattern
    for b, s in zip(brute, solved):
        assert s.period > 0 and s.checked == high
        assert (s.total, s.last, s.smallest, s.reason) == (b.total, b.last, b.smallest, b.reason)
        assert b.exact[: len(s.exact)] == s.exact
        assert all(n % s.period in s.residues for n in b.exact if n > s.exact[-1])


def test_item5_a_range_that_does_not_repeat_is_cut_and_says_so(tmp_path: Path) -> None:
    # the two branches only agree in size at one input (9): nothing repeats past it, which the search must find
    path = tmp_path / "merge.yaml"
    path.write_text("name: x\ninput: [3, 9, 9]\nlayers:\n  - {name: a, type: conv, filters: 4, kernel: 3, stride: 2, padding: 1}\n"
                    "  - {name: c, type: conv, filters: 4, kernel: 5, inputs: [input]}\n  - {name: m, type: add, inputs: [a, c]}\n")
    [v] = valid_inputs(build_graph(load_spec(path)), 1, 10**9)
    assert v.exact == (9,) and v.total == 1


def long_spec(layers: int, description: str = "a spec") -> str:
    return (f"name: x\ndescription: {description}\ninput: [4, 8, 8]\nlayers:\n"
            + "".join(f"  - {{name: l{i}, type: conv, filters: 4, kernel: 1}}\n" for i in range(layers)))


# 3,000 layers (past MAX_TABLE_ROWS, 0.3 s of CPU) prove the cut by default; the 20,000 (1.6 s) run with -m slow
@pytest.mark.parametrize("layers", [3_000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_item6_a_long_table_shows_its_first_and_last_rows(tmp_path: Path, layers: int) -> None:
    # before: about 3 ms a row (20,000 layers: 62 s), and a 5 MB description took 8.6 s
    path = tmp_path / "long.yaml"
    path.write_text(long_spec(layers, "d" * 5_000_000))
    result = capped("show", str(path), timeout=60)
    assert result.returncode == 0, result.stderr
    hidden = layers - 2 * TABLE_EDGE_ROWS
    assert f"… marks {hidden:,} layers not shown (all of them: --all, or --format json)" in result.stdout
    last = layers - TABLE_EDGE_ROWS  # the first of the last TABLE_EDGE_ROWS rows
    assert " l99 " in result.stdout and " l100 " not in result.stdout and f" l{last} " in result.stdout and f" l{last - 1} " not in result.stdout
    assert "d" * 300 + "… (5,000,000 characters; --format json has all)" in result.stdout
    assert len(result.stdout) < 500_000


@pytest.mark.slow  # rich lays out every one of thousands of rows: seconds
def test_item6_all_shows_every_row(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(long_spec(MAX_TABLE_ROWS + 1))
    result = capped("show", str(path), "--all", timeout=120)
    assert result.returncode == 0 and "not shown" not in result.stdout
    assert all(f" l{i} " in result.stdout for i in (0, 100, 1000, MAX_TABLE_ROWS))
    short = capped("show", str(path), timeout=120)
    assert "… marks 1,801 layers not shown" in short.stdout


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "3601", "-inf", "x"])
def test_item7_min_time_is_bounded_and_validated(value: str) -> None:
    # before: --min-time inf never ended, nan was accepted
    result = capped("run", "lenet", "--min-time", value, memory=4 * GB, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "--min-time" in result.stderr
    assert "3600 seconds" in result.stderr or "not a number" in result.stderr


@pytest.mark.parametrize("depth", [2000, 100_000])
def test_item1_deep_nesting_is_refused_before_pyyaml_recurses(tmp_path: Path, depth: int) -> None:
    # before: 2,000 '[' raised RecursionError; 100,000 crashed PyYAML's C composer (a segfault)
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\ninput: " + "[" * depth + "]" * depth + "\n" + LAYER)
    refused(capped("show", str(path), timeout=30), f"{path}:2:", "nests more than 100 deep")
