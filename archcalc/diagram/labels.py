"""A node's label as Graphviz HTML: one table row per line, each padded.

Graphviz sets the lines of a `<br/>`-broken label one font size apart, so a descender (an underscore in
'stage_down' or 'inception_3a') touched the next line's capitals, and struck through them where a viewer
draws a wider fallback font. A row per line gives each line 2 pt of leading.
"""

from __future__ import annotations

from collections.abc import Sequence

LEADING = 1  # points of padding above and below each line


def lines_label(cells: Sequence[str]) -> str:
    """'<<table …><tr><td>line</td></tr>…</table>>': the lines of a node's label, each with its leading."""
    rows = "".join(f"<tr><td>{c}</td></tr>" for c in cells)
    return f'<<table border="0" cellspacing="0" cellpadding="{LEADING}">{rows}</table>>'
