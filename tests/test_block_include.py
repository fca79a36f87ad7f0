"""`include:` of blocks from other files: relative to the including file, read once, cycles and missing files
refused with a message, bounded as untrusted input, and every message naming the included file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archcalc import analyse, build_graph
from archcalc.errors import SpecError
from archcalc.specfile import load_spec, parse_spec
from archcalc.specfile.include import MAX_INCLUDE_BYTES, MAX_INCLUDE_DEPTH

LIB = """description: a shared library
include: [more.yaml]
blocks:
  bottleneck:
    args: {inp: null, out: null, stride: 1}
    layers:
      - {name: dw, type: conv, filters: $inp, kernel: 3, stride: $stride, padding: 1, groups: $inp}
      - {name: project, type: conv, filters: $out, kernel: 1}
      - {name: add, type: add, inputs: [project, input], when: stride == 1 and inp == out}
"""
MORE = """blocks:
  se:
    args: {c: null}
    layers:
      - {name: pool, type: globalavgpool}
      - {name: fc, type: conv, filters: $c, kernel: 1}
"""
NET = """name: net
input: [8, 16, 16]
include: lib/blocks.yaml
layers:
  - {name: b1, type: bottleneck, inp: 8, out: 8}
  - {name: s, type: se, c: 8}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.yaml").write_text(LIB)
    (tmp_path / "lib" / "more.yaml").write_text(MORE)
    (tmp_path / "net.yaml").write_text(NET)
    return tmp_path


def message(path: Path) -> str:
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    return raised.value.message  # without the hint


def test_blocks_come_from_the_included_files_relative_to_each(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # the paths start at the including file, not the working folder
    spec = load_spec(tree / "net.yaml")
    assert [ls.name for ls in spec.layers] == ["b1.dw", "b1.project", "b1.add", "s.pool", "s.fc"]
    assert {i.block for i in spec.instances} == {"bottleneck", "se"}


def test_a_message_names_the_included_file_and_its_line(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    (tree / "lib" / "more.yaml").write_text(MORE.replace("kernel: 1}", "kernel: 1, strides: 1}"))
    assert message(Path("net.yaml")).startswith("lib/more.yaml:6: layer 's.fc' (in block 'se' used at line 6): unknown key 'strides'")
    (tree / "lib" / "more.yaml").write_text(MORE.replace("$c, kernel", "$c * * 2, kernel"))
    assert message(Path("net.yaml")).startswith("lib/more.yaml:6: layer 's.fc' (in block 'se' used at line 6): cannot work out '$c * * 2'")
    (tree / "lib" / "more.yaml").write_text(MORE.replace("blocks:", "blocks: [", 1))
    assert message(Path("net.yaml")).startswith("lib/more.yaml:")
    (tree / "lib" / "more.yaml").write_text(MORE + "layers: []\n")
    assert message(Path("net.yaml")) == "lib/more.yaml:7: unknown key 'layers' in an included file"


def test_cycles_missing_files_and_doubles_are_refused(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    more = tree / "lib" / "more.yaml"
    more.write_text(MORE + "include: [../net.yaml]\n")
    assert message(Path("net.yaml")) == "lib/more.yaml:7: the includes go round in a cycle: net.yaml → lib/blocks.yaml → lib/more.yaml → net.yaml"
    more.write_text(MORE + "include: [nope.yaml]\n")
    assert message(Path("net.yaml")) == "lib/more.yaml:7: the included file lib/nope.yaml does not exist"
    more.write_text(MORE.replace("se:", "bottleneck:"))
    assert message(Path("net.yaml")) == "lib/blocks.yaml:4: block 'bottleneck': defined twice: also at lib/more.yaml:2"
    more.write_text(MORE)
    (tree / "net.yaml").write_text(NET + "blocks:\n  se:\n    layers: [{name: r, type: relu}]\n")
    assert message(Path("net.yaml")) == "net.yaml:8: block 'se': defined twice: also in the included lib/more.yaml:2"


def test_a_file_included_twice_is_read_once(tree: Path) -> None:
    (tree / "net.yaml").write_text(NET.replace("include: lib/blocks.yaml", "include: [lib/blocks.yaml, lib/more.yaml, lib/./more.yaml]"))
    assert len(load_spec(tree / "net.yaml").layers) == 5


def test_untrusted_bounds(tree: Path) -> None:
    os.mkfifo(tree / "lib" / "pipe.yaml")  # read, it would block for ever
    (tree / "lib" / "more.yaml").write_text(MORE + "include: [pipe.yaml]\n")
    assert message(tree / "net.yaml").endswith("the included file is a FIFO (named pipe), not a YAML file".replace("file is", f"file {tree}/lib/pipe.yaml is"))
    (tree / "lib" / "big.yaml").write_text("#" * (MAX_INCLUDE_BYTES + 1))
    (tree / "lib" / "more.yaml").write_text(MORE + "include: [big.yaml]\n")
    assert f"is {MAX_INCLUDE_BYTES + 1:,} bytes, past the {MAX_INCLUDE_BYTES:,}" in message(tree / "net.yaml")
    for i in range(MAX_INCLUDE_DEPTH + 1):  # a chain of files, each including the next
        (tree / f"d{i}.yaml").write_text(f"include: [d{i + 1}.yaml]\n")
    (tree / f"d{MAX_INCLUDE_DEPTH + 1}.yaml").write_text(MORE)
    (tree / "net.yaml").write_text(NET.replace("lib/blocks.yaml", "d0.yaml"))
    assert f"includes nest more than {MAX_INCLUDE_DEPTH} deep" in message(tree / "net.yaml")


def test_a_spec_from_text_includes_from_the_working_folder(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    assert len(parse_spec(NET).layers) == 5
    with pytest.raises(SpecError, match=r"^<spec>:3: 'include' must be a path or a list of paths, not \{'a': 1\}"):
        parse_spec(NET.replace("include: lib/blocks.yaml", "include: {a: 1}"))


ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "specs" / "library" / "mobile.yaml"


def totals_and_shapes(spec_path: Path) -> tuple[object, list[tuple[str, object]]]:
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph

    spec = load_spec(spec_path)
    a = analyse(build_graph(spec))
    ends = dict(spec.aliases)
    shapes = {r.name: r.output for r in a.rows}
    return a.totals, [(i.name, shapes[ends[i.name]]) for i in spec.instances if i.depth == 0]


def test_the_shared_library_serves_the_bundled_mobilenet_v2_and_efficientnet_b0(tmp_path: Path) -> None:
    """specs/library/mobile.yaml's one-block bottleneck and mbconv give the bundled specs' figures and shapes, block by block."""
    import re

    text = (ROOT / "specs" / "mobilenet_v2.yaml").read_text()
    text = re.sub(r"\nblocks:\n.*?\n\nlayers:", f"\ninclude: [{LIBRARY}]\n\nlayers:", text, flags=re.S)
    assert "blocks:" not in text
    (tmp_path / "m.yaml").write_text(text)
    assert totals_and_shapes(tmp_path / "m.yaml") == totals_and_shapes(ROOT / "specs" / "mobilenet_v2.yaml")
    text = (ROOT / "specs" / "efficientnet_b0.yaml").read_text()
    text = re.sub(r"\nblocks:\n.*?\n\nlayers:", f"\ninclude: [{LIBRARY}]\n\nlayers:", text, flags=re.S)
    text = text.replace("type: mbconv1, inp: 32, out: 16", "type: mbconv, inp: 32, out: 16, t: 1")
    text = re.sub(r"type: mbconv_res, width: (\d+)", r"type: mbconv, inp: \1, out: \1", text)
    assert "blocks:" not in text and "mbconv_res" not in text and "mbconv1" not in text  # the library's blocks, only
    (tmp_path / "e.yaml").write_text(text)
    library, bundled = totals_and_shapes(tmp_path / "e.yaml"), totals_and_shapes(ROOT / "specs" / "efficientnet_b0.yaml")
    assert library == bundled and library[0].params == 5_288_548  # type: ignore[attr-defined]  # torchvision's efficientnet_b0


def test_the_bundled_library_is_included_by_name_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`include: [library/mobile.yaml]` from a folder that has no such file: the bundled library (a plain install ships
    it in the package), named so in messages; a file of that name beside the spec comes first."""
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "mine.yaml"
    spec.write_text("name: mine\ninput: [16, 32, 32]\ninclude: [library/mobile.yaml]\n"
                    "layers:\n  - {name: b, type: mbconv, inp: 16, out: 24, t: 1}\n", encoding="utf-8")
    a = analyse(build_graph(load_spec(str(spec))))
    assert [r.name for r in a.rows][:2] == ["b.dw", "b.dw_bn"] and a.rows[-1].output[0] == 24
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "mobile.yaml").write_text("blocks:\n  other:\n    layers: [{name: r, type: relu}]\n", encoding="utf-8")
    with pytest.raises(SpecError, match="mbconv"):  # the file beside the spec is the one read: it has no mbconv
        load_spec(str(spec))
