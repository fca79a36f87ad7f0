"""Specs written from torchvision's source (torchvision 0.28: models/alexnet.py, vgg.py, resnet.py, densenet.py,
shufflenetv2.py), as the layers of a spec, one function per network. Each layer is written as torchvision writes it:
separate ReLU modules, `out += identity`, DenseNet's `torch.cat(features, 1)` before every dense layer (a concat of
one input before the first of a block), ShuffleNetV2's `x.chunk(2, dim=1)` and `channel_shuffle`."""

from __future__ import annotations

from typing import Any

Layers = list[dict[str, Any]]


def L(name: str, type_: str, **kw: Any) -> dict[str, Any]:  # noqa: N802 - short, as a table reads
    return {"name": name, "type": type_, **kw}

def cbr(p: str, filters: int, k: int, s: int = 1, pad: int = 0, groups: int = 1, relu: str | None = "relu",
        inputs: str | None = None) -> Layers:
    """conv (no bias), batch norm, relu: torchvision's conv-BN-ReLU."""
    out = [L(f"{p}.conv", "conv", filters=filters, kernel=k, stride=s, padding=pad, groups=groups, bias=False, **({"inputs": inputs} if inputs else {})),
           L(f"{p}.bn", "batchnorm")]
    if relu:
        out.append(L(f"{p}.relu", relu))
    return out

def alexnet() -> Layers:
    ls = [L("c1", "conv", filters=64, kernel=11, stride=4, padding=2), L("r1", "relu"), L("p1", "maxpool", kernel=3, stride=2),
          L("c2", "conv", filters=192, kernel=5, padding=2), L("r2", "relu"), L("p2", "maxpool", kernel=3, stride=2),
          L("c3", "conv", filters=384, kernel=3, padding=1), L("r3", "relu"), L("c4", "conv", filters=256, kernel=3, padding=1), L("r4", "relu"),
          L("c5", "conv", filters=256, kernel=3, padding=1), L("r5", "relu"), L("p5", "maxpool", kernel=3, stride=2),
          L("avg", "adaptiveavgpool", output=6), L("flat", "flatten"), L("d1", "dropout", rate=0.5), L("f1", "dense", units=4096), L("r6", "relu"),
          L("d2", "dropout", rate=0.5), L("f2", "dense", units=4096), L("r7", "relu"), L("f3", "dense", units=1000)]
    return ls

def vgg11_bn() -> Layers:
    ls: Layers = []
    for i, v in enumerate([64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"], start=1):  # cfg "A"
        if v == "M":
            ls.append(L(f"p{i}", "maxpool", kernel=2, stride=2))
        else:
            ls += [L(f"c{i}", "conv", filters=v, kernel=3, padding=1), L(f"b{i}", "batchnorm"), L(f"r{i}", "relu")]
    ls += [L("avg", "adaptiveavgpool", output=7), L("flat", "flatten"), L("f1", "dense", units=4096), L("fr1", "relu"), L("d1", "dropout", rate=0.5),
           L("f2", "dense", units=4096), L("fr2", "relu"), L("d2", "dropout", rate=0.5), L("f3", "dense", units=1000)]
    return ls

def resnet50() -> Layers:
    ls = [*cbr("stem", 64, 7, 2, 3), L("pool", "maxpool", kernel=3, stride=2, padding=1)]
    src = "pool"
    for stage, (planes, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]):
        for b in range(blocks):
            p = f"s{stage}.{b}"
            s = stride if b == 0 else 1
            ls += [*cbr(p + ".a", planes, 1, inputs=src), *cbr(p + ".b", planes, 3, s, 1), *cbr(p + ".c", planes * 4, 1, relu=None)]
            short = src
            if b == 0:
                ls += cbr(p + ".down", planes * 4, 1, s, relu=None, inputs=src)
                short = p + ".down.bn"
            ls += [L(p + ".add", "add", inputs=[p + ".c.bn", short]), L(p + ".relu", "relu")]
            src = p + ".relu"
    return ls + [L("avg", "adaptiveavgpool", output=1), L("fc", "dense", units=1000)]

def densenet121() -> Layers:
    ls = [*cbr("stem", 64, 7, 2, 3), L("pool0", "maxpool", kernel=3, stride=2, padding=1)]
    src, ch = "pool0", 64
    for bi, n in enumerate([6, 12, 24, 16]):
        feats = [src]
        for li in range(n):
            p = f"b{bi}.l{li}"
            ls += [L(p + ".cat", "concat", inputs=list(feats)), L(p + ".n1", "batchnorm"), L(p + ".r1", "relu"),
                   L(p + ".c1", "conv", filters=128, kernel=1, bias=False), L(p + ".n2", "batchnorm"), L(p + ".r2", "relu"),
                   L(p + ".c2", "conv", filters=32, kernel=3, padding=1, bias=False)]
            feats.append(p + ".c2")
        ch += 32 * n
        ls.append(L(f"b{bi}.out", "concat", inputs=feats))
        if bi < 3:
            ch //= 2
            ls += [L(f"t{bi}.n", "batchnorm"), L(f"t{bi}.r", "relu"), L(f"t{bi}.c", "conv", filters=ch, kernel=1, bias=False),
                   L(f"t{bi}.p", "avgpool", kernel=2, stride=2)]
            src = f"t{bi}.p"
    return ls + [L("norm5", "batchnorm"), L("relu5", "relu"), L("avg", "adaptiveavgpool", output=1), L("fc", "dense", units=1000)]

def shufflenet() -> Layers:
    ls = [*cbr("conv1", 24, 3, 2, 1), L("maxpool", "maxpool", kernel=3, stride=2, padding=1)]
    src, inp = "maxpool", 24
    for si, (rep, out) in enumerate([(4, 116), (8, 232), (4, 464)]):
        half = out // 2
        for u in range(rep):
            p = f"s{si}.{u}"
            if u == 0:
                b1 = [*cbr(p + ".b1a", inp, 3, 2, 1, groups=inp, relu=None, inputs=src), *cbr(p + ".b1b", half, 1)]
                b2 = [*cbr(p + ".b2a", half, 1, inputs=src), *cbr(p + ".b2b", half, 3, 2, 1, groups=half, relu=None), *cbr(p + ".b2c", half, 1)]
                ls += b1 + b2 + [L(p + ".cat", "concat", inputs=[p + ".b1b.relu", p + ".b2c.relu"])]
            else:
                ls += [L(p + ".x1", "chunk", chunks=2, index=0, inputs=src), L(p + ".x2", "chunk", chunks=2, index=1, inputs=src),
                       *cbr(p + ".b2a", half, 1, inputs=p + ".x2"), *cbr(p + ".b2b", half, 3, 1, 1, groups=half, relu=None), *cbr(p + ".b2c", half, 1),
                       L(p + ".cat", "concat", inputs=[p + ".x1", p + ".b2c.relu"])]
            ls.append(L(p + ".shuffle", "channel_shuffle", groups=2))
            src, inp = p + ".shuffle", out
    return ls + [*cbr("conv5", 1024, 1, inputs=src), L("avg", "globalavgpool"), L("fc", "dense", units=1000)]
