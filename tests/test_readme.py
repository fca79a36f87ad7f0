"""Every command in README.md runs as written, and gives the output pasted beside it.

The README's shell blocks are read as they stand: a block whose lines start with `$ ` is a session
(each command, then the output it printed); any other shell block is a list of commands. Session
commands run in a fresh folder (with the checkout's `specs/` beside them): a plain `archcalc ...` (words
alone: no pipe, redirection, variable or substitution) in this process through click's CliRunner, as
`archcalc` runs it (saving a fresh Python per command); any other in bash, `archcalc` and `python` being
this interpreter. Their output (stdout and stderr) must be the pasted one, line for
line, or, where the command says `abridged` or the output has a `…` line, hold the pasted lines in
order. `archcalc run` is timed, so its sessions are compared without the timings, and run in the
long suite (`-m slow`): by default they are only parsed. So do the bash sessions that draw pictures, write pages or
start torch (see by_default). Listed commands are parsed by click (an
unknown option or value fails), and a path they name must exist. The set-up commands are .ci/run's,
which runs them verbatim in fresh virtual environments (`setup_commands` is its reading of them).
A command of a kind this file does not know fails, so that no example goes unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHELL = ("", "bash", "sh", "shell", "console")


@dataclass(frozen=True)
class Command:
    line: int  # in README.md, 1-based
    text: str  # as written, comment included
    output: tuple[str, ...] | None  # pasted after it (sessions); None in a list of commands
    section: str  # the heading above it

    @property
    def abridged(self) -> bool:
        return "abridged" in self.text or (self.output is not None and "…" in self.output)

    def __str__(self) -> str:
        return f"README.md:{self.line}: {self.text}"


def blocks(text: str) -> list[tuple[int, str, list[str], str]]:
    """(first line, language, lines, heading) of every fenced block."""
    found, heading, lines = [], "", text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("#"):  # a heading: blocks, whose lines may start with '#', are skipped whole
            heading = lines[i].lstrip("#").strip()
        if lines[i].startswith("```"):
            j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith("```"))
            found.append((i + 2, lines[i][3:].strip(), lines[i + 1:j], heading))
            i = j
        i += 1
    return found


def commands(text: str) -> list[Command]:
    result = []
    for first, lang, lines, heading in blocks(text):
        if lang not in SHELL:
            continue
        if any(line.startswith("$ ") for line in lines):
            starts = [k for k, line in enumerate(lines) if line.startswith("$ ")]
            for k, start in enumerate(starts):
                end = starts[k + 1] if k + 1 < len(starts) else len(lines)
                result.append(Command(first + start, lines[start][2:], tuple(lines[start + 1:end]), heading))
        else:
            result += [Command(first + k, line, None, heading) for k, line in enumerate(lines) if line.strip()]
    return result


def setup_commands(text: str) -> list[str]:
    """The commands of the README's "Set up" section, as .ci/run reads them (its awk line)."""
    return [c.text for c in commands(text) if c.section == "Set up"]


ALL = commands(README.read_text(encoding="utf-8"))
SESSIONS = [c for c in ALL if c.output is not None]
LISTED = [c for c in ALL if c.output is None and c.section != "Set up"]


def words(command: str) -> list[str]:
    """The command's words, without its comment."""
    return shlex.split(command, comments=True)


def is_run(c: Command) -> bool:
    """`archcalc run`, and `archcalc import` (torch, tracing and a round trip: the long suite's)."""
    return words(c.text)[:2] in (["archcalc", "run"], ["archcalc", "import"])


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh folder with specs/ beside it, and an environment whose `archcalc` and `python` are this interpreter
    (and whose configuration folder is empty: no profile `archcalc calibrate` wrote on this machine)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "archcalc").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m archcalc "$@"\n', encoding="utf-8")
    (bin_dir / "archcalc").chmod(0o755)
    # a script, not a link: a venv's python started through a link outside the venv finds no pyvenv.cfg and runs as the base interpreter
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "specs").symlink_to(ROOT / "specs")
    (work / "docs").symlink_to(ROOT / "docs")  # docs/examples/resnet_style.py, which `archcalc import` reads
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1", TERM="dumb", XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]))
    return work, env


def run_in_bash(c: Command, work: Path, env: dict[str, str], stderr: bool = True) -> list[str]:
    """The lines the command prints, as a terminal shows them: stdout and (unless not asked) stderr."""
    proc = subprocess.run(["bash", "-c", c.text], cwd=work, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if stderr else subprocess.DEVNULL, text=True, timeout=300)
    return [line.rstrip() for line in proc.stdout.splitlines()]


PLAIN = re.compile(r"archcalc(?: +[\w.:/,+=-]+)* *")  # words alone: nothing for a shell to do but split them


def is_plain(c: Command) -> bool:
    """`archcalc` and words only: what bash would pass to archcalc as they are."""
    return PLAIN.fullmatch(c.text.split(" #")[0]) is not None


def run_in_process(c: Command, work: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines a plain command prints, stdout and stderr interleaved as a terminal shows them, as run_in_bash gives them."""
    monkeypatch.chdir(work)
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": None, "FORCE_COLOR": None}).invoke(
        main, words(c.text)[1:], prog_name="archcalc")
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{c}: {result.exc_info}"  # a traceback in bash
    return [line.rstrip() for line in result.output.splitlines()]


PIPED_IN = re.compile(r"printf '([^'%\\]*(?:\\n[^'%\\]*)*)' \| (archcalc(?: +[\w.:/,+=-]+)* *)")  # a spec printed into a plain command
HEAD = re.compile(r"(archcalc(?: +[\w.:/,+=-]+)* *) \| head -n (\d+)")  # a plain command's first lines


def in_process_pipe(c: Command, work: Path, monkeypatch: pytest.MonkeyPatch) -> list[str] | None:
    """What bash prints for `printf '…' | archcalc …` or `archcalc … | head -n N`, run in this process (a fresh Python
    each cost 0.2 s of CPU); None for any other command. That a real pipe works, closed early too, is proven by the first
    printf session (in bash) and tests/test_streams.py."""
    piped, head = PIPED_IN.fullmatch(c.text), HEAD.fullmatch(c.text)
    if piped is not None and c != FIRST_PIPED_IN:
        argv, stdin = words(piped.group(2))[1:], piped.group(1).replace("\\n", "\n")
    elif head is not None:
        argv, stdin = words(head.group(1))[1:], None
    else:
        return None
    monkeypatch.chdir(work)
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": None, "FORCE_COLOR": None}).invoke(
        main, argv, input=stdin, prog_name="archcalc")
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{c}: {result.exc_info}"
    if head is None:
        return [line.rstrip() for line in result.output.splitlines()]
    return [line.rstrip() for line in result.stdout.splitlines()[:int(head.group(2))] + result.stderr.splitlines()]


def check_output(c: Command, got: list[str], pasted: list[str]) -> None:
    pasted = [line.rstrip() for line in pasted]
    while pasted and pasted[-1] == "":
        pasted.pop()
    while got and got[-1] == "":
        got.pop()
    if not c.abridged:
        assert got == pasted, f"{c}: the output differs from the README's"
        return
    at = 0
    for line in (p for p in pasted if p.strip(' ",') != "…"):  # '…' alone (or "…" in JSON) stands for lines left out;
        # a line cut with '…' stands for the line it starts
        head = line.split("…")[0]
        found = next((k for k in range(at, len(got)) if (got[k].startswith(head) if "…" in line else got[k] == line)), None)
        assert found is not None, f"{c}: the README shows {line!r}, which the command does not print (here or in this order)"
        at = found + 1


def by_default(c: Command) -> bool:
    """Whether a session runs in the default suite: every plain one (in this process) but those drawing a PNG or PDF,
    and of those bash must run (a
    fresh Python each, about half a second of CPU) the ones about what only a process shows: a PATH without Graphviz, a
    pipe closed early, a fifo, a spec piped in (of the pipes, the first printf session runs in bash, the others in
    process: in_process_pipe). The others (pictures, pages, JSON through a pipe, torch) run under -m slow."""
    if is_plain(c):  # but PNG and PDF (dot and rsvg-convert, a second each) and ONNX (torch's exporter)
        return re.search(r"--out \S+\.(png|pdf)\b", c.text) is None and words(c.text)[:2] != ["archcalc", "export"]
    return any(mark in c.text for mark in ("PATH=/nonexistent", "| head", "mkfifo", "printf "))


FIRST_PIPED_IN = next(c for c in SESSIONS if PIPED_IN.fullmatch(c.text))  # through a real pipe, in bash; the others in process
SESSION_RUNS = [c if by_default(c) else pytest.param(c, marks=pytest.mark.slow) for c in SESSIONS if not is_run(c)]


@pytest.mark.parametrize("c", SESSION_RUNS, ids=str)
def test_a_readme_session_gives_the_pasted_output(c: Command, folder: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    if re.search(r"--out \S+\.(svg|png|pdf)\b", c.text) and not c.text.startswith("PATH=") and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not on the PATH (apt-get install graphviz)")
    work, env = folder
    got = run_in_process(c, work, monkeypatch) if is_plain(c) else in_process_pipe(c, work, monkeypatch)
    check_output(c, run_in_bash(c, work, env) if got is None else got, list(c.output or ()))


TIMED = re.compile(r"\d[\d,]*\.\d+")  # a measured figure: 35.041 ms, 28.5 images/s, 13.3%


def untimed(lines: list[str]) -> list[str]:
    """A run's table without what is measured: the device line's machine, the timings."""
    kept = []
    for line in lines:
        if line.startswith(("forward:", "towers forward:", "unstable:", "not settled:")) or " · cpu (" in line:
            continue
        if line.startswith("archcalc: running on the CPU: "):  # the device note on stderr names the machine
            line = "archcalc: running on the CPU: …"
        kept.append(" ".join(re.sub("─+", "─", TIMED.sub("T", line).replace("T%", "T")).split()))  # a rule as wide as the timings
    return kept


@pytest.mark.slow
@pytest.mark.parametrize("c", [c for c in SESSIONS if is_run(c)], ids=str)
def test_a_readme_run_gives_the_pasted_output_but_the_timings(c: Command, folder: tuple[Path, dict[str, str]]) -> None:
    work, env = folder
    pasted = list(c.output or ())
    if "--format" in words(c.text) and "json" in words(c.text):  # the JSON alone, as a script reads it
        got = run_in_bash(c, work, env, stderr=False)
        measured = ("device", "forward_ms", "images_per_s", "tflops")
        ours, theirs = json.loads("\n".join(got)), json.loads("\n".join(pasted))
        assert set(ours) == set(theirs)
        assert {k: v for k, v in ours.items() if k not in measured} == {k: v for k, v in theirs.items() if k not in measured}
        assert set(ours["forward_ms"]) == set(theirs["forward_ms"])
    else:
        check_output(c, untimed(run_in_bash(c, work, env)), untimed(pasted))


def parse_archcalc(argv: list[str]) -> None:
    """Parse a command line as click would, without running it: an unknown option or value raises."""
    group = main.make_context("archcalc", argv[:1] or ["--help"], resilient_parsing=False)
    command = main.get_command(group, argv[0])
    assert command is not None, f"no command {argv[0]!r}"
    command.make_context(argv[0], argv[1:], parent=group)


@pytest.mark.parametrize("c", [c for c in SESSIONS if is_run(c)] + LISTED, ids=str)
def test_a_listed_readme_command_parses(c: Command) -> None:
    argv = words(c.text)
    while argv and re.fullmatch(r"[A-Z_]+=\S*", argv[0]):  # an environment variable for the command
        argv = argv[1:]
    if argv[0] == "archcalc":
        try:
            parse_archcalc(argv[1:])
        except click.ClickException as exc:
            pytest.fail(f"{c}: {exc.format_message()}")
    elif argv[:3] == ["python", "-m", "pytest"]:
        paths = [a for a in argv[3:] if not a.startswith("-") and "/" in a]
        assert all((ROOT / p).exists() for p in paths), c
    elif argv[0] == "python" and argv[1].startswith("benchmarks/"):
        assert (ROOT / argv[1]).is_file(), c
    elif argv[:2] == ["pip", "install"]:
        cpu_torch = ["--no-deps", "torch==2.13.0", "--index-url", "https://download.pytorch.org/whl/cpu", "&&", "pip", "install"]  # as 'Set up'
        assert argv[2:] in (["-e", ".[torch]"], [*cpu_torch, "-e", ".[torch]"]), f"{c}: a pip command outside 'Set up' that this test does not know"
    else:
        pytest.fail(f"{c}: a kind of command this test does not know how to check")


def test_the_setup_section_has_the_two_commands_ci_runs() -> None:
    setup = setup_commands(README.read_text(encoding="utf-8"))
    assert len(setup) == 2
    plain, tests = setup
    assert plain == "pip install . && archcalc show alexnet"
    # the CPU build of torch, pinned, and then the suite (issue 11: the range alone pulled CUDA torch and 2 GB of nvidia wheels)
    assert re.fullmatch(r"pip install --no-deps torch==[\d.]+ --index-url https://download\.pytorch\.org/whl/cpu "
                        r'&& pip install -e "\.\[torch,dev\]" && python -m pytest', tests), tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install" not in "\n".join(line for line in ci.splitlines() if not line.lstrip().startswith("#")), \
        ".ci/run must take its install commands from README.md, not carry copies"


def test_every_kind_of_readme_command_is_found() -> None:
    """The reader of the README finds what is there (else the tests above would pass on nothing)."""
    assert len(SESSIONS) >= 25 and len(LISTED) >= 8
    texts = [c.text for c in ALL]
    assert "archcalc compare lenet alexnet" in texts and any(t.startswith("PATH=/nonexistent") for t in texts)
    assert any(c.abridged for c in SESSIONS) and any(not c.abridged for c in SESSIONS)
    plain = [c.text for c in SESSIONS if is_plain(c)]
    assert "archcalc compare lenet alexnet" in plain and "archcalc diagram --out my_net.svg" in plain
    # what a shell must do runs in bash: a pipe, a redirection, a variable, a substitution, a list
    assert not [t for t in plain if any(ch in t.split(" #")[0] for ch in "|>$&;'\"")], plain
    assert len(plain) < len([c for c in SESSIONS if not is_run(c)])
