"""The network as the papers draw it (`--style volumes`): which volumes the figure shows (pure).

A chain of layers becomes a row of stages, as in figure 2 of the AlexNet paper: the input, then
one stage per layer that makes a new volume (a convolution, a pool, a dense layer, or any layer
that changes the shape). Layers that keep the shape (normalisation, activations, dropout,
softmax) are written under the volume they follow ('+ LRN'). A spec split across GPUs has one
stream per GPU, each with its own share of every split layer; a layer that runs whole is one
volume between the streams. volume_layout.py places the stages on the canvas.

A layer may also read earlier layers besides the one before it (a residual sum, U-Net's copy and
crop): those are its skips, drawn as arcs over the volumes between (skip_arcs.py), and a folded
block with a residual sum inside gets one over itself. A graph that branches otherwise (a layer
that does not read the one before it: ResNet's projection, GoogLeNet's towers) is refused with one
message naming the layer where the chain branches (fold its blocks with --depth 0, or draw it
with the default --style graph). Drawing one path of it would hide what the network computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from archcalc.analysis import SPLIT, Analysis
from archcalc.analysis.fold import FoldedBlock, Node
from archcalc.diagram.folded import papers
from archcalc.diagram.parts import Piece, block_of, shrinks
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
    skips: tuple[int, ...] = ()  # the earlier stages this one also reads (arcs); its own index: a block's inner skip
    sums: bool = False  # adds what it reads (an `add`, or a block with a residual sum inside): its arcs are marked '+'
    shown: str = ""  # the name written under it where not `name` (a slide's, its shared prefix left off: volume_key.py)

    @property
    def label(self) -> str:
        return self.shown or self.name

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


def chain_break(nodes: Sequence[Node], skips: bool = False) -> tuple[str, tuple[str, ...], str] | None:
    """The first layer that does not read exactly the layer before it (`skips`: that does not read it, and
    maybe earlier ones too), what it reads and that layer; None for a chain."""
    before = "input"
    for row in nodes:
        if (before not in row.inputs) if skips else (row.inputs != (before,)):
            return row.name, row.inputs, before
        before = row.name
    return None


def need_chain(a: Analysis, nodes: Sequence[Node], hint: str) -> None:
    found = chain_break(nodes, skips=True)
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
    drawn_in = {"input": 0}  # each layer's volume (a shape-keeping layer's: the one it is written under)
    skips: list[set[int]] = [set()]
    said = papers(tuple(nodes))  # what each folded block's paper table says (its skips are the arcs)
    for row in nodes:
        sized_by = () if isinstance(row, FoldedBlock) else row.layer.sized_by()  # inputs read for their size only: no arc
        back = {drawn_in[i] for k, i in enumerate(row.inputs) if i in drawn_in and k not in sized_by} - {len(out) - 1}
        if isinstance(row, FoldedBlock):
            facts, paper = said[row.name]
            note = (f"{row.block} · {len(row.rows)} layers", *(t for t in paper if not t.startswith("skip:")), f"{human(row.params)} params")
            inner = bool(facts.skips)  # a residual sum inside
            drawn_in[row.name] = len(out)
            out.append(Stage(row.name, "block", (row.output,), True, None, None, None, False, note=note, sums=inner))
            skips.append(back | ({len(out) - 1} if inner else set()))
            more.append([])
            continue
        if row.category not in BOX_CATEGORIES and row.output == row.input_shapes[0]:
            more[-1].append(row.layer.label)
            drawn_in[row.name] = len(out) - 1
            skips[-1] |= back
            continue
        drawn_in[row.name] = len(out)
        skips.append(back)
        kernel, stride = _window(row.layer, row.input_shapes)
        if split and row.placement == SPLIT:
            shapes: tuple[Shape | None, ...] = tuple(s.output for s in row.gpus)
            whole, gpu = False, None
        else:
            shapes, whole, gpu = (row.output,), True, row.placement if isinstance(row.placement, int) else None
        crosses = any(s.received for s in row.gpus)
        out.append(Stage(row.name, row.category, shapes, whole, gpu, kernel, stride, crosses,
                         padding=_padding(row.layer, row.input_shapes), sums=row.kind == "add"))
        more.append([])
    return [replace(stage, folded=(*stage.folded, *labels), skips=tuple(sorted(back)))
            for stage, labels, back in zip(out, more, skips)]


def volume_pieces(stages: list[Stage]) -> list[Piece]:
    """The stages as parts.py cuts them into rows: at blocks' seams and where the maps shrink."""
    shapes: list[Shape] = [next((x for x in st.shapes if x is not None), ()) for st in stages]
    return [Piece(st.name, st.name if st.category == "block" else block_of(st.name), i > 0 and shrinks(shapes[i - 1], shapes[i]))
            for i, st in enumerate(stages)]
