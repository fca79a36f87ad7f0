"""`archcalc diagram`: the DOT it builds, the pictures Graphviz draws from it, and every way writing can fail.

Tests marked `dot` render with Graphviz's `dot` and skip where it is absent; the rest need no Graphviz.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from click.testing import CliRunner, Result

from archcalc import diagram
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.diagram import marks
from archcalc.errors import ArchcalcError
from archcalc.specfile import bundled_names, load_spec

GOLDEN = Path(__file__).parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH (apt-get install graphviz)")


def net(name: str, size: int | None = None) -> Analysis:
    graph = build_graph(load_spec(name))
    return analyse(graph, None if size is None else (graph.input[0], size, size))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["diagram", *args])


def edges(dot: graphviz.Digraph) -> dict[tuple[str, str], str]:
    """(tail, head) → the edge's attribute text, from the DOT source."""
    found = re.findall(r"^\t+(\S+) -> (\S+) \[(.*)\]$", dot.source, re.MULTILINE)
    return {(tail, head): attrs for tail, head, attrs in found}


def nodes(dot: graphviz.Digraph) -> dict[str, str]:
    """node id → its attribute text (label included), from the DOT source."""
    return dict(re.findall(r"^\t+(n\d+_\S+) \[(.*)\]$", dot.source, re.MULTILINE))


def svg_boxes(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """Every node and cluster of a rendered SVG: title → (x_min, x_max, y_min, y_max) of its outline."""
    boxes = {}
    for g in ET.parse(path).getroot().iter(f"{SVG}g"):
        if g.get("class") not in ("node", "cluster"):
            continue
        title = g.findtext(f"{SVG}title")
        outline = next((e for e in g if e.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")), None)
        if outline is None:  # a plain text node (a GPU column's heading)
            continue
        points = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", outline.get("points") or outline.get("d") or "")]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes[title] = (min(xs), max(xs), min(ys), max(ys))
    return boxes


def centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return (box[0] + box[1]) / 2, (box[2] + box[3]) / 2


# --- what the picture shows (DOT, no Graphviz needed) -----------------------------------------


def test_alexnet_has_one_column_per_gpu_and_unsplit_layers_outside() -> None:
    a = net("alexnet")
    dot = diagram.to_digraph([a])
    columns = re.findall(r"subgraph (cluster_n0_gpu\d) \{(.*?)\n\t\}", dot.source, re.DOTALL)
    assert [name for name, _ in columns] == ["cluster_n0_gpu0", "cluster_n0_gpu1"]
    for gpu, (_, body) in enumerate(columns):
        inside = set(re.findall(r"^\t\t(n0_\d+_\w+) \[", body, re.MULTILINE))
        # the spec: every layer up to drop7 is split; fc8 and prob run whole on GPU 0 (split: false)
        split = [r for r in a.rows if r.placement == "split"]
        assert [r.name for r in split] == ["conv1", "norm1", "pool1", "conv2", "norm2", "pool2", "conv3", "conv4", "conv5",
                                           "pool5", "fc6", "drop6", "fc7", "drop7"]
        assert inside == {diagram.node_id(0, a.rows.index(r), r.name, gpu) for r in split}
    labels = nodes(dot)
    # each GPU's half with its own shape (H×W×C): conv1 has 48 of its 96 maps on each GPU (paper, figure 2)
    assert "→ 55×55×48" in labels["n0_0_conv1_g0"] and "→ 55×55×48" in labels["n0_0_conv1_g1"]
    assert "(48 of 96 maps)" in labels["n0_0_conv1_g1"]
    assert "n0_14_fc8" in labels and "(whole, on GPU 0)" in labels["n0_14_fc8"]
    assert not any(nid.startswith("n0_14_fc8_g") for nid in labels)


def test_alexnet_crossing_edges_stand_out_and_say_what_crosses() -> None:
    dot = diagram.to_digraph([net("alexnet")])
    crossing = {pair: attrs for pair, attrs in edges(dot).items() if "style=dashed" in attrs}
    # the paper's figure 2: conv3, fc6 and fc7 read both GPUs' maps; fc8 (whole, on GPU 0) reads GPU 1's drop7.
    # What crosses is the other GPU's half: pool2 13×13×128, pool5 6×6×128, drop6 and drop7 2048 units.
    assert {pair: re.search(r'label=" (.*?) "', attrs)[1] for pair, attrs in crossing.items()} == {  # type: ignore[index]
        ("n0_5_pool2_g0", "n0_6_conv3_g1"): "13×13×128 from GPU 0",
        ("n0_5_pool2_g1", "n0_6_conv3_g0"): "13×13×128 from GPU 1",
        ("n0_9_pool5_g0", "n0_10_fc6_g1"): "6×6×128 from GPU 0",
        ("n0_9_pool5_g1", "n0_10_fc6_g0"): "6×6×128 from GPU 1",
        ("n0_11_drop6_g0", "n0_12_fc7_g1"): "2048 from GPU 0",
        ("n0_11_drop6_g1", "n0_12_fc7_g0"): "2048 from GPU 1",
        ("n0_13_drop7_g1", "n0_14_fc8"): "2048 from GPU 1",
    }
    assert all(diagram.CROSSING["color"] in attrs for attrs in crossing.values())
    # tower-local edges stay plain: conv1 → norm1 inside each column, and no dashed edge between conv4 and conv5
    local = edges(dot)
    assert local[("n0_0_conv1_g0", "n0_1_norm1_g0")] == 'label=" 55×55×48 "'
    assert ("n0_7_conv4_g0", "n0_8_conv5_g1") not in local


def test_input_224_highlights_the_layers_that_do_not_divide_with_their_arithmetic() -> None:
    at_224 = nodes(diagram.to_digraph([net("alexnet", 224)]))
    orange, red = marks.FRAME["warning"]["color"], marks.FRAME["error"]["color"]
    framed = {nid.split("_")[2]: re.sub(r"label=<.*>", "", attrs) for nid, attrs in at_224.items() if "penwidth=3" in attrs}
    # hand arithmetic: (224 − 11)/4 + 1 = 54.25; (54 − 3)/2 + 1 = 26.5; (26 − 3)/2 + 1 = 12.5; (12 − 3)/2 + 1 = 5.5: each floors
    # away a row and column of real input (a warning, orange); conv1 to conv5 also contradict the paper's shapes (an error, red)
    assert {name for name, attrs in framed.items() if f'color="{orange}"' in attrs} == {"pool1", "pool2", "pool5"}
    assert {name for name, attrs in framed.items() if f'color="{red}"' in attrs} == {"conv1", "conv2", "conv3", "conv4", "conv5"}
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54 (H and W)" in at_224["n0_0_conv1_g0"]
    assert "(12 − 3 + 2·0)/2 + 1 = 5.5 → 5 (H and W)" in at_224["n0_9_pool5_g1"]
    # and the paper's shapes it contradicts, in the picture's H×W×C: 55×55×96 stated, 54×54×96 computed
    assert "✗ paper, whole layer: output 55×55×96, computed 54×54×96" in at_224["n0_0_conv1_g0"]
    at_227 = nodes(diagram.to_digraph([net("alexnet")]))
    assert not any(f'color="{orange}"' in attrs or "not whole" in attrs for attrs in at_227.values())
    # at 227 every size divides; only conv1's stated 253,440 activations (it is 290,400 = 96·55·55) is contradicted: red
    assert {nid.split("_")[2] for nid, attrs in at_227.items() if f'color="{red}"' in re.sub(r"label=<.*>", "", attrs)} == {"conv1"}


def test_title_states_totals_and_conventions() -> None:
    title = re.findall(r"^\tlabel=(.*)$", diagram.to_digraph([net("alexnet")]).source, re.MULTILINE)[0]
    # totals as `archcalc show alexnet` computes them (torchvision's AlexNet without groups differs; this is the paper's)
    assert "60,965,224 parameters" in title and "1,448,813,632 FLOPs" in title
    assert "H×W×C: a layer's output shape" in title and "2 per multiply-accumulate" in title
    # the paper's 224 input, and why the network cannot take it: (224 − 11)/4 + 1 = 54.25 (hand arithmetic)
    assert "✗ paper: input 224×224×3, but the spec takes 227×227×3" in title
    assert "at 224×224×3, conv1 gives (224 − 11 + 2·0)/4 + 1 = 54.25 → 54 (H and W)" in title


def test_side_by_side_each_network_in_its_own_frame() -> None:
    dot = diagram.to_digraph([net("lenet"), net("alexnet")])
    assert "subgraph cluster_n0 {" in dot.source and "subgraph cluster_n1 {" in dot.source
    assert {nid.split("_")[0] for nid in nodes(dot)} == {"n0", "n1"}
    # LeNet's dense layers are aligned with AlexNet's: pool2 → fc1 spans AlexNet's pool2 → conv3 → conv4 → conv5 → pool5 → fc6
    assert "minlen=5" in edges(dot)[("n0_3_pool2", "n0_4_fc1")]


def test_direction() -> None:
    assert "rankdir=LR" in diagram.to_digraph([net("lenet")], "LR").source
    assert "rankdir=TB" in diagram.to_digraph([net("lenet")]).source
    result = run("lenet", "--out", "x.dot", "--direction", "up")
    assert result.exit_code == 2 and "archcalc: error: invalid value for '--direction': 'up'" in result.stderr
    with pytest.raises(ArchcalcError, match="--direction up: unknown"):
        diagram.to_digraph([net("lenet")], "up")


@pytest.mark.parametrize("name", ["alexnet", "lenet-vs-alexnet"])
def test_dot_source_matches_golden(name: str, update_golden: bool) -> None:
    analyses = [net(n) for n in name.split("-vs-")]
    source = diagram.to_digraph(analyses).source
    golden = GOLDEN / f"{name}.dot"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(source, encoding="utf-8")
    assert source == golden.read_text(encoding="utf-8"), "DOT changed: review it, then rerun with --update-golden"
    assert source == diagram.to_digraph(analyses).source  # deterministic


# --- rendered pictures (need dot) -------------------------------------------------------------


@needs_dot
@pytest.mark.dot
@pytest.mark.parametrize("name", [n if n in ("lenet", "alexnet", "resnet18", "googlenet", "vit_b_16") else pytest.param(n, marks=pytest.mark.slow)
                                  for n in bundled_names()])  # a run of dot each: five by default, every spec under -m slow
def test_svg_parses_and_names_every_layer(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.svg"
    result = run(name, "--out", str(out))
    assert result.exit_code == 0, result.output
    texts = {t.text for t in ET.parse(out).getroot().iter(f"{SVG}text")}
    assert {r.name for r in net(name).rows} <= texts


@needs_dot
@pytest.mark.dot
def test_alexnet_svg_draws_gpu_columns_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "alexnet.svg"
    assert run("--out", str(out)).exit_code == 0  # the spec from the file name
    boxes = svg_boxes(out)
    a = net("alexnet")
    for gpu in (0, 1):
        left, right, _, _ = boxes[f"cluster_n0_gpu{gpu}"]
        for i, r in enumerate(a.rows[:14]):  # every split layer sits inside its GPU's column
            x, _ = centre(boxes[diagram.node_id(0, i, r.name, gpu)])
            assert left < x < right, (r.name, gpu)
    assert boxes["cluster_n0_gpu0"][1] < boxes["cluster_n0_gpu1"][0]  # GPU 0 left of GPU 1, not overlapping
    for i, r in enumerate(a.rows[:14]):  # both halves of a layer on one level
        assert centre(boxes[diagram.node_id(0, i, r.name, 0)])[1] == centre(boxes[diagram.node_id(0, i, r.name, 1)])[1]


@needs_dot
@pytest.mark.dot
def test_side_by_side_svg_aligns_stages(tmp_path: Path) -> None:
    out = tmp_path / "cmp.png"
    assert run("lenet", "alexnet", "--out", str(out)).exit_code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "cmp.svg"
    assert run("lenet", "alexnet", "--out", str(svg)).exit_code == 0
    boxes = svg_boxes(svg)
    level = {t: centre(b)[1] for t, b in boxes.items()}
    # compare() pairs LeNet's pool2 with AlexNet's pool2 and fc1, fc2, fc3 with fc6, fc7, fc8
    assert level["n0_3_pool2"] == level["n1_5_pool2_g0"]
    assert level["n0_4_fc1"] == level["n1_10_fc6_g0"]
    assert level["n0_6_fc3"] == level["n1_14_fc8"]
    assert boxes["cluster_n0"][1] < boxes["cluster_n1"][0]  # LeNet's frame left of AlexNet's


@needs_dot
@pytest.mark.dot
def test_pdf_and_file_mode(tmp_path: Path) -> None:
    out = tmp_path / "lenet.pdf"
    assert run("lenet", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary new file, not a temp file's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.pdf"]


# --- failures ---------------------------------------------------------------------------------


def test_dot_output_needs_no_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end with a PATH that has no dot (nor anything else); in process, as the PATH is looked up when dot is run."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "alexnet.dot"
    result = run("alexnet", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == diagram.to_digraph([net("alexnet")]).source


def test_missing_dot_says_how_to_install_and_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "alexnet.svg"
    out.write_text("an earlier picture")
    result = run("alexnet", "--out", str(out))
    assert result.exit_code == 2
    for needed in ("'dot' program is not on the PATH", "apt-get install graphviz", "brew install graphviz",
                   "conda install -c conda-forge graphviz", "--out NAME.dot"):
        assert needed in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert out.read_text() == "an earlier picture" and [p.name for p in tmp_path.iterdir()] == ["alexnet.svg"]


def fake_dot(tmp_path: Path, script: str) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    dot = folder / "dot"
    dot.write_text(f"#!/bin/sh\n{script}\n")
    dot.chmod(0o755)
    return folder


@pytest.mark.parametrize(("script", "message"), [
    ("printf '<svg partial'; echo 'Error: out of memory' >&2; exit 1", "Graphviz's dot failed (exit 1): Error: out of memory"),
    ("exit 0", "Graphviz's dot wrote nothing for .svg"),
])
def test_failed_render_leaves_the_existing_file_and_no_temp(script: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(fake_dot(tmp_path, script)))
    out = tmp_path / "lenet.svg"
    out.write_text("an earlier picture")
    result = run("lenet", "--out", str(out))
    assert result.exit_code == 2 and message in result.stderr
    assert out.read_text() == "an earlier picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "lenet.svg"]


def test_failed_move_removes_the_temp_and_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str | Path, dst: str | Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(diagram.os, "replace", refuse)
    out = tmp_path / "lenet.dot"
    out.write_text("an earlier picture")
    result = run("lenet", "--out", str(out))
    assert result.exit_code == 2 and "cannot write it: No space left on device" in result.stderr
    assert out.read_text() == "an earlier picture" and [p.name for p in tmp_path.iterdir()] == ["lenet.dot"]


def test_unknown_extension_lists_the_formats(tmp_path: Path) -> None:
    result = run("lenet", "--out", str(tmp_path / "lenet.jpg"))
    assert result.exit_code == 2
    assert "'.jpg' is not a format archcalc can write" in result.stderr and ".svg, .png, .pdf, .dot" in result.stderr
    assert list(tmp_path.iterdir()) == []
    result = run("lenet", "--out", str(tmp_path / "noext"))
    assert result.exit_code == 2 and f"--out {tmp_path / 'noext'}: the file name has no extension to name its format" in result.stderr
    assert "no extension is not" not in result.stderr and ".svg, .png, .pdf, .dot" in result.stderr


def test_missing_output_folder(tmp_path: Path) -> None:
    result = run("lenet", "--out", str(tmp_path / "no" / "such" / "lenet.dot"))
    assert result.exit_code == 2 and f"the folder {tmp_path / 'no' / 'such'} does not exist" in result.stderr


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes in a read-only folder; the next test covers the error")
def test_unwritable_output_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    result = run("lenet", "--out", str(folder / "lenet.dot"))
    folder.chmod(0o700)
    assert result.exit_code == 2 and "cannot write in the folder" in result.stderr and list(folder.iterdir()) == []


def test_unwritable_output_folder_any_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def denied(path: str | Path, flags: int, mode: int = 0o777) -> int:
        if Path(path).parent == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(diagram.os, "open", denied)
    result = run("lenet", "--out", str(tmp_path / "lenet.dot"))
    assert result.exit_code == 2 and f"cannot write in the folder {tmp_path}: Permission denied" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_spec_and_an_output_name_that_is_no_bundled_spec(tmp_path: Path) -> None:
    result = run("--out", str(tmp_path / "mynet.svg"))
    assert result.exit_code == 2
    assert "names no bundled spec" in result.stderr and ", ".join(bundled_names()) in result.stderr


def test_output_that_is_a_folder_or_inside_a_file(tmp_path: Path) -> None:
    (tmp_path / "lenet.dot").mkdir()
    result = run("lenet", "--out", str(tmp_path / "lenet.dot"))
    assert result.exit_code == 2 and "is a folder" in result.stderr
    (tmp_path / "notes.txt").write_text("a file")
    result = run("lenet", "--out", str(tmp_path / "notes.txt" / "lenet.dot"))
    assert result.exit_code == 2 and f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.stderr


@pytest.mark.slow  # a fresh interpreter; tests/test_imports.py proves it by default in the interpreter its NO_TORCH commands share
def test_diagram_does_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from archcalc.cli.app import main\n"
        f"r = CliRunner().invoke(main, ['diagram', 'alexnet', '--out', {str(tmp_path / 'a.dot')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
