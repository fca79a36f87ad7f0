"""A layer's words: its kind, hyper-parameters, size arithmetic, receptive field, placement and caption."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.text.numbers import dims, pair

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.kinds.terms.fields import ReceptiveField
    from archcalc.kinds.terms.sizes import SizeTerm


def kind_text(row: Row) -> str:
    """'conv + relu': the kind and its fused activation."""
    return row.kind + (f" + {row.activation}" if row.activation else "")


def hyper_text(row: Row) -> str:
    """The hyper-parameter column: the kind's own, and what a dense layer flattens."""
    hyper = row.layer.hyper()
    if row.layer.flattens and len(row.input_shapes[0]) > 1:
        return f"{hyper}, flattens {dims(row.input_shapes[0])}"
    return hyper


def arithmetic(terms: Sequence[SizeTerm]) -> str:
    """Each axis's arithmetic, once when H and W agree: '(227 − 11 + 2·0)/4 + 1 = 55 (H and W)'."""
    if len(terms) == 2 and terms[0].alike(terms[1]):
        return f"{terms[0].text()} (H and W)"
    if len(terms) == 1 and terms[0].axis == "N":  # tokens: '(224/16)² = 196 tokens'
        return terms[0].text()
    return "; ".join(f"{t.axis}: {t.text()}" for t in terms)


def arithmetic_header(rows: Sequence[Row]) -> str:
    """'size arithmetic  ((W − K + 2P)/S + 1)': the formulas of the size rules in the table."""
    formulas = list(dict.fromkeys(t.formula for r in rows for t in r.terms))
    return "size arithmetic" + (f"  ({'; '.join(formulas)})" if formulas else "")


def field_text(f: ReceptiveField | None) -> str:
    """'195 /32', '1,129 /224': the field's size and jump in input pixels (H×W when they differ);
    'whole input' after a global pool."""
    if f is None:
        return ""
    if f.whole:
        return "whole input"
    return f"{_pair_of_figures(f.size)} /{_pair_of_figures(f.jump)}"


def _pair_of_figures(p: Sequence[object]) -> str:
    """pair() with thousands separators on whole numbers (a fraction, such as an upsampled jump, as it is)."""
    return pair([f"{v:,}" if isinstance(v, int) else str(v) for v in p])


def placement_text(row: Row) -> str:
    return "split" if row.placement == "split" else f"GPU {row.placement}"


def caption(row: Row) -> str:
    """'conv 11×11/4, 96 + ReLU', 'dense 4096 units', 'max pool 3×3/2': the diagram's words for a layer."""
    text = row.layer.caption()
    if row.activation:
        text += f" + {row.activation_label}"
    return text
