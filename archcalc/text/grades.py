"""A finding's grade in words (archcalc.analysis.grading): which it is and why, the title that counts them,
and the one line that stands for several notes alike ("5 layers floor a .5 size; only padding is left unread: …")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.text.numbers import n

if TYPE_CHECKING:
    from archcalc.analysis import Finding

ARTICLE = {"note": "a note", "warning": "a warning", "error": "an error"}


def rows_of(axis: str, count: int) -> str:
    """'1 row', '2 columns', '1 row and column'."""
    one, many = {"H": ("row", "rows"), "W": ("column", "columns")}.get(axis, ("row and column", "rows and columns"))
    return f"{count} {one if count == 1 else many}"


def why(f: Finding) -> str:
    """'a note: only padding is left unread': which grade, and the reason for it."""
    g = f.grade
    head = ARTICLE[g.severity]
    if g.cause == "claim":
        return f"{head}: it contradicts what the spec states"
    if g.cause == "unread_layer":
        return f"{head}: what it computes counts in the totals but is never used"
    assert f.term is not None and g.unread is not None
    u, axis = g.unread, f.term.axis
    if g.cause == "real":
        verb = "is" if u.real == 1 else "are"
        padding = f" (and {rows_of(axis, u.padding)} of zero padding)" if u.padding else ""
        return f"{head}: {rows_of(axis, u.real)} of real input {verb} never read{padding}"
    return f"{head}: {reason(g.cause, axis)}"


def reason(cause: str, axis: str) -> str:
    """Why a size that does not divide is only a note (or, for "unknown", why it is a warning)."""
    every = {"H": "row", "W": "column"}.get(axis, "row and column")
    return {"padding": "only padding is left unread",
            "between": "no input is lost to the floor: what is left unread falls between windows, as it does at every position",
            "ceil": f"ceil rounding reads every {every}",
            "crop": "the crop is one pixel off centre and keeps its size",
            "padded": f"every {every} is read; the zero padding only costs FLOPs",
            "unknown": "its size rule does not say which rows it leaves unread, so some may be real input"}[cause]


def severity_counts(findings: Sequence[Finding]) -> str:
    """'1 error, 2 warnings, 5 notes' (errors first)."""
    found = [f.severity for f in findings]
    return ", ".join(f"{n(found.count(s))} {s}{'s' if found.count(s) != 1 else ''}" for s in ("error", "warning", "note") if s in found)


def severity_title(findings: Sequence[Finding]) -> str:
    """'⚠ 1 error, 2 warnings, 5 notes'; '5 notes' without the ⚠ when there are only notes."""
    return ("" if {f.severity for f in findings} == {"note"} else "⚠ ") + severity_counts(findings)


def _fraction(f: Finding) -> str:
    assert f.term is not None
    exact = f.term.exact
    return str(float(exact - exact.numerator // exact.denominator)).lstrip("0") if exact.denominator in (2, 4, 5, 8) else ""


def group_key(f: Finding) -> tuple[str, ...] | None:
    """Notes alike (the same cause, rounding and fractional part) share a key; warnings and errors stand alone."""
    if f.severity != "note" or f.term is None:
        return None
    return (f.grade.cause, getattr(f.term, "rounding", ""), _fraction(f), str(f.nearest))


def group_line(fs: Sequence[Finding]) -> str:
    """'5 layers floor a .5 size; only padding is left unread: conv1, maxpool, …  (nearest input sizes …: 193 and 225)'."""
    first = fs[0]
    assert first.term is not None
    names = ", ".join(f.layer or "" for f in fs)
    size = f"a {_fraction(first)} size" if _fraction(first) else "a size that is not whole"
    cause = first.grade.cause
    if cause == "crop":
        head = f"{len(fs)} crops have an odd margin; each is one pixel off centre and keeps its size"
    elif cause == "padded":
        head = f"{len(fs)} layers pad {size} to whole windows; {reason(cause, first.term.axis)}"
    elif cause == "ceil":
        head = f"{len(fs)} layers round {size} up; ceil rounding reads every row"
    else:
        head = f"{len(fs)} layers floor {size}; {reason(cause, first.term.axis)}"
    nearest = " and ".join(str(v) for v in first.nearest or () if v is not None)
    tail = f" (nearest input sizes for which every layer divides exactly: {nearest})" if nearest else ""
    return f"{head}: {names}{tail}"


def grouped(findings: Sequence[Finding]) -> list[tuple[str, str, Sequence[Finding]]]:
    """The findings as lines to read, most severe first: (severity, line, the findings it stands for). Two or more
    notes alike make one line; every other finding is its own message."""
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        key = group_key(f)
        if key is not None:
            groups.setdefault(key, []).append(f)
    lines: list[tuple[str, str, Sequence[Finding]]] = []
    done: set[tuple[str, ...]] = set()
    for f in findings:
        key = group_key(f)
        if key is None or len(groups[key]) == 1:
            lines.append((f.severity, f.message, (f,)))
        elif key not in done:
            done.add(key)
            lines.append(("note", group_line(groups[key]), groups[key]))
    order = {"error": 0, "warning": 1, "note": 2}
    return sorted(lines, key=lambda line: order[line[0]])
