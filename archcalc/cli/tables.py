"""Tables to stdout as a person reads them: at their natural width, never narrower, without trailing
spaces, in ASCII forms on a stream that cannot hold Unicode."""

from __future__ import annotations

import io
import re

from rich.console import Console, RenderableType

from archcalc.cli import terminal


def print_whole(renderable: RenderableType) -> None:
    """Print to stdout at the renderable's natural width, never narrower: a figure, a shape or an
    arithmetic is never cut or wrapped, in a terminal (whose own line wrapping then shows each line
    whole) as in a pipe. Lines end without trailing spaces. A failed write is terminal.WriteError."""
    terminal.stdout()  # there is one
    console = Console(highlight=False, emoji=False)  # text as archcalc wrote it: no colouring of numbers, no :emoji: codes
    if not console.encoding.startswith("utf"):  # an ASCII stdout: ASCII forms, before the layout, so that columns line up
        from archcalc.report.ascii import transliterate

        renderable = transliterate(renderable, lambda text: terminal.for_stream(text, terminal.stdout()))
    natural = console.measure(renderable, options=console.options.update_width(10_000)).maximum
    width = max(natural, console.width) if console.is_terminal else natural
    # laid out into a string at that width, with the colours stdout takes; written by terminal.write_out,
    # so that a failed write (a full disk) is said once and rich never writes to stdout itself
    laid_out = _Page(console.encoding)
    page = Console(file=laid_out, width=width, soft_wrap=False, highlight=False, emoji=False, force_terminal=console.is_terminal,
                   color_system="truecolor" if console.color_system == "truecolor" else "256" if console.color_system == "256"
                   else "standard" if console.color_system else None)
    page.print(renderable)
    terminal.write_out("\n".join(_trim(line) for line in laid_out.getvalue().split("\n")))


class _Page(io.StringIO):
    """A string to lay a table out in, with the encoding of the stdout it is for (rich draws ASCII boxes for an ASCII one)."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


_TAIL = re.compile(r"(?:[ ]|\x1b\[[0-9;]*m)+$")  # trailing spaces, with the colour codes among them
_CODE = re.compile(r"\x1b\[[0-9;]*m")


def _trim(line: str) -> str:
    """The line without its trailing spaces; the colour codes among them stay (they close a style)."""
    tail = _TAIL.search(line)
    return line if tail is None else line[: tail.start()] + "".join(_CODE.findall(tail.group()))
