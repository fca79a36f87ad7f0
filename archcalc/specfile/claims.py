"""Claims: the figures a paper states, read from a spec's `claims:` mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archcalc.errors import Location, SpecError
from archcalc.kinds.terms.values import Shape, int_value, pos_int, quote
from archcalc.specfile.yamlbase import Map
from archcalc.text import printable

CLAIM_FIGURES = ("output", "activations", "params", "connections")
TOTAL_FIGURES = ("params", "frozen_params", "macs", "flops", "connections", "activations", "neurons")


@dataclass(frozen=True)
class Stated:
    """A figure a paper states; `tolerance` is relative (0.05 for "about 60 million")."""

    value: int
    tolerance: float = 0.0

    def fits(self, computed: int) -> bool:
        return abs(computed - self.value) <= self.tolerance * self.value


@dataclass(frozen=True)
class LayerClaim:
    layer: str
    output: Shape | None
    activations: Stated | None
    params: Stated | None
    connections: Stated | None
    where: Location


@dataclass(frozen=True)
class Claims:
    source: str | None
    input: Shape | None
    layers: tuple[LayerClaim, ...]
    totals: tuple[tuple[str, Stated], ...]  # (figure, stated): a field of analysis.Totals


def shape_value(value: Any, where: str | Location, key: str, sequence: bool = False) -> Shape:
    """[C, H, W] or [units]; with `sequence` (a claimed output) also [tokens, width], and [H, W, C] reads as written."""
    if not isinstance(value, list) or len(value) not in ((1, 2, 3) if sequence else (1, 3)):
        hint = _two_sides_hint(value) if isinstance(value, list) and len(value) == 2 else None
        more = ", [tokens, width]" if sequence else ""
        raise SpecError(where, f"'{key}' must be [channels, height, width] (or [units]{more}), not {quote(value)}", hint)
    return tuple(pos_int(v, where, key) for v in value)


def _two_sides_hint(value: list[Any]) -> str:
    """[32, 32]: height and width, without channels; [3, 32]: channels and one side (a square image, most likely)."""
    first, second = (quote(v) for v in value)
    if type(value[0]) is int and type(value[1]) is int and value[0] in (1, 3) and value[1] > 3:
        return f"an image is [channels, height, width]: [{first}, {second}, {second}] for a {second}×{second} image"
    return f"an image is [channels, height, width]: [3, {first}, {second}] for colour, [1, {first}, {second}] for grey"


def stated(value: Any, where: str | Location) -> Stated:
    """A stated figure: 60965224, or {about: 60000000, tolerance: 0.05}."""
    where = str(where)
    if isinstance(value, Map):
        unknown = set(value) - {"about", "tolerance"}
        if unknown or "about" not in value:
            raise SpecError(where, "a rounded figure is {about: N, tolerance: 0.05}")
        tol = value.get("tolerance", 0.05)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
            raise SpecError(where, f"'tolerance' must be a fraction between 0 and 1, not {quote(tol)}")
        return Stated(int_value(value["about"], where, "about", 0), float(tol))
    return Stated(int_value(value, where, "figure", 0))


def read_claims(m: Any, reader: Any, top: Map) -> Claims:
    """`reader` gives places (`where`) and checks keys (`keys`), as the spec reader does for layers."""
    if not isinstance(m, Map):
        raise SpecError(reader.where(top, "claims"), "'claims' must be a mapping")
    reader.keys(m, ("source", "input", "layers", "totals"), "claims")
    source = m.get("source")
    if source is not None and not isinstance(source, str):
        raise SpecError(reader.where(m, "source"), f"'source' must be text, not {quote(source)}")
    source = None if source is None else printable(source)
    stated_input = shape_value(m["input"], reader.where(m, "input"), "claims input") if "input" in m else None
    per_layer = m.get("layers", Map())
    if not isinstance(per_layer, Map):
        raise SpecError(reader.where(m, "layers"), "claims 'layers' must map layer names to claims")
    layers = []
    for name, c in per_layer.items():
        where = Location(reader.label, per_layer.key_lines.get(str(name), per_layer.line), str(name), "claim for layer")
        if not isinstance(c, Map):
            raise SpecError(where, "must be a mapping of output, activations, params, connections")
        reader.keys(c, CLAIM_FIGURES, "a layer claim", name)
        output = shape_value(c["output"], where, "output", sequence=True) if "output" in c else None
        figures = {k: stated(c[k], where) if k in c else None for k in CLAIM_FIGURES[1:]}
        layers.append(LayerClaim(str(name), output, figures["activations"], figures["params"], figures["connections"], where))
    totals = m.get("totals", Map())
    if not isinstance(totals, Map):
        raise SpecError(reader.where(m, "totals"), "claims 'totals' must be a mapping")
    reader.keys(totals, TOTAL_FIGURES, "claims totals")
    figures_stated = tuple((str(k), stated(v, reader.where(totals, k))) for k, v in totals.items())
    return Claims(source, stated_input, tuple(layers), figures_stated)
