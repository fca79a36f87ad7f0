"""self_attention: multi-head self-attention over a sequence, as torchvision's ViT writes it with
nn.MultiheadAttention (batch first, called as attention(x, x, x, need_weights=False)).

For N tokens of width D in h heads of d = D/h: Q, K, V = x·W_qkv + b (one packed D→3D projection),
A = softmax(Q·Kᵀ/√d) per head, out = (A·V)·W_o + b_o. Parameters 3D² + 3D + D² + D.
MACs: the projections, N·D·3D + N·D·D, and the two batched matrix products, Q·Kᵀ and A·V, each
N²·d per head, so 2·N²·D for both; FLOPs twice the MACs (FlopCounterMode on the math path of
scaled_dot_product_attention; the scaling and softmax are not counted, as torch does not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Layer, MatrixUnits, Site
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field
from archcalc.kinds.terms.fields_tokens import attention_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Bool, PosInt, Rate, Shape
from archcalc.kinds.tokens import NotSplit, sequence

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class SelfAttention(NotSplit, MatrixUnits, Layer):
    kind: ClassVar[str] = "self_attention"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"heads": 2}, {"heads": 1, "bias": False})
    category: ClassVar[str] = "dense"
    stage: ClassVar[bool] = True
    label: ClassVar[str] = "self-attention"
    summary: ClassVar[str] = "multi-head self-attention (nn.MultiheadAttention): q/k/v and output projections, softmax(Q·Kᵀ/√d)·V"
    uses_attention: ClassVar[bool] = True  # run's verification counts its FLOPs on the math path

    heads: PosInt
    dropout: Rate = 0.0
    bias: Bool = True

    def sizing(self, *xs: Shape) -> Sizing:  # (N, D) -> (N, D)
        _, d = sequence(xs[0], self.kind)
        if d % self.heads:
            raise ShapeError(f"its width {d} does not divide into {self.heads} heads ({d}/{self.heads} = {d / self.heads:g})",
                             f"a number of heads that divides {d} (torch's nn.MultiheadAttention refuses any other)")
        return Sizing(xs[0])

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        n, d = xs[0]
        projections = 4 * n * d * d  # q, k, v (one packed D→3D) and the output projection, at each token
        products = 2 * n * n * d  # Q·Kᵀ and A·V: N²·(D/h) per head each, h heads
        params = 4 * d * d + (4 * d if self.bias else 0)
        connections = 4 * n * d * (d + (1 if self.bias else 0))  # the projections' units, each its inputs and bias
        return Figures(params, 0, projections + products, 2 * (projections + products), connections, math.prod(out))

    def counts(self, site: Site, out: Shape) -> Counts:
        """nn.MultiheadAttention in eval as the tools run it (under no_grad): with biases torch takes its fast path,
        of which FlopCounterMode counts nothing; without, the projections (the fused attention kernel: nothing);
        fvcore and ptflops' aten backend the projections, never Q·Kᵀ or A·V (aten also the biases, added at every token, where
        torch folds the input into one matrix product: a contiguous input, as a layer norm leaves it; else the output's only);
        ptflops' and thop's hooks and torchinfo see no module of theirs (the projections run as functions)."""
        n, d = site.inputs[0]
        projections = 4 * n * d * d
        return Counts(torch=0 if self.bias else 2 * projections, fvcore=projections, ptflops=0,
                      ptflops_aten=projections + (4 * n * d if self.bias else 0), thop=0, torchinfo=0, macs=self.figures(site.inputs, out).macs)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        n, d = keeping.inputs[0]
        tokens = keeping.bytes((n, d))
        # measured with saved_tensors_hooks (torch 2.13, CPU, training: the flash kernel): the input to the q/k/v
        # projection (batch first, transposed: a copy, but at batch 1 a view of the input itself), the packed q, k, v,
        # the attention's output (for the output projection) and its log-sum-exp per head and token, in float32
        copy = (tokens,) if keeping.batch > 1 else ()
        return Kept(inputs=() if copy else (0,), extra=(*copy, 3 * tokens, tokens, keeping.bytes((self.heads, n), 4)))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return attention_field(ins[0])  # every token reads every token: the whole input

    def hyper(self) -> str:
        return f"{self.heads} heads"

    def caption(self) -> str:
        return f"self-attention, {self.heads} heads"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import SelfAttention as Module

        return Module(site.inputs[0][1], self.heads, dropout=self.dropout, bias=self.bias, batch_first=True)
