"""Regenerate every picture in docs/ with `archcalc diagram`, and the list of their sources.

    python docs/make_figures.py            # from the repository root; needs Graphviz's dot and rsvg-convert

Each picture is written by the command shown beside it in docs/figures.txt, with that command's
source digest: the DOT text Graphviz draws from, or the SVG archcalc draws itself. PNG bytes
differ between Graphviz and librsvg versions, their sources do not (nor need Graphviz to compute:
a slide's layout is chosen by measuring, so its unfitted source stands for it): tests/test_docs_figures.py
recomputes every source and fails when docs/ is stale. Then rerun this script.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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

    def source(self) -> str:
        """What the picture is drawn from: DOT text, or the volumes SVG (the command's own code path)."""
        from archcalc import diagram
        from archcalc.cli import load

        value = dict(zip(self.options[::2], self.options[1::2]))
        loaded = [load(s, value.get("--input")) for s in self.specs]
        if len(loaded) > 1:
            return str(diagram.to_digraph([a for _, a in loaded], value.get("--direction", "TB")).source)
        depth = int(value["--depth"]) if "--depth" in value else None
        # a picture fitted to a slide: the layout chosen depends on the fonts Graphviz measures with, so the
        # source recorded is the unfitted one's (the same nodes and labels), with the fit options after it
        fitted = [f"{k} {v}" for k, v in value.items() if k in ("--fit", "--width", "--height")]
        drawing = diagram.picture(*loaded[0], value.get("--style", "graph"), depth, value.get("--direction", "TB"), None)
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
)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_lines() -> list[str]:
    return [f"{digest(f.source())}  {f.out}  archcalc diagram {' '.join(f.args)}" for f in FIGURES]


def main() -> int:
    for f in FIGURES:
        subprocess.run([sys.executable, "-m", "archcalc", "diagram", *f.args], cwd=ROOT, check=True)
    MANIFEST.write_text("# sha256 of each picture's source (DOT or SVG)  file  the command that drew it\n"
                        + "\n".join(manifest_lines()) + "\n", encoding="utf-8")
    print(f"wrote {len(FIGURES)} pictures and {MANIFEST.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
