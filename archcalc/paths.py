"""Paths in messages: how a path is shown (cut in the middle when long), and what kind of file a
mode says it is. Used where specs are read (archcalc.specfile.locate) and where --out is written (archcalc.atomic)."""

from __future__ import annotations

import stat
from pathlib import Path


def shown(path: str | Path, limit: int = 120) -> str:
    """A path as a message shows it: cut in the middle when long (a spec or --out may name a very long path)."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-(limit // 2):]}"


def file_kind(mode: int) -> str:
    """What a file that is not a regular one or a folder is, from its st_mode: 'a FIFO (named pipe)', 'a socket', …"""
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode) else
            "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
