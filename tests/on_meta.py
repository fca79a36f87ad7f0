"""Reference modules made on the meta device: no memory and no random initialisation (ViT-B/16's 86 M weights take a
second and a half of CPU to fill, then `.to("meta")` throws them away). Shapes, parameter counts and FlopCounterMode's
FLOPs are the same there."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch

M = TypeVar("M", bound=torch.nn.Module)


def on_meta(make: Callable[..., M], *args: object) -> M:
    with torch.device("meta"):
        return make(*args)
