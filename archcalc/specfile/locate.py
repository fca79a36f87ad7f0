"""Finding a spec: a path, or the name of a bundled spec ('alexnet')."""

from __future__ import annotations

import difflib
import errno
import os
import stat
from pathlib import Path

from archcalc.errors import ArchcalcError
from archcalc.paths import file_kind, shown

STDIN = "-"  # a spec argument that means: read the spec from standard input
STDIN_LABEL = "<stdin>"  # its name in messages: "<stdin>:3: layer 'conv1': ..."


def bundled_dir() -> Path:
    """Bundled specs: inside the installed package (wheel), or the checkout's top-level specs/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "specs", here.parent / "specs"):
        if candidate.is_dir():
            return candidate
    raise ArchcalcError("the bundled specs are missing from this installation", "reinstall archcalc")


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def resolve(arg: str) -> Path:
    """A path to a spec file, or the name of a bundled spec ('alexnet'). A path that names something other
    than a file (a folder, a FIFO, a device, a loop of links, a name too long) is said to be that."""
    if not arg.strip():
        raise ArchcalcError("the spec's name is empty", "give a YAML file or a bundled spec's name: archcalc show alexnet")
    path = Path(arg)
    st = _stat(arg)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ArchcalcError(f"{shown(arg)}: is a directory, not a spec file", "give a .yaml file inside it")
    if st is not None and stat.S_ISREG(st.st_mode):
        return path
    if st is not None:
        raise ArchcalcError(f"{shown(arg)}: is {file_kind(st.st_mode)}, not a spec file",
                            "give the path of a .yaml file (a pipe or a device could be read forever)")
    if "/" not in arg and path.suffix == "" and "\0" not in arg:
        candidate = bundled_dir() / f"{arg}.yaml"
        if _stat(str(candidate), bundled=True) is not None and candidate.is_file():
            return candidate
    names = bundled_names()
    near = difflib.get_close_matches(path.stem, names, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    raise ArchcalcError(f"{shown(arg)}: no such spec file or bundled spec", f"{hint}bundled specs: {', '.join(names)}")


def _stat(arg: str, bundled: bool = False) -> os.stat_result | None:
    """What `arg` names (following links), or None where nothing is there."""
    try:
        return os.stat(arg)
    except FileNotFoundError:
        if not bundled and os.path.islink(arg):
            raise ArchcalcError(f"{shown(arg)}: a symbolic link to {shown(os.readlink(arg))}, which does not exist",
                                "give the path of a .yaml file") from None
        return None
    except (NotADirectoryError, ValueError):  # a file used as a folder; a NUL byte
        return None
    except OSError as exc:
        if bundled:
            return None
        if exc.errno == errno.ELOOP:
            raise ArchcalcError(f"{shown(arg)}: a loop of symbolic links, not a spec file", "give the path of a .yaml file") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise ArchcalcError(f"{shown(arg)}: the name is too long for a file ({len(arg):,} characters)",
                                "give the path of a .yaml file, or a bundled spec's name") from None
        raise ArchcalcError(f"{shown(arg)}: cannot read: {exc.strerror}") from None
