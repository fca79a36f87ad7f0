"""Every string a person reads, made from numbers: figures, shapes, arithmetic, hyper-parameters,
findings and claims. Pure (no rich): the tables, the diagram and the run report all use it, and
nothing parses its strings back.

Figures are exact integers with thousands separators; a humanised figure (60.97 M) may stand
beside a total, never instead of it.
"""


from archcalc.text.findings import (
    NO_FINDINGS,
    claim_detail,
    claim_mark,
    contradiction,
    convention_match,
    counted_here,
    figure_text,
    finding_message,
    findings_title,
    input_problems,
    kind_keys,
    memory_text,
    off,
    peak_place,
    ratio,
    source,
    stage_text,
    stated,
    valid_text,
)
from archcalc.text.layers import arithmetic, arithmetic_header, caption, field_text, hyper_text, kind_text, placement_text
from archcalc.text.numbers import (
    FLOPS_CONVENTION,
    a_kind,
    clipped,
    dims,
    human,
    hwc,
    n,
    pair,
    printable,
    quotient,
    share,
    size,
    square,
    window,
)

__all__ = ['FLOPS_CONVENTION', 'NO_FINDINGS', 'a_kind', 'arithmetic', 'arithmetic_header', 'caption', 'claim_detail', 'claim_mark', 'clipped', 'contradiction', 'convention_match', 'counted_here', 'dims', 'field_text', 'figure_text', 'finding_message', 'findings_title', 'human', 'hwc', 'hyper_text', 'input_problems', 'kind_keys', 'kind_text', 'memory_text', 'n', 'off', 'pair', 'peak_place', 'placement_text', 'printable', 'quotient', 'ratio', 'share', 'size', 'source', 'square', 'stage_text', 'stated', 'valid_text', 'window']
