"""Prose for a terminal: wrapped between words at its width, and never between a number and its unit (`44.6 MiB`,
`3.2 ms`, `87%`): a line that ends in `(44.6` and a next that starts with `MiB)` reads as two figures. rich wraps at
any space; archcalc.cli.tables hands it lines already broken here, each of which fits."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

_WORD = re.compile(r"\S+")
_UNIT = re.compile(r"(?:[KMGTP]i?B|kB|B|%|[µmn]?s|[GT]FLOP/s|[GT]?FLOPS|px)(?![\w/])")  # what follows a number it measures


def breaks(plain: str, width: int) -> list[int]:
    """The offsets in `plain` at which a new line starts: between words (a number and the unit after it are one word),
    each line at most `width` cells where its words allow; the text's own lines kept."""
    found: list[int] = []
    start = 0
    for line in plain.split("\n"):
        words = list(_WORD.finditer(line))
        first = None  # where the line being filled starts
        i = 0
        while i < len(words):
            begin, end = words[i].span()
            while (i + 1 < len(words) and words[i].group()[-1].isdigit() and words[i + 1].start() == end + 1
                   and _UNIT.match(words[i + 1].group())):
                i += 1
                end = words[i].end()
            if first is None:
                first = 0  # the line's own indentation stays
            elif cell_len(line[first:end]) > width:
                found.append(start + begin)
                first = begin
            i += 1
        start += len(line) + 1
    return found


def wrap(text: Text, width: int) -> Text:
    """`text` broken into lines of at most `width` cells (where its words allow) at `breaks`, its styles kept, without
    the spaces at the end of a broken line."""
    offsets = breaks(text.plain, width)
    if not offsets:
        return text
    lines = text.divide(offsets)
    for line in lines:  # the spaces a break leaves at a line's end (not its own newlines)
        spaces = len(line.plain) - len(line.plain.rstrip(" "))
        if spaces:
            line.right_crop(spaces)
    return Text("\n").join(lines)


__all__ = ["breaks", "wrap"]
