"""specs: the bundled specs, listed, or one printed as the template for one's own."""

from __future__ import annotations

import click

from archcalc.cli.common import emit_text


@click.command()
@click.argument("name", required=False)
def specs(name: str | None) -> None:
    """The bundled specs, one line each; with NAME, that spec's YAML, to copy and change: archcalc specs alexnet > mine.yaml"""
    from archcalc.errors import ArchcalcError
    from archcalc.specfile import bundled_dir, bundled_names, load_spec

    names = bundled_names()
    if name is None:
        width = max(map(len, names))
        emit_text("\n".join(f"{n:<{width}}  {load_spec(n).description}" for n in names))
        return
    if name not in names:
        import difflib

        near = difflib.get_close_matches(name, names, n=1)
        raise ArchcalcError(f"'{name}' is not a bundled spec", (f"did you mean '{near[0]}'? " if near else "") + f"bundled specs: {', '.join(names)}")
    emit_text((bundled_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
