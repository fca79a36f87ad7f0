"""Every picture in docs/ is drawn by docs/make_figures.py, and docs/ is not stale.

PNG bytes differ between Graphviz, librsvg and Chromium versions; the pictures' sources do not. So
the test recomputes each source (the DOT text, the SVG archcalc draws itself, or for a screenshot of
the report page its HTML with the Graphviz views as DOT text) and holds it to the digest
docs/figures.txt recorded when the pictures were made: a change to the drawing code, the page, a
spec or an option fails here until `python docs/make_figures.py` has been rerun.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
GRAPH_VIEW = re.compile(r'(<div class="view" data-net="\w+" data-view="graph" [^>]*>).*?(</div>\n)', re.DOTALL)


def test_every_picture_in_docs_is_made_by_the_script(figures_script: ModuleType) -> None:
    made = {p.out for p in figures_script.PICTURES}
    present = {p.name for p in (ROOT / "docs").iterdir() if p.suffix in (".png", ".svg", ".pdf")}
    assert present == made, "a picture in docs/ that make_figures.py does not draw, or one it draws that is missing"
    assert {"report-alexnet.png", "report-lenet-vs-alexnet.png"} <= {s.out for s in figures_script.SCREENSHOTS}


def test_docs_are_not_stale(figures_script: ModuleType) -> None:
    recorded = [line for line in figures_script.MANIFEST.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    stale = [now.split("  ")[1] for now, then in zip(figures_script.manifest_lines(), recorded) if now != then]
    assert len(recorded) == len(figures_script.PICTURES) and not stale, f"docs/ is stale ({', '.join(stale)}): run python docs/make_figures.py"


def test_the_volumes_svg_in_docs_is_the_one_archcalc_draws_now(figures_script: ModuleType) -> None:
    for f in figures_script.FIGURES:
        if f.out.endswith("-volumes.svg"):
            assert (ROOT / "docs" / f.out).read_text(encoding="utf-8") == f.source()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH (apt-get install graphviz)")
def test_a_screenshots_source_is_the_page_archcalc_writes(figures_script: ModuleType, tmp_path: Path) -> None:
    """Everything of the page but dot's SVG is in the digest: the facts, the style, the script, the volumes view."""
    for shot in figures_script.SCREENSHOTS:
        out = tmp_path / "page.html"
        result = CliRunner().invoke(main, list(shot.args(out)), prog_name="archcalc")
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        source = shot.source()
        assert source.endswith(f"<!-- {shot.browsing} -->\n") and "digraph" in source and "digraph" not in page
        assert GRAPH_VIEW.sub(r"\1\2", source.removesuffix(f"<!-- {shot.browsing} -->\n")) == GRAPH_VIEW.sub(r"\1\2", page)


@pytest.mark.slow  # two fresh interpreters drawing the pages
def test_a_screenshots_source_is_the_same_in_every_process(figures_script: ModuleType) -> None:
    """No date, random id or set order in the page: its source, computed under two hash seeds, is one text."""
    code = ("import sys; sys.path.insert(0, 'docs'); import make_figures as m, hashlib; "
            "print([hashlib.sha256(s.source().encode()).hexdigest() for s in m.SCREENSHOTS])")
    seen = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(seen) == 1 and seen == {str([figures_script.digest(s.source()) for s in figures_script.SCREENSHOTS]) + "\n"}
