"""archcalc in a subprocess under a memory cap and a timeout, for the tests of issue 14's limits."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GB = 1 << 30


def capped(*args: str, memory: int = 2 * GB, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """archcalc ARGS in a subprocess that may use `memory` bytes of address space and `timeout` seconds."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "archcalc", *args], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit, env=env, cwd=ROOT)


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
