"""Writing a picture: the format from the extension, Graphviz for svg/png/pdf, an atomic write."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import graphviz

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


def _check_folder(out: Path) -> Path:
    folder = out.parent if str(out.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise ArchcalcError(f"--out {out}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ArchcalcError(f"--out {out}: the folder {folder} does not exist", f"create it first: mkdir -p {folder}")
    if out.is_dir():
        raise ArchcalcError(f"--out {out}: is a folder", "give a file name, e.g. alexnet.svg")
    return folder


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
    folder = _check_folder(out)
    data = _draw(dot, fmt)
    tmp = folder / f".{out.name}.{secrets.token_hex(4)}.tmp"
    try:  # 0o666 less the umask, as any new file (mkstemp would make it 0o600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ArchcalcError(f"--out {out}: cannot write in the folder {folder}: {exc.strerror}", "choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchcalcError(f"--out {out}: cannot write it: {exc.strerror}") from None
