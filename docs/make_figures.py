"""Regenerate every picture in docs/: the diagrams with `archcalc diagram`, the report page's
screenshots with `archcalc report` and headless Chromium; and the list of their sources.

    python docs/make_figures.py            # from the repository root; needs Graphviz's dot, rsvg-convert,
                                           # and for the screenshots playwright (pip) and Chromium (apt)

Each picture is written by the command shown beside it in docs/figures.txt, with that command's
source digest: the DOT text Graphviz draws from, or the SVG archcalc draws itself; for a screenshot,
the page's HTML with each Graphviz view as its DOT text, and how the browser was set and what was
clicked. PNG bytes differ between Graphviz, librsvg and Chromium versions, their sources do not (nor
need Graphviz or a browser to compute: a slide's layout is chosen by measuring, so its slide-mode
source in one part stands for it): tests/test_docs_figures.py recomputes every source and fails when docs/ is stale.
Then rerun this script. The browser tests take their screenshots with the same Screenshot.take.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MANIFEST = DOCS / "figures.txt"


@dataclass(frozen=True)
class Figure:
    out: str  # the file in docs/
    specs: tuple[str, ...]
    options: tuple[str, ...] = ()

    @property
    def args(self) -> list[str]:
        return [*self.specs, *self.options, "--out", f"docs/{self.out}"]

    @property
    def command(self) -> str:
        return f"archcalc diagram {' '.join(self.args)}"

    def source(self) -> str:
        """What the picture is drawn from: DOT text, or the volumes SVG (the command's own code path)."""
        from archcalc import diagram
        from archcalc.cli.common import load

        value = dict(zip(self.options[::2], self.options[1::2]))
        loaded = [load(s, value.get("--input")) for s in self.specs]
        if len(loaded) > 1:
            return str(diagram.to_digraph([a for _, a in loaded], value.get("--direction", "TB")).source)
        depth = int(value["--depth"]) if "--depth" in value else None
        # a picture fitted to a slide: the layout chosen depends on the fonts Graphviz measures with, so the
        # source recorded is its slide mode's in one part (the same nodes and words), with the fit options after it
        fitted = [f"{k} {v}" for k, v in value.items() if k in ("--fit", "--width", "--height")]
        drawing = diagram.picture(*loaded[0], value.get("--style", "graph"), depth, value.get("--direction", "TB"), None)
        if "--fit" in value and value.get("--style", "graph") == "graph":
            from archcalc.diagram.folded import to_folded_digraph
            from archcalc.diagram.towers import towers

            graph, a = loaded[0]
            shown = a.rows if depth is None else diagram.fold(a, graph.instances, depth)
            drawing = towers(a) if a.gpus > 1 else to_folded_digraph(a, shown, "TB", 1, slide=True)
        return (drawing if isinstance(drawing, str) else str(drawing.source)) + "".join(f"\n// {f}" for f in fitted)


FIGURES = (
    Figure("alexnet.png", ("alexnet",)),
    Figure("alexnet.svg", ("alexnet",)),
    Figure("alexnet-224.png", ("alexnet",), ("--input", "224")),
    Figure("lenet.png", ("lenet",)),
    Figure("lenet-vs-alexnet.png", ("lenet", "alexnet")),
    Figure("unet.svg", ("unet",)),
    Figure("alexnet-volumes.svg", ("alexnet",), ("--style", "volumes")),
    Figure("alexnet-volumes.png", ("alexnet",), ("--style", "volumes")),
    Figure("lenet5-1998-volumes.png", ("lenet5-1998",), ("--style", "volumes")),
    Figure("vgg16-volumes.png", ("vgg16",), ("--style", "volumes")),
    Figure("resnet18-slide.png", ("resnet18",), ("--depth", "0", "--fit", "16:9")),
    Figure("alexnet-slide.png", ("alexnet",), ("--fit", "16:9")),
)


@dataclass(frozen=True)
class Screenshot:
    """The top of `archcalc report`'s page in headless Chromium, light colour scheme, `pick`'s node clicked first."""

    out: str
    specs: tuple[str, ...]
    pick: int | None = None  # a layer of the first network, by its place in the spec: its node in the diagram is clicked
    width: int = 1920
    height: int = 1200

    def args(self, page: Path) -> list[str]:
        return ["report", *self.specs, "--out", str(page)]

    @property
    def browsing(self) -> str:
        picked = "" if self.pick is None else f", the node of layer {self.pick} clicked"
        return f"Chromium at {self.width}×{self.height} px, light{picked}, the top of the page"

    @property
    def command(self) -> str:
        return f"archcalc report {' '.join(self.specs)} --out PAGE.html; {self.browsing}"

    def source(self) -> str:
        """The page's HTML (deterministic: no dates, no random ids), each Graphviz view as the DOT text it is drawn from."""
        from archcalc.cli.common import html_page, load

        analyses = [load(s, None)[1] for s in self.specs]
        return html_page(analyses, [() for _ in analyses], 1, "float32", dot_text=True) + f"<!-- {self.browsing} -->\n"

    def take(self, page: Any) -> bytes:
        """The PNG, from a playwright page that has opened the report at width × height in the light scheme."""
        page.wait_for_selector("table.data tbody tr")  # the page's script has built its tables
        if self.pick is not None:
            page.locator(f'#net-0 g.node[data-row="{self.pick}"]').first.click()
        page.evaluate("window.scrollTo(0, 0)")
        png: bytes = page.screenshot()
        return png


SCREENSHOTS = (
    Screenshot("report-alexnet.png", ("alexnet",), pick=0),  # conv1
    Screenshot("report-lenet-vs-alexnet.png", ("lenet", "alexnet")),
)
PICTURES: tuple[Figure | Screenshot, ...] = (*FIGURES, *SCREENSHOTS)


def shoot(shots: tuple[Screenshot, ...]) -> None:
    """Each screenshot: its page written by `archcalc report` in a temporary folder, opened in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from archcalc.atomic import check_target, write_atomic

    chromium = os.environ.get("ARCHCALC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("make_figures.py: no Chromium on the PATH for the screenshots (apt-get install chromium, or set ARCHCALC_CHROMIUM)")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        for shot in shots:
            page = Path(folder) / "page.html"
            subprocess.run([sys.executable, "-m", "archcalc", *shot.args(page)], cwd=ROOT, check=True)
            context = browser.new_context(viewport={"width": shot.width, "height": shot.height}, color_scheme="light")
            tab = context.new_page()
            tab.goto(page.as_uri())
            write_atomic(DOCS / shot.out, shot.take(tab), check_target(DOCS / shot.out, shot.out))
            context.close()
        browser.close()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_lines() -> list[str]:
    return [f"{digest(p.source())}  {p.out}  {p.command}" for p in PICTURES]


def main() -> int:
    for f in FIGURES:
        subprocess.run([sys.executable, "-m", "archcalc", "diagram", *f.args], cwd=ROOT, check=True)
    shoot(SCREENSHOTS)
    MANIFEST.write_text("# sha256 of each picture's source (DOT, SVG, or the page's HTML)  file  the command that drew it\n"
                        + "\n".join(manifest_lines()) + "\n", encoding="utf-8")
    print(f"wrote {len(PICTURES)} pictures and {MANIFEST.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
