"""JSON to stdout as it is made (archcalc.outputs.jsonwrite): a network's layers are written in pieces of about
a megabyte, so that a document of any size needs no more memory than its analysis.

A stream that takes UTF-8 gets orjson's bytes as they are; one that cannot hold some character gets that piece
with \\u escapes for everything outside ASCII (the same document, as archcalc.cli.terminal writes JSON).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from archcalc.cli import terminal
from archcalc.outputs.jsonwrite import pieces

_OUTSIDE_ASCII = re.compile(r"[^\x00-\x7f]")


def _utf8(stream: Any) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name == "utf-8" and hasattr(stream, "buffer")
    except LookupError:
        return False


def write_json(doc: Any) -> None:
    """`doc` as JSON on stdout, piece by piece, with a newline at its end."""
    stream = terminal.stdout()
    try:
        if _utf8(stream):
            stream.flush()
            out = stream.buffer  # type: ignore[attr-defined]  # a TextIOWrapper's (_utf8 checked)
            for piece in pieces(doc):
                out.write(piece)
            out.write(b"\n")
        else:
            for piece in pieces(doc):
                text = piece.decode("utf-8")
                stream.write(text if terminal.fits(text, stream) else _OUTSIDE_ASCII.sub(terminal.json_escape, text))
            stream.write("\n")
        stream.flush()
    except OSError as exc:
        raise terminal.WriteError(exc) from None


__all__ = ["write_json"]
