"""Output formats of `show` and `compare`: the documented JSON shape, CSV, Markdown, and golden files.

Golden files live in tests/golden/ (show_*, compare_*); `pytest --update-golden` rewrites them from the
current output, to be reviewed in the diff. Every golden file also satisfies invariants that do not
depend on the figures: each layer's rows add up to the totals, and the per-GPU figures add up to the
layer and network totals.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

GOLDEN = Path(__file__).parent / "golden"
PLAIN = {"NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb", "COLUMNS": None}  # the same bytes on every machine

GOLDEN_CASES: dict[str, list[str]] = {
    "show_alexnet.json": ["show", "alexnet", "--format", "json"],
    "show_alexnet.md": ["show", "alexnet", "--format", "markdown"],
    "show_alexnet.csv": ["show", "alexnet", "--format", "csv"],
    "show_alexnet.txt": ["show", "alexnet"],
    "show_alexnet_224.json": ["show", "alexnet", "--input", "224", "--format", "json"],
    "show_alexnet_224.md": ["show", "alexnet", "--input", "224", "--format", "markdown"],
    "show_lenet.json": ["show", "lenet", "--format", "json"],
    "show_lenet.md": ["show", "lenet", "--format", "markdown"],
    "show_lenet.csv": ["show", "lenet", "--format", "csv"],
    "show_lenet.txt": ["show", "lenet"],
    "compare_lenet_alexnet.json": ["compare", "lenet", "alexnet", "--format", "json"],
    "compare_lenet_alexnet.md": ["compare", "lenet", "alexnet", "--format", "markdown"],
    "compare_lenet_alexnet.csv": ["compare", "lenet", "alexnet", "--format", "csv"],
    "compare_lenet_alexnet.txt": ["compare", "lenet", "alexnet"],
}


def run(args: list[str]) -> str:
    result = CliRunner(env=PLAIN).invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def show_json(*args: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run(["show", *args, "--format", "json"]))
    return doc


# --- golden files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str, update_golden: bool) -> None:
    out = run(GOLDEN_CASES[name])
    path = GOLDEN / name
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run pytest --update-golden and review the diff"
    assert out == path.read_text(encoding="utf-8"), f"{name} differs from the golden file; if intended, run pytest --update-golden"


def golden_files(pattern: str) -> list[Path]:
    return sorted(GOLDEN.glob(pattern))


FIGURES = ("params", "macs", "flops", "activations")


def check_show_doc(doc: dict[str, Any]) -> None:
    """The rows add up to the totals; per GPU, every layer's shares add up to the layer, and the GPUs to the totals."""
    layers, totals = doc["layers"], doc["totals"]
    for figure in FIGURES:
        assert sum(layer[figure] for layer in layers) == totals[figure], figure
    if "gpus" not in doc:
        assert all("gpus" not in layer for layer in layers)
        return
    count = len(doc["gpus"])
    for layer in layers:
        assert [s["gpu"] for s in layer["gpus"]] == list(range(count))
        for figure in FIGURES:
            assert sum(s[figure] for s in layer["gpus"]) == layer[figure], (layer["name"], figure)
    for g, gpu in enumerate(doc["gpus"]):
        for figure in (*FIGURES, "received"):
            assert sum(layer["gpus"][g][figure] for layer in layers) == gpu[figure], (g, figure)
    for figure in FIGURES:
        assert sum(gpu[figure] for gpu in doc["gpus"]) == totals[figure], figure


@pytest.mark.parametrize("path", golden_files("show_*.json"), ids=lambda p: p.name)
def test_golden_show_json_adds_up(path: Path) -> None:
    check_show_doc(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", golden_files("compare_*.json"), ids=lambda p: p.name)
def test_golden_compare_json_adds_up(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for network in doc["networks"]:
        check_show_doc(network)
    # every network's stages are its own layers, in its order
    for k, network in enumerate(doc["networks"]):
        names = [line[k] for line in doc["stages"] if line[k] is not None]
        order = [layer["name"] for layer in network["layers"]]
        assert names == sorted(names, key=order.index)


def csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.mark.parametrize("path", golden_files("show_*.csv"), ids=lambda p: p.name)
def test_golden_show_csv_adds_up(path: Path) -> None:
    """One record a layer, plain integers: each figure's column adds up to the JSON's total."""
    header, layers = csv_rows(path.read_text(encoding="utf-8"))
    totals = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["totals"]
    assert all(len(r) == len(header) for r in layers) and "total" not in [r[0] for r in layers]
    numeric = [i for i, title in enumerate(header) if all(re.fullmatch(r"-?\d+", r[i]) for r in layers)]
    assert {"params", "macs", "flops", "activations"} <= {header[i] for i in numeric}
    for i in numeric:
        if header[i] in totals:
            assert sum(int(r[i]) for r in layers) == totals[header[i]], header[i]
    # per GPU: gpuN_params (and every gpuN_ figure) adds up over the GPUs to the layer's figure, row by row
    gpu_figures = {m.group(2) for t in header if (m := re.fullmatch(r"gpu(\d+)_(\w+)", t))}
    for figure in gpu_figures & set(FIGURES):
        cols = [i for i, t in enumerate(header) if re.fullmatch(rf"gpu\d+_{figure}", t)]
        for r in layers:
            assert sum(int(r[i]) for i in cols) == int(r[header.index(figure)]), (r[0], figure)


def md_table(text: str) -> tuple[list[str], list[list[str]], set[int]]:
    """The first Markdown table: header, rows, and the right-aligned (numeric) columns."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    right = {i for i, c in enumerate(cells[1]) if c.endswith(":")}
    return cells[0], cells[2:], right


def number(cell: str) -> int:
    return int(cell.replace(",", "").replace("*", ""))


@pytest.mark.parametrize("path", golden_files("show_*.md"), ids=lambda p: p.name)
def test_golden_show_markdown_adds_up(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header, rows, numeric = md_table(text)
    *layers, total = rows
    assert total[0] == "**total**" and all(len(r) == len(header) for r in rows)
    assert {"params", "macs", "flops", "activations"} <= {header[i].lower() for i in numeric}
    for i in numeric:
        assert sum(number(r[i]) for r in layers) == number(total[i]), header[i]
    per_gpu = re.findall(r"GPU (\d+): ([\d,]+) params, ([\d,]+) FLOPs", text)
    if per_gpu:
        params, flops = header.index("params"), header.index("flops")
        assert sum(number(p) for _, p, _ in per_gpu) == number(total[params])
        assert sum(number(f) for _, _, f in per_gpu) == number(total[flops])


NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})*$")


@pytest.mark.parametrize("path", golden_files("show_*.txt"), ids=lambda p: p.name)
def test_golden_show_table_adds_up(path: Path) -> None:
    """The rich table: the last columns (params onwards) of the layer rows add up to the total row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    head = next(i for i, line in enumerate(lines) if re.search(r"\bparams\b.*\bFLOPs\b", line))
    titles = re.split(r"\s{2,}", lines[head].strip())
    width = len(titles) - titles.index("params")  # params, MACs, FLOPs, ... activations
    end = next(i for i in range(head, len(lines)) if lines[i].strip().startswith("total"))
    layers = [line.split() for line in lines[head + 2:end] if line.strip()]
    total = lines[end].split()[-width:]
    assert all(NUMBER.match(t) for t in total), total  # exact, with separators, never cut
    for col in range(width):
        assert sum(number(r[-width + col]) for r in layers) == number(total[col]), titles[-width + col]


def _figures_of(doc: dict[str, Any]) -> dict[str, int]:
    return {k: doc["totals"][k] for k in FIGURES}


@pytest.mark.parametrize("path", golden_files("compare_*.md") + golden_files("compare_*.txt"), ids=lambda p: p.name)
def test_golden_compare_summary_matches_show(path: Path) -> None:
    """A comparison's summary gives each network's show totals, and each ratio is value / first value."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        _, rows, _ = md_table(text)
    else:  # the rich table: cells are separated by two or more spaces
        rows = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    names = re.findall(r"compare_(\w+?)_(\w+)\.", path.name)[0]
    shows = [json.loads((GOLDEN / f"show_{n}.json").read_text(encoding="utf-8")) for n in names]
    by_title: dict[str, list[str]] = {}
    for r in rows:  # the summary's rows, before the counts table (whose `macs` convention is another figure)
        by_title.setdefault(r[0].lower(), r)
    for figure in FIGURES:
        row = by_title[figure]
        values = [number(v) for v in row[1:3]]
        assert values == [show["totals"][figure] for show in shows], figure
        ratio = float(row[3].lstrip("×").replace(",", ""))
        assert ratio == pytest.approx(values[1] / values[0], rel=5e-3), figure


# --- the documented JSON shape ---------------------------------------------------------------------


def test_show_json_shape_split() -> None:
    doc = show_json("alexnet")
    assert {"name", "input", "layers", "totals", "findings", "gpus"} <= set(doc)
    assert doc["name"] == "AlexNet" and doc["input"] == [3, 227, 227]
    for layer in doc["layers"]:
        assert {"name", "type", "output", "params", "macs", "flops", "activations", "gpus"} <= set(layer)
        assert all(type(v) is int for v in layer["output"]) and len(layer["output"]) in (1, 3)
        assert all(type(layer[k]) is int for k in FIGURES)
        assert len(layer["gpus"]) == 2
        for share in layer["gpus"]:
            assert {"params", "macs", "flops", "activations", "received"} <= set(share)
    assert doc["layers"][0]["type"] == "conv" and doc["layers"][0]["output"] == [96, 55, 55]
    assert doc["layers"][10]["output"] == [4096]  # fc6: [units]
    assert {"params", "macs", "flops", "activations"} <= set(doc["totals"])
    assert doc["totals"]["params"] == 60_965_224  # issue 2
    assert [g["params"] for g in doc["gpus"]] == [32_531_112, 28_434_112]  # see test_bundled.py
    for f in doc["findings"]:
        assert set(f) >= {"layer", "kind", "message"} and (f["layer"] is None or isinstance(f["layer"], str))
    assert json.dumps(doc)  # plain JSON types throughout


def test_show_json_shape_single_gpu() -> None:
    doc = show_json("lenet")
    assert "gpus" not in doc and all("gpus" not in layer for layer in doc["layers"])
    assert doc["findings"] == []
    assert doc["totals"]["params"] == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850


def test_compare_json_shape() -> None:
    doc = json.loads(run(["compare", "lenet", "alexnet", "--format", "json"]))
    assert [n["name"] for n in doc["networks"]] == ["LeNet-5", "AlexNet"]
    # each network is exactly its show object
    assert doc["networks"][0] == show_json("lenet") and doc["networks"][1] == show_json("alexnet")
    # stages as textbooks align them (Dive into Deep Learning, figure 8.1.2): conv, pool, conv, pool, then
    # AlexNet's extra conv3-conv5 and pool5 against nothing, then the three dense layers side by side
    assert doc["stages"] == [["conv1", "conv1"], ["pool1", "pool1"], ["conv2", "conv2"], ["pool2", "pool2"],
                             [None, "conv3"], [None, "conv4"], [None, "conv5"], [None, "pool5"],
                             ["fc1", "fc6"], ["fc2", "fc7"], ["fc3", "fc8"]]


def test_compare_three_networks() -> None:
    doc = json.loads(run(["compare", "lenet", "alexnet", "lenet", "--format", "json"]))
    assert len(doc["networks"]) == 3 and all(len(line) == 3 for line in doc["stages"])
    text = run(["compare", "lenet", "alexnet", "lenet"])
    assert "AlexNet / LeNet-5" in text


# --- CSV and Markdown -----------------------------------------------------------------------------


def test_show_csv() -> None:
    header, rows = csv_rows(run(["show", "alexnet", "--format", "csv"]))
    assert header[:5] == ["layer", "type", "hyper", "output", "arithmetic"]
    assert [r[0] for r in rows] == ["conv1", "norm1", "pool1", "conv2", "norm2", "pool2", "conv3", "conv4", "conv5",
                                    "pool5", "fc6", "drop6", "fc7", "drop7", "fc8", "prob"]  # one record a layer: no total
    conv1 = dict(zip(header, rows[0]))
    assert conv1["output"] == "96×55×55" and conv1["params"] == "34944"  # plain integers, no separators
    assert conv1["arithmetic"] == "(227 − 11 + 2·0)/4 + 1 = 55 (H and W)"
    assert sum(int(r[header.index("params")]) for r in rows) == 60_965_224


def test_show_csv_has_every_per_gpu_figure() -> None:
    # issue 2: "Report per GPU: parameters, MACs, FLOPs, activations, and the values that must cross"
    header, rows = csv_rows(run(["show", "alexnet", "--format", "csv"]))
    for g in (0, 1):
        for figure in ("params", "macs", "flops", "activations", "received"):
            assert f"gpu{g}_{figure}" in header, f"gpu{g}_{figure}"
    conv1 = dict(zip(header, rows[0]))
    assert conv1["gpu0_macs"] == str(48 * 3 * 121 * 55 * 55)  # 52,707,600: half of conv1's MACs
    assert conv1["gpu0_activations"] == str(48 * 55 * 55)  # 145,200


def test_show_markdown() -> None:
    text = run(["show", "alexnet", "--format", "markdown"])
    assert text.startswith("## AlexNet")
    assert "FlopCounterMode" in text  # the FLOPs convention is stated with the figures
    header, rows, numeric = md_table(text)
    assert all(len(r) == len(header) for r in rows)
    assert rows[0][0] == "conv1" and "34,944" in rows[0]
    assert "flattens 256×6×6" in rows[10][header.index("hyper")]
    assert "### Findings" in text and "253,440" in text


def test_compare_markdown_and_csv() -> None:
    md = run(["compare", "lenet", "alexnet", "--format", "markdown"])
    header, rows, _ = md_table(md)
    assert header[1:3] == ["LeNet-5", "AlexNet"]
    titles = [r[0] for r in rows]
    for title in ("input", "conv layers", "pool layers", "dense layers", "params", "MACs", "FLOPs", "activations"):
        assert title in titles, title
    params = rows[titles.index("params")]
    assert params[1:4] == ["61,706", "60,965,224", "×988"]  # 60,965,224 / 61,706 = 987.99



@pytest.mark.parametrize("path", golden_files("compare_*.csv"), ids=lambda p: p.name)
def test_golden_compare_csv_is_one_record_a_network_with_show_totals(path: Path) -> None:
    header, rows = csv_rows(path.read_text(encoding="utf-8"))
    names = re.findall(r"compare_(\w+?)_(\w+)\.", path.name)[0]
    shows = [json.loads((GOLDEN / f"show_{n}.json").read_text(encoding="utf-8")) for n in names]
    assert header[:2] == ["network", "input"] and [r[0] for r in rows] == [show["name"] for show in shows]
    for row, show in zip(rows, shows):
        assert len(row) == len(header) and all(re.fullmatch(r"\d+", cell) for cell in row[2:])  # plain numbers, no × or ,
        record = dict(zip(header, row))
        assert record["input"] == "×".join(map(str, show["input"]))
        for key, value in show["totals"].items():
            assert int(record[key]) == value, key
        assert int(record["layers"]) == len(show["layers"])


def test_compare_csv_of_three_networks() -> None:
    header, rows = csv_rows(run(["compare", "lenet", "lenet5-1998", "alexnet", "--format", "csv"]))
    assert header == ["network", "input", "conv_layers", "pool_layers", "dense_layers", "conv_and_dense_layers", "layers",
                      "params", "frozen_params", "macs", "flops", "connections", "activations", "neurons"]
    assert [dict(zip(header, r))["frozen_params"] for r in rows] == ["0", "840", "0"]  # LeNet-1998's RBF codes
    assert rows[2][:3] == ["AlexNet", "3×227×227", "5"]
