"""Every picture in docs/ is drawn by docs/make_figures.py, and docs/ is not stale.

PNG bytes differ between Graphviz and librsvg versions; the pictures' sources do not. So the
test recomputes each source (the DOT text, or the SVG archcalc draws itself) and holds it to the
digest docs/figures.txt recorded when the pictures were made: a change to the drawing code, a
spec or an option fails here until `python docs/make_figures.py` has been rerun.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def make_figures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_figures"] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_every_picture_in_docs_is_made_by_the_script() -> None:
    figures = make_figures().FIGURES
    made = {f.out for f in figures}
    present = {p.name for p in (ROOT / "docs").iterdir() if p.suffix in (".png", ".svg", ".pdf")}
    assert present == made, "a picture in docs/ that make_figures.py does not draw, or one it draws that is missing"


def test_docs_are_not_stale() -> None:
    module = make_figures()
    recorded = [line for line in module.MANIFEST.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    stale = [now.split("  ")[1] for now, then in zip(module.manifest_lines(), recorded) if now != then]
    assert len(recorded) == len(module.FIGURES) and not stale, f"docs/ is stale ({', '.join(stale)}): run python docs/make_figures.py"


def test_the_volumes_svg_in_docs_is_the_one_archcalc_draws_now() -> None:
    module = make_figures()
    for f in module.FIGURES:
        if f.out.endswith("-volumes.svg"):
            assert (ROOT / "docs" / f.out).read_text(encoding="utf-8") == f.source()
