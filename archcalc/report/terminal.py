"""Tables to stdout as a person reads them: at their natural width, never narrower, without trailing spaces."""

from __future__ import annotations

import re
import sys

from rich.console import Console, RenderableType


def print_whole(renderable: RenderableType) -> None:
    """Print to stdout at the renderable's natural width, never narrower: a figure, a shape or an
    arithmetic is never cut or wrapped, in a terminal (whose own line wrapping then shows each line
    whole) as in a pipe. Lines end without trailing spaces."""
    console = Console(highlight=False, emoji=False)  # text as archcalc wrote it: no colouring of numbers, no :emoji: codes
    natural = console.measure(renderable, options=console.options.update_width(10_000)).maximum
    width = max(natural, console.width) if console.is_terminal else natural
    if width != console.width:
        console = Console(width=width, soft_wrap=False, highlight=False, emoji=False)
    with console.capture() as captured:
        console.print(renderable)
    sys.stdout.write("\n".join(_trim(line) for line in captured.get().split("\n")))
    sys.stdout.flush()


_TAIL = re.compile(r"(?:[ ]|\x1b\[[0-9;]*m)+$")  # trailing spaces, with the colour codes among them
_CODE = re.compile(r"\x1b\[[0-9;]*m")


def _trim(line: str) -> str:
    """The line without its trailing spaces; the colour codes among them stay (they close a style)."""
    tail = _TAIL.search(line)
    return line if tail is None else line[: tail.start()] + "".join(_CODE.findall(tail.group()))
