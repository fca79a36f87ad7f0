"""Writing a file the user named with --out: all of it or nothing. The data goes to a temporary
file beside `out`, which replaces `out` only once complete: a failure leaves no partial file and
any existing `out` as it was. Used by `diagram` (pictures) and `report` (pages)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from archcalc.errors import ArchcalcError


def check_folder(out: Path, example: str) -> Path:
    """The folder `out` goes in, once it is known to be one; `example` is the hint's file name (alexnet.svg)."""
    folder = out.parent if str(out.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise ArchcalcError(f"--out {out}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ArchcalcError(f"--out {out}: the folder {folder} does not exist", f"create it first: mkdir -p {folder}")
    if out.is_dir():
        raise ArchcalcError(f"--out {out}: is a folder", f"give a file name, e.g. {example}")
    return folder


def write_atomic(out: Path, data: bytes, folder: Path) -> None:
    """`data` into `out` (in `folder`, from check_folder), through a temporary file and os.replace."""
    tmp = folder / f".{out.name}.{secrets.token_hex(4)}.tmp"
    try:  # 0o666 less the umask, as any new file (mkstemp would make it 0o600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ArchcalcError(f"--out {out}: cannot write in the folder {folder}: {exc.strerror}", "choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchcalcError(f"--out {out}: cannot write it: {exc.strerror}") from None
