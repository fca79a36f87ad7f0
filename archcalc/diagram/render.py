"""Writing a picture: the format from the extension, Graphviz for svg/png/pdf, an atomic write."""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import graphviz

from archcalc.errors import ArchcalcError
from archcalc.spec import bundled_names
from archcalc.values import printable

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


def _target(out: Path) -> Path:
    """Where the picture goes: `out`, or the file a symlink at `out` points to (written through, the link kept).
    Anything that is not a regular file (a FIFO, a device, a socket, a folder) is refused, never replaced."""
    shown = _shown(out)
    try:
        target = Path(os.path.realpath(out, strict=False))
        st = os.stat(target) if os.path.lexists(target) else None
    except ValueError:  # a NUL byte, which no file name holds
        raise ArchcalcError(f"--out {printable(shown)}: a file name cannot hold a NUL byte") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ArchcalcError(f"--out {shown}: a loop of symbolic links", "give the path of a file") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise _too_long(out) from None
        raise ArchcalcError(f"--out {shown}: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ArchcalcError(f"--out {shown}: is a folder", "give a file name, e.g. alexnet.svg")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ArchcalcError(f"--out {shown}: is {_what(st.st_mode)}, not a regular file; archcalc writes a picture only to a file",
                            "give the name of a new or existing file")
    if os.path.islink(target):  # realpath stopped at a link it could not follow: a loop
        raise ArchcalcError(f"--out {shown}: a loop of symbolic links", "give the path of a file")
    folder = target.parent
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ArchcalcError(f"--out {shown}: {_shown(folder)} is a file, not a folder")
    if not os.path.isdir(folder):
        raise ArchcalcError(f"--out {shown}: the folder {_shown(folder)} does not exist", f"create it first: mkdir -p {_shown(folder)}")
    if len(os.fsencode(target.name)) > _name_max(folder) or len(os.fsencode(target)) >= _path_max(folder):
        raise _too_long(out)
    return target


def _what(mode: int) -> str:
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode) else
            "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _path_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        return 4096


def _too_long(out: Path) -> ArchcalcError:
    what = f"the file name is too long ({len(out.name):,} characters)" if len(out.name) > 255 else f"the path is too long ({len(str(out)):,} characters)"
    return ArchcalcError(f"--out {_shown(out)}: {what}", "give a shorter name: most file systems take up to 255 bytes a name, 4,096 a path")


def _shown(path: Path | str, limit: int = 120) -> str:
    """A path as a message shows it: cut in the middle when long."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-(limit // 2):]}"


def _draw(dot: graphviz.Digraph, fmt: str) -> tuple[bytes, str | None]:
    """The picture's bytes, and a note where Graphviz had to shrink it. dot is run here rather than by
    graphviz's pipe, which prints dot's messages itself and then raises with them: each would be said twice."""
    if fmt == "dot":
        source: str = dot.source
        return source.encode("utf-8"), None
    if fmt == "png":  # Graphviz's default 96 dpi blurs small labels; 150 keeps them sharp when a README scales the image
        dot = dot.copy()
        dot.attr(dpi=PNG_DPI)
    program = shutil.which("dot")
    if program is None:
        raise ArchcalcError(
            f"Graphviz's 'dot' program is not on the PATH; it is needed to write .{fmt}",
            "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
            "conda: conda install -c conda-forge graphviz), or write DOT source with --out NAME.dot, which needs no Graphviz")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot.source.encode("utf-8"), capture_output=True, check=False)
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
        hint = "the picture may be too large for Graphviz: draw fewer specs, or write --out NAME.dot and lay it out yourself"
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
    target = _target(out)
    data, note = _draw(dot, fmt)
    tmp = target.parent / f".{target.name[:200]}.{secrets.token_hex(4)}.tmp"
    try:  # 0o666 less the umask, as any new file (mkstemp would make it 0o600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ArchcalcError(f"--out {_shown(out)}: cannot write in the folder {_shown(target.parent)}: {exc.strerror}",
                            "choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if target.exists():  # a picture written again keeps the permissions it had
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchcalcError(f"--out {_shown(out)}: cannot write it: {exc.strerror}") from None
    except BaseException:  # Ctrl-C, or a bug: the temporary file goes too
        tmp.unlink(missing_ok=True)
        raise
    return note
