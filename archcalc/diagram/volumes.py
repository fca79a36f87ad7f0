"""The network as the papers draw it (`--style volumes`): which volumes the figure shows (pure).

A chain of layers becomes a row of stages, as in figure 2 of the AlexNet paper: the input, then
one stage per layer that makes a new volume (a convolution, a pool, a dense layer, or any layer
that changes the shape). Layers that keep the shape (normalisation, activations, dropout,
softmax) are written under the volume they follow ('+ LRN'). A spec split across GPUs has one
stream per GPU, each with its own share of every split layer; a layer that runs whole is one
volume between the streams. volume_layout.py places the stages on the canvas.

A graph with merges (ResNet, GoogLeNet, U-Net) is no chain: `stages` refuses it with one
message naming the layer where the chain branches (fold its blocks with --depth 0, or draw it
with the default --style graph). Drawing one path of it would hide what the network computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from archcalc.analysis import SPLIT, Analysis
from archcalc.analysis.fold import FoldedBlock, Node
from archcalc.errors import ArchcalcError
from archcalc.kinds import Layer
from archcalc.kinds.terms.sizes import WindowTerm
from archcalc.kinds.terms.values import Shape
from archcalc.text import human, hwc, printable, window

BOX_CATEGORIES = ("conv", "pool", "dense")  # a new volume even where the shape stays (a 3×3 conv with padding 1)


@dataclass(frozen=True)
class Stage:
    """One drawn volume: per stream its shape (None: not on that stream), or one shape drawn between the streams."""

    name: str
    category: str  # the layer's category ('input' for the image), which colours the volume
    shapes: tuple[Shape | None, ...]  # one per stream for a split layer; one for a layer that runs whole
    whole: bool  # drawn once: on a one-GPU network always; between the streams on a split one
    gpu: int | None  # the GPU a whole layer runs on; None for the input, which every GPU has
    kernel: tuple[int, int] | None  # the window that makes this volume from the one before, drawn in that one
    stride: tuple[int, int] | None
    crosses: bool  # reads the other GPUs' maps as well as its own (AlexNet's conv3, fc6, fc7)
    folded: tuple[str, ...] = ()  # the shape-keeping layers after it, by their labels
    note: tuple[str, ...] = ()  # what a folded block holds, for --depth (lines under the volume)
    padding: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))  # (before, after) on H, then on W

    @property
    def window_text(self) -> str:
        """'11×11/4' (a stride of 1 unsaid: '3×3'), its padding said: '5×5, pad 2' ('pad 0,1' where H's and W's differ)."""
        if self.kernel is None:
            return ""
        (top, bottom), (left, right) = self.padding
        pads = (top, left) if (top, left) == (bottom, right) else (top, bottom, left, right)
        pad = "" if not any(pads) else f", pad {pads[0]}" if len(set(pads)) == 1 else f", pad {','.join(map(str, pads))}"
        return window(self.kernel, self.stride, unit_stride=False) + pad


def shape_text(shape: Shape) -> str:
    """'55×55×48' (H×W×C, as the paper labels its volumes) or '2048' (units)."""
    return hwc(shape)


def chain_break(nodes: Sequence[Node]) -> tuple[str, tuple[str, ...], str] | None:
    """The first layer that does not read exactly the layer before it, what it reads and that layer; None for a chain."""
    before = "input"
    for row in nodes:
        if row.inputs != (before,):
            return row.name, row.inputs, before
        before = row.name
    return None


def need_chain(a: Analysis, nodes: Sequence[Node], hint: str) -> None:
    found = chain_break(nodes)
    if found is not None:
        name, reads, before = found
        what = " and ".join(f"'{printable(r)}'" for r in reads)
        if len(reads) == 1:
            what += f", not the layer before it, '{printable(before)}'"
        raise ArchcalcError(f"--style volumes draws a chain of layers, and {printable(a.name)} branches at layer "
                            f"'{printable(name)}', which reads {what}", hint)


def _window(layer: Layer, inputs: Sequence[Shape]) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The kernel and stride of a layer that slides a window (H, W), as its size terms hold them; else none."""
    terms = _terms(layer, inputs)
    if len(terms) != 2:
        return None, None
    h, w = terms
    return (h.kernel, w.kernel), (h.stride, w.stride)


def _terms(layer: Layer, inputs: Sequence[Shape]) -> list[WindowTerm]:
    return [t for t in layer.sizing(*inputs).terms if isinstance(t, WindowTerm)]


def _padding(layer: Layer, inputs: Sequence[Shape]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) on H and on W of a window's zero padding, as its size terms hold it; none without a window."""
    terms = _terms(layer, inputs)
    if len(terms) != 2:
        return (0, 0), (0, 0)
    return (terms[0].pad_before, terms[0].pad_after), (terms[1].pad_before, terms[1].pad_after)


def stages(a: Analysis, nodes: Sequence[Node] | None = None, foldable: bool = False) -> list[Stage]:
    """The volumes of a chain (the analysis's rows, or the nodes with blocks folded), in order, the input first;
    `foldable`: the spec has blocks that --depth could fold (the message says so)."""
    nodes = a.rows if nodes is None else nodes
    fold = "fold its blocks into one node each with --depth 0, or " if foldable and nodes is a.rows else ""
    need_chain(a, nodes, f"{fold}draw it with the default --style graph")
    split = a.gpus > 1
    out = [Stage("input", "input", (a.input,), True, None, None, None, False)]
    more: list[list[str]] = [[]]  # the layers folded under each volume, gathered here (a tuple grown per layer was quadratic)
    for row in nodes:
        if isinstance(row, FoldedBlock):
            note = (f"{row.block} · {len(row.rows)} layers", f"{human(row.params)} params")
            out.append(Stage(row.name, "block", (row.output,), True, None, None, None, False, note=note))
            more.append([])
            continue
        if row.category not in BOX_CATEGORIES and row.output == row.input_shapes[0]:
            more[-1].append(row.layer.label)
            continue
        kernel, stride = _window(row.layer, row.input_shapes)
        if split and row.placement == SPLIT:
            shapes: tuple[Shape | None, ...] = tuple(s.output for s in row.gpus)
            whole, gpu = False, None
        else:
            shapes, whole, gpu = (row.output,), True, row.placement if isinstance(row.placement, int) else None
        crosses = any(s.received for s in row.gpus)
        out.append(Stage(row.name, row.category, shapes, whole, gpu, kernel, stride, crosses,
                         padding=_padding(row.layer, row.input_shapes)))
        more.append([])
    return [replace(stage, folded=(*stage.folded, *labels)) if labels else stage for stage, labels in zip(out, more)]
