"""archcalc: shapes, parameters, FLOPs and findings of neural networks (CNNs and vision transformers) written as YAML specs.

The library entry points (only `build` imports torch):

    import archcalc
    a = archcalc.load("resnet18")        # a path or a bundled name: the analysis (rows, totals, findings)
    a.totals.params                      # 11689512
    model = archcalc.build("resnet18")   # the torch.nn.Module: design it in YAML, then train it

or step by step: analyse(build_graph(load_spec("alexnet"))).

They are imported when first asked for, so that `import archcalc` (which the program does first,
archcalc.cli.entry) costs nothing: a Ctrl-C while it starts is then archcalc's to answer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from archcalc.analysis import Analysis, analyse
    from archcalc.analysis.graph import Graph, build_graph
    from archcalc.errors import ArchcalcError, SpecError
    from archcalc.specfile import Spec, load_spec

_HOMES = {"Analysis": "analysis", "analyse": "analysis", "ArchcalcError": "errors", "SpecError": "errors", "Graph": "analysis.graph",
          "build_graph": "analysis.graph", "Spec": "specfile", "load_spec": "specfile"}

__all__ = ["Analysis", "ArchcalcError", "Graph", "Spec", "SpecError", "analyse", "build", "build_graph", "load", "load_spec"]


def load(spec: str | Path, input: tuple[int, ...] | None = None) -> Analysis:  # noqa: A002 - the spec's own word
    """A spec (a path, or a bundled spec's name) analysed: its rows (one per layer: shapes, params, MACs, FLOPs,
    receptive fields), totals and findings; `input` (C, H, W) instead of the spec's own."""
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec

    return analyse(build_graph(load_spec(spec)), input)


def build(spec: str | Path, input: tuple[int, ...] | None = None) -> Any:  # noqa: A002
    """The spec as a torch.nn.Module (a torch.fx.GraphModule, one submodule per layer, named after it), as
    `archcalc run` builds and checks it; needs PyTorch. Its parameters are torch's default initialisation."""
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec
    from archcalc.torch_backend import build_module

    graph = build_graph(load_spec(spec))
    return build_module(graph, analyse(graph, input))


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'archcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(f"archcalc.{home}"), name)
