"""Findings the spec accepts (its `accept:` list, archcalc.specfile.accept): set apart from the findings, with their reasons.

A finding is accepted by the first entry of its kind whose `layer` is the finding's layer, a block instance holding it,
or a pattern (* ? [..]) its name matches; an entry without `layer` accepts every finding of its kind. An entry that names
no layer of the spec (a typo would silence nothing, silently) is refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import translate

from archcalc.analysis.findings import Finding
from archcalc.errors import Location, SpecError
from archcalc.specfile.accept import Accept
from archcalc.text import printable


@dataclass(frozen=True)
class Accepted:
    finding: Finding
    reason: str
    where: Location  # the `accept:` entry

    @property
    def message(self) -> str:
        return f"{self.finding.message} (accepted: {self.reason})"


def is_pattern(name: str) -> bool:
    return any(c in name for c in "*?[")


def set_apart(findings: Sequence[Finding], accepts: Sequence[Accept], layers: Iterable[str],
              instances: Iterable[str]) -> tuple[tuple[Finding, ...], tuple[Accepted, ...]]:
    """(the findings left, the accepted ones) for the spec's `accept:` entries."""
    if not accepts:
        return tuple(findings), ()
    names, blocks = set(layers), set(instances)
    patterns = {a.layer: re.compile(translate(a.layer)) for a in accepts if a.layer is not None and is_pattern(a.layer)}
    for a in accepts:
        if a.layer is None:
            continue
        if a.layer in patterns:
            if not any(patterns[a.layer].match(n) for n in names):
                raise SpecError(a.where, f"the accepted finding's pattern '{printable(a.layer)}' matches no layer",
                                "* stands for any characters, ? for one: layer*.conv1")
        elif a.layer not in names and a.layer not in blocks:
            near = difflib.get_close_matches(a.layer, sorted(names | blocks), n=1)
            raise SpecError(a.where, f"the accepted finding names '{printable(a.layer)}', which is no layer or block instance",
                            f"did you mean '{near[0]}'?" if near else "name a layer, a block instance, or a pattern (layer*)")
    kept: list[Finding] = []
    accepted: list[Accepted] = []
    for f in findings:
        entry = next((a for a in accepts if a.finding == f.kind and covers(a, f.layer, patterns)), None)
        if entry is None:
            kept.append(f)
        else:
            accepted.append(Accepted(f, entry.reason, entry.where))
    return tuple(kept), tuple(accepted)


def covers(a: Accept, layer: str | None, patterns: dict[str, re.Pattern[str]]) -> bool:
    """Whether entry `a` names `layer`: itself, a block instance holding it (`layer2.0` holds `layer2.0.conv1`), or a pattern."""
    if a.layer is None:
        return True
    if layer is None:
        return False
    if a.layer in patterns:
        return patterns[a.layer].match(layer) is not None
    return layer == a.layer or layer.startswith(a.layer + ".")


__all__ = ["Accepted", "covers", "set_apart"]
