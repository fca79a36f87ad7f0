"""The package is built in floors, and imports run down only (issue 19): a newcomer draws the stack
from the folder names, and no module reaches into another's private names.

    ground         errors, limits, paths, text, atomic, records: leaves that every floor uses
    kinds          the vocabulary: one room per layer kind; kinds/terms what kinds are written in
    specfile       find a spec, read its YAML with lines, blocks, $ arithmetic, claims
    analysis       graph, shapes, split, receptive walk, findings, claims, memory, compare: rows of numbers
    outputs        JSON and schema (what machines read); torch_backend (build, verify, time: torch's floor)
    report diagram page   what people read and look at
    cli            the click app, options, the terminal and its streams

Read from the source (ast), so a test needs no import. Imports inside `if TYPE_CHECKING:` are annotations and
do not count. One exception, stated: a kind's torch builder (`build`, `shard`) imports the bricks torch lacks
(archcalc.torch_backend.modules, .shards, .sequences, .windows) when it runs, never at import time.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "archcalc"
FLOORS = [("errors", "limits", "paths", "text", "atomic", "records"), ("kinds",), ("specfile",), ("analysis",), ("outputs", "torch_backend"),
          ("report", "diagram", "page"), ("cli",)]
RANK = {part: i for i, floor in enumerate(FLOORS) for part in floor}
BRICKS = ("archcalc.torch_backend.modules", "archcalc.torch_backend.shards", "archcalc.torch_backend.sequences",
          "archcalc.torch_backend.windows")  # a builder's lazy import, from kinds only


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


@functools.cache  # three tests read each module's imports
def _imports(path: Path) -> list[tuple[str, list[str], bool]]:
    """(module, names, inside a function) for every archcalc import outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    lazy: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lazy.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "archcalc" and not node.level:
            names = [a.name for a in node.names]
            if node.module == "archcalc":
                found += [(f"archcalc.{n}", [], id(node) in lazy) for n in names]
            else:
                found.append((node.module, names, id(node) in lazy))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], id(node) in lazy) for a in node.names if a.name.startswith("archcalc.")]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_on_a_floor() -> None:
    loose = sorted({_part(_name(p)) for p in MODULES} - set(RANK) - {"", "__main__"})
    assert not loose, f"modules on no floor (add them to a floor, here and in README's 'The house'): {loose}"


# One test a rule over every module, each naming all its offenders (a test a module made 550 tests of 2 ms).
def test_imports_run_down_only() -> None:
    up = {}
    for path in MODULES:
        me = _name(path)
        if _part(me) in RANK:
            up[me] = [module for module, _, lazy in _imports(path)
                      if _part(module) in RANK and RANK[_part(module)] > RANK[_part(me)]
                      and not (lazy and _part(me) == "kinds" and module in BRICKS)]
    assert not {me: mods for me, mods in up.items() if mods}, "modules importing from a floor above their own"


def test_no_private_name_of_another_module() -> None:
    private = {_name(path): [f"{module}.{n}" for module, names, _ in _imports(path) for n in names
                             if n.startswith("_") and module != _name(path)] for path in MODULES}
    assert not {me: names for me, names in private.items() if names}, "modules importing private names of other modules"


def test_the_bricks_import_only_the_ground() -> None:
    """The bricks a kind's builder uses know nothing of the kinds: a fused activation's module and shard rule are handed
    to them (archcalc.kinds.base.fused_activation, activation_shard), so no import runs kinds → backend → kinds."""
    for brick in BRICKS:
        path = PACKAGE.joinpath(*brick.split(".")[1:]).with_suffix(".py")
        above = [m for m, _, _ in _imports(path) if _part(m) in RANK and RANK[_part(m)] > 0 and m not in BRICKS]
        assert not above, f"{brick} imports {above}"


def test_modules_stay_readable() -> None:
    long = {_name(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > 260}
    assert not long, f"modules over 260 lines (look for the second idea hiding inside; STYLE.md: about 250): {long}"
