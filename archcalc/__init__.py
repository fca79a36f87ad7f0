"""archcalc: shapes, parameters, FLOPs and findings of convolutional networks written as YAML specs.

The library entry points, none of which imports torch:

    from archcalc import load_spec, build_graph, analyse
    a = analyse(build_graph(load_spec("alexnet")))
    a.totals.params  # 60965224

They are imported when first asked for, so that `import archcalc` (which the program does first,
archcalc.cli.entry) costs nothing: a Ctrl-C while it starts is then archcalc's to answer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archcalc.analysis import Analysis, analyse
    from archcalc.analysis.graph import Graph, build_graph
    from archcalc.errors import ArchcalcError, SpecError
    from archcalc.specfile import Spec, load_spec

_HOMES = {"Analysis": "analysis", "analyse": "analysis", "ArchcalcError": "errors", "SpecError": "errors", "Graph": "analysis.graph",
          "build_graph": "analysis.graph", "Spec": "specfile", "load_spec": "specfile"}

__all__ = ["Analysis", "ArchcalcError", "Graph", "Spec", "SpecError", "analyse", "build_graph", "load_spec"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'archcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(f"archcalc.{home}"), name)
