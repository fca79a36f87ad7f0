"""How the pictures mark findings, by grade (archcalc.analysis.grading): a note is a small grey line in the
node and no frame, a warning an orange frame, an error (a contradicted claim) a red frame. The pictures
draw what the analysis holds: under --findings off it holds none, and nothing is marked."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from archcalc.analysis import Analysis, Row
from archcalc.analysis.findings import Finding
from archcalc.analysis.grading import worst

__all__ = ["FRAME", "NOTE_COLOR", "block_mark", "frame", "legend_lines", "of_layers", "size_mark", "worst"]
from archcalc.text import arithmetic

NOTE_COLOR = "#737373"
FRAME = {"warning": {"color": "#ff7f0e", "penwidth": "3"}, "error": {"color": "#d62728", "penwidth": "3"}}
SHORT = {"padding": "only padding unread", "between": "no input lost", "ceil": "ceil reads every row", "crop": "one pixel off centre",
         "padded": "padded, every row read"}


def of_layers(a: Analysis, names: Collection[str]) -> list[Finding]:
    return [f for f in a.findings if f.layer in names]


def frame(a: Analysis, names: Collection[str]) -> dict[str, str]:
    """The frame of a node standing for the layers `names`: its worst finding's, none for notes."""
    return FRAME.get(worst(of_layers(a, names)) or "", {})


def size_mark(a: Analysis, row: Row) -> tuple[str, str] | None:
    """The line a layer's node says of its sizes that do not divide, with its colour: '⚠ not whole: (224 − 11 + 2·0)/4 + 1
    = 54.25 → 54 (H and W)' in orange; a note in grey, '112.5 → 112 (H and W): only padding unread'."""
    sizes = [f for f in of_layers(a, {row.name}) if f.kind == "non_integer_size" and f.term is not None]
    if not sizes:
        return None
    if worst(sizes) == "note":
        causes = sorted({SHORT[f.grade.cause] for f in sizes})
        values = "; ".join(f"{f.term.value()} → {f.term.out} ({f.term.axis})" for f in sizes if f.term is not None)
        return f"note: {values}: {', '.join(causes)}", NOTE_COLOR
    return f"⚠ not whole: {arithmetic(tuple(t for t in row.terms if not t.divides))}", FRAME["warning"]["color"]


def block_mark(a: Analysis, names: Sequence[str]) -> tuple[str, str] | None:
    """A folded block's line: '⚠ not whole: layer2.0.conv1 and 1 more' (a warning) or 'note: … floor' (notes only)."""
    sizes = [f for f in of_layers(a, set(names)) if f.kind == "non_integer_size"]
    if not sizes:
        return None
    layers = list(dict.fromkeys(f.layer or "" for f in sizes))
    more = f" and {len(layers) - 1} more" if len(layers) > 1 else ""
    if worst(sizes) == "note":
        return f"note: {layers[0]}{more} floor{'s' if not more else ''}, {SHORT[sizes[0].grade.cause]}", NOTE_COLOR
    return f"⚠ not whole: {layers[0]}{more}", FRAME["warning"]["color"]


def legend_lines(analyses: Sequence[Analysis]) -> list[str]:
    """What the marks drawn mean, for the legend."""
    found = {f.severity for a in analyses for f in a.findings}
    lines = []
    if "note" in found:
        lines.append("grey 'note' line: a size that is not whole, floored as every framework does, losing no real input")
    if "warning" in found:
        lines.append("orange frame: real input never read (a size that is not whole, floored), or a layer nothing reads")
    if "error" in found:
        lines.append("red frame: a figure the spec states that the computation contradicts")
    return lines
