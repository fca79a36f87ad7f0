"""The `archcalc` program. It imports the command line only once it runs, so that a Ctrl-C while
archcalc starts (importing the analysis, rich, torch) ends in one line and exit 130, as it does later."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from archcalc.cli.app import main as cli

        cli(prog_name="archcalc")
    except KeyboardInterrupt:
        sys.stderr.write("archcalc: interrupted\n")
        sys.exit(130)  # 128 + SIGINT, as archcalc.cli.terminal.INTERRUPTED
