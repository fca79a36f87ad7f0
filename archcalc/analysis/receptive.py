"""The receptive-field walk: every layer's field from its inputs', each kind applying its own rule
(archcalc.kinds.terms.fields says what a field is and states the rules and conventions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT
from archcalc.kinds.terms.fields import Field, Number, ReceptiveField
from archcalc.limits import MAX_INT

if TYPE_CHECKING:
    from archcalc.analysis.shapes import Step


def receptive_fields(steps: Sequence[Step]) -> dict[str, ReceptiveField]:
    """Every layer's receptive field, by name, from the shape walk's steps (in graph order); each
    kind's `field` rule gives its own from its inputs'."""
    return {s.node.name: f for s, f in zip(steps, fields_in_order(steps)) if f is not None}


def fields_in_order(steps: Sequence[Step]) -> list[ReceptiveField | None]:
    """receptive_fields as a list, one per step (None: a layer without one)."""
    fields = field_walk(steps)
    return [None if (f := fields.get(s.node.name)) is None else f.field for s in steps]


def field_walk(steps: Sequence[Step]) -> dict[str, Field]:
    """receptive_fields with the grid of units each field is on (and the input, by its graph name)."""
    if not steps:
        return {}
    net_input = next(x for s in steps for i, x in zip(s.node.inputs, s.inputs) if i == INPUT)
    if len(net_input) != 3:
        return {}  # a [units] input has no spatial axes
    image = (net_input[1], net_input[2])
    fields = {INPUT: Field(ReceptiveField((1, 1), (1, 1), (0, 0)), image, image)}
    for step in steps:
        inputs = step.node.inputs
        if len(inputs) == 1:
            first = fields.get(inputs[0])
            ins = [first] if first is not None else None
        else:
            ins = [fields[i] for i in inputs] if all(i in fields for i in inputs) else None
        if ins is not None:
            field = step.node.layer.field(ins, step.output, step.terms)
            if field is ins[0]:  # an element-wise layer keeps its input's field, checked there
                fields[step.node.name] = field
                continue
            rf = field.field
            figures: tuple[Number, ...] = (*rf.size, *rf.jump, *rf.start)
            if min(figures) >= -MAX_INT and max(figures) <= MAX_INT:
                fields[step.node.name] = field
    return fields
