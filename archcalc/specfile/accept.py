"""`accept:` findings the spec's author has looked at and accepts, each with its reason:

    accept:
      - {finding: non_integer_size, layer: conv1, reason: "the paper's 224 input; torchvision floors it the same"}
      - {finding: claim_contradicted, reason: "table 1's 2.7K parameters for conv1 is a misprint"}

`finding` is a finding's kind; `layer` a layer, a block instance (its layers), or a pattern with * and ?
(`layer*.downsample.0`); without `layer`, every finding of that kind. An accepted finding is kept out of the
findings (and of --strict), and shown, with its reason, under --all and in JSON (archcalc.analysis.accepted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archcalc.errors import Location, SpecError
from archcalc.kinds.terms.nearest import nearest
from archcalc.kinds.terms.values import quote
from archcalc.specfile.yamlbase import Map

FINDING_KINDS = ("non_integer_size", "claim_contradicted", "unread_layer")
ACCEPT_KEYS = ("finding", "layer", "reason")
MAX_ACCEPTS = 1000  # entries in `accept:`
MAX_PATTERNS = 20  # of them, patterns (each is tried on every layer, to refuse one that matches none)
MAX_ACCEPT_TEXT = 500  # a reason's or a layer's characters


@dataclass(frozen=True)
class Accept:
    finding: str  # a finding's kind
    layer: str | None  # a layer, a block instance, a pattern; None: every one
    reason: str
    where: Location


def read_accept(raw: Any, label: str, line: int, kinds: tuple[str, ...] = FINDING_KINDS) -> tuple[Accept, ...]:
    """The entries of a spec's `accept:` key, on `line` of `label`."""
    if not isinstance(raw, list) or not all(isinstance(e, Map) for e in raw):
        raise SpecError(f"{label}:{line}", "'accept' must be a list of {finding: KIND, layer: NAME, reason: TEXT}",
                        "accept: [{finding: non_integer_size, layer: conv1, reason: \"why it is fine\"}]")
    if len(raw) > MAX_ACCEPTS:
        raise SpecError(f"{label}:{line}", f"'accept' has {len(raw):,} entries, past the {MAX_ACCEPTS:,} it may have",
                        "leave out 'layer' to accept every finding of a kind, or use a pattern: layer*.conv1")
    entries = [entry(e, label, kinds) for e in raw]
    if sum(e.layer is not None and any(c in e.layer for c in "*?[") for e in entries) > MAX_PATTERNS:
        raise SpecError(f"{label}:{line}", f"'accept' has more than {MAX_PATTERNS} patterns", "one pattern can cover many layers: layer*")
    return tuple(entries)


def entry(e: Map, label: str, kinds: tuple[str, ...]) -> Accept:
    def at(key: str | None = None) -> str:
        return f"{label}:{e.key_lines.get(key, e.line) if key else e.line}"

    for key in e:
        if key not in ACCEPT_KEYS:
            near = nearest(str(key), ACCEPT_KEYS)
            raise SpecError(at(str(key)), f"unknown key {quote(key, 40)} in an accepted finding",
                            f"did you mean '{near}'?" if near else f"an accepted finding takes: {', '.join(ACCEPT_KEYS)}")
    kind = e.get("finding")
    if kind not in kinds:
        near = nearest(str(kind), kinds) if isinstance(kind, str) else None
        problem = "an accepted finding needs 'finding': its kind" if kind is None else f"no finding is of the kind {quote(kind, 60)}"
        raise SpecError(at("finding"), problem, f"did you mean '{near}'?" if near else f"kinds: {', '.join(kinds)}")
    reason, layer = e.get("reason"), e.get("layer")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_ACCEPT_TEXT or not reason.isprintable():
        raise SpecError(at("reason"), f"an accepted finding needs a 'reason': printable text of 1 to {MAX_ACCEPT_TEXT} characters"
                        + (f", not {quote(reason, 40)}" if reason is not None else ""), "say why the finding is fine: it is shown beside it")
    if layer is not None and (not isinstance(layer, str) or not layer.strip() or len(layer) > MAX_ACCEPT_TEXT or not layer.isprintable()):
        raise SpecError(at("layer"), f"'layer' must be a layer's name or a pattern (layer*.conv1), not {quote(layer, 40)}",
                        "leave 'layer' out to accept every finding of the kind")
    return Accept(kind, layer, reason.strip(), Location(label, e.line))


__all__ = ["ACCEPT_KEYS", "FINDING_KINDS", "Accept", "read_accept"]
