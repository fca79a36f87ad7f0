"""What archcalc writes to its streams, and how it fails: one-line messages, ASCII on a stream that
cannot take Unicode, a failed write said once, Ctrl-C said once (exit 130).

No rich, no click: the command line (archcalc.cli.app) and the entry point (archcalc.cli.entry) use it.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import signal
import sys
import unicodedata
from typing import IO, Any

from archcalc.errors import ArchcalcError
from archcalc.text import printable

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program that Ctrl-C stopped
MESSAGE_LIMIT = 2000  # characters of one message: a spec's text or a path may be long

# The symbols archcalc's own text uses, as ASCII writes them (a stream in ASCII or Latin-1, PYTHONIOENCODING=ascii)
ASCII_FORMS = {
    "×": "x", "·": "*", "−": "-", "→": "->", "←": "<-", "²": "^2", "³": "^3", "⁹": "^9", "≥": ">=", "≤": "<=", "≠": "!=",
    "≈": "~", "±": "+/-", "÷": "/", "∞": "inf", "…": "...", "—": "--", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
    "✓": "ok", "✗": "FAIL", "⚠": "!", "‖": "||", "⌈": "ceil(", "⌉": ")", "⌊": "floor(", "⌋": ")",
    "α": "alpha", "β": "beta", "Σ": "sum", "Φ": "Phi", "µ": "u", "μ": "u",
    "─": "-", "━": "-", "│": "|", "┃": "|", "╭": "+", "╮": "+", "╰": "+", "╯": "+", "┌": "+", "┐": "+", "└": "+", "┘": "+",
}
ERRORS = "archcalc-ascii"


def ascii_form(c: str) -> str:
    """One character as ASCII: its form above, its letter without accents (é → e), or its code (\\u4e2d)."""
    form = ASCII_FORMS.get(c)
    if form is not None:
        return form
    plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode("ascii")
    if plain and plain.isprintable():
        return plain
    return f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"


def _replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ascii_form(c) for c in exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ERRORS, _replace)


def prepare_streams() -> None:
    """stdout and stderr write what their encoding cannot hold in ASCII forms instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) != ERRORS:
            with contextlib.suppress(ValueError, OSError):  # a closed or detached stream: nothing to write to
                reconfigure(errors=ERRORS)


def for_stream(text: str, stream: IO[str] | Any) -> str:
    """`text` with each character `stream` cannot hold in its ASCII form."""
    if fits(text, stream):
        return text
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return text.encode(encoding, ERRORS).decode(encoding)


def fits(text: str, stream: IO[str] | Any) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:
        return True
    return True


def json_escape(match: re.Match[str]) -> str:
    """One character outside ASCII as JSON writes it: '\\u00d7', or a surrogate pair past the BMP."""
    code = ord(match[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def write_out(text: str, json_text: bool = False) -> None:
    """`text` on stdout. JSON on a stream that cannot hold it is written with \\u escapes: the same document."""
    stream = stdout()
    if json_text and not fits(text, stream):
        text = re.sub(r"[^\x00-\x7f]", json_escape, text)
    try:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
    except OSError as exc:
        raise WriteError(exc) from None


def stdout() -> IO[str]:
    """sys.stdout, where there is one: a program started with stdout closed (`>&-`) fails to write, and says so."""
    if sys.stdout is None:
        raise WriteError(OSError(errno.EBADF, "stdout is closed"))
    return sys.stdout


class WriteError(ArchcalcError):
    """stdout could not be written (a full disk, a closed pipe): exit 1, the output is incomplete."""

    def __init__(self, exc: OSError) -> None:
        self.errno = exc.errno
        super().__init__(f"cannot write the output: {exc.strerror or exc}", "free some space, or write somewhere else"
                         if exc.errno == errno.ENOSPC else None)


def one_line(text: str) -> str:
    """A message as one line: spec text escaped (printable), and cut short."""
    text = printable(text)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def say_error(message: str, hint: str | None = None) -> None:
    """'archcalc: error: ...' and '  hint: ...' on stderr, each one line."""
    say(f"error: {one_line(message)}" + (f"\n  hint: {one_line(hint)}" if hint else ""))


def say(text: str, prefix: str = "archcalc: ") -> None:
    """'archcalc: ...' on stderr; nothing when stderr itself cannot be written."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(f"{prefix}{text}\n")
        stream.flush()
    except (OSError, ValueError):
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job's timeout, `kill`): unwound as Ctrl-C is, so that no temporary file outlives it."""


def on_terminate(signum: int, frame: object) -> None:
    raise Terminated


def catch_terminate() -> None:
    """SIGTERM raises Terminated (where this is the main thread: only it may set a handler)."""
    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGTERM, on_terminate)


def interrupted(exc: BaseException | None = None) -> int:
    """Ctrl-C: one line, and the status a shell expects (130); SIGTERM likewise (143)."""
    if isinstance(exc, Terminated):
        say("terminated")
        return 128 + signal.SIGTERM
    say("interrupted")
    return INTERRUPTED


def finish_output() -> int | None:
    """Flush stdout at the end of a command: a failed write is said once (exit 1), and stdout is pointed at
    /dev/null so that the interpreter's own last flush does not fail again with a traceback."""
    stream = sys.stdout
    if stream is None:
        return None
    try:
        stream.flush()
    except OSError as exc:
        silence_stdout()
        if exc.errno == errno.EPIPE:  # a reader that went away (| head) wanted no more: no error
            return None
        failed = WriteError(exc)
        say_error(failed.message, failed.hint)
        return 1
    return None


def need_stdout_for_help(args: list[str]) -> None:
    """--help and --version with stdout closed (`>&-`): click would write nothing and exit 0; say it, as every command does."""
    if sys.stdout is None and any(a in ("--help", "-h", "--version") for a in args[: args.index("--") if "--" in args else None]):
        raise WriteError(OSError(errno.EBADF, "stdout is closed"))


def failed_write(exc: OSError | WriteError) -> int:
    """A write of stdout that failed outside a command (click's --help and --version): said once, exit 1."""
    failed = exc if isinstance(exc, WriteError) else WriteError(exc)
    silence_stdout()
    if failed.errno == errno.EPIPE:  # a reader that went away (| head) wanted no more: no error
        return 0
    say_error(failed.message, failed.hint)
    return 1


def silence_stdout() -> None:
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture): it fails no more
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
