"""What a volume says on a slide (`--style volumes --fit W:H`), and the key that says the rest once (pure).

On a slide every label is drawn at 20 px or more, and the labels, not the volumes, set how much of a network
fits a row: ViT-B/16's twelve 'encoder.layers.encoder_layer_N', a folded block's kind, layer count, paper row
and parameters under each of ConvNeXt's eighteen blocks held them to 16 to 18 px. So on a slide:
- a name is written without the dotted prefix most stages share ('encoder.layers.'); the key says it once;
- a folded block says its paper row ('[7×7 dw, 96]'; 'MBConv6, 3×3/2' and 't 6, c 24, n 2, s 2': '3×3/2' for
  '3×3, stride 2', as the kernels' labels write it, without the 'k of n' its place in the row shows), else its
  kind ('swin_block'); a bracket's layers are cut between layers only; what every block's row ends with
  (EfficientNet's ', SE') is said once in the key; a block's layer count and parameters are the handout's;
- the layers folded after a layer are named where they fit a short line, else counted ('+ 2 layers').
Nothing is rounded or changed: what a volume no longer says is said once in the key, or in the handout.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from archcalc.diagram.volumes import Stage

SHORT_FOLDED = 18  # characters: '+ batch norm, relu6' and shorter are named, longer are counted instead


def shared_prefix(stages: list[Stage]) -> str:
    """The dotted prefix ('encoder.layers.') that more than half of the stages' names start with, the longest such;
    '' where none, or where what is left would start with a digit ('features.1.0' stays whole)."""
    prefix = ""
    while True:
        heads = Counter(s.name[len(prefix):].split(".", 1)[0] + "." for s in stages
                        if s.name.startswith(prefix) and "." in s.name[len(prefix):])
        if not heads:
            return prefix
        head, count = heads.most_common(1)[0]
        rests = [s.name[len(prefix + head):] for s in stages if s.name.startswith(prefix + head)]
        if count * 2 <= len(stages) or any(r[:1].isdigit() for r in rests):
            return prefix
        prefix += head


def _kind(note: tuple[str, ...]) -> tuple[str, tuple[str, ...], str]:
    """('mbconv · 12 layers', 'MBConv6, 3×3, stride 2, SE', 't 6, c 24, n 2, s 2 · 1 of 2', '6.00 k params') ->
    the kind and layers, the paper's lines without their 'k of n', and the parameters (volumes.stages writes them so)."""
    paper = (re.sub(r"(\d+×\d+), stride (\d+)", r"\1/\2", line.split(" · ")[0]) for line in note[1:-1])
    return note[0], tuple(paper), note[-1]


def _groups(line: str) -> str:
    """'[3×3, 64; 3×3, 64]' with a no-break space in each layer's '3×3, 64': a slide's wrap (volume_words.wrap_at)
    then cuts it between layers only ('[3×3, 64;' / '3×3, 64]'), as the papers' tables stack them."""
    return re.sub(r"\[[^]]*\]", lambda m: m[0].replace(", ", ",\u00a0"), line)


def _folded(folded: tuple[str, ...]) -> tuple[str, ...]:
    said = ", ".join(folded)
    return folded if len(said) <= SHORT_FOLDED else (f"{len(folded)} layers",)


def shared_tail(stages: list[Stage]) -> str:
    """What ends every folded block's first paper line (EfficientNet's ', SE'), where two or more blocks have one."""
    papers = [_kind(s.note)[1] for s in stages if s.note]
    firsts = [paper[0].split(", ") for paper in papers if paper]
    if len(firsts) < 2 or len(firsts) < sum(1 for s in stages if s.note):
        return ""
    tail = firsts[0][1:]
    while tail and not all(f[-len(tail):] == tail and len(f) > len(tail) for f in firsts):
        tail = tail[1:]
    return ", ".join(tail)


def for_slide(stages: list[Stage]) -> tuple[list[Stage], list[str]]:
    """`stages` as a slide writes them, and the key's lines."""
    prefix, tail = shared_prefix(stages), shared_tail(stages)
    key = [f"'{prefix}' left off names"] if prefix else []
    key += [f"every block: {tail}"] if tail else []
    out = []
    for s in stages:
        shown = s.name[len(prefix):] if prefix and s.name.startswith(prefix) else ""
        note = s.note
        if note:
            kind, paper, params = _kind(note)
            if tail:
                paper = (paper[0].removesuffix(", " + tail), *paper[1:])
            note = tuple(_groups(line) for line in paper) or (kind.split(" · ")[0],)
        out.append(replace(s, shown=shown, note=note, folded=_folded(s.folded)))
    return out, key
