"""archcalc: shapes, parameters, FLOPs and findings of convolutional networks written as YAML specs.

The library entry points, none of which imports torch:

    from archcalc import load_spec, build_graph, analyse
    a = analyse(build_graph(load_spec("alexnet")))
    a.totals.params  # 60965224
"""

from __future__ import annotations

from archcalc.analysis import Analysis, analyse
from archcalc.errors import ArchcalcError, SpecError
from archcalc.graph import Graph, build_graph
from archcalc.spec import Spec, load_spec

__all__ = ["Analysis", "ArchcalcError", "Graph", "Spec", "SpecError", "analyse", "build_graph", "load_spec"]
