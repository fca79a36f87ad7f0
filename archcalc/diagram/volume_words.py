"""The volumes figure's words: its heading and its legend, for a handout or (`--fit`) a slide (pure).

A handout's legend says how to read the figure and its scale, each sentence wrapped to the figure's
own width (a legend line no longer sets the width of a short network's figure, as it did LeNet's). A
slide keeps the title and one totals line, and of the legend only what marks the figure uses
(the red dashes between GPUs): the rest is said by the lecturer, or by the handout.
"""

from __future__ import annotations

from archcalc.analysis import Analysis
from archcalc.diagram.scene import Text, text_width
from archcalc.text import human, hwc, n

SCALE_NOTE = ("sides on a log scale: height and depth 6 + 14·log₂(H or W) px, width 2·√C px; "
              "a bar's length 6 + 10·log₂(units) px (clamped to keep every volume in view)")
LEAST_WIDTH = 420.0  # px: the narrowest a legend is wrapped to
SLIDE_ARCS = "arcs: skip connections"  # a slide's key for them


def heading(a: Analysis, slide: bool = False) -> list[Text]:
    """Title, description (not on a slide) and one totals line."""
    t = a.totals
    lines = [Text((0, 0), a.name, 16, bold=True)]
    if a.description and not slide:
        lines.append(Text((0, 0), a.description, 11, fill="#444444"))
    totals = (f"input {hwc(a.input)} · {human(t.params)} parameters · {human(t.flops)} FLOPs per image" if slide else
              f"input {hwc(a.input)} · {n(t.params)} parameters ({human(t.params)}) · {n(t.flops)} FLOPs ({human(t.flops)}) per image")
    lines.append(Text((0, 0), totals, 11))
    return lines


def legend(streams: int, slide: bool = False) -> list[str]:
    """What the figure's marks mean (a slide: only the red dashes between GPUs)."""
    between = "one stream per GPU, each with its share of the maps; red dashed lines: maps copied between GPUs"
    if slide:
        return ["red dashed lines: maps copied between GPUs"] if streams > 1 else []
    notes = ["each volume is a layer's output, H×W×C (height × width × channels) per image; a thin bar is a dense layer's units",
             SCALE_NOTE,
             "a small square in a volume is the next layer's kernel, labelled K×K/stride (and its padding); its pyramid reaches one output value"]
    return notes + ([between] if streams > 1 else [])


def wrap(sentence: str, size: float, width: float) -> list[str]:
    """`sentence` cut between words into lines at most `width` px wide at `size` px (a word wider stays whole)."""
    out: list[str] = []
    for word in sentence.split(" "):
        if out and text_width(out[-1] + " " + word, size) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def wrap_at(note: str, size: float, width: float) -> list[str]:
    """`note` cut after its commas, semicolons and dots ('t 6, c 24, n 2,' / 's 2 · 1 of 2') into lines at most `width` px wide
    at `size` px; a piece wider than that alone is cut between its words."""
    pieces = note.replace(", ", ",\0").replace("; ", ";\0").replace(" · ", " ·\0").split("\0")
    out: list[str] = []
    for piece in pieces:
        joined = out[-1] + " " + piece if out else piece
        if out and text_width(joined, size) <= width:
            out[-1] = joined
        else:
            out += wrap(piece, size, width) if text_width(piece, size) > width else [piece]
    return out
