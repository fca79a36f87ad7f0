"""The volumes figure on a slide (`--style volumes --fit W:H`): its labels sized for the frame (pure).

A volumes figure is bound by its text: a row of AlexNet's windows, sizes and names needs about 140 em,
and laid out at the handout's 10 px its text came to 13 px on a 1920 × 1080 slide. On a slide every
text is one size (volume_words.py drops the description and the legend), and the figure is laid out
with its text at each of EMS times the handout's size, the volumes as they are, in 1 to 6 rows. The
smallest text size whose best number of rows reaches TARGET_PX on a slide 1920 px wide is drawn (the
larger the text, the smaller the volumes beside it); where none does, the layout with the largest text.
"""

from __future__ import annotations

from archcalc.analysis import Analysis
from archcalc.diagram.scene import Scene
from archcalc.diagram.volume_layout import layout
from archcalc.diagram.volumes import Stage

EMS = tuple(1 + k / 4 for k in range(17))  # the text sizes tried, 1 to 5 times the handout's 10 px labels
MAX_ROWS = 6
SLIDE_WIDTH_PX = 1920
TARGET_PX = 22.0  # the smallest text wanted (tests/test_slides.py holds it to 20 px, measured off the SVG)


def smallest_text_px(scene: Scene, ratio: float) -> float:
    """The smallest text's size in px when `scene` is scaled to fit a box of width : height `ratio`, 1920 px wide."""
    scale = min(SLIDE_WIDTH_PX / scene.width, SLIDE_WIDTH_PX / ratio / scene.height)
    return scale * min(t.size for t in scene.texts)


def slide_fitted(a: Analysis, stages: list[Stage], ratio: float) -> Scene:
    """`stages` laid out for a slide of width : height `ratio`: the smallest text size (of EMS) whose best rows
    reach TARGET_PX; else the largest text of all. Of rows alike within 2 %, the fewer."""
    best: tuple[float, Scene] | None = None
    for em in EMS:
        here: tuple[float, Scene] | None = None
        for rows in range(1, min(MAX_ROWS, len(stages)) + 1):
            scene = layout(a, stages, rows, True, 1.0, em)
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
