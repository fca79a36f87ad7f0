"""`when:` on a layer of a block: the layer is there only where a condition on the block's arguments holds; an
absent layer stands for its first input. The condition is archcalc's own small language, never Python's parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.errors import SpecError
from archcalc.specfile import load_spec, parse_spec
from archcalc.specfile.condition import Condition

ROOT = Path(__file__).resolve().parent.parent
ARGS = {"stride": 2, "inp": 16, "out": 24, "se": True, "t": 6, "act": "relu", "in": 3}


@pytest.mark.parametrize(("text", "value"), [
    ("stride != 1 or inp != out", True), ("stride == 1 and inp == out", False), ("not (stride == 1)", True),
    ("(inp + 8) * 1 == out", True), ("(stride == 2) and se", True), ("not se", False), ("$t >= 6 and $stride < 3", True),
    ("true", True), ("false or in > 2", True), ("((stride == 2))", True), ("(inp) * 2 > 31", True), ("inp // 5 <= 2", False),
    ("not stride == 2 or t > 1 and se", True),  # 'not' binds tighter than 'and', 'and' than 'or': (not s) or (t and se)
])
def test_conditions(text: str, value: bool) -> None:
    assert Condition(text, ARGS).holds() is value


@pytest.mark.parametrize(("text", "message"), [
    ("stride = 1", "'=' is not part of a condition (equal is '==')"),
    ("stride && 1", "'&' is not part of a condition (write 'and')"),
    ("inp", "it ends where a comparison (== != < <= > >=) should come"),
    ("act == 1", "'act' is 'relu', not a whole number"),
    ("act", "'act' is 'relu': a condition compares whole numbers, or takes a true/false argument"),
    ("foo == 1", "'foo' names no argument of the block"),
    ("inpt == out", "'inpt' names no argument of the block (did you mean 'inp'?)"),  # a typo of one of ARGS
    ("stride == 1 and", "it ends where a number or a $name should come"),
    ("(stride == 1", "a '(' is not closed"),
    ("not " * 60 + "se", "'(', 'not' and '-' nest more than 50 deep"),
    ("__import__('os') == 1", "''' is not part of a condition"),  # no Python: a call is no part of the language
    ("1 // 0 == 0", "division by zero"),
    ("1 == 1 or " * 40 + "true", "it is 404 characters long; a condition is at most 300"),
])
def test_condition_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        Condition(text, ARGS).holds()
    assert str(raised.value) == message


# ResNet-18 with one block where the bundled spec has two (basic, basic_down): the projection shortcut only
# "when stride != 1 or in != filters", the sum's input falling back to the block's input where it is absent.
RESNET_ONE_BLOCK = """name: ResNet-18, one block
input: [3, 224, 224]
blocks:
  basic:
    args: {in: null, filters: null, stride: 1}
    layers:
      - {name: conv1, type: conv, filters: $filters, kernel: 3, stride: $stride, padding: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv, filters: $filters, kernel: 3, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: downsample.0, type: conv, filters: $filters, kernel: 1, stride: $stride, bias: false, inputs: input, when: stride != 1 or in != filters}
      - {name: downsample.1, type: batchnorm, when: stride != 1 or in != filters}
      - {name: add, type: add, inputs: [bn2, downsample.1]}
      - {name: relu, type: relu}
layers:
  - {name: conv1, type: conv, filters: 64, kernel: 7, stride: 2, padding: 3, bias: false}
  - {name: bn1, type: batchnorm}
  - {name: relu, type: relu}
  - {name: maxpool, type: maxpool, kernel: 3, stride: 2, padding: 1}
  - {name: layer1.0, type: basic, in: 64, filters: 64}
  - {name: layer1.1, type: basic, in: 64, filters: 64}
  - {name: layer2.0, type: basic, in: 64, filters: 128, stride: 2}
  - {name: layer2.1, type: basic, in: 128, filters: 128}
  - {name: layer3.0, type: basic, in: 128, filters: 256, stride: 2}
  - {name: layer3.1, type: basic, in: 256, filters: 256}
  - {name: layer4.0, type: basic, in: 256, filters: 512, stride: 2}
  - {name: layer4.1, type: basic, in: 512, filters: 512}
  - {name: avgpool, type: globalavgpool}
  - {name: fc, type: dense, units: 1000}
  - {name: prob, type: softmax}
"""


def rows(spec_text_or_path: str | Path) -> list[tuple[object, ...]]:
    spec = load_spec(spec_text_or_path) if isinstance(spec_text_or_path, Path) else parse_spec(spec_text_or_path)
    return [(r.name, r.inputs, r.output, r.figures.params, r.figures.macs) for r in analyse(build_graph(spec)).rows]


def test_one_block_serves_resnet18_as_the_bundled_two() -> None:
    one, bundled = rows(RESNET_ONE_BLOCK), rows(ROOT / "specs" / "resnet18.yaml")
    assert one == bundled  # every layer's name, inputs, shape, parameters and MACs
    assert sum(r[3] for r in one) == 11_689_512  # torchvision's resnet18
    names = [r[0] for r in one]
    assert "layer2.0.downsample.0" in names and "layer1.0.downsample.0" not in names
    add = next(r for r in one if r[0] == "layer1.0.add")
    assert add[1] == ("layer1.0.bn2", "maxpool")  # the absent shortcut: the block's input


def test_the_bundled_mobilenet_v2_is_one_block() -> None:
    spec = load_spec(ROOT / "specs" / "mobilenet_v2.yaml")
    assert {i.block for i in spec.instances} == {"bottleneck"}
    names = {ls.name for ls in spec.layers}
    assert "b1.expand" not in names and "b1.dw" in names  # t = 1: no expansion
    assert "b2.add" not in names and "b3.add" in names and "b11.add" not in names and "b12.add" in names  # stride 1, same width
    found = analyse(build_graph(spec))
    assert found.totals.params == 3_504_872  # torchvision's mobilenet_v2
    assert found.totals.macs == 300_774_272  # the README's figure, measured by the spec before `when` (three blocks)
    dw = next(r for r in found.rows if r.name == "b1.dw")
    assert dw.inputs == ("stem_relu",)  # the absent expansion: dw reads what the block reads


SMALL = """name: s
input: [4, 8, 8]
blocks:
  b:
    args: {n: 4, extra: false}
    layers:
      - {name: c, type: conv, filters: $n, kernel: 1}
      - {name: x, type: relu, when: extra}
layers:
  - {name: one, type: b}
  - {name: two, type: b, extra: true}
  - {name: tail, type: add, inputs: [one, two]}
"""


def test_an_absent_last_layer_leaves_the_use_naming_its_stand_in() -> None:
    spec = parse_spec(SMALL)
    assert [ls.name for ls in spec.layers] == ["one.c", "two.c", "two.x", "tail"]
    assert dict(spec.aliases) == {"one": "one.c", "two": "two.x"}
    assert spec.layers[-1].inputs == ("one.c", "two.x")
    assert spec.layers[1].inputs == ("one.c",)  # `two` reads the layer before it: one's output


@pytest.mark.parametrize(("change", "message", "hint"), [
    ("when: extra}", "<spec>:8: layer 'one.x' (in block 'b' used at line 10): cannot work out 'when: n = 1': '=' is not part of a condition (equal is '==')", "a condition compares"),
    ("when: extra}", "<spec>:8: layer 'one.x' (in block 'b' used at line 10): 'when' must be a condition such as", None),
    ("when: extra}", "<spec>:10: layer 'one': no layer of block 'b' is there at this use: every 'when' fails", "a block needs one layer"),
    ("{name: tail, type: add, inputs: [one, two]}", "<spec>:12: layer 'tail': 'when' is for the layers of a block", "move the layer into a block"),
])
def test_errors_name_the_place(change: str, message: str, hint: str | None) -> None:
    text = {"<spec>:8: layer 'one.x' (in block 'b' used at line 10): cannot": SMALL.replace(change, "when: n = 1}"),
            "<spec>:8: layer 'one.x' (in block 'b' used at line 10): 'when' must": SMALL.replace(change, "when: [1]}"),
            "<spec>:10": SMALL.replace(change, "when: extra}").replace("{name: c, type: conv, filters: $n, kernel: 1}",
                                                                        "{name: c, type: conv, filters: $n, kernel: 1, when: n > 4}"),
            "<spec>:12": SMALL.replace(change, "{name: tail, type: add, inputs: [one, two], when: true}")}
    source = next(v for k, v in text.items() if message.startswith(k))
    with pytest.raises(SpecError) as raised:
        parse_spec(source)
    assert str(raised.value).startswith(message)
    if hint:
        assert (raised.value.hint or "").startswith(hint)


def test_the_work_of_conditions_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 1.5 KB spec can use a block with a 300-character condition 100,000 times, each with other arguments (about
    # 25 s at 2.5 µs a token): past MAX_CONDITION_WORK tokens worked out, the spec is refused; here the bound is 40
    import archcalc.specfile.condition as condition

    monkeypatch.setattr(condition, "MAX_CONDITION_WORK", 40)
    monkeypatch.setattr(condition, "HELD", {})  # nothing remembered from an earlier run
    uses = "".join(f"  - {{name: u{i}, type: b, n: {i + 1}}}\n" for i in range(20))  # other arguments each time: nothing remembered
    text = SMALL.split("layers:\n  - {name: one")[0].replace("when: extra", "when: n + 1000 > 0") + "layers:\n" + uses
    with pytest.raises(SpecError, match=r"the spec's 'when' conditions take more than 40 steps to work out at all their uses"):
        parse_spec(text)
    same = text.split("layers:\n  - {name: u0")[0] + "layers:\n" + "".join(f"  - {{name: u{i}, type: b, n: 5}}\n" for i in range(20))
    assert len(parse_spec(same).layers) == 40  # the same arguments at every use: worked out once (5 tokens), remembered
