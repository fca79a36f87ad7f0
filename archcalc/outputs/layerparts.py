"""The parts of a layer's JSON that rows alike share, made once per document: a chain of 10,000 layers repeats a
few kinds, each with the same keys, hyper text, layout and arithmetic (its rows share one Layer, archcalc.specfile),
and a receptive field is shared by the layers that do not change it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archcalc.outputs.jsonwrite import fixed

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.kinds.terms.fields import ReceptiveField


class Parts:
    """Made once per layer (by id: the rows that share it) and input, and once per receptive field; `fix`: each as
    jsonwrite.fixed leaves it, for an Each(..., fixed=True). Each value keeps what its key's ids are of alive."""

    def __init__(self, fix: bool) -> None:
        self.fix = fix
        self.alike: dict[tuple[Any, ...], tuple[dict[str, Any], tuple[Any, ...]]] = {}
        self.fields: dict[int, tuple[Any, ...]] = {}

    def of(self, r: Row, make: Any) -> dict[str, Any]:
        """`make(r)` (a layer's JSON with the parts rows alike share) for the first of the rows of one layer, input shapes,
        size terms and figures: not to be changed (copy it)."""
        key = (id(r.layer), id(r.input_shapes), id(r.terms), id(r.figures))  # rows alike share the tuple (archcalc.analysis.alike)
        got = self.alike.get(key)
        if got is None:
            made = make(r)
            got = self.alike[key] = (fixed(made) if self.fix else made, (r.layer, r.input_shapes, r.terms, r.figures))
        return got[0]

    def field(self, f: ReceptiveField, make: Any) -> Any:
        """The JSON of a receptive field, `make(f)` once per field."""
        got = self.fields.get(id(f))
        if got is None:
            json = make(f)
            got = self.fields[id(f)] = (fixed(json) if self.fix else json, f)
        return got[0]


__all__ = ["Parts"]
