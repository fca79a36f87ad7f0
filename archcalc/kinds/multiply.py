"""multiply: the element-wise product of two or more inputs (squeeze-and-excitation's scale)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Site
from archcalc.kinds.merges import Merge
from archcalc.kinds.terms.fields import Field, gated_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Multiply(Merge):
    """Inputs of one shape, or C×1×1 inputs broadcast over the H×W of the others: `inputs: [scale, input]`."""

    kind: ClassVar[str] = "multiply"
    label: ClassVar[str] = "multiply"
    summary: ClassVar[str] = "element-wise product; a C×1×1 input is broadcast over the others' H×W (squeeze-and-excitation)"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # ((x0·x1)·x2)…: each product keeps each factor whose partner needs a gradient; the running products are new
        grads, inputs, extra = keeping.grads, [], []
        product_grad = grads[0]
        for j in range(1, len(grads)):
            if grads[j]:
                if j == 1:
                    inputs.append(0)
                else:
                    extra.append(keeping.bytes(keeping.output))  # the product so far (its broadcast shape)
            if product_grad:
                inputs.append(j)
            product_grad = product_grad or grads[j]
        return Kept(inputs=tuple(inputs), extra=tuple(extra))

    def sizing(self, *xs: Shape) -> Sizing:
        out = max(xs, key=lambda x: (len(x), x[1:] if len(x) == 3 else ()))
        for x in xs:
            broadcast = len(x) == 3 and len(out) == 3 and x[0] == out[0] and x[1:] == (1, 1)
            if x != out and not broadcast:
                raise ShapeError("multiply needs inputs of one shape, or C×1×1 inputs of the same C to broadcast",
                                 "a squeeze-and-excitation gate ends in a 1×1 conv with as many filters as the map has channels")
        return Sizing(out)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return gated_field(ins, out)  # a C×1×1 gate scales the map; the product keeps the map's field

    def reads_all(self, gpus: int) -> bool:
        return False  # each map times its own scale

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import Multiply as Module

        return Module()

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        import copy

        return copy.deepcopy(module)
