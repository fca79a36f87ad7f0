"""The click app: its commands (one module per family: show, draw, run, vocabulary) and how every run ends.

User errors (ArchcalcError, and click's usage errors) become one message on stderr and exit status 2,
here (Archcalc.main and .invoke, through archcalc.cli.terminal) and nowhere else; Ctrl-C is exit 130 and a
failed write of stdout exit 1, each in one line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import gc
import sys
from typing import Any

import click

from archcalc.cli import terminal
from archcalc.cli.lazy import Lazy
from archcalc.errors import ArchcalcError


class Archcalc(Lazy):
    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """click's main, with every way a run can end said in archcalc's words: a usage error as
        'archcalc: error: ...' (exit 2), Ctrl-C in one line (exit 130), a failed write of stdout once (exit 1)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        terminal.prepare_streams()
        terminal.catch_terminate()
        try:
            terminal.need_stdout_for_help(sys.argv[1:] if args is None else list(args))
            code = super().main(args, prog_name or "archcalc", complete_var, False, **extra)
        except SystemExit as exc:
            code = exc.code
        except (OSError, terminal.WriteError) as exc:  # --help or --version, which click writes before any command runs
            code = terminal.failed_write(exc)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # `archcalc` alone: the help
            code = exc.exit_code
        except click.ClickException as exc:
            from archcalc.cli.options import usage_error  # the kinds' vocabulary quotes values: only when there is an error

            code = usage_error(exc)
        except click.Abort as exc:  # Ctrl-C while click read the command line
            code = terminal.interrupted(exc.__context__)
        failed = terminal.finish_output()
        sys.exit(code if code else failed or 0)

    def invoke(self, ctx: click.Context) -> Any:
        # a command makes many objects that live to its end and few cycles: without the cyclic
        # collector's repeated passes over them its cost per layer stays flat (benchmarks/README.md)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return super().invoke(ctx)
        except terminal.WriteError as exc:
            terminal.silence_stdout()
            if exc.errno == errno.EPIPE:  # a reader that went away (| head) wanted no more: no error, as where it all fit the pipe
                ctx.exit(0)
            terminal.say_error(exc.message, exc.hint)
            ctx.exit(1)
        except ArchcalcError as exc:
            terminal.say_error(exc.message, exc.hint)
            ctx.exit(2)
        except MemoryError:  # past the limits (archcalc.limits) this machine's memory may still run out: say so, once
            terminal.say_error("out of memory", "a smaller --max-layers, --batch or --range, or a machine with more memory")
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (terminal.Terminated)
            ctx.exit(terminal.interrupted(exc))
        finally:
            if collecting:
                gc.enable()



@click.group(cls=Archcalc, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archcalc")
def main() -> None:
    """Shapes, parameters, FLOPs and findings of convolutional networks written as YAML specs."""

# the commands (show, compare, diagram, report, run, kinds, schema, specs, hardware, calibrate) are imported when
# one runs: archcalc.cli.lazy
