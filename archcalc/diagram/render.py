"""Writing a picture: the format from the extension, Graphviz for svg/png/pdf, an atomic write."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import graphviz

from archcalc.atomic import check_target, write_atomic
from archcalc.diagram.bounded import DOT_MEMORY, bounded, run_dot
from archcalc.errors import ArchcalcError
from archcalc.specfile import bundled_names
from archcalc.text import printable

FORMATS = ("svg", "png", "pdf", "dot")
PNG_DPI = "150"
RSVG_SECONDS = 10
MAX_SIDE_PX = 32_767  # a side of a bitmap: cairo's largest, and so Graphviz's and librsvg's


def spec_named_by(out: Path) -> str:
    """`--out alexnet.svg` without a spec draws the bundled spec 'alexnet'."""
    names = bundled_names()
    if out.stem in names:
        return out.stem
    raise ArchcalcError(f"no spec given, and --out {out} names no bundled spec",
                        f"give one: archcalc diagram SPEC --out {out}; or name the file after a bundled spec: {', '.join(names)}")


def output_format(out: Path) -> str:
    """The format named by the extension; anything else is a usage error that lists the formats."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        problem = f"'{out.suffix}' is not a format archcalc can write" if out.suffix else "the file name has no extension to name its format"
        raise ArchcalcError(f"--out {out}: {problem}",
                            f"end the file name in one of {', '.join('.' + f for f in FORMATS)} (.dot needs no Graphviz)")
    return fmt


def _draw(dot: graphviz.Digraph, fmt: str, seconds: float | None = None) -> tuple[bytes, str | None]:
    """The picture's bytes, and a note where Graphviz had to shrink it. dot is run here rather than by
    graphviz's pipe, which prints dot's messages itself and then raises with them: each would be said twice."""
    if fmt == "dot":
        source: str = dot.source
        return source.encode("utf-8"), None
    dot = bounded(dot)  # Graphviz's limits for a costly layout; refused past what dot lays out in time
    if fmt == "png" and "dpi" not in dot.graph_attr:  # Graphviz's 96 dpi blurs small labels; 150 keeps them sharp in a README
        dot = dot.copy()
        dot.attr(dpi=PNG_DPI)
    program = shutil.which("dot")
    if program is None:
        raise ArchcalcError(
            f"Graphviz's 'dot' program is not on the PATH; it is needed to write .{fmt}",
            "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
            "conda: conda install -c conda-forge graphviz), or write DOT source with --out NAME.dot, which needs no Graphviz")
    try:
        done = run_dot(program, fmt, dot.source.encode("utf-8"), *(() if seconds is None else (seconds,)))
    except OSError as exc:
        raise ArchcalcError(f"Graphviz's dot could not be started: {exc.strerror}", "check the Graphviz installation (dot -V)") from None
    said = dot_messages(done.stderr)
    if done.returncode != 0:
        raise dot_failed(done.returncode, said, fmt)
    if not done.stdout:
        raise ArchcalcError(f"Graphviz's dot wrote nothing for .{fmt}", "check the Graphviz installation (dot -V)")
    return done.stdout, picture_note(said, fmt)


def dot_messages(stderr: bytes) -> list[str]:
    """dot's messages, one per line, as text a terminal shows as it is (they may quote a spec's text)."""
    return [printable(line.strip()) for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]


def dot_failed(returncode: int, said: list[str], fmt: str) -> ArchcalcError:
    """dot's failure, once, in one line, with the hint that fits what it said."""
    text = "; ".join(said)[:600] or "no message"
    how = f"killed by signal {-returncode}" if returncode < 0 else f"exit {returncode}"
    lowered = text.lower()
    if "format" in lowered and "not recognized" in lowered:
        hint = f"this Graphviz cannot write .{fmt} (dot -T? lists what it can): install its full package (with the cairo plugins), or write .svg"
    elif "syntax error" in lowered or "in label" in lowered or "non-utf-8" in lowered:
        hint = "Graphviz could not read the DOT text archcalc made; write --out NAME.dot to see it, and please report it"
    elif returncode < 0 or "memory" in lowered or "too large" in lowered:
        hint = (f"the picture may be too large for Graphviz (archcalc gives dot {DOT_MEMORY >> 20:,} MB of memory): draw fewer specs, "
                "or fold blocks into single nodes with --depth 0, or write --out NAME.dot and lay it out yourself")
    else:
        hint = "write --out NAME.dot to see the DOT source; dot -V checks the Graphviz installation"
    return ArchcalcError(f"Graphviz's dot failed ({how}): {text}", hint)


_SCALED = re.compile(r"too large for cairo-renderer bitmaps\. Scaling by ([0-9.eE+-]+)")


def picture_note(said: list[str], fmt: str) -> str | None:
    """What dot warned about, in archcalc's words: a bitmap larger than cairo draws (32,767 pixels a side) is shrunk."""
    notes = []
    for line in said:
        scaled = _SCALED.search(line)
        if scaled:
            notes.append(f"the picture is larger than Graphviz draws a .{fmt} (32,767 pixels a side), so it is shrunk to "
                         f"{float(scaled[1]):.0%} of its size; .svg or .pdf keep it whole")
        else:
            notes.append(f"Graphviz's dot said: {line}")
    return "; ".join(notes)[:1000] if notes else None


def render(dot: graphviz.Digraph, out: Path) -> str | None:
    """Write the picture in the format `out` names, through a temporary file beside it (beside the file a
    symlink points to) that replaces it only once complete: a failure, Ctrl-C included, leaves no temporary
    file and any existing picture as it was. Returns a note to show, or None."""
    fmt = output_format(out)
    target = check_target(out, "alexnet.svg")
    data, note = _draw(dot, fmt)
    write_atomic(out, data, target)
    return note


def svg_bytes(dot: graphviz.Digraph, seconds: float | None = None) -> bytes:
    """dot's SVG of `dot`, under the bound of bounded.py (the page's picture)."""
    return _draw(dot, "svg", seconds)[0]


def layout_inches(dot: graphviz.Digraph, seconds: float | None = None) -> tuple[float, float]:
    """The width and height Graphviz lays `dot` out at, in inches (its plain output's first line)."""
    if shutil.which("dot") is None:  # even for --out NAME.dot: the layout is chosen by measuring
        raise ArchcalcError("Graphviz's 'dot' program is not on the PATH; --fit needs it to measure the layouts it chooses among",
                            "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                            "conda: conda install -c conda-forge graphviz), or leave out --fit")
    first = _draw(dot, "plain", seconds)[0].decode("utf-8").split("\n", 1)[0].split()
    return float(first[2]), float(first[3])  # 'graph SCALE WIDTH HEIGHT'


def layouts_inches(dots: list[graphviz.Digraph], seconds: float) -> list[tuple[float, float]]:
    """layout_inches of each of `dots`, all laid out by one run of dot within `seconds` (most of a small layout's
    cost is dot's start: ResNet-18's 16 --fit layouts take 0.06 s of CPU in one process, 0.38 s in sixteen)."""
    program = shutil.which("dot")
    if program is None:
        layout_inches(dots[0])  # says what to do
    assert program is not None
    sources = [bounded(dot).source for dot in dots]
    unique = list(dict.fromkeys(sources))  # a graph given twice (more parts than the network has seams) is laid out once
    try:
        done = run_dot(program, "plain", "\n".join(unique).encode("utf-8"), seconds)
    except OSError as exc:
        raise ArchcalcError(f"Graphviz's dot could not be started: {exc.strerror}", "check the Graphviz installation (dot -V)") from None
    if done.returncode != 0:
        raise dot_failed(done.returncode, dot_messages(done.stderr), "plain")
    firsts = _FIRST_LINE.findall(done.stdout)  # 'graph SCALE WIDTH HEIGHT', each graph's first line
    if len(firsts) != len(unique):
        raise ArchcalcError(f"Graphviz's dot laid out {len(firsts)} of {len(unique)} graphs", "check the Graphviz installation (dot -V)")
    size = {source: (float(width), float(height)) for source, (width, height) in zip(unique, firsts)}
    return [size[source] for source in sources]


_FIRST_LINE = re.compile(rb"^graph \S+ (\S+) (\S+)$", re.MULTILINE)


def render_svg(svg: str, out: Path, box_px: tuple[float, float] | None = None) -> None:
    """Write a picture archcalc drew itself (SVG text) in the format `out` names, atomically as `render`:
    .svg as it is, .png and .pdf converted by librsvg's rsvg-convert."""
    fmt = output_format(out)
    target = check_target(out, "alexnet.svg")
    if fmt == "dot":
        raise ArchcalcError(f"--out {out}: this picture is drawn by archcalc, not Graphviz, and has no DOT source",
                            "end the file name in .svg, .png or .pdf")
    write_atomic(out, svg.encode("utf-8") if fmt == "svg" else convert_svg(svg, fmt, box_px), target)


def convert_svg(svg: str, fmt: str, box_px: tuple[float, float] | None = None) -> bytes:
    """SVG text → PNG (at 150 dpi, as Graphviz's) or PDF bytes, through rsvg-convert; `box_px`: scaled to fit it."""
    program = shutil.which("rsvg-convert")
    if program is None:
        raise ArchcalcError(
            f"librsvg's 'rsvg-convert' program is not on the PATH; it is needed to write .{fmt} of this picture",
            "install it (Debian/Ubuntu: sudo apt-get install librsvg2-bin; macOS: brew install librsvg; "
            "conda: conda install -c conda-forge librsvg), or write --out NAME.svg, which needs nothing",
        )
    zoom = ["--zoom", str(int(PNG_DPI) / 96)] if fmt == "png" else []
    if box_px is not None:
        zoom = [*(arg for side, px in zip(("--width", "--height"), box_px) if px <= MAX_SIDE_PX for arg in (side, str(round(px)))),
                "--keep-aspect-ratio"]  # a side past the limit is one left free (a height alone)
    try:
        proc = subprocess.run([program, "--format", fmt, *zoom], input=svg.encode("utf-8"), capture_output=True, timeout=RSVG_SECONDS)
    except subprocess.TimeoutExpired:
        raise ArchcalcError(f"rsvg-convert took more than {RSVG_SECONDS} s to write .{fmt}", "write --out NAME.svg") from None
    if proc.returncode != 0 or not proc.stdout:
        said = [printable(line.strip()) for line in proc.stderr.decode(errors="replace").splitlines() if line.strip()]
        message = "; ".join(dict.fromkeys(said))[:300] or "no message"  # Pango repeats its warnings by the hundred
        hint = (f"the picture would be larger than {MAX_SIDE_PX:,} px a side: give a smaller --width or --height, or write .svg"
                if "larger than" in message else "check it runs: rsvg-convert --version")
        raise ArchcalcError(f"rsvg-convert failed (exit {proc.returncode}): {message}", hint) from None
    return proc.stdout

