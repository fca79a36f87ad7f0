"""Issue 14's fuzzing test: specs, names and command lines drawn from the spec format's grammar
(tests/spec_grammar.py) through the real command line. Whatever the input, archcalc ends with exit
0, 1 or 2, never a traceback, never a control byte on stdout, one message per error, in bounded time.

In-process through click's runner for speed (40 cases by default, 3,000 under -m slow); one case in a fresh interpreter under a 4 GiB memory
cap and a timeout, as a shell runs archcalc. `pytest -m slow` runs thousands, with `run` and Graphviz.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_grammar import command_line, spec_text

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 20.0  # one command on a spec of at most 7 small layers: far more than any takes (a few ms to a second)
MEMORY = 4 << 30  # bytes of address space a subprocess case may take
# by default a quick look (15 drawn cases, a third of a second); the hunt (-m slow) draws 3,000
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def controls(text: str) -> list[str]:
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def check(args: list[str], code: int, stdout: str, stderr: str, seconds: float) -> None:
    """What every run must hold, whatever it was given."""
    assert code in (0, 1, 2), (args, code, stderr)
    assert "Traceback" not in stderr and "Traceback" not in stdout, (args, stderr)
    assert not controls(stdout) and not controls(stderr), (args, stdout[:500], stderr)
    assert seconds < SECONDS, (args, seconds)
    lines = [x for x in stderr.splitlines() if x.strip()]  # run's progress display may leave a blank line (issue 11)
    if code == 2:  # one message and at most one hint, after what archcalc said before it failed (run: the device)
        errors = [i for i, x in enumerate(lines) if x.startswith("archcalc: error: ")]
        assert stdout == "" and len(errors) == 1 and len(lines) - errors[0] <= 2, (args, stdout[:300], stderr)
        assert all(x.startswith("archcalc: ") for x in lines[:errors[0]]), (args, stderr)
        assert all(x.startswith("  hint: ") for x in lines[errors[0] + 1:]), (args, stderr)
    else:
        assert all(x.startswith(("archcalc: ", "  hint: ", "wrote ")) for x in lines), (args, stderr)


def run_in_process(tmp_path: Path, text: str, data: st.DataObject) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(text, encoding="utf-8")
    args = data.draw(command_line(str(spec), str(tmp_path)))
    start = time.monotonic()
    result = CliRunner().invoke(main, args, prog_name="archcalc")
    seconds = time.monotonic() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, text, result.exc_info)
    check(args, result.exit_code, result.stdout, result.stderr, seconds)


@FUZZ
@given(text=spec_text(), data=st.data())
def test_any_spec_and_command_line_ends_in_a_message_or_a_result(tmp_path: Path, text: str, data: st.DataObject) -> None:
    run_in_process(tmp_path, text, data)


def capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_in_a_shell(tmp_path: Path, text: str, args: list[str]) -> None:
    (tmp_path / "net.yaml").write_text(text, encoding="utf-8")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "archcalc", *args], env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          timeout=SECONDS * 3, preexec_fn=capped)
    check(args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), (time.monotonic() - start) / 3)


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=spec_text(), data=st.data())
def test_in_a_fresh_interpreter_under_a_memory_cap(tmp_path: Path, text: str, data: st.DataObject) -> None:
    run_in_a_shell(tmp_path, text, data.draw(command_line(str(tmp_path / "net.yaml"), str(tmp_path))))


@pytest.mark.slow
@LONG
@given(text=spec_text(), data=st.data())
def test_long_hunt_in_process(tmp_path: Path, text: str, data: st.DataObject) -> None:
    run_in_process(tmp_path, text, data)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=spec_text(), data=st.data())
def test_long_hunt_in_a_shell_with_run_and_graphviz(tmp_path: Path, text: str, data: st.DataObject) -> None:
    """As above, and `archcalc run` (torch, on the CPU) and pictures Graphviz draws, for specs small enough to build."""
    args = data.draw(command_line(str(tmp_path / "net.yaml"), str(tmp_path)))
    if args[0] == "diagram" and data.draw(st.booleans()):
        args = [a.replace("net.dot", "net.svg") for a in args]
    elif args[0] == "show" and "nan" not in text and "inf" not in text and data.draw(st.booleans()):
        args = ["run", args[1], "--device", "cpu", "--min-time", "0.01", *data.draw(st.sampled_from([[], ["--per-layer"], ["--format", "json"]]))]
        pytest.importorskip("torch")
    run_in_a_shell(tmp_path, text, args)
