"""archcalc under a memory cap and a timeout, for the tests of issue 14's limits.

The command lines run in a worker: one interpreter per cap, started with its address space capped
(RLIMIT_AS), that runs archcalc's command line in itself, one command after another (click's runner
takes its stdout and stderr), and answers with the exit code and the two streams. A command that
outlives its timeout kills the worker (TimeoutExpired, as subprocess.run raises it); a worker that dies
(a crash, the cap) answers as the process would, with its status; the next command starts a fresh one.
A fresh Python per command cost the suite a fifth of a second of CPU each, some hundred times.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GB = 1 << 30

WORKER = r"""
import json, sys, traceback
from click.testing import CliRunner
from archcalc.cli.app import main
answers, sys.stdout = sys.stdout, sys.stderr  # the pipe carries answers alone
for line in sys.stdin:
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 and later keep stderr apart anyway
        runner = CliRunner()
    result = runner.invoke(main, json.loads(line), prog_name="archcalc")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):  # what the interpreter would print
        stderr += "".join(traceback.format_exception(*result.exc_info))
    answers.write(json.dumps({"code": result.exit_code, "stdout": result.stdout, "stderr": stderr}) + "\n")
    answers.flush()
"""


class Worker:
    def __init__(self, memory: int) -> None:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the worker) the worker's own stderr: a crash's last words
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     preexec_fn=limit, env=env, cwd=ROOT)

    def ask(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        line = b""
        try:
            self.proc.stdin.write((json.dumps(args) + "\n").encode())
            self.proc.stdin.flush()
            deadline = time.monotonic() + timeout
            while not line.endswith(b"\n"):
                ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    self.close()
                    raise subprocess.TimeoutExpired(["archcalc", *args], timeout)
                chunk = self.proc.stdout.read1(1 << 20)
                if not chunk:
                    break
                line += chunk
        except BrokenPipeError:
            pass
        if not line.endswith(b"\n"):  # the worker died: answer as its process would
            code = self.proc.wait()
            self.log.seek(0)
            return subprocess.CompletedProcess(["archcalc", *args], code, "", self.log.read().decode(errors="replace"))
        done = json.loads(line)
        return subprocess.CompletedProcess(["archcalc", *args], done["code"], done["stdout"], done["stderr"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


WORKERS: dict[int, Worker] = {}


@atexit.register
def _close_workers() -> None:
    for worker in WORKERS.values():
        worker.close()


def capped(*args: str, memory: int = 2 * GB, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """archcalc ARGS in an interpreter that may use `memory` bytes of address space, within `timeout` seconds."""
    worker = WORKERS.get(memory)
    if worker is None or worker.proc.poll() is not None:
        worker = WORKERS[memory] = Worker(memory)
    result = worker.ask(list(args), timeout)
    if worker.proc.poll() is not None:
        worker.close()
        del WORKERS[memory]
    return result
def refused(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, one error message holding every needle, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Error" not in result.stderr.replace("archcalc: error:", ""), result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert sum(line.startswith("archcalc: error:") for line in lines) == 1, result.stderr[-2000:]
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr[-2000:])
    assert len(result.stderr) < 2000  # a message, not a dump of the value
    return result.stderr
