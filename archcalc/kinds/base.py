"""What a layer kind is: the rules every kind declares, and the mixins that declare the common ones.

A kind is a frozen dataclass whose fields are its spec keys, annotated with archcalc.kinds.terms.values types
(the annotation says how the key is parsed). It declares, itself or through a mixin it names:

    sizing(*xs) -> Sizing               its output shape and size rule (archcalc.kinds.terms.sizes)
    figures(xs, out) -> Figures         params, frozen params, MACs, FLOPs, connections, activations
    counts(site, out) -> Counts         its figure under each FLOPs tool's convention (archcalc.kinds.terms.conventions)
    field(ins, out, terms) -> Field     its receptive-field rule (archcalc.kinds.terms.fields)
    reads_all(gpus) -> bool             split across GPUs, does each GPU read every input map?
    build(site) -> torch module         its torch builder (imports torch when called)
    shard(module, g, G) -> module|None  GPU g's part of the module it built (None: it cannot be cut)
    kept(keeping) -> Kept               what its forward keeps for backward in training (archcalc.analysis.kept), as torch does
    hyper() -> str                      its hyper-parameters as the tables show them
    traffic(xs, out, figures) -> Traffic  the units it runs on (matrix or vector) and its least memory traffic

and the class facts `kind`, `category`, `label` (the word the diagram and tables use), `summary` and
`examples` (small instances, as spec keys, that tests/test_kind_proofs.py proves its size, field and
split rules on against torch: a kind with none is a red test, never a kind left unproven).
`Layer` itself declares none of the rules: a kind that forgets one fails tests/test_kinds.py,
never falls back on a silent zero. Conventions of shapes and figures: archcalc.kinds.terms.figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from archcalc.kinds.costs import KeepsInput, KeepsNothing, MatrixUnits, Passes, Traffic, Uncounted, VectorUnits, ViewOfInput, streamed
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field, same_field, whole_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import SizeTerm, Sizing, fixed, unchanged
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


__all__ = ["KeepsInput", "KeepsNothing", "MatrixUnits", "Passes", "Traffic", "Uncounted", "VectorUnits", "ViewOfInput", "streamed"]

RULES = ("sizing", "figures", "counts", "field", "kept", "reads_all", "build", "shard", "hyper", "traffic")
FACTS = ("kind", "category", "label", "summary", "examples")
CATEGORIES = ("conv", "pool", "dense", "norm", "dropout", "activation", "reshape", "merge")  # in the order kinds are listed


@dataclass(frozen=True)
class Site:
    """What a builder needs besides the layer: its input shapes and the GPUs its output divides among."""

    inputs: tuple[Shape, ...]
    gpus: int  # 1: whole on one device
    in_place: bool = False  # an activation that may overwrite its input (nothing else reads it: archcalc.analysis.kept.in_place_layers)


class Layer:
    """The facts every kind has; the rules (RULES) are each kind's own."""

    kind: ClassVar[str]
    category: ClassVar[str]  # one of CATEGORIES
    label: ClassVar[str]  # 'max pool', 'LRN': how people name it
    summary: ClassVar[str]  # one line for `archcalc kinds`
    arity: ClassVar[int] = 1  # number of inputs; 0 means two or more
    fewest_inputs: ClassVar[int] = 2  # with arity 0: the fewest it reads (concat: one, torch.cat's copy)
    neurons: ClassVar[bool] = False  # its outputs are the "neurons" papers count
    creates_channels: ClassVar[bool] = False  # sets its own output channels (must divide among GPUs)
    fusable: ClassVar[bool] = False  # an activation that other layers may take as `activation:`
    stage: ClassVar[bool] = False  # begins a stage of `compare` (conv, pool, dense, merge); the rest join the stage before
    flattens: ClassVar[bool] = False  # a C×H×W input is flattened first (the hyper-parameters say so)
    activation: str | None = None  # a fused activation (kinds that take one have it as a field)

    if TYPE_CHECKING:  # the rules, for the type checker only: at run time Layer declares none (missing_rules)
        def sizing(self, *xs: Shape) -> Sizing: ...
        def figures(self, xs: Sequence[Shape], out: Shape) -> Figures: ...
        def counts(self, site: Site, out: Shape) -> Counts: ...
        def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field: ...
        def reads_all(self, gpus: int) -> bool: ...
        def build(self, site: Site) -> nn.Module: ...
        def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None: ...
        def hyper(self) -> str: ...
        def traffic(self, xs: Sequence[Shape], out: Shape, figures: Figures) -> Traffic: ...
        def kept(self, keeping: Keeping) -> Kept: ...

    def spec_values(self, xs: tuple[Shape, ...]) -> dict[str, Any]:
        """Its spec keys and their values, as numbers (a kind whose values depend on its input resolves them)."""
        return keys_of(self)

    def sized_by(self) -> tuple[int, ...]:
        """The inputs it reads only for their H×W, not their values (upsample, crop and adaptive pooling to a second
        input's size): a picture draws no data flowing from them."""
        return ()

    def gpu_share(self, figures: Figures, gpus: int) -> Figures:
        """One GPU's part of the layer split across `gpus` (its tower's, proven by tests/test_kind_split.py): every figure
        linear in the output maps, which divide by the GPUs; a kind whose towers each hold a copy of a weight says so."""
        return figures.share(gpus)

    def caption(self) -> str:
        """'conv 11×11/4, 96': its label and hyper-parameters."""
        hyper = self.hyper()
        return f"{self.label} {hyper}" if hyper else self.label



# --- mixins: each declares one rule, by name, for the kinds that share it ----------------------


class NoWeights:
    """No parameters, MACs, FLOPs or connections (said explicitly, never a default)."""

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        return Figures.no_weights(out)


class KeepsShape:
    """Size rule: the output has the input's shape; receptive field: the input's."""

    def sizing(self, *xs: Shape) -> Sizing:
        return unchanged(xs[0])

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])


class PerMap:
    """Split rule: each output map (or unit) needs only the same input map, so a GPU reads only its own,
    and a tower is the same module."""

    def reads_all(self, gpus: int) -> bool:
        return False

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        import copy

        return copy.deepcopy(module)


class ReadsAll:
    """Split rule: every output unit reads every input value (a dense layer, softmax)."""

    def reads_all(self, gpus: int) -> bool:
        return True


class SeesWhole:
    """Receptive field: every unit sees its whole input map."""

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return whole_field(ins[0])


class NoHyper:
    """No hyper-parameters to show."""

    def hyper(self) -> str:
        return ""


class Elementwise(KeepsShape, NoWeights, PerMap, NoHyper, VectorUnits):
    """A function of each value alone: same shape, same field, no weights, per map; proven with its defaults."""

    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)


class Units:
    """Size rule of dense-like kinds: `units` values, no spatial axes (a C×H×W input is flattened)."""

    units: int

    def sizing(self, *xs: Shape) -> Sizing:
        return fixed((self.units,))


def with_activation(own: Figures, activation: str | None, out: Shape) -> Figures:
    """A layer's figures with its fused activation's weights added (prelu's slopes; most activations have none)."""
    if activation is None:
        return own
    from archcalc.kinds import activation_kind

    extra = activation_kind(activation).figures((out,), out)
    return own + Figures(extra.params, extra.frozen_params, extra.macs, extra.flops, extra.connections, 0)


def with_activation_counts(own: Counts, activation: str | None, site: Site, out: Shape) -> Counts:
    """A layer's counts with its fused activation's added (the activation module runs on the layer's output)."""
    if activation is None:
        return own
    from archcalc.kinds import activation_kind

    return own + activation_kind(activation).counts(Site((out,), site.gpus), out)


def fused_activation(activation: str | None, channels: int = 1) -> tuple[str, nn.Module] | None:
    """What a layer hands the torch backend for its fused activation: its name and module, run in place (nothing else
    reads the layer's own output); `channels`: the layer's output channels (prelu has a weight per channel)."""
    if activation is None:
        return None
    from archcalc.kinds import activation_kind

    return activation, activation_kind(activation).module(fused=True, channels=channels)


def activation_shard(activation: str | None) -> tuple[str, Callable[[nn.Module, int, int], nn.Module | None]] | None:
    """What a layer hands the torch backend to cut its fused activation into towers: its name and its kind's shard rule."""
    if activation is None:
        return None
    from archcalc.kinds import activation_kind

    return activation, activation_kind(activation).shard


def affine_figures(xs: Sequence[Shape], out: Shape, affine: bool) -> Figures:
    """Normalisation with a weight and a bias per channel (or none): connections one input and one bias per unit."""
    if not affine:
        return Figures.no_weights(out)
    return Figures(params=2 * xs[0][0], connections=2 * math.prod(xs[0]), activations=math.prod(out))


def flat(x: Shape) -> int:
    """The values a flattened input has."""
    return math.prod(x)


def keys_of(layer: Any) -> dict[str, Any]:
    """The layer's own spec keys and values (None: a default that follows another key)."""
    from archcalc.kinds import keys  # the registry module; here to keep base free of it

    return {k.key: getattr(layer, k.field) for k in keys(type(layer))}
