"""Issue 14, items 14 and 16: how a run ends when its streams or its user do not cooperate.

A stdout that cannot hold Unicode gets ASCII forms (and JSON \\u escapes), a stdout that cannot be
written is said once (exit 1), Ctrl-C is one line and exit 130, at start-up too. Each in a fresh
interpreter, as a shell starts archcalc: these are properties of the process, not of click's runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc import analysis
from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent


def archcalc(*args: str, env: dict[str, str] | None = None, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "archcalc", *args], env=environ, stdout=stdout, stderr=subprocess.PIPE, timeout=120)


ASCII = {"PYTHONIOENCODING": "ascii"}
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}  # no UTF-8 anywhere


ASCII_RUNS = [["show", "alexnet"], ["show", "alexnet", "--format", "csv"], ["show", "alexnet", "--format", "markdown"],
              ["compare", "lenet", "alexnet"], ["kinds"]]


# the table in both environments by default; the other commands with -m slow: each is a fresh interpreter (0.2 s of
# CPU), and they share the one rule proven by the table (archcalc's stdout takes the stream's encoding, ASCII forms)
@pytest.mark.parametrize(("args", "env"), [
    pytest.param(args, env, id=f"{' '.join(args)}-{name}", marks=[] if args == ASCII_RUNS[0] else [pytest.mark.slow])
    for args in ASCII_RUNS for env, name in ((ASCII, "PYTHONIOENCODING=ascii"), (C_LOCALE, "LC_ALL=C"))])
def test_a_stdout_without_unicode_gets_ascii_forms(args: list[str], env: dict[str, str]) -> None:
    done = archcalc(*args, env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stderr == b"" and b"Traceback" not in done.stderr
    out = done.stdout.decode("ascii")  # every byte ASCII: this fails on anything else
    if args[0] == "show":  # AlexNet's conv1 as the arithmetic writes it, in ASCII: × → x, − → -, · → *
        assert "11x11/4, 96" in out and "(227 - 11 + 2*0)/4 + 1 = 55" in out
    if args == ["show", "alexnet"]:  # the table's rows still line up: α, β became 'alpha', 'beta' before the layout
        assert "n=5, alpha=0.0001, beta=0.75, k=2" in out
        rows = [line for line in out.splitlines() if line.startswith("| conv") or line.startswith("| norm")][:7]  # the layers table's
        assert len({len(line) for line in rows}) == 1 and any("alpha" in line for line in rows), rows
        assert "ok confirmed" in out and "FAIL contradicted" in out  # ✓ and ✗


# show's JSON by default; compare's and the schema's (the same writer, a fresh interpreter each) with -m slow
@pytest.mark.parametrize("args", [["show", "alexnet", "--format", "json"],
                                  pytest.param(["compare", "lenet", "alexnet", "--format", "json"], marks=pytest.mark.slow),
                                  pytest.param(["schema"], marks=pytest.mark.slow)], ids=" ".join)
def test_json_on_an_ascii_stdout_is_the_same_document(args: list[str]) -> None:
    ascii_run, utf8_run = archcalc(*args, env=ASCII), CliRunner().invoke(main, args)  # the document as UTF-8 holds it
    assert ascii_run.returncode == 0 and utf8_run.exit_code == 0, ascii_run.stderr
    text = ascii_run.stdout.decode("ascii")
    assert "\\u00d7" in text or args == ["schema"]  # × as JSON writes it in ASCII
    assert "\\u00d7" not in utf8_run.stdout and json.loads(text) == json.loads(utf8_run.stdout)


def test_a_message_on_an_ascii_stderr(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: conv, filters: 4, kernel: 3, stride: 0}\n", encoding="utf-8")
    done = archcalc("show", str(path), "--range", "5:1", env=ASCII)
    assert done.returncode == 2 and done.stdout == b""
    text = done.stderr.decode("ascii")
    assert text.startswith("archcalc: error: ") and "Traceback" not in text


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [["show", "alexnet"], ["show", "alexnet", "--format", "json"],
                                  pytest.param(["show", "lenet", "--format", "csv"], marks=pytest.mark.slow),
                                  pytest.param(["kinds"], marks=pytest.mark.slow)], ids=" ".join)  # a table and JSON; the rest -m slow
def test_a_full_disk_is_one_message_and_exit_1(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = archcalc(*args, stdout=full.fileno())
    assert done.returncode == 1
    assert done.stderr.decode() == ("archcalc: error: cannot write the output: No space left on device\n"
                                    "  hint: free some space, or write somewhere else\n")


def test_a_reader_that_goes_away_is_no_error() -> None:
    """`archcalc show alexnet --format json | head -c 100`: the rest is not wanted; no message, no traceback."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "archcalc", "show", "alexnet", "--format", "json"], env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b"{")
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) in (0, 1) and stderr == b""


def test_ctrl_c_in_a_command_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(analysis, "valid_inputs", interrupted)
    result = CliRunner().invoke(main, ["show", "alexnet", "--valid-inputs"])
    assert result.exit_code == 130 and result.stderr == "archcalc: interrupted\n" and result.stdout == ""


INTERRUPT_WHILE_IMPORTING = """
import sys
class Interrupt:  # Ctrl-C while archcalc imports its analysis: the moment the issue's traceback came from
    def find_spec(self, name, path=None, target=None):
        if name == "archcalc.analysis":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
sys.argv = ["archcalc", "show", "alexnet"]
{start}
"""


@pytest.mark.parametrize("start", ["import runpy; runpy.run_module('archcalc', run_name='__main__')",  # python -m archcalc
                                   pytest.param("from archcalc.cli.entry import main; main()", marks=pytest.mark.slow)],  # the installed `archcalc` script (pyproject)
                         ids=["python -m archcalc", "archcalc script"])  # the script, which python -m archcalc calls, with -m slow
def test_ctrl_c_while_archcalc_starts_is_one_line_and_exit_130(start: str) -> None:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", INTERRUPT_WHILE_IMPORTING.format(start=start)], env=environ, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (130, "archcalc: interrupted\n", "")


def test_the_script_is_the_entry_that_answers_ctrl_c() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'archcalc = "archcalc.cli.entry:main"' in text
