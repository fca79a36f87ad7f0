"""Finding a spec: a path, or the name of a bundled spec ('alexnet')."""

from __future__ import annotations

import difflib
from pathlib import Path

from archcalc.errors import ArchcalcError

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
    """A path to a spec file, or the name of a bundled spec ('alexnet')."""
    path = Path(arg)
    if path.is_dir():
        raise ArchcalcError(f"{arg}: is a directory, not a spec file", "give a .yaml file inside it")
    if path.is_file():
        return path
    if "/" not in arg and path.suffix == "":
        candidate = bundled_dir() / f"{arg}.yaml"
        if candidate.is_file():
            return candidate
    names = bundled_names()
    near = difflib.get_close_matches(path.stem, names, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    raise ArchcalcError(f"{arg}: no such spec file or bundled spec", f"{hint}bundled specs: {', '.join(names)}")
