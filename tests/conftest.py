"""Shared pytest options and fixtures: --update-golden rewrites the golden files (review them in the diff);
`figures_script` is docs/make_figures.py, which says how each picture in docs/ is made.

torch runs on one thread in the tests and in the processes they start (OMP_NUM_THREADS, read when torch is
imported): its second intra-op thread spin-waits for work, which on a loaded 2-core machine doubled the suite's
CPU time and gave no result a different figure.

The Python processes the tests start (about a hundred: `python -m archcalc`, the README's bash sessions) would each
compile archcalc's modules from source again where PYTHONDONTWRITEBYTECODE is set (as on this machine) and the checkout is
fresh: 0.1 s of CPU a process. The run compiles them once, first, into archcalc's own __pycache__ folders (ignored
by git), as any import without that variable does; so does pytest with the test modules it rewrites.

Python's cycle collector is off while the tests are collected, and what collecting made (torch, hypothesis, the test
modules: some 280,000 objects) is then frozen, out of its reach: each full collection walked all of them again, 2 s of
CPU over a run; so did a full collection every ten younger ones (now every hundred). Objects are still freed when the
last reference to them goes; only cycles made before the tests run (imports' own) are never looked for."""

from __future__ import annotations

import compileall
import gc
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before any test module imports torch; inherited by subprocesses
if "torch" in sys.modules:  # imported already (by a plugin): too late for the variable
    sys.modules["torch"].set_num_threads(1)


compileall.compile_dir(ROOT / "archcalc", quiet=1)  # what is compiled already and unchanged is left as it is
sys.dont_write_bytecode = False  # and pytest keeps the test modules it rewrites (its asserts) in tests/__pycache__: 3 s a run


gc.disable()  # until the tests are collected (below)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()  # what collecting made lives as long as the run: out of the collector's walks
    gc.set_threshold(700, 10, 100)  # (Python's 700, 10, 10) a full walk of what the tests make every hundred younger ones
    gc.enable()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output instead of comparing with it")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def figures_script() -> ModuleType:
    """docs/make_figures.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_figures"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
