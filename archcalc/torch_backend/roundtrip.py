"""`archcalc import`: a PyTorch model → spec text, proven by the round trip.

The model is traced (archcalc.torch_backend.tracing), its nodes mapped to rows (mapping, operations, reverse) and
measured (measure), repeated sub-modules folded into blocks (archcalc.outputs.blockfold), the text written
(archcalc.outputs.specyaml). Then the text is read back as any spec is, built in torch and verified as `run` verifies
(archcalc.torch_backend.verification), and every layer's shape, parameters and FLOPs held against the model's own:
`Imported.differences` is empty only when the spec reproduces the model, layer by layer and in total.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.errors import ArchcalcError
from archcalc.kinds import KINDS, keys
from archcalc.kinds.terms.values import Shape
from archcalc.outputs.blockfold import fold
from archcalc.outputs.specyaml import Row, SpecText, spec_text
from archcalc.specfile import parse_spec
from archcalc.torch_backend.mapping import Found, walk
from archcalc.torch_backend.measure import Measured, measured, propagate
from archcalc.torch_backend.tracing import load_model, trace
from archcalc.torch_backend.verification import verify


@dataclass(frozen=True)
class Imported:
    """The written spec and what its round trip found."""

    text: str  # the spec, with the differences (if any) in a comment at its top
    name: str
    layers: int  # rows of the flat spec: the model's layers
    blocks: int
    uses: int  # rows that use a block
    params: int  # the model's, in total
    flops: int  # the model's, at batch 1
    differences: tuple[str, ...]  # empty: the spec reproduces the model
    unused: int = 0  # parameters of modules the traced forward never runs (not in the spec)

    @property
    def ok(self) -> bool:
        return not self.differences


def import_model(target: str, input_shape: Shape, kwargs: dict[str, Any] | None = None, flat: bool = False) -> Imported:
    """Import, trace, map, fold, write and prove; ArchcalcError where a module or operation has no kind."""
    with warnings.catch_warnings():  # torchvision's about weights left to their defaults, torch's about tracing: not the user's business here
        warnings.simplefilter("ignore")
        model, name = load_model(target, kwargs or {})
        gm, exported = trace(model, target, tuple(input_shape))
        flops = propagate(gm, input_shape, target)
    if exported:
        from archcalc.torch_backend.exported import as_torch

        as_torch(gm)
    found = walk(gm)
    if found.missing:
        many = len(found.missing)
        raise ArchcalcError(f"{target}: {many} module{'s or operations' if many > 1 else ' or operation'} of it "
                            f"{'have' if many > 1 else 'has'} no archcalc kind, so no spec is written: " + "; ".join(found.missing),
                            "`archcalc kinds` lists the vocabulary; write those parts by hand, or leave them out of the model you import")
    figures = measured(found, flops)
    rows, blocks = (found.rows, []) if flat else fold(found.rows, found.classes, _defaults(found), frozenset(KINDS))
    spec = SpecText(name, f"imported from {target} by archcalc import", tuple(input_shape), tuple(rows), tuple(blocks))
    text = spec_text(spec)
    used = {id(p): p.numel() for m in found.modules.values() for p in m.parameters()}  # each once: shared weights count once
    model_params = sum(used.values()) + sum(found.params.values())
    unused = sum(p.numel() for p in model.parameters()) - model_params  # modules its forward never runs (GoogLeNet's aux heads in eval)
    differences = prove(text, figures, model_params, sum(flops.values()), name)
    if differences:
        text = spec_text(replace(spec, header=("archcalc import: this spec does NOT reproduce the model (written with --force):",
                                               *(f"  {d}" for d in differences))))
    uses = sum(1 for r in rows if r.kind not in KINDS)
    return Imported(text, name, len(found.rows), len(blocks), uses, model_params, sum(flops.values()), tuple(differences), max(unused, 0))


def _defaults(found: Found) -> dict[str, dict[str, Any]]:
    """Each kind's defaults as rows hold values: (1, 1) as 1 (archcalc.torch_backend.reverse.mapped writes them so)."""
    def short(v: Any) -> Any:
        return v[0] if isinstance(v, tuple) and v and len(set(v)) == 1 and not isinstance(v[0], tuple) else v
    return {kind: {k.key: short(k.default) for k in keys(KINDS[kind])} for kind in {r.kind for r in found.rows}}


def prove(text: str, model: dict[str, Measured], model_params: int, model_flops: int, name: str) -> list[str]:
    """The written spec read back, built in torch and verified, each layer held against the model's own figures."""
    try:
        graph = build_graph(parse_spec(text, f"{name} (imported)"))
        analysis = analyse(graph)
    except ArchcalcError as exc:  # the writer's or a kind's rule's fault: said, not hidden
        return [f"the written spec does not read back: {exc.message}"]
    checked = verify(graph, analysis)
    out = [f"{m.layer}: {m.check} {_show(m.calculator)} by archcalc, {_show(m.torch)} in torch" for m in checked.mismatches]
    by_name = {c.name: c for c in checked.layers}
    for row_name, figures in model.items():
        check = by_name.get(row_name)
        if check is None:
            out.append(f"{row_name}: in the model, not in the spec")
            continue
        spec_figures = (check.torch_shape, check.torch_params + check.torch_frozen_params, check.torch_flops)
        for what, theirs, ours in zip(("shape", "params", "FLOPs"), (figures.shape, figures.params, figures.flops), spec_figures):
            if theirs is not None and theirs != ours:
                out.append(f"{row_name}: {what} {_show(theirs)} in the model, {_show(ours)} in the spec")
    spec_params = sum(r.params + r.frozen_params for r in analysis.rows)
    spec_flops = sum(r.flops for r in analysis.rows)
    if spec_params != model_params:
        out.append(f"in total: {model_params:,} parameters in the model, {spec_params:,} in the spec (a module run twice shares its weights)")
    if spec_flops != model_flops:
        out.append(f"in total: {model_flops:,} FLOPs in the model, {spec_flops:,} in the spec")
    return out


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return f"{value:,}" if isinstance(value, int) else str(value)


def summary(imported: Imported, target: str) -> str:
    """The line `import` says on stderr: ✓ and the figures, or the count of differences."""
    folded = f", {imported.uses} uses of {imported.blocks} block{'s' if imported.blocks != 1 else ''}" if imported.blocks else ""
    unused = f" (and {imported.unused:,} in modules its forward does not run)" if imported.unused else ""
    figures = f"{imported.layers} layer{'s' if imported.layers != 1 else ''}{folded}, {imported.params:,} parameters{unused}, {imported.flops:,} FLOPs"
    if imported.ok:
        return f"✓ {imported.name}: {figures}: every layer's shape, parameters and FLOPs as {target}'s, built from the spec in torch"
    return f"✗ {imported.name}: {len(imported.differences)} differences from {target}:\n  " + "\n  ".join(imported.differences)


__all__ = ["Imported", "Row", "import_model", "prove", "summary"]
