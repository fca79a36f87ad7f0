"""add, concat: layers that merge two or more inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Layer, NoHyper, NoWeights, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.fields import Field, cover_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


class Merge(NoWeights, Uncounted, NoHyper, VectorUnits, Layer):
    """Operators in torchvision's forward (`out += identity`, torch.cat, `scale * x`): no tool counts them."""

    category: ClassVar[str] = "merge"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    arity: ClassVar[int] = 0
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # proven on two branches (tests/test_kind_proofs.py)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return cover_field(ins, out)


@dataclass(frozen=True)
class Add(Merge):
    """Element-wise sum of two or more inputs of one shape (a residual connection)."""

    kind: ClassVar[str] = "add"
    label: ClassVar[str] = "add"
    summary: ClassVar[str] = "element-wise sum of inputs of one shape (a residual connection)"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # a + b: its backward passes the gradient through

    def sizing(self, *xs: Shape) -> Sizing:
        if any(x != xs[0] for x in xs):
            raise ShapeError("add needs inputs of one shape", "the branches it sums must end in one shape: check their strides, padding and filters")
        return Sizing(xs[0])

    def reads_all(self, gpus: int) -> bool:
        return False

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import Add as Module

        return Module()

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        import copy

        return copy.deepcopy(module)


@dataclass(frozen=True)
class Concat(Merge):
    """Concatenation along channels; spatial sizes must match."""

    kind: ClassVar[str] = "concat"
    label: ClassVar[str] = "concat"
    summary: ClassVar[str] = "inputs joined along the channels; spatial sizes must match"
    fewest_inputs: ClassVar[int] = 1  # torch.cat of one tensor is a copy: torchvision's DenseNet makes one per block

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # torch.cat: its backward needs only the sizes

    def sizing(self, *xs: Shape) -> Sizing:  # (C1, H, W), (C2, H, W) -> (C1 + C2, H, W)
        if any(len(x) != len(xs[0]) or x[1:] != xs[0][1:] for x in xs):
            raise ShapeError("concat needs inputs of the same spatial size", "check the branches' strides and padding; a crop cuts one to the other's size")
        return Sizing((sum(x[0] for x in xs), *xs[0][1:]))

    def reads_all(self, gpus: int) -> bool:
        return False

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import Concat as Module

        per_gpu = all(x[0] % site.gpus == 0 for x in site.inputs)  # each GPU's maps together, as the towers hold them
        return Module(site.gpus if per_gpu else 1)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from archcalc.torch_backend.modules import Concat as Module

        assert isinstance(module, Module)
        return Module(module.gpus // G) if module.gpus % G == 0 else None
