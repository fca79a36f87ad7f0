"""Writing a picture: the format from the extension, Graphviz for svg/png/pdf, an atomic write."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import graphviz

from archcalc.atomic import check_folder, write_atomic
from archcalc.errors import ArchcalcError
from archcalc.spec import bundled_names

FORMATS = ("svg", "png", "pdf", "dot")
PNG_DPI = "150"


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


def _draw(dot: graphviz.Digraph, fmt: str) -> bytes:
    if fmt == "dot":
        source: str = dot.source
        return source.encode("utf-8")
    if fmt == "png" and "dpi" not in dot.graph_attr:  # Graphviz's 96 dpi blurs small labels; 150 keeps them sharp in a README
        dot = dot.copy()
        dot.attr(dpi=PNG_DPI)
    try:
        data: bytes = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise ArchcalcError(
            f"Graphviz's 'dot' program is not on the PATH; it is needed to write .{fmt}",
            "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
            "conda: conda install -c conda-forge graphviz), or write DOT source with --out NAME.dot, which needs no Graphviz",
        ) from None
    except graphviz.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace").strip() if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        raise ArchcalcError(f"Graphviz's dot failed (exit {exc.returncode}): {stderr or 'no message'}",
                            "check the Graphviz installation (dot -V); write --out NAME.dot to see the DOT source") from None
    if not data:
        raise ArchcalcError(f"Graphviz's dot wrote nothing for .{fmt}", "check the Graphviz installation (dot -V)")
    return data


def render(dot: graphviz.Digraph, out: Path) -> None:
    """Write the picture in the format `out` names, through a temporary file beside it that
    replaces `out` only once complete: a failure leaves no partial file and any existing `out` as it was."""
    fmt = output_format(out)
    folder = check_folder(out, "alexnet.svg")
    write_atomic(out, _draw(dot, fmt), folder)


def layout_inches(dot: graphviz.Digraph) -> tuple[float, float]:
    """The width and height Graphviz lays `dot` out at, in inches (its plain output's first line)."""
    if shutil.which("dot") is None:  # even for --out NAME.dot: the layout is chosen by measuring
        raise ArchcalcError("Graphviz's 'dot' program is not on the PATH; --fit needs it to measure the layouts it chooses among",
                            "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                            "conda: conda install -c conda-forge graphviz), or leave out --fit")
    first = _draw(dot, "plain").decode("utf-8").split("\n", 1)[0].split()
    return float(first[2]), float(first[3])  # 'graph SCALE WIDTH HEIGHT'


def render_svg(svg: str, out: Path, box_px: tuple[float, float] | None = None) -> None:
    """Write a picture archcalc drew itself (SVG text) in the format `out` names, atomically as `render`:
    .svg as it is, .png and .pdf converted by librsvg's rsvg-convert."""
    fmt = output_format(out)
    folder = check_folder(out, "alexnet.svg")
    if fmt == "dot":
        raise ArchcalcError(f"--out {out}: this picture is drawn by archcalc, not Graphviz, and has no DOT source",
                            "end the file name in .svg, .png or .pdf")
    write_atomic(out, svg.encode("utf-8") if fmt == "svg" else convert_svg(svg, fmt, box_px), folder)


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
        zoom = ["--width", str(round(box_px[0])), "--height", str(round(box_px[1])), "--keep-aspect-ratio"]
    try:
        proc = subprocess.run([program, "--format", fmt, *zoom], input=svg.encode("utf-8"), capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise ArchcalcError(f"rsvg-convert took more than 120 s to write .{fmt}", "write --out NAME.svg") from None
    if proc.returncode != 0 or not proc.stdout:
        message = proc.stderr.decode(errors="replace").strip() or "no message"
        raise ArchcalcError(f"rsvg-convert failed (exit {proc.returncode}): {message}", "check it runs: rsvg-convert --version") from None
    return proc.stdout

