"""A picture as data: polygons, lines and text on a canvas in pixels, and its SVG text (pure).

archcalc draws the volumes figure itself (volumes.py lays it out); this module knows nothing of
networks. Text is measured before it is placed, conservatively, so that labels never overlap:
`text_width` takes each character at least as wide as DejaVu Sans draws it (the widest of the
fonts a renderer falls back to for Helvetica: Liberation Sans, Arial, Nimbus Sans are narrower).
Every text is XML-escaped when written, so spec text cannot become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

FONT = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
Point = tuple[float, float]

# advance widths in em, at least DejaVu Sans's (the widest common fallback): digits 0.636, '×' 0.838
_WIDE = set("MWmw@%")
_NARROW = set("iljtfrI.,:;'|!()[] \u00a0")  # a no-break space as narrow as a space


def char_width(c: str) -> float:
    if c in _NARROW:
        return 0.40
    if c in _WIDE:
        return 1.00
    if c.isupper() or c in "×·→−+=<>~#&":
        return 0.84
    return 0.66


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A width no common sans-serif font exceeds for `text` at `size` px (bold 10% wider)."""
    return sum(char_width(c) for c in text) * size * (1.1 if bold else 1.0)


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str
    stroke: str = "#333333"
    width: float = 0.8


@dataclass(frozen=True)
class Line:
    start: Point
    end: Point
    stroke: str = "#555555"
    width: float = 0.8
    dashed: bool = False


@dataclass(frozen=True)
class Text:
    at: Point  # the baseline's anchor point
    text: str
    size: float
    bold: bool = False
    anchor: str = "middle"  # start, middle or end
    fill: str = "#222222"
    halo: bool = False  # a white outline under the letters, to stay readable where lines run behind

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, right, top, bottom) that the text may cover: ascent 0.8, descent 0.25 of its size."""
        w = text_width(self.text, self.size, self.bold)
        left = self.at[0] - {"start": 0.0, "middle": w / 2, "end": w}[self.anchor]
        return left, left + w, self.at[1] - 0.8 * self.size, self.at[1] + 0.25 * self.size


@dataclass(frozen=True)
class Group:
    """Shapes that draw one thing a reader can point at (a layer's volume): an SVG group with an id
    (picture.node_id's, which the report page links to the layer's row) and a title (its tooltip)."""

    id: str
    title: str
    items: tuple[Polygon, ...]


Item = Polygon | Line | Text | Group


@dataclass(frozen=True)
class Scene:
    width: float
    height: float
    title: str  # the SVG's <title>
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def texts(self) -> tuple[Text, ...]:
        return tuple(i for i in self.items if isinstance(i, Text))

    @property
    def drawn(self) -> tuple[Polygon | Line | Text, ...]:
        """Every shape, a group's in its place."""
        return tuple(j for i in self.items for j in (i.items if isinstance(i, Group) else (i,)))


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _svg_item(item: Item) -> str:
    if isinstance(item, Group):
        inner = "".join(_svg_item(i) for i in item.items)
        return f'<g class="node" id={quoteattr(item.id)}><title>{escape(item.title)}</title>{inner}</g>'
    if isinstance(item, Polygon):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in item.points)
        return f'<polygon points="{pts}" fill="{item.fill}" stroke="{item.stroke}" stroke-width="{_n(item.width)}" stroke-linejoin="round"/>'
    if isinstance(item, Line):
        dash = ' stroke-dasharray="5,3"' if item.dashed else ""
        (x1, y1), (x2, y2) = item.start, item.end
        return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{item.stroke}" '
                f'stroke-width="{_n(item.width)}"{dash}/>')
    weight = ' font-weight="bold"' if item.bold else ""
    if item.halo:
        weight += ' stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    return (f'<text x="{_n(item.at[0])}" y="{_n(item.at[1])}" font-size="{_n(item.size)}" text-anchor="{item.anchor}" '
            f'fill="{item.fill}"{weight}>{escape(item.text)}</text>')


def to_svg(scene: Scene) -> str:
    """The scene as a standalone SVG document (deterministic: the same scene, the same text)."""
    w, h = _n(scene.width), _n(scene.height)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'font-family={quoteattr(FONT)}>')
    body = [f"<title>{escape(scene.title)}</title>", f'<rect width="{w}" height="{h}" fill="white"/>']
    body += [_svg_item(i) for i in scene.items]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + head + "\n" + "\n".join(body) + "\n</svg>\n"
