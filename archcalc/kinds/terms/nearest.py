"""The word a misspelt or foreign one most likely means: 'ReLU' → relu (case), 'swish' → silu and 'p' → rate
(what PyTorch or Keras call them), else the closest spelling (difflib)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# other frameworks' names for archcalc's words (keys and kinds); each used only where its target is a choice
OTHER_NAMES = {
    "swish": "silu", "p": "rate", "strides": "stride", "kernel_size": "kernel", "pool_size": "kernel",
    "out_channels": "filters", "out_features": "units",
    "linear": "dense", "fc": "dense", "conv2d": "conv", "maxpool2d": "maxpool", "avgpool2d": "avgpool",
    "batchnorm2d": "batchnorm", "batch_norm": "batchnorm", "use_bias": "bias", "negative_slope": "slope",
}


def nearest(word: object, choices: Iterable[str]) -> str | None:
    """The choice `word` most likely means, or None."""
    options = list(choices)
    text = str(word)
    lowered = {c.lower(): c for c in options}
    if text.lower() in lowered:
        return lowered[text.lower()]
    other = OTHER_NAMES.get(text.lower())
    if other in options:
        return other
    near = difflib.get_close_matches(text.lower(), list(lowered), n=1)
    return lowered[near[0]] if near else None
