"""The page of `archcalc report` in a real browser: headless Chromium driven by playwright.

Marked `browser`; skipped, with the reason, where playwright or Chromium is missing (CI: pip install
playwright; apt-get install chromium). ARCHCALC_CHROMIUM names another Chromium binary.
The README's screenshots are taken by docs/make_figures.py with the Screenshot.take these tests use
(here into a temporary folder: look at them).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

CHROMIUM = os.environ.get("ARCHCALC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on the PATH (apt-get install chromium, or set ARCHCALC_CHROMIUM)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH (apt-get install graphviz)"),
]
# Each page costs Chromium about half a second of CPU: every test here runs with `pytest -m slow` (CI), and playwright
# is imported only then (0.4 s of CPU at collection otherwise); tests/test_page.py checks the page's text by default.
SLOW = pytest.mark.slow


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    made = {"alexnet": ["alexnet"], "alexnet224": ["alexnet", "--input", "224"], "lenet-vs-alexnet": ["lenet", "alexnet"],
            "resnet18": ["resnet18"]}
    for name, args in made.items():
        cli("report", *args, "--out", str(folder / f"{name}.html"))
    return {name: folder / f"{name}.html" for name in made}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


class Visit:
    """A page opened in a fresh context: every request and console message it makes, recorded."""

    def __init__(self, browser: Any, path: Path, scheme: str = "light", width: int = 1600, height: int = 1000) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort())
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("table.data tbody tr")

    def texts(self, selector: str) -> list[str]:
        texts: list[str] = self.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")
        return texts

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_page(path: Path, **kwargs: Any) -> Visit:
        opened.append(Visit(browser, path, **kwargs))
        return opened[-1]

    yield open_page
    for v in opened:
        v.close()


def layer_rows(v: Visit, section: int = 0) -> list[list[str]]:
    rows: list[list[str]] = v.page.eval_on_selector_all(
        f"#net-{section} .tables table.data tbody tr",
        "trs => trs.filter(tr => !tr.hidden).map(tr => Array.from(tr.cells, td => td.textContent))")
    return rows


@SLOW  # Chromium, 4 s of CPU: every browser test runs under -m slow; tests/test_page.py checks the page's text by default
def test_loads_with_no_console_errors_and_no_network(visit: Any, pages: dict[str, Path]) -> None:
    for name in pages:
        v = visit(pages[name])
        assert v.errors == []
        assert v.requests == [pages[name].as_uri()]  # the file itself, and nothing else: no CDN, no font, no favicon
        assert v.page.title() in ("AlexNet", "LeNet-5 vs AlexNet", "ResNet-18")


@SLOW
def test_one_row_per_layer_with_the_figures_of_show_json(visit: Any, pages: dict[str, Path]) -> None:
    shown = json.loads(cli("show", "alexnet", "--format", "json"))
    rows = layer_rows(visit(pages["alexnet"]))
    assert [r[0] for r in rows] == [layer["name"] for layer in shown["layers"]]
    for cells, layer in zip(rows, shown["layers"]):  # layer, type, hyper, output, arithmetic, field, params, MACs, FLOPs, connections, activations
        assert cells[6:] == [f"{layer[k]:,}" for k in ("params", "macs", "flops", "connections", "activations")]
        assert cells[3] == "×".join(map(str, layer["output"]))
    assert rows[0][4] == "(227 − 11 + 2·0)/4 + 1 = 55 (H and W)"


@SLOW
def test_sorting_by_params_puts_fc6_first(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    button = v.page.locator("#net-0 .tables th button", has_text="params")
    button.click()
    rows = layer_rows(v)
    assert [r[0] for r in rows[:3]] == ["fc6", "fc7", "fc8"]  # 37,752,832, 16,781,312, 4,097,000 parameters
    assert v.page.locator("#net-0 .tables th[aria-sort=descending]").text_content() == "params"
    button.click()  # and back: the smallest first, spec order among equals
    assert [r[0] for r in layer_rows(v)[:2]] == ["norm1", "pool1"]
    v.page.get_by_role("button", name="spec order").click()
    assert layer_rows(v)[0][0] == "conv1"


@SLOW
def test_filter_box(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    v.page.fill("#net-0 input.filter", "conv")
    assert [r[0] for r in layer_rows(v)] == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    v.page.fill("#net-0 input.filter", "dense relu")
    assert [r[0] for r in layer_rows(v)] == ["fc6", "fc7"]


@SLOW
def test_clicking_conv1s_node_highlights_its_row_and_shows_its_arithmetic(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    v.page.locator('#net-0 g.node[data-row="0"]').first.click()
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["conv1"]
    assert v.page.locator('#net-0 .view[data-view="graph"] g.node.selected').count() == 2  # conv1 on GPU 0 and on GPU 1
    detail = v.page.locator("#net-0 .detail")
    assert "(227 − 11 + 2·0)/4 + 1 = 55" in (detail.text_content() or "") and detail.is_visible()
    v.page.locator('#net-0 tbody tr[data-layer="conv2"]').click()  # and the other way: a row lights its nodes
    assert v.page.eval_on_selector_all('#net-0 .view[data-view="graph"] g.node.selected', "gs => gs.map(g => g.dataset.row)") == ["3", "3"]
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["conv2"]
    v.page.locator('#net-0 g.node[data-row="10"]').first.hover()  # fc6
    assert v.texts("#net-0 tbody tr.hover td:first-child") == ["fc6"]
    assert "fc6 dense + relu 4096, flattens 256×6×6 → 4096" in (detail.text_content() or "")


@SLOW
def test_the_findings_of_input_224_are_visible(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet224"])
    shown = json.loads(cli("show", "alexnet", "--input", "224", "--format", "json"))
    items = v.page.locator("#net-0 .findings li")
    assert items.count() == len(shown["findings"]) == 17  # 13 errors and 4 warnings: no notes to group
    assert all(items.nth(i).is_visible() for i in range(items.count()))
    graded = sorted(shown["findings"], key=lambda f: ["error", "warning", "note"].index(f["severity"]))  # most severe first
    assert v.texts("#net-0 .findings li") == [f"[{f['severity']} · {f['kind']}] {f['message']}" for f in graded]
    assert v.texts("#net-0 .findings h3") == ["⚠ 13 errors, 4 warnings"]
    flagged = v.texts("#net-0 .tables tbody tr.flagged td:first-child")
    assert flagged == ["conv1", "pool1", "pool2", "pool5"]  # sizes that do not divide: 54.25, 26.5, 12.5, 5.5


@SLOW
def test_resnet18s_notes_are_grouped_and_neutral(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["resnet18"])
    # 8 floors of a .5 size (conv1 (224 − 7 + 2·3)/2 + 1 = 112.5, …), none losing real input: two lines of notes
    assert v.texts("#net-0 .findings h3") == ["8 notes"]
    items = v.texts("#net-0 .findings li")
    assert len(items) == 2 and items[0].startswith("[note] 5 layers floor a .5 size; only padding is left unread: conv1, maxpool")
    assert v.texts("#net-0 .tables tbody tr.flagged td:first-child") == []  # notes do not colour the rows
    box = v.page.locator("#net-0 section.findings")
    colour = "v => { const p = document.createElement('i'); p.style.color = `var(${v})`; document.body.append(p); " \
             "const c = getComputedStyle(p).color; p.remove(); return c; }"
    border = box.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == v.page.evaluate(colour, "--border") != v.page.evaluate(colour, "--flag")  # neutral, not the red of errors


@SLOW
def test_keyboard_tab_to_a_row_and_enter(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    v.page.locator("#net-0 .tables th button").last.focus()  # the last column's sort button; the rows come next
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.dataset.layer") == "conv1"
    v.page.keyboard.press("Tab")
    v.page.keyboard.press("Enter")
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["norm1"]
    assert v.page.eval_on_selector_all("#net-0 g.node.selected", "gs => gs.map(g => g.dataset.row)") == ["1", "1"]
    v.page.keyboard.press("Tab")
    v.page.keyboard.press("Enter")
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["pool1"]


CONTRAST = """(selector) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
                      if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
  return Array.from(document.querySelectorAll(selector)).map(e => {
    const [a, b] = [lum(getComputedStyle(e).color), lum(bg(e))];
    return {ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), background: lum(bg(e))};
  });
}"""


@SLOW
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_in_light_and_dark(scheme: str, visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet224"], scheme=scheme)
    v.page.locator('#net-0 tbody tr[data-layer="conv2"]').click()
    for selector in ("h1", ".description", ".convention", ".totals dd span", ".findings li", ".claims td", ".tables td", ".tables th",
                     ".detail", ".memory p", "tbody tr.selected td"):
        found = v.page.evaluate(CONTRAST, selector)
        assert found, selector
        worst = min(f["ratio"] for f in found)
        assert worst >= 4.5, (selector, worst)  # WCAG AA for body text
    body = v.page.evaluate(CONTRAST, "body")[0]["background"]
    assert body < 0.05 if scheme == "dark" else body > 0.9


@SLOW
def test_print_hides_the_controls(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["lenet-vs-alexnet"])
    v.page.emulate_media(media="print")
    for control in ("input.filter", ".controls button", ".detail", ".zoom", "nav"):
        assert v.page.locator(control).count() > 0 and not any(e.is_visible() for e in v.page.locator(control).all()), control
    for content in ("#net-1 .tables table.data", "#net-1 .findings", "#comparison table.data", "#net-1 svg.diagram"):
        assert v.page.locator(content).first.is_visible(), content
    pdf = v.page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


@SLOW
def test_a_two_spec_comparison_page(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["lenet-vs-alexnet"])
    compared = json.loads(cli("compare", "lenet", "alexnet", "--format", "json"))
    stages = v.page.eval_on_selector_all("#comparison table.data:has(caption:text('stage by stage')) tbody tr",
                                         "trs => trs.map(tr => Array.from(tr.cells, td => td.textContent))")
    assert len(stages) == len(compared["stages"])
    assert stages[:2] == [["1", "conv + sigmoid 5×5/1, 6, pad 2 → 6×28×28", "conv + relu 11×11/4, 96 → 96×55×55  (+ lrn)"],
                          ["2", "avgpool 2×2/2 → 6×14×14", "maxpool 3×3/2 → 96×27×27"]]  # as compare's table says them
    summary = v.page.eval_on_selector_all("#comparison table.data:has(caption:text('summary')) tbody tr",
                                          "trs => trs.map(tr => Array.from(tr.cells, td => td.textContent))")
    assert ["params", "61,706", "60,965,224", "×988"] in summary  # 60,965,224 / 61,706
    assert [len(layer_rows(v, k)) for k in (0, 1)] == [len(n["layers"]) for n in compared["networks"]]
    assert v.texts("section.network h2") == ["LeNet-5", "AlexNet"]
    assert v.page.locator("#comparison svg.diagram").count() == 1  # side by side; and each network's own picture
    assert v.page.locator('section.network .view[data-view="graph"] svg.diagram').count() == 2
    assert v.page.locator('section.network .view[data-view="volumes"] svg.diagram').count() == 2  # both are chains
    v.page.locator("#comparison td.link", has_text="conv + relu 11×11/4, 96 →").click()  # a stage leads to its row
    assert v.texts("#net-1 tbody tr.selected td:first-child") == ["conv1"]
    v.page.locator('#comparison g.node[data-net="0"][data-row="0"]').click()  # LeNet's conv1 in the side-by-side picture
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["conv1"]


@SLOW
def test_screenshots(visit: Any, figures_script: ModuleType, tmp_path: Path) -> None:
    """The README's pictures, as docs/make_figures.py takes them: AlexNet with conv1 picked from the diagram, LeNet-5 beside AlexNet."""
    for shot in figures_script.SCREENSHOTS:
        page = tmp_path / f"{shot.out}.html"
        cli(*shot.args(page))
        v = visit(page, width=shot.width, height=shot.height)
        (tmp_path / shot.out).write_bytes(data := shot.take(v.page))
        assert data.startswith(b"\x89PNG") and int.from_bytes(data[16:20], "big") == 1920 and v.errors == []
    assert figures_script.SCREENSHOTS[0].pick == 0 and v.page.title() == "LeNet-5 vs AlexNet"


VOLUMES = '#net-0 .view[data-view="volumes"]'


@SLOW
def test_alexnet_has_the_volumes_view_beside_the_graph(visit: Any, pages: dict[str, Path]) -> None:
    """The paper's figure as a second view: a switch between the two, the volumes at the panel's whole width."""
    v = visit(pages["alexnet"])
    switch = v.page.locator("#net-0 .view-switch button")
    assert switch.all_text_contents() == ["layer graph", "volumes, as the papers draw it"]
    views = v.page.locator("#net-0 .view")
    assert [views.nth(i).get_attribute("data-view") for i in range(views.count())] == ["graph", "volumes"]
    assert [views.nth(i).is_visible() for i in range(2)] == [True, False]
    switch.nth(1).click()
    assert [views.nth(i).is_visible() for i in range(2)] == [False, True] and switch.nth(1).get_attribute("aria-pressed") == "true"
    figure = v.page.locator(f"{VOLUMES} svg.diagram").bounding_box()
    table = v.page.locator("#net-0 .tables").bounding_box()
    assert figure is not None and table is not None
    assert figure["width"] > 1400 and table["y"] > figure["y"] + figure["height"] - 1  # wide, the table below it (1600 px viewport)
    assert v.page.locator(f"{VOLUMES} text", has_text="55×55×48").count() == 2  # conv1's label on each GPU, drawn by the browser
    assert v.errors == []


@SLOW
def test_clicking_conv1s_volume_selects_its_row(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    v.page.locator("#net-0 .view-switch button").nth(1).click()
    v.page.locator(f'{VOLUMES} g.node[data-row="0"]').first.click()  # conv1's volume on GPU 0
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["conv1"]
    assert "(227 − 11 + 2·0)/4 + 1 = 55" in (v.page.locator("#net-0 .detail").text_content() or "")
    assert v.page.locator(f"{VOLUMES} g.node.selected").count() == 2  # conv1's volume in both GPUs' streams
    assert v.page.locator('#net-0 .view[data-view="graph"] g.node.selected').count() == 2  # and its nodes in the hidden graph
    v.page.locator('#net-0 tbody tr[data-layer="fc8"]').click()  # a row lights its volume: fc8 runs whole, one bar
    assert v.page.eval_on_selector_all(f"{VOLUMES} g.node.selected", "gs => gs.map(g => g.dataset.row)") == ["14"]
    v.page.locator('#net-0 tbody tr[data-layer="norm1"]').click()  # LRN is written under conv1's volume: no volume of its own
    assert v.page.locator(f"{VOLUMES} g.node.selected").count() == 0


@SLOW
def test_resnet18_has_the_graphviz_view_and_its_blocks_folded(visit: Any, pages: dict[str, Path]) -> None:
    """--style volumes refuses a graph with merges: the page has the layer graph, and beside it the view of
    `diagram --depth 0` (its 8 blocks folded into 4 stage nodes), and says nothing of the volumes."""
    v = visit(pages["resnet18"])
    assert [e.get_attribute("data-view") for e in v.page.locator("#net-0 .view").all()] == ["graph", "folded"]
    assert v.page.locator("#net-0 .view-switch button").all_text_contents() == ["layer graph", "blocks folded (--depth 0)"]
    assert v.page.locator("#net-0 .diagram .note").count() == 0
    assert v.page.locator("#net-0 svg.diagram").first.is_visible() and v.errors == []
    v.page.locator("#net-0 .view-switch button").nth(1).click()
    folded = '#net-0 .view[data-view="folded"]'
    titles = v.page.eval_on_selector_all(f"{folded} g.node[data-rows]", "gs => gs.map(g => g.querySelector('title').textContent)")
    assert titles == ["layer1", "layer2", "layer3", "layer4"]
    v.page.locator('#net-0 tbody tr[data-layer="layer2.0.conv2"]').click()  # a row inside a block lights the block
    assert v.page.eval_on_selector_all(f"{folded} g.node.selected", "gs => gs.map(g => g.querySelector('title').textContent)") == ["layer2"]
    v.page.locator(f"{folded} g.node[data-rows]").nth(2).click()  # and the block selects its first layer's row
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["layer3.0.conv1"]


@pytest.mark.slow  # Chromium; the clean page load runs by default
def test_the_harness_would_see_a_request(visit: Any, pages: dict[str, Path], tmp_path: Path) -> None:
    """The first test's 'no request' could fail: a page that asks for anything outside itself is seen (and refused)."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text(pages["lenet-vs-alexnet"].read_text(encoding="utf-8").replace(
        "<main", '<img src="https://example.com/x.png"><link rel="stylesheet" href="https://example.com/s.css"><main'), encoding="utf-8")
    v = visit(leaky)
    assert sum("example.com" in e for e in v.errors) == 2  # the page's Content-Security-Policy refuses both, and says so


# --- the picture is what you navigate (issue 23 §5) ---------------------------------------------------------------

RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def visible_node(v: Visit, section: int = 0, view: str = ".view:not([hidden])") -> tuple[str, float, float]:
    """A node of the shown view that lies wholly inside the view and the window: its row and its centre."""
    found: tuple[str, float, float] = v.page.eval_on_selector_all(f"#net-{section} {view} g.node[data-row]", """gs => {
        const box = gs[0].closest('.view').getBoundingClientRect();
        const g = gs.find(g => { const r = g.getBoundingClientRect();
          return r.top > Math.max(box.top, 0) + 4 && r.bottom < Math.min(box.bottom, innerHeight) - 4 && r.left > box.left && r.right < box.right; });
        const r = g.getBoundingClientRect(); return [g.dataset.row, r.left + r.width / 2, r.top + r.height / 2]; }""")
    return found


@SLOW  # Chromium: every browser test runs under -m slow (tests/test_page.py checks the page's text by default)
def test_a_clicked_node_leaves_the_page_where_it_is_and_the_figures_fit(visit: Any, pages: dict[str, Path]) -> None:
    """ResNet-18 at 1600 px: params, MACs and FLOPs are not cut by the table's box; clicking a node brings its row into
    the table's own view and moves neither the page nor the node under the pointer (the page used to jump 437 px)."""
    v = visit(pages["resnet18"])
    box = v.page.eval_on_selector("#net-0 .scroll.layers", RECT)
    for title in ("params", "MACs", "FLOPs"):
        th = v.page.eval_on_selector(f'#net-0 .scroll.layers th[data-title="{title}"]', RECT)
        assert box[0] <= th[0] and th[2] <= box[2] + 0.5, title
    v.page.eval_on_selector("#net-0 .linked", "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 40)")
    v.page.eval_on_selector("#net-0 .view", "view => { view.scrollTop = 2000; }")  # a node far down the picture
    row, x, y = visible_node(v)
    before = v.page.evaluate("scrollY")
    v.page.mouse.click(x, y)
    assert v.page.evaluate("scrollY") == before
    assert v.page.evaluate(f"document.elementFromPoint({x}, {y}).closest('g.node').dataset.row") == row
    selected = v.page.locator("#net-0 tbody tr.selected")
    assert selected.get_attribute("data-index") == row and int(row) > 30  # far down the table too
    tr = selected.evaluate(RECT)
    box = v.page.eval_on_selector("#net-0 .scroll.layers", RECT)
    assert box[1] <= tr[1] and tr[3] <= box[3]  # the row is in view inside the table's box
    assert v.errors == []


@SLOW
def test_the_picture_stays_in_view_while_the_table_scrolls(visit: Any, pages: dict[str, Path]) -> None:
    for name in ("resnet18",):  # 69 rows: more than its box holds (AlexNet's 15 fit)
        v = visit(pages[name])
        v.page.eval_on_selector("#net-0 .linked", "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 8)")
        panel = v.page.eval_on_selector("#net-0 .diagram", RECT)
        assert panel[1] >= 0 and panel[3] <= 1000  # wholly in the 1000 px window
        v.page.eval_on_selector("#net-0 .scroll.layers", "box => { box.scrollTop = box.scrollHeight; }")
        assert v.page.eval_on_selector("#net-0 .scroll.layers", "box => box.scrollTop") > 0
        assert v.page.eval_on_selector("#net-0 .diagram", RECT) == panel  # the table scrolled; the picture did not move
        v.page.mouse.wheel(0, 200)  # the page itself scrolls a little: the panel sticks inside its grid cell (it used not to)
        assert v.page.eval_on_selector("#net-0 .diagram", "e => getComputedStyle(e).position") == "sticky"


@SLOW
def test_clicking_a_volume_does_not_scroll_the_page_away(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["alexnet"])
    v.page.locator("#net-0 .view-switch button").nth(1).click()
    v.page.eval_on_selector("#net-0 .linked", "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 40)")
    fc8 = v.page.locator(f'{VOLUMES} g.node[data-row="14"]').first  # the last layer: its row at the table's foot
    r = fc8.bounding_box()
    assert r is not None
    before = v.page.evaluate("scrollY")
    v.page.mouse.click(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
    after = fc8.bounding_box()  # a selected volume is drawn bolder: compare where its centre is
    assert after is not None and v.page.evaluate("scrollY") == before
    assert abs(after["x"] + after["width"] / 2 - (r["x"] + r["width"] / 2)) < 1 and abs(after["y"] + after["height"] / 2 - (r["y"] + r["height"] / 2)) < 1
    assert v.texts("#net-0 tbody tr.selected td:first-child") == ["fc8"]


@SLOW
def test_wheel_zoom_and_drag_pan_on_the_picture(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["resnet18"])
    v.page.eval_on_selector("#net-0 .linked", "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 40)")
    svg = "#net-0 .view svg.diagram"
    row, x, y = visible_node(v)
    width = v.page.eval_on_selector(svg, "s => s.getBoundingClientRect().width")
    v.page.mouse.move(x, y)
    v.page.keyboard.down("Control")  # Ctrl + wheel, as a trackpad's pinch arrives
    v.page.mouse.wheel(0, -300)
    v.page.keyboard.up("Control")
    zoomed = v.page.eval_on_selector(svg, "s => s.getBoundingClientRect().width")
    assert zoomed > 2 * width  # e^(300/300) = 2.7 times
    assert v.page.evaluate(f"document.elementFromPoint({x}, {y}).closest('g.node').dataset.row") == row  # zoomed about the pointer
    scroll = v.page.eval_on_selector("#net-0 .view", "view => [view.scrollLeft, view.scrollTop]")
    v.page.mouse.move(x, y)
    v.page.mouse.down()
    v.page.mouse.move(x - 60, y - 120, steps=5)
    v.page.mouse.up()
    assert v.page.eval_on_selector("#net-0 .view", "view => [view.scrollLeft, view.scrollTop]") == [scroll[0] + 60, scroll[1] + 120]
    assert v.page.locator("#net-0 tbody tr.selected").count() == 0  # a drag is a pan, not a click on the node it ends on
    v.page.get_by_role("button", name="zoom out").click()
    assert v.page.eval_on_selector(svg, "s => s.getBoundingClientRect().width") == pytest.approx(zoomed * 0.8, abs=1)
    v.page.get_by_role("button", name="actual size").click()  # and back to the whole picture in the panel
    v.page.get_by_role("button", name="actual size").click()
    assert v.page.eval_on_selector(svg, "s => s.getBoundingClientRect().width") == pytest.approx(width, abs=1)


@SLOW
def test_a_skip_link_passes_the_graphs_tab_stops(visit: Any, pages: dict[str, Path]) -> None:
    v = visit(pages["resnet18"])
    stops = v.page.eval_on_selector_all("#net-0 [tabindex='0'], #net-0 a[href], #net-0 button, #net-0 input",
                                        "es => es.filter(e => e.matches('a.skip') || e.checkVisibility()).map(e => e.matches('a.skip') ? 'skip' : e.matches('g.node') ? 'node' : e.matches('input.filter') ? 'filter' : 'other')")
    skip, first, last, filter_at = stops.index("skip"), stops.index("node"), len(stops) - 1 - stops[::-1].index("node"), stops.index("filter")
    nodes = len(json.loads(cli("show", "resnet18", "--format", "json"))["layers"])  # one node, one tab stop, per layer (shown view)
    assert skip < first and last < filter_at and stops[first:last + 1].count("node") == nodes == 69
    assert all(s != "node" for s in stops[skip + 1:first])
    v.page.focus("#net-0 a.skip")
    assert v.page.locator("#net-0 a.skip").is_visible()  # hidden until the keyboard reaches it
    v.page.keyboard.press("Enter")
    assert v.page.evaluate("document.activeElement.matches('#net-0 input.filter')")


@SLOW
def test_printing_repeats_the_header_with_its_words_and_the_total_once(visit: Any, pages: dict[str, Path]) -> None:
    """Chromium leaves a button blank in a table header repeated on a new printed page, and repeats the footer (the
    total) under each page's part: printed, each header cell shows its words without the button, and the foot is a
    plain row group at the table's end (checked by hand in the PDF of ResNet-18: page 3's header reads 'layer type …')."""
    v = visit(pages["resnet18"])
    v.page.emulate_media(media="print")
    th = v.page.locator('#net-0 .scroll.layers th[data-title="params"]')
    assert th.evaluate("th => getComputedStyle(th, '::before').content") == '"params"'
    assert th.evaluate("th => getComputedStyle(th.querySelector('button')).display") == "none"
    assert v.page.eval_on_selector("#net-0 .scroll.layers tfoot", "f => getComputedStyle(f).display") == "table-row-group"
    assert v.page.eval_on_selector("#net-0 .scroll.layers", "b => getComputedStyle(b).overflow") == "visible"
    v.page.emulate_media(media="screen")
    assert th.evaluate("th => getComputedStyle(th, '::before').content") == "none"
