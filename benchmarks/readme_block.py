"""Benchmark scripts write their own tables into benchmarks/README.md: `--write BLOCK` replaces what
stands between `<!-- BLOCK: begin -->` and `<!-- BLOCK: end -->` with the run's output (headed by the
command, the date, the machine and the commit), so that the figures there are regenerated, not edited."""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


class Recorder(io.TextIOBase):
    """stdout, also kept: what the run prints is what the block gets."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def record() -> Recorder:
    recorder = Recorder(sys.stdout)  # type: ignore[arg-type]
    sys.stdout = recorder
    return recorder


def command_line(script: str, argv: list[str]) -> str:
    """How the script was run, as the README shows it (without --readme, which names another file to write)."""
    shown = [a for i, a in enumerate(argv) if a != "--readme" and (i == 0 or argv[i - 1] != "--readme") and not a.startswith("--readme=")]
    return " ".join(["python", f"benchmarks/{script}", *shown])


def replace_block(text: str, block: str, body: str) -> str:
    """`text` with the lines between the block's two markers replaced by `body`; the markers must be there once."""
    pattern = re.compile(rf"(<!-- {re.escape(block)}: begin -->\n)(.*?)(<!-- {re.escape(block)}: end -->)", re.S)
    if len(pattern.findall(text)) != 1:
        raise SystemExit(f"{README.name}: no single block '{block}' (<!-- {block}: begin --> ... <!-- {block}: end -->)")
    return pattern.sub(lambda m: m[1] + body.rstrip("\n") + "\n" + m[3], text)


def write_block(block: str, body: str, readme: Path = README) -> None:
    """Replace the block in the README, atomically (a temp file beside it, then os.replace)."""
    text = replace_block(readme.read_text(encoding="utf-8"), block, body)
    fd, tmp = tempfile.mkstemp(dir=readme.parent, prefix=f".{readme.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, readme)
    print(f"wrote the block '{block}' of {readme}", file=sys.stderr)
