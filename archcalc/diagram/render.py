"""Writing a picture: the format from the extension, Graphviz for svg/png/pdf, an atomic write."""

from __future__ import annotations

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
        given = f"'{out.suffix}'" if out.suffix else "no extension"
        raise ArchcalcError(f"--out {out}: {given} is not a format archcalc can write",
                            f"end the file name in one of {', '.join('.' + f for f in FORMATS)} (.dot needs no Graphviz)")
    return fmt


def _draw(dot: graphviz.Digraph, fmt: str) -> bytes:
    if fmt == "dot":
        source: str = dot.source
        return source.encode("utf-8")
    if fmt == "png":  # Graphviz's default 96 dpi blurs small labels; 150 keeps them sharp when a README scales the image
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
