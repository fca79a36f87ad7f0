"""lrn, batchnorm: normalisation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoHyper, NoWeights, Site, VectorUnits, affine_figures
from archcalc.kinds.terms.conventions import Counts, norm
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import Bool, PosFloat, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class LRN(KeepsShape, NoWeights, VectorUnits, Layer):
    """Local response normalisation across channels, as the AlexNet paper writes it:
    b = a / (k + alpha · Σ a²)^beta over `size` neighbouring maps (torch divides alpha by size)."""

    kind: ClassVar[str] = "lrn"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"size": 3}, {})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "norm"
    label: ClassVar[str] = "LRN"
    summary: ClassVar[str] = "local response normalisation b = a / (k + α·Σa²)^β, as the AlexNet paper writes it"

    size: PosInt = 5
    alpha: PosFloat = 1e-4
    beta: PosFloat = 0.75
    k: PosFloat = 2.0

    def counts(self, site: Site, out: Shape) -> Counts:
        # archcalc's PaperLRN runs F.local_response_norm on (N·G, C/G, H·W): ptflops's patched Tensor.mul counts x·x and
        # ·alpha, Tensor.add +k (a value each), and F.avg_pool2d its padded input, C/G + size − 1 rows per group
        c, *rest = site.inputs[0]
        positions = math.prod(rest)
        return Counts(ptflops=3 * c * positions + (c + site.gpus * (self.size - 1)) * positions)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # torch's composite local_response_norm (3-D path, N·G rows of C/G maps): avg_pool2d keeps the squares padded
        # by size − 1 maps per group; pow keeps k + α·avg; the division keeps its input and the divisor
        c, positions = keeping.inputs[0][0], math.prod(keeping.inputs[0][1:])
        padded = keeping.bytes((c + keeping.gpus * (self.size // 2 + (self.size - 1) // 2), positions))
        whole = keeping.bytes(keeping.inputs[0])
        return Kept(inputs=(0,), extra=(padded, whole, whole))

    def reads_all(self, gpus: int) -> bool:
        return False  # the paper's towers normalise over their own GPU's maps

    def hyper(self) -> str:
        return f"n={self.size}, α={self.alpha:g}, β={self.beta:g}, k={self.k:g}"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import PaperLRN

        return PaperLRN(self.size, self.alpha, self.beta, self.k, site.gpus)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from archcalc.torch_backend.modules import PaperLRN

        assert isinstance(module, PaperLRN)
        return PaperLRN(module.size, module.alpha, module.beta, module.k, module.groups // G) if module.groups % G == 0 else None


@dataclass(frozen=True)
class BatchNorm(KeepsShape, NoHyper, VectorUnits, Layer):
    kind: ClassVar[str] = "batchnorm"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "norm"
    label: ClassVar[str] = "batch norm"
    summary: ClassVar[str] = "batch normalisation per channel (running statistics are buffers, not parameters)"

    eps: PosFloat = 1e-5
    affine: Bool = True

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # its input, and the batch's mean and 1/σ per channel (in the input's dtype on the CPU); running statistics are buffers
        stats = keeping.itemsize * keeping.inputs[0][0]
        return Kept(inputs=(0,), extra=(stats, stats))

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        return affine_figures(xs, out, self.affine)  # gamma and beta per channel; running statistics are buffers

    def counts(self, site: Site, out: Shape) -> Counts:
        a = 2 if self.affine else 1
        return norm(math.prod(site.inputs[0]), site.inputs[0][0], self.affine, fvcore=a, thop=2 * a, ptflops=a)

    def reads_all(self, gpus: int) -> bool:
        return False

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        cls = nn.BatchNorm2d if len(site.inputs[0]) == 3 else nn.BatchNorm1d
        return cls(site.inputs[0][0], eps=self.eps, affine=self.affine)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from torch import nn

        from archcalc.torch_backend.shards import rows

        assert isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d))
        part = type(module)(module.num_features // G, module.eps, module.momentum, module.affine, module.track_running_stats)
        return rows(module, part, g)
