"""Writing a file the user named with --out: all of it or nothing, and only ever a regular file.

`check_target` says where the data goes: `out`, or the file a symlink at `out` points to (written
through, the link kept); anything that is not a regular file (a FIFO, a device, a socket, a folder)
is refused, never replaced. `write_atomic` writes a temporary file beside that target, which
replaces it only once complete: a failure, Ctrl-C included, leaves no temporary file and any
existing file as it was. Used by `diagram` (pictures) and `report` (pages)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from archcalc.errors import ArchcalcError
from archcalc.paths import file_kind, shown
from archcalc.text import printable


def check_target(out: Path, example: str) -> Path:
    """The regular file `out` names (through a symlink), once its folder is known to exist; `example`
    is the hint's file name (alexnet.svg). Nothing is written yet: a wrong --out fails before any work."""
    named_out = shown(out)
    try:
        target = Path(os.path.realpath(out, strict=False))
        st = os.stat(target) if os.path.lexists(target) else None
    except ValueError:  # a NUL byte, which no file name holds
        raise ArchcalcError(f"--out {printable(named_out)}: a file name cannot hold a NUL byte") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ArchcalcError(f"--out {named_out}: a loop of symbolic links", "give the path of a file") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise _too_long(out) from None
        raise ArchcalcError(f"--out {named_out}: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ArchcalcError(f"--out {named_out}: is a folder", f"give a file name, e.g. {example}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ArchcalcError(f"--out {named_out}: is {file_kind(st.st_mode)}, not a regular file; archcalc writes only to a file",
                            "give the name of a new or existing file")
    if os.path.islink(target):  # realpath stopped at a link it could not follow: a loop
        raise ArchcalcError(f"--out {named_out}: a loop of symbolic links", "give the path of a file")
    _check_link(out, target, st)
    folder = target.parent
    named = shown(out.parent if not os.path.islink(out) else folder)  # the folder as the user wrote it, where no link leads elsewhere
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ArchcalcError(f"--out {named_out}: {named} is a file, not a folder")
    if not os.path.isdir(folder):
        raise ArchcalcError(f"--out {named_out}: the folder {named} does not exist", f"create it first: mkdir -p {named}")
    if len(os.fsencode(target.name)) > _name_max(folder) or len(os.fsencode(target)) >= _path_max(folder):
        raise _too_long(out)
    return target


def _check_link(out: Path, target: Path, st: os.stat_result | None) -> None:
    """A symbolic link is written through only to a file in its own folder (or below it) that is the user's own, as
    Linux's fs.protected_symlinks follows links: a link planted in a shared folder cannot aim a write elsewhere.
    The file's own path, given as --out, is written."""
    if not os.path.islink(out):
        return
    home = Path(os.path.realpath(out.parent))
    outside = home != target.parent and home not in target.parents
    other = st is not None and hasattr(os, "geteuid") and st.st_uid != os.geteuid()
    if outside or other:
        why = "outside the link's own folder" if outside else "owned by another user"
        raise ArchcalcError(f"--out {shown(out)}: is a symbolic link to {printable(str(target))}, {why}; archcalc does not write through it",
                            f"to write that file, give its own path: --out {printable(str(target))}")


def write_atomic(out: Path, data: bytes, target: Path) -> None:
    """`data` into `target` (from check_target(out, ...)), through a temporary file beside it and os.replace;
    a file written again keeps the permissions it had."""
    tmp = target.parent / f".{target.name[:200]}.{os.urandom(4).hex()}.tmp"  # secrets.token_hex, without its 10 ms of imports
    try:  # 0o666 less the umask, as any new file (mkstemp would make it 0o600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ArchcalcError(f"--out {shown(out)}: cannot write in the folder {shown(target.parent)}: {exc.strerror}",
                            "choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchcalcError(f"--out {shown(out)}: cannot write it: {exc.strerror}") from None
    except BaseException:  # Ctrl-C, or a bug: the temporary file goes too
        tmp.unlink(missing_ok=True)
        raise


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
    return ArchcalcError(f"--out {shown(out)}: {what}", "give a shorter name: most file systems take up to 255 bytes a name, 4,096 a path")
