"""`archcalc report` and `--format html` without a browser: the facts the page is built from, the
escaping of spec text, the diagram's clean SVG, the size budget, and every way writing can fail.

tests/test_page_browser.py drives the page in Chromium.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archcalc import diagram
from archcalc.cli.app import main
from archcalc.page.svg import clean_svg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH (apt-get install graphviz)")
FACTS = re.compile(r'<script type="application/json" id="facts">(.*?)</script>', re.DOTALL)
HOSTILE = """\
name: "</script><script>alert(1)</script><!--"
description: "<img src=x onerror=alert(2)> & <b>bold</b>"
input: [1, 8, 8]
layers:
  - {name: c1, type: conv, filters: 2, kernel: 3}
  - {name: out, type: dense, units: 3}
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="archcalc")


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def facts_of(page: str) -> dict[str, Any]:
    [data] = FACTS.findall(page)
    doc: dict[str, Any] = json.loads(data)
    return doc


def report(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "page.html"
    result = invoke("report", *args, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    return out.read_text(encoding="utf-8")


@functools.cache
def written(*args: str) -> str:
    """report's page for ARGS (as report() makes it), made once for the tests that only read it: a page runs dot."""
    with tempfile.TemporaryDirectory() as folder:
        return report(Path(folder), *args)


def test_the_page_holds_the_json_of_show() -> None:
    """One data object: each network is `show --format json`, with the words `show` prints added beside."""
    page = written("alexnet", "--input", "224")
    [net] = facts_of(page)["networks"]
    shown = json.loads(ok("show", "alexnet", "--input", "224", "--format", "json"))
    words = [layer.pop("text") for layer in net["layers"]]
    net.pop("text")
    assert net == shown
    conv1 = dict(zip([lay["name"] for lay in shown["layers"]], words))["conv1"]
    assert conv1["arithmetic"] == "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54 (H and W)"  # as show's table writes it
    assert conv1["output"] == "96×54×54" and conv1["divides"] is False


def test_header_words_are_shows() -> None:
    net = facts_of(written("alexnet", "--input", "224"))["networks"][0]
    table = ok("show", "alexnet", "--input", "224")
    assert net["text"]["findings_title"] == "⚠ 13 errors, 4 warnings" and "⚠ 13 errors, 4 warnings (below)" in table
    for f in net["findings"]:  # each finding's sentence, as show's panel prints it (rich wraps it, so compare the words)
        assert " ".join(f["message"].split()) in " ".join(re.sub(r"[│╭╮╰╯─]", " ", table).split())
    assert net["text"]["memory"].splitlines()[0] in table
    assert facts_of(written("lenet"))["networks"][0]["text"]["no_findings"] in ok("show", "lenet")


def test_show_and_compare_format_html_are_the_report() -> None:
    assert ok("show", "alexnet", "--format", "html") == written("alexnet")
    assert ok("compare", "lenet", "alexnet", "--format", "html") == written("lenet", "alexnet")


def test_comparison_facts_are_compares() -> None:
    doc = facts_of(written("lenet", "alexnet"))
    compared = json.loads(ok("compare", "lenet", "alexnet", "--format", "json"))
    assert doc["comparison"]["stages"] == compared["stages"]
    assert doc["comparison"]["summary"] == compared["summary"]
    assert [n["name"] for n in doc["networks"]] == ["LeNet-5", "AlexNet"]
    params = next(s for s in doc["comparison"]["text"]["summary"] if s["figure"] == "params")
    assert params["values"] == ["61,706", "60,965,224"] and params["ratios"] == ["×988"]  # 60,965,224 / 61,706 = 987.98


def test_spec_text_cannot_close_the_data_block_or_make_markup(tmp_path: Path) -> None:
    spec = tmp_path / "hostile.yaml"
    spec.write_text(HOSTILE, encoding="utf-8")
    page = report(tmp_path, str(spec))
    assert page.count("<script") == 2 and page.count("</script>") == 2  # the data block and the page's own script
    assert "<img" not in page and "<b>" not in page and "<!--" not in page
    doc = facts_of(page)
    assert doc["networks"][0]["name"] == "</script><script>alert(1)</script><!--"  # the text itself, intact
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--</title>" in page


def test_clean_svg_keeps_only_drawing() -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" viewBox="0 0 9 9">'
           b'<script>alert(2)</script><foreignObject><p>hi</p></foreignObject>'
           b'<a xlink:href="https://example.com/x"><text x="1" y="2" onclick="alert(3)">link</text></a>'
           b'<image href="https://example.com/i.png"/><style>@import url(https://example.com/s.css);</style>'
           b'<g id="node1" class="node"><title>n0_0_c1</title><polygon points="0,0 1,1" fill="red" style="x"/></g></svg>')
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec

    a = analyse(build_graph(load_spec("lenet")))
    clean = clean_svg(svg, [a], [0])
    for gone in ("script", "alert", "foreignObject", "example.com", "href", "style", "onload", "<a", "<image", "n0_0_c1"):
        assert gone not in clean, gone
    assert '<g class="node" data-net="0" data-row="0" tabindex="0" role="button"><title>conv1</title>' in clean  # row 0 of LeNet
    assert '<polygon points="0,0 1,1" fill="red" />' in clean


def linked_nodes(view: str) -> list[tuple[str, str, str]]:
    """(net, row, title) of each node in one view's markup."""
    return re.findall(r'data-net="(\d+)" data-row="(\d+)" tabindex="0" role="button">\s*<title>([^<]*)</title>', view)


def views_of(page: str) -> dict[tuple[str, str], str]:
    """Each view's markup by (network, view name)."""
    found = re.findall(r'<div class="view" data-net="(\w+)" data-view="(\w+)" [^>]*>(.*?)</div>\n', page, re.DOTALL)
    return {(net, name): markup for net, name, markup in found}


@needs_dot
def test_nodes_are_linked_to_their_rows() -> None:
    page = written("alexnet")
    views = views_of(page)
    assert list(views) == [("0", "graph"), ("0", "volumes")]
    names = [lay["name"] for lay in facts_of(page)["networks"][0]["layers"]]
    graph, volumes = linked_nodes(views["0", "graph"]), linked_nodes(views["0", "volumes"])
    assert len(graph) == 30  # 16 layers: conv1 to drop7 one node per GPU, fc8 and prob whole (the input node links to no row)
    # the paper's figure: one volume per GPU for conv1 to fc7 (10 of them), fc8 whole; LRN, dropout and softmax are
    # written under the volume before them, and the input is no row
    assert [title for _, _, title in volumes] == [name for name in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5",
                                                                    "pool5", "fc6", "fc7") for _ in range(2)] + ["fc8"]
    assert all(names[int(i)] == title and k == "0" for k, i, title in graph + volumes)


def test_a_volumes_view_for_a_chain_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The paper's figure where --style volumes draws one (a chain), not for a network with merges; it needs no Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert list(views_of(report(tmp_path, "lenet", "resnet18", "vgg16"))) == [("0", "volumes"), ("2", "volumes")]
    page = report(tmp_path, "resnet18")
    assert views_of(page) == {} and len(facts_of(page)["diagram_notes"]) == 1  # dot's note, and no error about merges


@needs_dot
def test_alexnet_page_fits_the_size_budget() -> None:
    page = written("alexnet", "--input", "224")
    assert len(page.encode("utf-8")) < 1_000_000  # issue 13: about 1 MB for AlexNet
    assert len(written("lenet", "alexnet").encode("utf-8")) < 1_000_000


def test_without_dot_the_page_says_so_and_keeps_the_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    page = report(tmp_path, "alexnet")
    doc = facts_of(page)
    assert doc["diagram_notes"] == ["no diagram: Graphviz's 'dot' program is not on the PATH; install Graphviz (Debian/Ubuntu: sudo apt-get "
                                    "install graphviz; macOS: brew install graphviz; conda: conda install -c conda-forge graphviz) and run "
                                    "the command again"]
    assert len(doc["networks"][0]["layers"]) == 16
    assert list(views_of(page)) == [("0", "volumes")]  # archcalc draws the paper's figure itself; no Graphviz picture


def spec_error(args: list[str]) -> tuple[int, str]:
    result = invoke(*args)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("spec", ["no-such-net", "bad.yaml"])
def test_bad_input_gets_shows_message(spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text("name: bad\ninput: [3, 8, 8]\nlayers:\n  - {name: c1, type: conv, filters: 2, kernal: 3}\n")
    Path("page.html").write_text("an earlier page")
    code, message = spec_error(["show", spec])
    assert code == 2 and message.startswith("archcalc: error: ") and "Traceback" not in message
    assert spec_error(["report", spec, "--out", "page.html"]) == (2, message)
    assert spec_error(["show", spec, "--format", "html"]) == (2, message)
    assert Path("page.html").read_text() == "an earlier page" and sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "page.html"]


def test_bad_input_size_gets_shows_message(tmp_path: Path) -> None:
    code, message = spec_error(["show", "alexnet", "--input", "big"])
    assert code == 2 and spec_error(["report", "alexnet", "--input", "big", "--out", str(tmp_path / "a.html")]) == (2, message)
    assert list(tmp_path.iterdir()) == []


def test_out_must_be_a_page_in_a_folder(tmp_path: Path) -> None:
    code, message = spec_error(["report", "lenet", "--out", str(tmp_path / "lenet.svg")])
    assert code == 2 and "'.svg' is not a page archcalc writes" in message and "hint: end the file name in .html, e.g. lenet.html" in message
    code, message = spec_error(["report", "lenet", "--out", str(tmp_path / "no" / "lenet.html")])
    assert code == 2 and f"the folder {tmp_path / 'no'} does not exist" in message
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_page_and_leaves_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str | Path, dst: str | Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(diagram.os, "replace", refuse)  # the os module, as archcalc.atomic uses it
    out = tmp_path / "lenet.html"
    out.write_text("an earlier page")
    code, message = spec_error(["report", "lenet", "--out", str(out)])
    assert code == 2 and "cannot write it: No space left on device" in message
    assert out.read_text() == "an earlier page" and [p.name for p in tmp_path.iterdir()] == ["lenet.html"]


@needs_dot
def test_dot_failing_is_a_note_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    render = importlib.import_module("archcalc.diagram.render")  # the package's `render` is a function of that name

    def fail(program: str, fmt: str, source: bytes, seconds: float = 10.0) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess([program, f"-T{fmt}"], 1, b"", b"Error: syntax error in line 1")

    monkeypatch.setattr(render, "run_dot", fail)
    doc = facts_of(report(tmp_path, "lenet"))
    assert doc["diagram_notes"] == ["no graph view: Graphviz's dot failed (exit 1): Error: syntax error in line 1; Graphviz could not read "
                                    "the DOT text archcalc made; write --out NAME.dot to see it, and please report it"]
    assert len(doc["networks"][0]["layers"]) == 7  # the table is there


def test_valid_inputs_and_memory_at_a_batch_as_show_says_them(tmp_path: Path) -> None:
    net = facts_of(report(tmp_path, "lenet", "--valid-inputs", "--batch", "8", "--dtype", "float16"))["networks"][0]
    table = ok("show", "lenet", "--valid-inputs", "--batch", "8", "--dtype", "float16")
    [valid] = net["text"]["valid_inputs"]
    assert valid.splitlines()[0] in table and net["valid_inputs"][0]["axis"] == "H and W"
    assert net["text"]["memory"].startswith("memory at batch 8, float16 (2 bytes a value)")
    assert net["text"]["memory"].splitlines()[0] in table and net["memory"]["batch"] == 8
