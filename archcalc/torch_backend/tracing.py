"""A PyTorch model as spec rows: the callable imported and called, traced by torch.fx, each node mapped to a kind.

`load_model` imports `package.module:callable` or `file.py:callable` (this runs the user's code, as pytest does)
and calls it, with weights=None where it takes weights (nothing is downloaded). `trace` runs torch.fx's symbolic
tracing, which stops at the torch modules archcalc.torch_backend.reverse knows and goes through every other. `rows`
maps each traced node to a row (archcalc.torch_backend.reverse says the kind), named by the module's qualified name
(`layer1.0.conv1`) or, for an operation, by its module's name and the operation (`layer1.0.add`), and measures each
row in the model itself (archcalc.torch_backend.measure) for the round trip.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from archcalc.errors import ArchcalcError


def load_model(target: str, kwargs: dict[str, Any]) -> tuple[nn.Module, str]:
    """The module that `target` ('torchvision.models:resnet50', 'mynet.py:Net') makes, and the callable's name."""
    where, colon, attr = target.rpartition(":")
    if not colon and not target.endswith(".py"):  # torchvision.models.resnet50, as Python names it
        where, colon, attr = target.rpartition(".")
    if not colon or not where or not attr:
        raise ArchcalcError(f"'{target}' names no callable", "write MODULE:CALLABLE or FILE.py:CALLABLE, e.g. torchvision.models:resnet50")
    module = _import(where)
    fn = module
    for part in attr.split("."):
        if not hasattr(fn, part):
            raise ArchcalcError(f"{where} has no '{attr}'", f"the callables it has: {', '.join(n for n in dir(module) if not n.startswith('_'))[:300]}")
        fn = getattr(fn, part)
    if not callable(fn):
        raise ArchcalcError(f"{target} is not callable", "name a class or a function that returns an nn.Module")
    call = dict(kwargs)
    try:
        takes = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes = {}  # type: ignore[assignment]
    for name in takes:  # never a download: weights=None, weights_backbone=None (torchvision's segmentation models)
        if (name == "weights" or name.startswith("weights_")) and name not in call:
            call[name] = None
    try:
        model = fn(**call)
    except Exception as exc:  # the user's code: any failure is theirs, said in one line
        raise ArchcalcError(f"{target}({_args(call)}) raised {type(exc).__name__}: {_line(exc)}",
                            "--kwargs '{\"name\": value}' passes arguments to it") from None
    if not isinstance(model, nn.Module):
        raise ArchcalcError(f"{target}({_args(call)}) returned {type(model).__name__}, not a torch.nn.Module")
    return model.eval(), attr


def _import(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise ArchcalcError(f"{where}: no such file")
        spec = importlib.util.spec_from_file_location(f"archcalc_import_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.resolve().parent))  # its own imports of files beside it
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ArchcalcError(f"{where}: importing it raised {type(exc).__name__}: {_line(exc)}") from None
        finally:
            sys.path.remove(str(path.resolve().parent))
        return module
    try:
        return importlib.import_module(where)
    except Exception as exc:
        raise ArchcalcError(f"{where}: cannot import it: {type(exc).__name__}: {_line(exc)}",
                            "name a module Python can import, or a file ending in .py") from None


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _args(call: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in call.items())


class _Tracer(fx.Tracer):
    """Stops at the torch modules the vocabulary knows, and at every other torch.nn module (named as having no
    kind); goes through the rest (Sequential and the model's own classes)."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        from archcalc.torch_backend.reverse import module_rule

        return module_rule(m) is not None or super().is_leaf_module(m, qualname)


def trace(model: nn.Module, target: str, shape: tuple[int, ...]) -> tuple[fx.GraphModule, bool]:
    """torch.fx's symbolic trace, or where it cannot (control flow on a shape) torch.export's at this input (True);
    what neither can trace (control flow on values) in fx's and export's own words, with a hint."""
    try:
        graph = _Tracer().trace(model, concrete_args=_defaults(model) or None)
        return fx.GraphModule(model, graph, class_name=type(model).__name__), False
    except Exception as exc:  # fx raises TraceError, TypeError, RuntimeError, ... from the user's forward
        fx_said = f"{type(exc).__name__}: {_line(exc)}"
    from archcalc.torch_backend.exported import export

    try:
        return export(model, example(shape)), True
    except Exception as exc:
        raise ArchcalcError(f"{target}: torch.fx cannot trace its forward ({fx_said}), nor torch.export ({type(exc).__name__}: {_line(exc)})",
                            "archcalc import follows the forward: Python control flow on tensor values (if x.sum() > 0) cannot be "
                            "traced; write that part without it, or write the spec by hand") from None


def _defaults(model: nn.Module) -> dict[str, Any]:
    """The forward's arguments after the input that have defaults (forward(x, mask=None)): traced as those values."""
    try:
        params = list(inspect.signature(model.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD}


def example(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.randn((1, *shape), generator=torch.Generator().manual_seed(0))

