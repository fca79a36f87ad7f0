"""export: the spec's module as an ONNX file (torch and onnx imported only when it runs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from archcalc.cli import terminal
from archcalc.cli.common import load
from archcalc.cli.options import max_layers_option
from archcalc.errors import ArchcalcError

MAX_EXPORT_LAYERS = 5000  # torch's exporter takes about a millisecond a layer (5,000: about 7 s of CPU)
ONNX_BYTES = 2**31  # protobuf's limit on one message: the file with its float32 weights inside
INSTALL = "pip install onnx torch --extra-index-url https://download.pytorch.org/whl/cpu (torch's CPU build; any torch 2.x will do)"


def need_torch_and_onnx() -> None:
    """One message for whichever of torch and onnx is not installed."""
    missing = [name for name in ("torch", "onnx") if importlib.util.find_spec(name) is None]
    if missing:
        raise ArchcalcError(f"archcalc export needs PyTorch and the onnx package: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed",
                            INSTALL if "torch" in missing else "pip install onnx")


@click.command()
@click.argument("spec")
@click.option("--out", "-o", "out_text", required=True, metavar="FILE", help="The ONNX file (FILE.onnx), written whole or not at all.")
@click.option("--input", "input_text", metavar="SIZE", help="Override the spec's input: H, HxW or CxHxW.")
@max_layers_option
def export(spec: str, out_text: str, input_text: str | None, max_layers: int) -> None:
    """Write SPEC, built in PyTorch, as an ONNX file (for Netron, ONNX Runtime).

    Every node and weight is named after its spec layer; the batch is a dynamic axis. Needs PyTorch and onnx:
    archcalc export resnet18 --out resnet18.onnx
    """
    from archcalc.atomic import check_target, write_atomic

    out = Path(out_text)
    target = check_target(out, "net.onnx")  # a wrong name or folder fails before any work
    need_torch_and_onnx()
    graph, a = load(spec, input_text, max_layers)
    if len(a.rows) > MAX_EXPORT_LAYERS:
        raise ArchcalcError(f"{graph.path}: archcalc export writes at most {MAX_EXPORT_LAYERS:,} layers; this spec has {len(a.rows):,}",
                            "torch's ONNX exporter takes about a millisecond a layer: export the network's blocks in a smaller spec")
    if 4 * a.totals.params >= ONNX_BYTES:
        raise ArchcalcError(f"{graph.path}: {a.totals.params:,} parameters are {4 * a.totals.params:,} bytes as float32, past the 2 GiB "
                            "one ONNX file holds", "ONNX keeps such weights in separate files, which archcalc export does not write")
    from archcalc.torch_backend import onnx_export  # torch only for this command, once the spec is known to fit

    data, nodes = onnx_export.onnx_bytes(graph, a)
    write_atomic(out, data, target)
    terminal.say(f"wrote {terminal.one_line(str(out))}: {len(a.rows):,} layers as {nodes:,} ONNX nodes (opset {onnx_export.OPSET}), "
                 f"{len(data):,} bytes", prefix="")
