"""What a size that does not divide costs: which input rows (or columns) it leaves unread, and whether
any of them is real input or only zero padding. The grading of findings (archcalc.analysis.grading) asks this.

A forward window along one axis, in padded coordinates (0 = the first row of the top padding):

    window j reads the rows  j·S + i·D  for i = 0 … K − 1,  j = 0 … out − 1
    real rows:               P_before … P_before + W − 1

Flooring stops the windows at out − 1; the rows a longer input's windows j ≥ out would read, and no
window j < out reads, are the ones the floor loses. They are all past the last window's reach
(out − 1)·S + D·(K − 1), so there are fewer than S of them: `span mod S` when D = 1 and K ≥ S.
Of those, the ones in P_before … P_before + W − 1 are real input; the rest are zero padding. Rows a
window never reads at any size (between the windows of a 1×1 window with stride 2, or between
dilated taps) are not lost to the floor: every window position skips them alike. (Rows inside the last
window's reach that its dilation skips are unread at whole sizes too; they are not the floor's either.)

Ceil rounding adds a window that hangs past the padded input, so nothing is left unread. A crop's odd
margin moves the crop by one pixel; it reads as much as a centred one. Swin's window attention pads the
map to whole windows: every row is read, and the padding only costs FLOPs. Each size term answers for itself
(`left_unread()`: archcalc.kinds.terms.sizes.Term); a rule that does not say is graded as losing real input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archcalc.kinds.terms.sizes import WindowTerm


@dataclass(frozen=True)
class Unread:
    """What one axis leaves unread: `real` rows of input and `padding` rows of zero padding past the last window,
    `between` rows past it that no window position reads (stride or dilation gaps); `cause` names the case:
    'padding' (only padding is lost), 'between' (nothing past the gaps), 'real', 'ceil', 'crop', 'padded', or
    'unknown': a size rule that does not say which rows it leaves (a new kind's, until it does: graded as real input)."""

    cause: str
    real: int = 0
    padding: int = 0
    between: int = 0

    @property
    def loses_input(self) -> bool:
        return self.cause in ("real", "unknown")


def reads(t: WindowTerm, row: int, windows: range) -> bool:
    """Whether any window j in `windows` reads padded row `row`: row = j·S + i·D with 0 ≤ i < K."""
    return any(0 <= row - j * t.stride < t.reach and (row - j * t.stride) % t.dilation == 0 for j in windows)


def window_unread(t: WindowTerm) -> Unread:
    """The rows a window that does not divide leaves unread (see the module's docstring); one that divides loses nothing."""
    if t.divides:
        return Unread("padding")
    if t.rounding == "ceil" and t.out > t.span // t.stride + 1:
        return Unread("ceil")
    padded = t.size + t.pad_before + t.pad_after
    first = (t.out - 1) * t.stride + t.reach  # the first row past the last window's reach
    later = range(t.out, padded // t.stride + 1)  # the windows a longer input would add that start inside this one
    lost = [r for r in range(first, padded) if reads(t, r, later)]
    real = sum(1 for r in lost if t.pad_before <= r < t.pad_before + t.size)
    between = padded - first - len(lost)
    if real:
        return Unread("real", real, len(lost) - real, between)
    return Unread("padding" if lost else "between", 0, len(lost), between)
