"""What each part imports, proven in a fresh interpreter; the bundled specs found by name anywhere.

`show` and `compare` must not import torch (issue 2: they start fast); the core (CORE below)
imports no click, rich, graphviz or torch (STYLE.md); the diagram and the torch backend no rich.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent

# One fresh interpreter runs them all, one after another, and says which modules each brought in: a module is
# imported once, so what the whole run never imports, none of them imports (and what one brings in is named by it).
RUN_EACH_AND_LIST = """
import json, sys
seen, report = set(sys.modules), {{}}
from archcalc.cli.app import main
for args in {runs!r}:
    code = None
    try:
        main(args, prog_name="archcalc")
    except SystemExit as exc:
        code = exc.code
    report[" ".join(args)] = {{"code": code, "modules": sorted(set(sys.modules) - seen)}}
print(json.dumps(report), file=sys.stderr)
"""

NO_TORCH = [
    ["show", "alexnet"],
    ["show", "alexnet", "--input", "224", "--format", "json"],
    ["show", "lenet", "--format", "csv"],
    ["show", "lenet", "--format", "markdown"],
    ["compare", "lenet", "alexnet"],
    ["compare", "lenet", "alexnet", "--format", "json"],
    ["show", "alexnet", "--format", "html"],
    ["compare", "lenet", "alexnet", "--format", "html"],
    ["report", "lenet", "alexnet", "--out", "page.html"],
    ["diagram", "alexnet", "--out", "alexnet.dot"],  # the diagram and the roofline with a hardware profile too: in this one
    ["show", "alexnet", "--hardware", "h100-sxm"],  # interpreter, at no process of their own (test_diagram.py's and
    ["diagram", "alexnet", "--style", "roofline", "--hardware", "l4", "--out", "r.svg"],  # test_roofline_cli.py's run -m slow)
]


@pytest.fixture(scope="module")
def imported_by_each(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int | None, set[str]]]:
    """Each command of NO_TORCH: its exit code and the top-level modules imported by then (the first command's
    include what importing the command line brings in)."""
    proc = subprocess.run([sys.executable, "-c", RUN_EACH_AND_LIST.format(runs=NO_TORCH + REFUSED_BEFORE_TORCH)], capture_output=True, text=True,
                          cwd=tmp_path_factory.mktemp("no-torch"), timeout=300)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return {args: (done["code"], {m.split(".")[0] for m in done["modules"]}) for args, done in report.items()}


@pytest.mark.parametrize("args", NO_TORCH, ids=" ".join)
def test_show_and_compare_do_not_import_torch(args: list[str], imported_by_each: dict[str, tuple[int | None, set[str]]]) -> None:
    code, top = imported_by_each[" ".join(args)]
    assert code in (0, None)
    assert "torch" not in top and "numpy" not in top


# run refuses a spec before it imports torch (1.7 s in a fresh process): last in the interpreter above, after the others
REFUSED_BEFORE_TORCH = [["run", "no_such_spec"], ["run", "--train", "no_such_spec"]]


@pytest.mark.parametrize("args", REFUSED_BEFORE_TORCH, ids=" ".join)
def test_run_refuses_a_spec_before_importing_torch(args: list[str], imported_by_each: dict[str, tuple[int | None, set[str]]]) -> None:
    code, top = imported_by_each[" ".join(args)]
    assert code == 2
    assert "torch" not in top


CORE = ["errors", "kinds.terms.values", "kinds.terms.sizes", "kinds.terms.figures", "kinds.terms.fields", "kinds", "specfile",
        "analysis.graph", "analysis", "analysis.receptive", "analysis.compare", "analysis.memory", "text", "outputs.serialize",
        "outputs.jsontext", "outputs.schema", "report.plain", "atomic", "paths", "page", "page.facts", "page.svg"]


# In the order below, in one fresh interpreter: what is imported by the time a command has run (by it or by those
# before it) must hold none of what it may not import; so each is proven, the earlier ones' imports counted against it.
BY_FORMAT = [
    (["schema"], {"torch", "rich", "graphviz", "archcalc.analysis"}),  # the spec's schema: the vocabulary, no analysis
    (["show", "alexnet", "--format", "csv"], {"torch", "rich", "graphviz"}),
    (["compare", "lenet", "alexnet", "--format", "markdown"], {"torch", "rich", "graphviz"}),
    (["show", "alexnet", "--format", "json"], {"torch", "rich", "importlib.metadata"}),
    (["show", "alexnet"], {"torch", "importlib.metadata"}),
]

RUN_IN_TURN_AND_LIST = """
import json, sys
from archcalc.cli.app import main
report = {{}}
for args in {runs!r}:
    try:
        main(args, prog_name="archcalc")
    except SystemExit:
        pass
    report[" ".join(args)] = sorted(sys.modules)
print(json.dumps(report), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def imported_by_then(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """BY_FORMAT's commands in turn in one fresh interpreter: every module imported once each has run."""
    code = RUN_IN_TURN_AND_LIST.format(runs=[args for args, _ in BY_FORMAT])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path_factory.mktemp("formats"), timeout=120)
    return {args: set(modules) for args, modules in json.loads(proc.stderr.strip().splitlines()[-1]).items()}


@pytest.mark.parametrize(("args", "absent"), BY_FORMAT,
                         ids=lambda v: " ".join(sorted(v) if isinstance(v, set) else v))  # sorted: the same ids in every run (pytest-xdist)
def test_each_format_imports_only_what_it_uses(args: list[str], absent: set[str], imported_by_then: dict[str, set[str]]) -> None:
    modules = imported_by_then[" ".join(args)]
    assert "archcalc.cli.app" in modules  # the premise: the command line ran in that interpreter
    assert not {m for m in modules if m in absent or m.split(".")[0] in absent - {"importlib.metadata"}}


IMPORT_EACH = """
import importlib, json, sys
seen, report = set(sys.modules), {}
for name in sys.argv[1:]:
    importlib.import_module("archcalc." + name)
    report[name] = sorted({m.split(".")[0] for m in set(sys.modules) - seen} | {"archcalc"})
    seen = set(sys.modules)
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def brought_in_by_each(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The CORE modules imported one after another in one fresh interpreter: the top-level modules each brings in
    (what the whole run never imports, none of them imports)."""
    proc = subprocess.run([sys.executable, "-c", IMPORT_EACH, *CORE], capture_output=True, text=True, cwd=tmp_path_factory.mktemp("core"),
                          timeout=120, check=True)
    report: dict[str, list[str]] = json.loads(proc.stdout)
    return report


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_frontend(module: str, brought_in_by_each: dict[str, list[str]]) -> None:
    top = set(brought_in_by_each[module])
    assert "archcalc" in top
    assert not top & {"click", "rich", "graphviz", "torch"}, top & {"click", "rich", "graphviz", "torch"}


@pytest.mark.parametrize(("module", "allowed"), [("diagram", {"graphviz"}),
                                                 pytest.param("torch_backend", {"torch"}, marks=pytest.mark.slow)])  # importing torch: 2 s
def test_diagram_and_torch_backend_do_not_import_rich(module: str, allowed: set[str], tmp_path: Path) -> None:
    """Text is made in archcalc.text: neither imports rich to format a number."""
    code = f"import sys, archcalc.{module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=True)
    top = set(proc.stdout.split())
    assert allowed <= top and not top & ({"click", "rich", "graphviz", "torch"} - allowed)


def test_report_imports_no_torch(tmp_path: Path) -> None:
    code = "import sys, archcalc.report; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True)
    assert not set(proc.stdout.split()) & {"torch", "graphviz", "click"}


def test_bundled_specs_by_name_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a directory without specs/: the names still resolve, through python -m archcalc too (alexnet; lenet in this process)
    proc = subprocess.run([sys.executable, "-m", "archcalc", "show", "alexnet", "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["params"] == 60_965_224
    monkeypatch.chdir(tmp_path)
    assert json.loads(shown("lenet"))["totals"]["params"] == 61_706


def shown(spec: str) -> str:
    """`archcalc show SPEC --format json` in this process, from the working directory."""
    result = CliRunner().invoke(main, ["show", spec, "--format", "json"], prog_name="archcalc")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_path_is_the_users_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'alexnet' is the bundled spec; './alexnet.yaml' in the working directory is the user's own file (in this process)
    (tmp_path / "alexnet.yaml").write_text("name: mine\ninput: [3, 8, 8]\nlayers:\n  - {name: r, type: relu}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert json.loads(shown("alexnet.yaml"))["name"] == "mine"


@pytest.mark.slow  # builds a wheel: half a second of CPU
def test_wheel_carries_the_bundled_specs(tmp_path: Path) -> None:
    """A plain install (a wheel, not this checkout) still resolves 'alexnet' and 'lenet' by name."""
    wheel_builder = pytest.importorskip("hatchling.builders.wheel")
    [wheel] = list(wheel_builder.WheelBuilder(str(ROOT)).build(directory=str(tmp_path / "dist"), versions=["standard"]))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"archcalc/specs/alexnet.yaml", "archcalc/specs/lenet.yaml"} <= set(names)
    assert {"archcalc/page/assets/page.html", "archcalc/page/assets/page.css", "archcalc/page/assets/page.js"} <= set(names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # ahead of the editable install of this checkout
    code = ("import archcalc, archcalc.specfile as s; from archcalc.cli.app import main; print(archcalc.__file__); print(s.bundled_dir()); "
            "main(['report', 'lenet', '--out', 'lenet.html'], standalone_mode=False); main(['show', 'alexnet', '--format', 'csv'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    where, bundled, *csv_lines = proc.stdout.splitlines()
    assert where.startswith(str(site)) and bundled.startswith(str(site))  # the wheel's copy, not the checkout's
    header, *layers = csv.reader(csv_lines)
    assert sum(int(r[header.index("params")]) for r in layers) == 60_965_224  # the params column, layer by layer
    assert '"name":"LeNet-5"' in (elsewhere / "lenet.html").read_text(encoding="utf-8")  # the page's template, style and script from the wheel


WITHOUT_GRAPHVIZ = [["diagram", "alexnet", "--out", "a.svg"], ["report", "alexnet", "--out", "a.html"], ["show", "alexnet", "--format", "html"]]

# each command in its own folder, its stderr and exit code taken apart; what escapes as a traceback is printed as the interpreter would
RUN_EACH_WITHOUT_GRAPHVIZ = """
import contextlib, io, json, os, sys, traceback
sys.modules["graphviz"] = None
from archcalc.cli.app import main
report = {{}}
for k, args in enumerate({runs!r}):
    os.mkdir(str(k))
    os.chdir(str(k))
    stderr, code = io.StringIO(), None
    with contextlib.redirect_stderr(stderr):
        try:
            main(args, prog_name="archcalc")
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
    os.chdir("..")
    report[" ".join(args)] = {{"code": code, "stderr": stderr.getvalue(), "written": os.listdir(str(k))}}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def without_graphviz(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The commands of WITHOUT_GRAPHVIZ, one after another in one fresh interpreter where `import graphviz` fails."""
    proc = subprocess.run([sys.executable, "-c", RUN_EACH_WITHOUT_GRAPHVIZ.format(runs=WITHOUT_GRAPHVIZ)], capture_output=True, text=True,
                          cwd=tmp_path_factory.mktemp("no-graphviz"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    report: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return report


@pytest.mark.parametrize("args", WITHOUT_GRAPHVIZ, ids=" ".join)
def test_a_missing_graphviz_package_is_one_line(args: list[str], without_graphviz: dict[str, dict[str, Any]]) -> None:
    """Issue 19: without the graphviz Python package the picture commands say so in one line (exit 2), not a traceback."""
    done = without_graphviz[" ".join(args)]
    assert done["code"] == 2, done["stderr"]
    assert done["stderr"].startswith("archcalc: error: the Python package 'graphviz' could not be imported"), done["stderr"]
    assert "Traceback" not in done["stderr"] and "hint: install it: pip install graphviz" in done["stderr"]
    assert done["written"] == []  # nothing written
