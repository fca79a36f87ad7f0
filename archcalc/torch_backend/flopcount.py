"""torch's FlopCounterMode, without the import of torch._dynamo that its first use costs (about 1 s of CPU, more
than verifying AlexNet itself): the same counter, the same FLOP formulas (torch.utils.flop_counter's registry),
the same per-module totals; only its dispatch mode is not wrapped in torch._disable_dynamo, which imports
torch._dynamo on first call so as to keep torch.compile out of the mode's frames. archcalc compiles nothing.

The opt-out is torch's own (TorchDispatchMode._should_skip_dynamo, whose docstring shows it); where this torch
has no such names, the stock FlopCounterMode counts, as before (tests/test_flopcount.py holds the two alike).
"""

from __future__ import annotations

from typing import Any

from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode


def _without_dynamo() -> type | None:
    mode = getattr(flop_counter, "_FlopCounterMode", None)
    dispatch = getattr(getattr(mode, "__torch_dispatch__", None), "__wrapped__", None)  # the method before the wrapper
    if mode is None or dispatch is None or not hasattr(mode, "_should_skip_dynamo"):
        return None

    class Counting(mode):  # type: ignore[misc, valid-type]
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False

        __torch_dispatch__ = dispatch

    return Counting


_COUNTING = _without_dynamo()


class Counter(FlopCounterMode):
    """FlopCounterMode(display=False) whose dispatch mode does not import torch._dynamo."""

    def __init__(self) -> None:
        super().__init__(display=False)

    def __enter__(self) -> Any:
        if _COUNTING is None:
            return super().__enter__()  # type: ignore[no-untyped-call]
        self.flop_counts.clear()
        self.mod_tracker.__enter__()  # type: ignore[no-untyped-call]
        self.mode = _COUNTING(self)
        self.mode.__enter__()
        return self


__all__ = ["Counter"]
