"""The findings a spec accepts (`accept:`), as `show` prints them: one line by default, each with its reason under --all."""

from __future__ import annotations

from rich.console import RenderableType
from rich.panel import Panel
from rich.text import Text

from archcalc.analysis import Analysis
from archcalc.analysis.grading import findings_off


def accepted_title(count: int) -> str:
    return f"{count} accepted finding{'s' if count != 1 else ''}"


def accepted_part(a: Analysis, every: bool) -> RenderableType:
    """'2 accepted findings not shown (--all shows them, with their reasons)', or under --all each with its reason."""
    if findings_off(a):  # --findings off: none are shown, accepted or not
        return Text()
    if not every:
        return Text(f"{accepted_title(len(a.accepted))} not shown (--all shows them, with their reasons)", style="dim")
    body = Text()
    for i, x in enumerate(a.accepted, start=1):
        body.append(f"{i}. ", style="bold")
        body.append(f"[{x.finding.grade.severity} · {x.finding.kind}] ", style="bold")
        body.append(x.finding.message + "\n")
        body.append(f"   accepted: {x.reason} ({x.where.file}:{x.where.line})" + ("\n" if i < len(a.accepted) else ""), style="green")
    return Panel(body, title=accepted_title(len(a.accepted)), border_style="green", title_align="left")


__all__ = ["accepted_part", "accepted_title"]
