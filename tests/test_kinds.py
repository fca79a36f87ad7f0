"""The registry of layer kinds (archcalc.kinds): every kind declares every rule, and the docs list them.

A rule removed from any kind (or from the mixin that declares it for that kind) is a red test here,
never a silent zero; a field whose annotation names no value type cannot be parsed and is caught too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

import pytest
from click.testing import CliRunner

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.diagram import STYLES
from archcalc.kinds import CATEGORIES, FACTS, KINDS, RULES, Layer, keys, missing_rules
from archcalc.kinds.base import Elementwise, Uncounted
from archcalc.specfile import parse_spec
from archcalc.text import kind_keys

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_declares_every_rule(kind: str) -> None:
    assert missing_rules(KINDS[kind]) == []


PAIRS = [(k, r) for k in KINDS for r in (*FACTS, *RULES)]


@pytest.mark.parametrize(("kind", "rule"), PAIRS, ids=[f"{k}-{r}" for k, r in PAIRS])
def test_a_kind_without_a_rule_is_caught(kind: str, rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the rule where the kind gets it from (its own class, or the mixins that declare it): the check names it."""
    cls = KINDS[kind]
    owners = [c for c in cls.__mro__ if rule in vars(c)]
    assert owners and Layer not in owners  # Layer itself declares no rule: there is no default to fall back on
    for owner in owners:
        monkeypatch.delattr(owner, rule)
    assert rule in missing_rules(cls)


def test_layer_declares_no_rule() -> None:
    assert not set(vars(Layer)) & {*RULES, "kind", "category", "label", "summary"}


def test_a_field_without_a_value_type_cannot_be_parsed() -> None:
    """The old parser keyed on annotation text and crashed with a bare KeyError on Optional[float]."""

    @dataclass(frozen=True)
    class Scaled(Elementwise, Uncounted, Layer):
        kind: ClassVar[str] = "scaled"
        category: ClassVar[str] = "activation"
        label: ClassVar[str] = "scaled"
        summary: ClassVar[str] = "x · factor"
        factor: Optional[float] = None  # noqa: UP045 - the annotation the old parser could not read

        def build(self, site: object) -> None:
            raise AssertionError("not built")

        def kept(self, keeping: object) -> None:
            raise AssertionError("not asked")

    assert missing_rules(Scaled) == ["parser"]
    with pytest.raises(TypeError, match=r"kind 'scaled', field 'factor'.*names no archcalc.kinds.terms.values Value"):
        keys(Scaled)


def test_a_class_that_is_not_a_frozen_dataclass_is_caught() -> None:
    class Loose(Elementwise, Layer):
        kind: ClassVar[str] = "loose"
        category: ClassVar[str] = "activation"
        label: ClassVar[str] = "loose"
        summary: ClassVar[str] = "?"

        def build(self, site: object) -> None:
            raise AssertionError("not built")

    assert "frozen dataclass" in missing_rules(Loose)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_diagram_style(kind: str) -> None:
    assert KINDS[kind].category in CATEGORIES and KINDS[kind].category in STYLES


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_its_row_in_the_readme(kind: str) -> None:
    """README's table of kinds: `type` | keys (default), as `archcalc kinds` gives them | what it is."""
    rows = {m[1]: m for m in re.finditer(r"^\| `([a-z0-9_]+)` \| (.+?) \| (.+?) \|$", README.read_text(encoding="utf-8"), re.M)}
    assert kind in rows, f"README.md has no row for the kind '{kind}' in its table of kinds"
    assert rows[kind][2] == kind_keys(keys(KINDS[kind])), f"README.md's keys for '{kind}' differ from the registry's"


def test_the_readme_lists_no_kind_that_does_not_exist() -> None:
    table = README.read_text(encoding="utf-8").split("| type | keys (default) | what it is |")[1].split("\n\n")[0]
    assert set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.M)) == set(KINDS)


def test_kinds_command_lists_every_kind_with_its_keys() -> None:
    result = CliRunner().invoke(main, ["kinds", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = {k["type"]: k for k in json.loads(result.stdout)}
    assert list(doc) == list(KINDS)
    conv = {k["key"]: k for k in doc["conv"]["keys"]}
    assert conv["filters"]["required"] and conv["filters"]["default"] is None
    assert (conv["stride"]["default"], conv["stride"]["default_text"], conv["stride"]["type"]) == ([1, 1], "1", "int or [h, w], ≥ 1")
    assert conv["connections"]["default"] is None and not conv["connections"]["required"]
    assert {k["key"]: k["default"] for k in doc["lrn"]["keys"]} == {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0}
    assert doc["relu"]["keys"] == []
    table = CliRunner().invoke(main, ["kinds"])
    assert table.exit_code == 0 and all(kind in table.stdout for kind in KINDS)
    assert "stride: int or [h, w], ≥ 1 = kernel" in table.stdout  # maxpool's default stride follows its kernel


def test_kinds_command_shows_the_kinds_named() -> None:
    doc = json.loads(CliRunner().invoke(main, ["kinds", "maxpool", "conv", "maxpool", "--format", "json"]).stdout)
    assert [k["type"] for k in doc] == ["maxpool", "conv"]  # in the order named, each once
    table = CliRunner().invoke(main, ["kinds", "conv"])
    assert table.exit_code == 0 and "filters: int ≥ 1" in table.stdout and "relu" not in table.stdout
    wrong = CliRunner().invoke(main, ["kinds", "convv"])
    assert wrong.exit_code == 2 and "unknown layer kind 'convv'" in wrong.stderr and "did you mean 'conv'?" in wrong.stderr
    assert "Traceback" not in wrong.output


def test_analyse_asks_each_kind_once_per_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each layer's size rule and figures are computed once per distinct layer and input (the old analysis asked a conv five
    times; rows alike share a Layer, whose pure rules are answered once, issue 24 §3)."""
    calls: dict[str, int] = {"sizing": 0, "figures": 0}
    conv = KINDS["conv"]
    for rule in calls:
        original = getattr(conv, rule)

        def counted(self: object, *args: object, _rule: str = rule, _original: object = original) -> object:
            calls[_rule] += 1
            return _original(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(conv, rule, counted)
    # filters 4, 8, 4, 8, ...: (4 filters, 4 maps in), (8, 4), (4, 8), then the same again
    rows = "".join(f"  - {{name: c{i}, type: conv, filters: {4 + 4 * (i % 2)}, kernel: 3, padding: 1}}\n" for i in range(7))
    a = analyse(build_graph(parse_spec(f"name: n\ninput: [4, 16, 16]\nlayers:\n{rows}")))
    assert len(a.rows) == 7 and calls == {"sizing": 3, "figures": 3}
    assert [r.output[0] for r in a.rows] == [4, 8, 4, 8, 4, 8, 4] and [r.params for r in a.rows] == [148, 296, 292, 296, 292, 296, 292]


def test_every_kinds_keys_are_its_fields() -> None:
    for cls in KINDS.values():
        assert [k.field for k in keys(cls)] == [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def test_the_registry_reads_each_modules_kinds_right() -> None:
    """KINDS finds a kind's module from its text: the text and the classes must name the same kinds."""
    import importlib
    import pkgutil

    import archcalc.kinds as package

    defined = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"archcalc.kinds.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Layer) and obj.__module__ == module.__name__ and "kind" in vars(obj):
                defined[obj.kind] = info.name
    assert defined == KINDS.where and len(KINDS) == len(defined)


def test_a_spec_imports_only_the_kinds_it_uses(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from archcalc import analyse, build_graph, load_spec; analyse(build_graph(load_spec('alexnet'))); "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('archcalc.kinds.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True).stdout.split()
    assert "archcalc.kinds.conv" in out and "archcalc.kinds.upsample" not in out and "archcalc.kinds.crop" not in out
