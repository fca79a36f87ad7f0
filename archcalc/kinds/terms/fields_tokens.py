"""Receptive-field rules of the sequence and window kinds (tokens, attention, a selected token); the conventions
are fields.py's. A sequence of tokens made from a map keeps the map's grid: token i is position i (row-major);
a class token in front sees nothing of the image until attention mixes it in."""

from __future__ import annotations

from archcalc.kinds.terms.fields import Field, ReceptiveField, global_field, grid_of, still_whole


def windowed_field(f: Field, window: int, shifted: tuple[bool, bool], out: tuple[int, ...]) -> Field:
    """Attention within windows of `window` units (Swin): unshifted, the first unit reads its window, units 0 to
    window − 1, and no unit more than `window` units: a bound, exact for the first unit. Shifted, the roll brings
    units from the far side of the map into a border window, and torchvision's mask only adds −100 to their scores,
    so that they still weigh e^−100 (not 0): every unit then depends on units across its whole input map, the bound
    this states. The grid is the input's."""
    if f.field.whole:
        return still_whole(f, out)
    r = f.field
    reach = [f.grid[a] if shifted[a] else window for a in (0, 1)]  # per axis, as torchvision shifts
    size = (r.size[0] + (reach[0] - 1) * r.jump[0], r.size[1] + (reach[1] - 1) * r.jump[1])
    return Field(ReceptiveField(size, r.jump, r.start, exact=False), grid_of(out, f), f.image)


def attention_field(f: Field) -> Field:
    """Global self-attention: every token reads every token, so every unit sees all its input's map (the whole
    input where that map's fields span the image), as a global pool's unit does."""
    return global_field(f)


def token_field(f: Field, index: int, tokens: int) -> Field:
    """One token of a sequence (x[:, index]): the field of the map position it came from (after a class token in
    front, position index − 1); after attention, every token's field is the same."""
    gh, gw = f.grid
    if f.grid == (1, 1) or f.field.whole:
        return still_whole(f, (1,)) if f.field.whole else Field(f.field, (1, 1), f.image)
    position = index - (tokens - gh * gw)  # a class token in front shifts the positions by one
    row, col = divmod(max(position, 0), gw)
    r = f.field
    start = (r.start[0] + row * r.jump[0], r.start[1] + col * r.jump[1])
    return Field(ReceptiveField(r.size, r.jump, start, exact=r.exact), (1, 1), f.image)
