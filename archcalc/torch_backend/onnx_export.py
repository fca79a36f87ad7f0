"""The spec's module as an ONNX file (`archcalc export`), for Netron and the tools that read ONNX.

torch.onnx's TorchScript exporter (dynamo=False) needs only the `onnx` package, where the newer exporter also needs
onnxscript; it runs offline. Batch normalisation is kept as its own node (not folded into the convolution), and every
node, value and weight is named after the spec layer it comes from (`/layer2.0.conv1/Conv`, `layer2.0.conv1.weight`):
the layers' modules are exported under short flat names (`l12`), which torch's exporter keeps whole, then renamed.
The batch is a dynamic axis; the graph is named after the spec, and the file passes onnx.checker.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import torch
from torch import fx, nn

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.errors import ArchcalcError
from archcalc.text import printable
from archcalc.torch_backend.build import build_module, example_input, output_layers
from archcalc.torch_backend.names import module_paths

OPSET = 17  # opset 17 has LayerNormalization; ONNX Runtime 1.14 and later read it
_FLAT = re.compile(r"(?<![A-Za-z0-9_.])l(\d+)(?=[./]|$)")


def flat_module(graph: Graph, analysis: Analysis) -> tuple[fx.GraphModule, dict[str, str]]:
    """The spec's module with each layer's module at the top under `l{i}`, and those names → the layers'."""
    module = build_module(graph, analysis).eval()
    by_path = {path: name for name, path in module_paths(node.name for node in graph.nodes).items()}
    root, names = nn.Module(), {}
    for i, node in enumerate(n for n in module.graph.nodes if n.op == "call_module"):
        flat = f"l{i}"
        root.add_module(flat, module.get_submodule(str(node.target)))
        names[flat] = by_path[str(node.target)]
        node.target = flat
    return fx.GraphModule(root, module.graph, class_name=type(module).__name__), names


def onnx_model(graph: Graph, analysis: Analysis) -> Any:
    """The spec as an onnx.ModelProto, checked (onnx.checker)."""
    import onnx

    module, names = flat_module(graph, analysis)
    outputs = output_layers(graph)
    buffer = io.BytesIO()
    axes = {name: {0: "batch"} for name in ["input", *outputs]}
    try:
        with warnings.catch_warnings():  # the TorchScript exporter's deprecation notice, and tracer notes meant for developers
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (example_input(analysis, 1, "cpu", torch.float32),), buffer,  # type: ignore[arg-type]  # a file object: the TorchScript exporter writes to it
                              dynamo=False, opset_version=OPSET,
                              input_names=["input"], output_names=outputs, dynamic_axes=axes, do_constant_folding=False,
                              training=torch.onnx.TrainingMode.PRESERVE)
    except (RuntimeError, torch.onnx.errors.OnnxExporterError) as exc:
        reason = printable(" ".join(str(exc).split()))[:300]
        raise ArchcalcError(f"{graph.path}: torch cannot export this network to ONNX: {reason}",
                            "archcalc run checks the module itself; a layer kind ONNX has no operator for cannot be exported") from None
    model = onnx.load_model_from_string(buffer.getvalue())
    rename(model, names)
    model.graph.name = graph.name
    model.graph.doc_string = graph.description
    model.producer_name = "archcalc"
    onnx.checker.check_model(model)
    return model


def rename(model: Any, names: dict[str, str]) -> None:
    """Every node, value and weight named after its spec layer: `l12` → `layer2.0.conv1` wherever it stands as a part."""
    def named(text: str) -> str:
        return _FLAT.sub(lambda m: names.get(f"l{m.group(1)}", m.group(0)), text)

    def walk(g: Any) -> None:
        for node in g.node:
            node.name = named(node.name)
            node.input[:] = [named(i) for i in node.input]
            node.output[:] = [named(o) for o in node.output]
            for attribute in node.attribute:  # an If's branches read the outer graph's values
                for sub in (*([attribute.g] if attribute.HasField("g") else []), *attribute.graphs):
                    walk(sub)
        for value in (*g.initializer, *g.input, *g.output, *g.value_info):
            value.name = named(value.name)

    walk(model.graph)


def onnx_bytes(graph: Graph, analysis: Analysis) -> tuple[bytes, int]:
    """The ONNX file's bytes, and its count of nodes."""
    model = onnx_model(graph, analysis)
    try:
        return model.SerializeToString(), len(model.graph.node)
    except ValueError as exc:  # protobuf's 2 GB limit on one message
        raise ArchcalcError(f"{graph.path}: the ONNX file would pass protobuf's 2 GB limit on one file: {printable(str(exc))[:200]}",
                            "ONNX keeps such weights in a separate file, which archcalc export does not write") from None


__all__ = ["OPSET", "flat_module", "onnx_bytes", "onnx_model", "rename"]
