"""The volumes figure on a slide (`--style volumes --fit W:H`): its labels sized for the frame (pure).

A volumes figure is bound by its text: a row of AlexNet's windows, sizes and names needs about 140 em,
and laid out at the handout's 10 px its text came to 13 px on a 1920 × 1080 slide. On a slide every
text is one size (volume_words.py drops the description and the legend), and the figure is laid out
with its text at each of EMS times the handout's size, the volumes as they are, in 1 to 6 rows. The
smallest text size whose best number of rows reaches TARGET_PX on a slide 1920 px wide is drawn (the
larger the text, the smaller the volumes beside it); where none does, the layout with the largest text.
What each volume says there, and the key that says the rest once, is volume_key.py's.
"""

from __future__ import annotations

from archcalc.analysis import Analysis
from archcalc.diagram.fit import SLIDE_WIDTH_PX
from archcalc.diagram.scene import Scene, Text, text_width
from archcalc.diagram.volume_key import for_slide
from archcalc.diagram.volume_layout import LABEL, LINE, MARGIN, layout
from archcalc.diagram.volume_words import LEAST_WIDTH, wrap
from archcalc.diagram.volumes import Stage

EMS = tuple(1 + k / 4 for k in range(17))  # the text sizes tried, 1 to 5 times the handout's 10 px labels
MAX_ROWS = 6
TARGET_PX = 22.0  # the smallest text wanted (tests/test_slides.py holds it to 20 px, measured off the SVG)


def smallest_text_px(scene: Scene, ratio: float) -> float:
    """The smallest text's size in px when `scene` is scaled to fit a box of width : height `ratio`, 1920 px wide."""
    scale = min(SLIDE_WIDTH_PX / scene.width, SLIDE_WIDTH_PX / ratio / scene.height)
    return scale * min(t.size for t in scene.texts)


def keyed(scene: Scene, key: list[str], em: float) -> Scene:
    """`scene` with the key's lines (volume_key.py): beside the title and totals lines, right-aligned, where they
    fit there (ViT's, DeepLabV3's: no height taken); else under the legend, as the legend is written."""
    size, pitch = LABEL * em, LINE * em
    heading = sorted((t for t in scene.texts if t.anchor == "start"), key=lambda t: t.at[1])[:len(key)]  # title, totals
    right = scene.width - MARGIN
    if len(key) <= 2 and all(t.box[1] + 3 * size + text_width(k, size) <= right for t, k in zip(heading, key)):
        beside = [Text((right, t.at[1]), k, size, fill="#444444", anchor="end") for t, k in zip(heading, key)]
        return Scene(scene.width, scene.height, scene.title, (*scene.items, *beside))
    lines = [part for note in key for part in wrap(note, size, max(scene.width - 2 * MARGIN, LEAST_WIDTH))]
    base = scene.height - MARGIN / 2  # the baseline after the legend's last line
    texts = [Text((MARGIN, base + pitch * k), t, size, fill="#444444", anchor="start") for k, t in enumerate(lines)]
    return Scene(scene.width, scene.height + pitch * len(lines), scene.title, (*scene.items, *texts))


def slide_fitted(a: Analysis, stages: list[Stage], ratio: float) -> Scene:
    """`stages` laid out for a slide of width : height `ratio`: the smallest text size (of EMS) whose best rows
    reach TARGET_PX; else the largest text of all. Of rows alike within 2 %, the fewer."""
    best: tuple[float, Scene] | None = None
    stages, key = for_slide(stages)
    for em in EMS:
        here: tuple[float, Scene] | None = None
        for rows in range(1, min(MAX_ROWS, len(stages)) + 1):
            scene = keyed(layout(a, stages, rows, True, em=em), key, em)
            px = smallest_text_px(scene, ratio)
            if here is None or px > here[0] * 1.02:
                here = (px, scene)
        assert here is not None
        if here[0] >= TARGET_PX:
            return here[1]
        if best is None or here[0] > best[0]:
            best = here
    assert best is not None
    return best[1]
