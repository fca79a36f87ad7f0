"""diagram and report: the network as a picture, and as one HTML page."""

from __future__ import annotations

import click

from archcalc import analysis
from archcalc.analysis.memory import DTYPE_BYTES
from archcalc.cli import terminal
from archcalc.cli.common import html_page, load_all, need_graphviz_package
from archcalc.cli.grading import findings_option, shown
from archcalc.cli.options import Count, max_layers_option, parse_range
from archcalc.cli.roofline import hardware_option, roofline_picture
from archcalc.errors import ArchcalcError


@click.command()
@click.argument("specs", nargs=-1)
@click.option("--out", "-o", "out_text", required=True, metavar="FILE",
              help="The picture: .svg, .png, .pdf, or .dot (DOT source, needs no Graphviz).")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--direction", type=click.Choice(["TB", "LR"]), default="TB", show_default=True,
              help="TB: top to bottom, one column per GPU (reads best for a deep chain); LR: left to right.")
@click.option("--style", type=click.Choice(["graph", "volumes", "roofline"]), default="graph", show_default=True,
              help="graph: every layer as a Graphviz node; volumes: feature maps as boxes, as the papers draw them (a chain); "
                   "roofline: each layer on the --hardware chip's roofline chart.")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Fold each block used N deep into one node (0: every block the spec's layers use).")
@click.option("--fuse", is_flag=True, help="Draw a convolution with the normalisation and activation after it as one node.")
@click.option("--fit", metavar="W:H", help="Lay the picture out and scale it for a slide of this shape, e.g. 16:9 (1920 px wide).")
@click.option("--width", metavar="LENGTH", help="The picture's width: pixels (1920, 1920px) or inches (13.33in).")
@click.option("--height", metavar="LENGTH", help="The picture's height: pixels or inches.")
@findings_option
@hardware_option
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for --style roofline.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="The dtype, for --style roofline.")
@max_layers_option
def diagram(specs: tuple[str, ...], out_text: str, input_text: str | None, direction: str, style: str, depth: int | None, fuse: bool,
            fit: str | None, width: str | None, height: str | None, hardware: str | None, batch: int, dtype: str, max_layers: int,
            findings: str = "on") -> None:
    """The architecture as a picture: a Graphviz graph of layers by kind, shapes, GPU columns and
    findings, or (--style volumes) the papers' figure of feature maps as boxes.

    SPECS are YAML files or bundled spec names (one may be - for standard input); several are drawn side by side.
    Without SPECS, the name of --out names a bundled spec: archcalc diagram --out alexnet.svg. --fit
    chooses the layout (and --direction) itself, but for an encoder-decoder drawn as a U, which keeps
    --direction.
    """
    from pathlib import Path

    need_graphviz_package()
    from archcalc import diagram as draw  # graphviz only for this command

    out = Path(out_text)
    draw.output_format(out)  # a wrong extension fails before any work
    frame = draw.parse_frame(fit, width, height)
    loaded = [(g, shown(a, findings)) for g, a in load_all(specs or (draw.spec_named_by(out),), input_text, max_layers)]
    if len(loaded) > 1:
        used = [o for o, given in (("--style volumes", style == "volumes"), ("--style roofline", style == "roofline"),
                                   ("--depth", depth is not None), ("--fuse", fuse), ("--fit", fit),
                                   ("--width", width), ("--height", height)) if given]
        if used:
            raise ArchcalcError(f"{used[0]} draws one network", f"give one spec, or draw several side by side without {used[0]}")
        if draw.output_format(out) != "dot":
            draw.check_drawn(sum(len(a.rows) for _, a in loaded), style)
        note = draw.render(draw.to_digraph([a for _, a in loaded], direction), out)
    elif style == "roofline":
        note = draw.write(roofline_picture(loaded[0][1], hardware, batch, dtype), out, frame)
    else:
        note = draw.write(draw.picture(*loaded[0], style, depth, direction, frame, draw.output_format(out) != "dot", fuse), out, frame)
        for said in (draw.depth_note(loaded[0][0], depth), draw.slide_note(*loaded[0], style, depth, fuse, frame)):
            if said:
                terminal.say(f"note: {said}")
    if note:
        terminal.say(f"note: {note}")
    terminal.say(f"wrote {terminal.one_line(str(out))}", prefix="")


@click.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--out", "-o", "out_text", required=True, metavar="FILE", help="The page: FILE.html, written whole or not at all.")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for memory.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="Bytes per value, for memory.")
@click.option("--valid-inputs", is_flag=True, help="Also list the input sizes for which every layer divides exactly.")
@findings_option
@hardware_option
@max_layers_option
def report(specs: tuple[str, ...], out_text: str, input_text: str | None, batch: int, dtype: str, valid_inputs: bool,
           hardware: str | None, max_layers: int, findings: str = "on") -> None:
    """One self-contained HTML page: the header, the diagram linked to a sortable table of every layer,
    the GPU split, memory; for several SPECS, their comparison first. Works offline.

    SPECS are YAML files or bundled spec names (one may be - for standard input): archcalc report alexnet --out alexnet.html
    """
    from pathlib import Path

    from archcalc.atomic import write_atomic
    from archcalc.page import page_target

    out = Path(out_text)
    target = page_target(out)  # a wrong name or folder fails before any work
    loaded = [(g, shown(a, findings)) for g, a in load_all(specs, input_text, max_layers)]
    valids = [analysis.valid_inputs(g, *parse_range(None, a.input)) if valid_inputs else () for g, a in loaded]
    page = html_page([a for _, a in loaded], valids, batch, dtype, hardware=hardware, graphs=[g for g, _ in loaded])
    write_atomic(out, page.encode("utf-8"), target)
    terminal.say(f"wrote {terminal.one_line(str(out))}", prefix="")
