"""The Graphviz SVG drawn by a second renderer, librsvg (rsvg-convert), as browsers and slide tools
embed it: no node's text runs into its box's outline. Skips where dot or rsvg-convert is absent.

The check reads the rendered pixels: a thin band just inside each box's left and right edges must
hold no ink (text is dark; every fill is light), so text that overflows or touches the edge fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

SVG = "{http://www.w3.org/2000/svg}"
pytestmark = pytest.mark.skipif(shutil.which("dot") is None or shutil.which("rsvg-convert") is None,
                                reason="needs Graphviz's dot and librsvg's rsvg-convert (apt-get install graphviz librsvg2-bin)")


def read_png(path: Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows, bytes per pixel) of an 8-bit, non-interlaced RGB or RGBA PNG (as rsvg-convert writes):
    by Pillow where it is installed (milliseconds), else here, byte by byte (seconds for AlexNet)."""
    try:
        from PIL import Image
    except ImportError:
        return unfilter_png(path)
    with Image.open(path) as image:
        assert image.mode in ("RGB", "RGBA"), image.mode
        bpp, (width, height) = len(image.mode), image.size
        data = image.tobytes()
    return width, height, [data[y * width * bpp:(y + 1) * width * bpp] for y in range(height)], bpp


def unfilter_png(path: Path) -> tuple[int, int, list[bytes], int]:
    data = path.read_bytes()
    pos, chunks = 8, []
    width = height = bpp = 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + size]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[12] == 0, "8-bit, not interlaced"
            bpp = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + size
    raw, stride, rows = zlib.decompress(b"".join(chunks)), width * bpp, []
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a, b, c = line[i - bpp] if i >= bpp else 0, prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pred = (0, a, b, (a + b) // 2, a if abs(p - a) <= min(abs(p - b), abs(p - c)) else b if abs(p - b) <= abs(p - c) else c)[f]
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def boxes(svg: Path) -> dict[str, tuple[float, float, float, float]]:
    """Every node with a visible outline: title → (x_min, x_max, y_min, y_max) in the SVG's user units."""
    root = ET.parse(svg).getroot()
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    tx, ty = map(float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", graph.get("transform") or "").groups())  # type: ignore[union-attr]
    found = {}
    for g in root.iter(f"{SVG}g"):
        outline = next((e for e in g if e.tag in (f"{SVG}polygon", f"{SVG}path")), None)
        if g.get("class") != "node" or outline is None or outline.get("stroke") in ("transparent", "none"):
            continue
        pts = [(float(x) + tx, float(y) + ty) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", outline.get("points") or outline.get("d") or "")]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        found[g.findtext(f"{SVG}title") or ""] = (min(xs), max(xs), min(ys), max(ys))
    return found


SLOW = pytest.mark.slow  # seconds each (librsvg renders the PNG, read back pixel by pixel): AlexNet in the default run, the rest with -m slow


@pytest.mark.parametrize("args", [("alexnet",), pytest.param(("lenet",), marks=SLOW), pytest.param(("resnet18", "--depth", "0"), marks=SLOW),
                                  pytest.param(("googlenet", "--depth", "0"), marks=SLOW), pytest.param(("unet",), marks=SLOW)],
                         ids=lambda a: "-".join(a))
def test_text_stays_inside_its_box_in_librsvg(args: tuple[str, ...], tmp_path: Path) -> None:
    svg, png = tmp_path / "p.svg", tmp_path / "p.png"
    assert CliRunner().invoke(main, ["diagram", *args, "--out", str(svg)]).exit_code == 0
    subprocess.run(["rsvg-convert", "--format", "png", "--output", str(png), str(svg)], check=True, timeout=120)
    width, height, rows, bpp = read_png(png)
    view = [float(v) for v in ET.parse(svg).getroot().get("viewBox", "").split()]
    scale = width / view[2]
    found = boxes(svg)
    assert len(found) > 5
    for title, (x0, x1, y0, y1) in found.items():
        left, right, top, bottom = (round(v * scale) for v in (x0, x1, y0, y1))
        band = [*range(left + 5, left + 8), *range(right - 7, right - 4)]  # inside the outline (up to 3 units wide)
        for y in range(top + 13, bottom - 13):  # clear of the rounded corners: 6 units of radius and a 3-unit frame, 12 px
            for x in band:
                r, g, b = rows[y][x * bpp:x * bpp + 3]
                assert 0.3 * r + 0.59 * g + 0.11 * b > 150, f"{title}: ink at ({x}, {y}) near its box's edge"


def test_gpu_column_headings_are_placed_alike(tmp_path: Path) -> None:
    svg = tmp_path / "alexnet.svg"
    assert CliRunner().invoke(main, ["diagram", "alexnet", "--out", str(svg)]).exit_code == 0
    root = ET.parse(svg).getroot()
    offsets = []
    for gpu in (0, 1):
        cluster = next(g for g in root.iter(f"{SVG}g") if g.findtext(f"{SVG}title") == f"cluster_n0_gpu{gpu}")
        xs = [float(x) for x in re.findall(r"(-?[\d.]+),-?[\d.]+", next(e for e in cluster if e.tag in (f"{SVG}polygon", f"{SVG}path")).get("d") or "")]
        heading = next(g for g in root.iter(f"{SVG}g") if g.findtext(f"{SVG}title") == f"n0_gpu{gpu}_heading")
        title = next(t for t in heading.iter(f"{SVG}text") if t.text == f"GPU {gpu}")
        offsets.append(float(title.get("x") or 0) - (min(xs) + max(xs)) / 2)
    # "GPU 0" and "GPU 1" are as wide: the same place in their columns is the same offset from the column's centre
    assert abs(offsets[0] - offsets[1]) < 1 and abs(offsets[0]) < 40
