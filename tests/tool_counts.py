"""Run the FLOPs tools themselves on a torch module, silenced: each tool's total as it prints it,
and per layer where the tool reports per layer (fvcore, ptflops, thop, torchinfo, FlopCounterMode).

A tool that raises or returns nothing gives None: "the tool fails on this network"."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from collections.abc import Callable, Iterator

import torch
from torch import nn

Result = tuple[int | None, dict[str, int]]  # (total, {module path: figure})


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The tools print to stdout and stderr, warn and log: none of it in the test output."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = logging.root.manager.disable
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(level)


def torch_counter(model: nn.Module, x: torch.Tensor) -> Result:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    per = {k.partition(".")[2]: int(sum(v.values())) for k, v in counter.get_flop_counts().items() if "." in k}  # 'Root.conv1'
    return int(counter.get_total_flops()), per


def fvcore_counter(model: nn.Module, x: torch.Tensor) -> Result:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    return int(analysis.total()), {k: int(v) for k, v in analysis.by_module().items() if k}


def ptflops_counter(backend: str) -> Callable[[nn.Module, torch.Tensor], Result]:
    def run(model: nn.Module, x: torch.Tensor) -> Result:
        from ptflops import get_model_complexity_info

        macs, _ = get_model_complexity_info(model, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False,
                                            backend=backend, input_constructor=lambda _: x)
        return (None if macs is None else int(macs)), {}
    return run


def thop_counter(model: nn.Module, x: torch.Tensor) -> Result:
    from thop import profile

    ops, _, layers = profile(copy.deepcopy(model), (x,), verbose=False, ret_layer_info=True)

    def walk(prefix: str, tree: dict[str, tuple[float, float, dict]]) -> Iterator[tuple[str, int]]:  # type: ignore[type-arg]
        for name, (o, _p, sub) in tree.items():
            path = f"{prefix}{name}"
            yield path, int(o)
            yield from walk(path + ".", sub)

    return int(ops), dict(walk("", layers))


def torchinfo_counter(model: nn.Module, x: torch.Tensor) -> Result:
    from torchinfo import summary

    stats = summary(model, input_data=x, verbose=0)
    per: dict[str, int] = {}
    for info in stats.summary_list:
        if info.is_leaf_layer:  # what the total sums: each leaf's mult-adds, added to every module above it
            parts, up = [], info
            while up.parent_info is not None:
                parts.insert(0, up.var_name)
                up = up.parent_info
            for i in range(1, len(parts) + 1):
                per[".".join(parts[:i])] = per.get(".".join(parts[:i]), 0) + int(info.macs)
    return int(stats.total_mult_adds), per


TOOLS: dict[str, Callable[[nn.Module, torch.Tensor], Result]] = {
    "torch": torch_counter,
    "fvcore": fvcore_counter,
    "ptflops": ptflops_counter("pytorch"),
    "ptflops-aten": ptflops_counter("aten"),
    "thop": thop_counter,
    "torchinfo": torchinfo_counter,
}


def run_tool(tool: str, model: nn.Module, x: torch.Tensor) -> Result:
    """The tool's total (None: it failed) and its per-module figures, on a copy of the model in eval mode."""
    model = copy.deepcopy(model).eval()
    with quiet():
        try:
            return TOOLS[tool](model, x)
        except Exception:  # noqa: BLE001 - the tool failing is the fact being recorded
            return None, {}
