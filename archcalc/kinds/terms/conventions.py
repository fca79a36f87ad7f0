"""How each FLOPs tool counts: the conventions as data, and the per-layer figure each would print.

Every kind states its cost under every convention (its `counts(site, out)` rule, beside `figures`),
for the network as torchvision writes it: layers as nn modules, activations as modules (ReLU in place),
merges as operators (`out += identity`, `torch.cat`, `scale * x`), archcalc's own modules for the kinds
torch lacks. The rules below were read from each tool's source (the versions the `dev` extra installs)
and are proven against the tools themselves in tests/test_counts.py.

A figure of None: the tool fails on such a layer (it raises, or returns nothing), so it prints no total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from archcalc.kinds.terms.figures import Figures


@dataclass(frozen=True)
class Convention:
    name: str  # as `--counted-as` takes it
    tool: str  # what prints it
    unit: str  # "FLOPs", "MACs", "mult-adds"
    rules: str  # the rules, in words to check against the tool's source
    differs: str  # one line: how its figure differs from `torch`'s
    per_mac: int = 1  # what one multiply-accumulate of a weight counts


CONVENTIONS: dict[str, Convention] = {c.name: c for c in (
    Convention(
        "torch", "torch.utils.flop_counter.FlopCounterMode: get_total_flops()", "FLOPs",
        "2 per MAC of conv, transposed conv and matrix products (dense, rbf); bias, normalisation, activations, "
        "pooling, upsampling and merges 0",
        "archcalc's FLOPs column: 2 per MAC of the weights, nothing else", per_mac=2),
    Convention(
        "fvcore", "fvcore.nn.FlopCountAnalysis(model, x).total()", "FLOPs",
        "1 per MAC of conv, transposed conv, linear and matmul, no bias; batch norm (inference) 1 per input value, "
        "2 with affine; layer and group norm 4 per value, 5 with affine; adaptive and global average pooling 1 per input "
        "value; upsampling 1 per output value (nearest), 4 (bilinear); activations, max and average pooling, LRN, "
        "add, multiply, concat 0",
        "one per MAC; batch norm, layer norm, adaptive pooling and upsampling counted per value; "
        "ReLU, pools and merges not counted"),
    Convention(
        "ptflops", "ptflops.get_model_complexity_info(backend='pytorch'): MACs", "MACs",
        "module hooks (exact types) plus patched functionals: conv and transposed conv 1 per MAC + 1 per output value "
        "for the bias; linear 1 per MAC + 1 per unit for the bias; batch and group norm 1 per input value, 2 with affine; "
        "nn.LayerNorm 1 per value (a subclass such as LayerNorm2d: 0); ReLU, ELU, GELU, PReLU 2 per value (the module "
        "hook and F.relu both count); ReLU6, LeakyReLU, SiLU, softmax 1 per value; max, average and adaptive pooling "
        "2 per input value (module and functional); upsampling 2 per output value; sigmoid, tanh, hardswish, "
        "operators (+, *, torch.cat) 0; inside archcalc's own modules only the patched calls: LRN 3 per value "
        "(Tensor.mul twice, Tensor.add) + its padded squares (F.avg_pool2d), subsampling 1 per input value "
        "(F.avg_pool2d), F.linear and F.conv2d 0",
        "one per MAC plus biases; ReLU and pools counted twice (module hook and patched functional), batch norm per value"),
    Convention(
        "ptflops-aten", "ptflops.get_model_complexity_info(backend='aten'): MACs", "MACs",
        "aten ops only: convolution (also transposed, at input positions) 1 per MAC + 1 per output value for the bias; "
        "addmm (linear with bias) 1 per MAC + 1 per unit; mm, matmul, bmm 1 per MAC; everything else 0",
        "one per MAC plus biases; nothing else"),
    Convention(
        "thop", "thop.profile(model, (x,))[0]", "MACs",
        "module hooks (exact types): conv 1 per MAC, no bias; transposed conv 1 per weight of an input map per output "
        "value; linear 1 per MAC, no bias; batch norm and nn.LayerNorm 2 per input value, 4 with affine; "
        "average pooling 1 per output value; adaptive average pooling (window area + 1) per output value; "
        "softmax 3C − 1 per position; PReLU 1 per value; upsampling 1 per output value (nearest), 11 (bilinear); "
        "ReLU, ReLU6, LeakyReLU, max pooling, dropout 0; modules it does not know (sigmoid, SiLU, GELU, group norm, "
        "LayerNorm2d, archcalc's own) 0",
        "one per MAC, no bias; batch norm 4 per value, adaptive pooling per value; activations (but PReLU) not counted"),
    Convention(
        "torchinfo", "torchinfo.summary(model, input_data=x).total_mult_adds", "mult-adds",
        "leaf modules with parameters named weight or bias: a module whose class name holds 'Conv' counts every weight "
        "and bias at every output position (so transposed conv at its output positions); any other counts each of "
        "them once (linear: weights + biases; batch, layer and group norm: 2 per channel; PReLU: its slopes); "
        "modules without parameters 0",
        "one per MAC plus biases at every output position; norms count their parameters once; nothing else"),
    Convention(
        "macs", "papers and torchvision's documentation ('GFLOPS')", "MACs",
        "1 per multiply-accumulate of conv, transposed conv, dense and rbf weights; no bias; everything else 0",
        "one per MAC (half of torch's)"),
)}

NAMES = tuple(CONVENTIONS)
FAILS = "fails"  # the figure of a tool that raises on the network: it prints none


@dataclass(frozen=True)
class Counts:
    """A layer's (or a network's) figure under each convention; None: the tool fails on it."""

    torch: int | None = 0
    fvcore: int | None = 0
    ptflops: int | None = 0
    ptflops_aten: int | None = 0
    thop: int | None = 0
    torchinfo: int | None = 0
    macs: int | None = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(None if a is None or b is None else a + b for a, b in zip(self.values(), other.values())))

    def values(self) -> tuple[int | None, ...]:
        return (self.torch, self.fvcore, self.ptflops, self.ptflops_aten, self.thop, self.torchinfo, self.macs)

    def as_dict(self) -> dict[str, int | None]:
        return dict(zip(NAMES, self.values()))

    def of(self, convention: str) -> int | None:
        return self.values()[_INDEX[convention]]


assert tuple(f.name.replace("_", "-") for f in fields(Counts)) == NAMES  # one field per convention, in order

ZERO = Counts()
_INDEX = {name: i for i, name in enumerate(NAMES)}


def weighted(figures: Figures, bias: int = 0) -> Counts:
    """A conv or dense layer as torch's modules hold it: `figures.macs` MACs of the weights; `bias` the values its
    bias adds (output values of a conv, units of a dense layer); torchinfo counts the same as ptflops here."""
    macs = figures.macs
    return Counts(torch=figures.flops, fvcore=macs, ptflops=macs + bias, ptflops_aten=macs + bias, thop=macs,
                  torchinfo=macs + bias, macs=macs)


def norm(values: int, channels: int, affine: bool, fvcore: int, thop: int, ptflops: int) -> Counts:
    """A normalisation: per-value factors for fvcore, thop and ptflops; torchinfo its 2 parameters per channel."""
    return Counts(fvcore=fvcore * values, ptflops=ptflops * values, thop=thop * values, torchinfo=2 * channels if affine else 0)


def adaptive_thop(x: tuple[int, ...], out: tuple[int, ...]) -> int:
    """thop's adaptive average pooling: (H/h · W/w + 1) per output value, in float64, truncated."""
    area = (x[1] / out[1]) * (x[2] / out[2])
    return int((area + 1) * math.prod(out))


def per_value(out: tuple[int, ...], ptflops: int = 0, thop: int = 0) -> Counts:
    """An activation: so many per output value under ptflops and thop, 0 under the others."""
    n = math.prod(out)
    return Counts(ptflops=ptflops * n, thop=thop * n)
