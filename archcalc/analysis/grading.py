"""How much a finding matters: a note, a warning or an error (issue 23).

- error: a stated claim is contradicted (a paper's 55×55 that the input does not give).
- warning: real input is never read (a size that floors away rows of the image or feature map), or a
  layer nothing reads (its figures count in the totals for nothing).
- note: a size that does not divide but loses no real input: only zero padding is left unread, the
  rows left are ones the window skips at every position anyway, ceil rounding reads every row, or a
  crop's odd margin moves it by one pixel, or Swin's windows pad the map (every row is read). Every
  framework does the same; the paper's sizes agree.

The rows a size leaves unread are the size term's own answer (a window works them out from its numbers:
archcalc.kinds.terms.unread); a rule that does not say is graded as losing real input, a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc.kinds.terms.unread import Unread

if TYPE_CHECKING:
    from archcalc.analysis import Analysis
    from archcalc.analysis.findings import Finding

SEVERITIES = ("note", "warning", "error")  # in rising order
STRICT_LEVELS = {"warnings": "warning", "notes": "note", "errors": "error"}  # --strict=LEVEL: the least severity that fails


@dataclass(frozen=True)
class Grade:
    severity: str  # note, warning, error
    cause: str  # padding, between, ceil, crop, padded, real (a size); claim; unread_layer
    unread: Unread | None = None  # a size's rows left unread


def grade(f: Finding) -> Grade:
    if f.kind == "claim_contradicted":
        return Grade("error", "claim")
    if f.kind == "unread_layer":
        return Grade("warning", "unread_layer")
    assert f.term is not None
    u = f.term.left_unread()  # the size term says what it leaves unread (archcalc.kinds.terms.unread)
    return Grade("warning" if u.loses_input else "note", u.cause, u)


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among `findings`; None when there are none."""
    ranks = [rank(f.severity) for f in findings]
    return SEVERITIES[max(ranks)] if ranks else None


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many of each severity, errors first, leaving out those with none."""
    found = [f.severity for f in findings]
    return {s: found.count(s) for s in reversed(SEVERITIES) if s in found}


def fails(findings: Iterable[Finding], level: str | None) -> bool:
    """Whether `--strict=LEVEL` fails: a finding at or above the level (warnings: warnings and errors)."""
    if level is None:
        return False
    least = rank(STRICT_LEVELS[level])
    return any(rank(f.severity) >= least for f in findings)


class FindingsOff(tuple["Finding", ...]):
    """No findings because `--findings off` left them out, not because there are none: outputs say nothing of them."""


def without_findings(a: Analysis) -> Analysis:
    """`--findings off`: the analysis with no findings, for a clean slide (the claims table still says what it checked)."""
    return replace(a, findings=FindingsOff())


def findings_off(a: Analysis) -> bool:
    return isinstance(a.findings, FindingsOff)
