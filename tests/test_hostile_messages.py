"""Issue 14, items 18 and 19: names that collide, and the messages that used to say the wrong thing.

Each message through the real command line: one 'archcalc: error:' line with the file, the line and
what is wrong, a hint, exit 2, no traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc.cli.app import main

PAIR = ("blocks:\n  pair:\n    args: {f: null}\n    layers:\n"
        "      - {name: c, type: conv, filters: $f, kernel: 1}\n      - {name: r, type: relu}\n")  # lines 3-8


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="archcalc")


def error(result: Result) -> tuple[str, str]:
    """The message and the hint of a user error (exit 2, one line each, no traceback)."""
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (result.output, result.exc_info)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) in (1, 2) and lines[0].startswith("archcalc: error: ") and all(x.startswith("  hint: ") for x in lines[1:]), lines
    return lines[0].removeprefix("archcalc: error: "), "".join(lines[1:]).removeprefix("  hint: ")


def show(tmp_path: Path, text: str) -> tuple[str, str]:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    return error(invoke("show", str(path)))


HEAD = "name: t\ninput: [3, 8, 8]\n"  # lines 1-2


@pytest.mark.parametrize(("layers", "message", "hint"), [
    # a block instance, then a layer of its name: `inputs: [p]` read the block's last layer, silently
    ("  - {name: p, type: pair, f: 4}\n  - {name: p, type: relu}\n  - {name: q, type: add, inputs: [p, p.c]}\n",
     "net.yaml:11: layer 'p': duplicate name: a use of a block has it too", "the block is used with this name at {path}:10"),
    # the other way round: the second is said where it is
    ("  - {name: p, type: relu}\n  - {name: p, type: pair, f: 4}\n",
     "net.yaml:11: layer 'p': duplicate name: a layer has it too", "first defined at {path}:10"),
    # two uses of blocks by one name
    ("  - {name: p, type: pair, f: 4}\n  - {name: p, type: pair, f: 2}\n",
     "net.yaml:11: layer 'p': duplicate name: another use of a block has it", "first used at {path}:10"),
])
def test_a_block_instance_and_another_name_collide(tmp_path: Path, layers: str, message: str, hint: str) -> None:
    said, hinted = show(tmp_path, HEAD + PAIR + "layers:\n" + layers)  # the layers start on line 10
    assert said == f"{tmp_path}/{message}" and hinted == hint.format(path=tmp_path / "net.yaml")


def test_a_block_instance_named_input_is_not_a_cycle(tmp_path: Path) -> None:
    said, hint = show(tmp_path, HEAD + PAIR + "layers:\n  - {name: input, type: pair, f: 4}\n")
    assert said == f"{tmp_path}/net.yaml:10: a use of block 'pair' cannot be named 'input'" and "cycle" not in said
    assert hint.startswith("'input' is the network's input")


def test_a_layer_of_a_block_named_input(tmp_path: Path) -> None:
    text = HEAD + PAIR.replace("{name: r, type: relu}", "{name: input, type: relu}") + "layers:\n  - {name: p, type: pair, f: 4}\n"
    said, _ = show(tmp_path, text)
    assert said == f"{tmp_path}/net.yaml:8: a layer of block 'pair' cannot be named 'input'"


def test_a_block_error_names_its_line_once(tmp_path: Path) -> None:
    said, _ = show(tmp_path, HEAD + PAIR + "  bad: 3\nlayers:\n  - {name: p, type: pair, f: 4}\n")
    assert said.startswith(f"{tmp_path}/net.yaml:9: block 'bad': ")  # was net.yaml:3:9


@pytest.mark.parametrize(("text", "line"), [('name: "a\0b"\ninput: [3, 8, 8]\n', 1), ("name: t\ninput: [3, 8, 8]\nlayers:\n  - \x07\n", 4),
                                             ("name: t\n\n\n\ndescription: x\x1by\n", 5)])
def test_a_character_yaml_refuses_is_said_with_its_line(tmp_path: Path, text: str, line: int) -> None:
    said, hint = show(tmp_path, text)
    assert said.startswith(f"{tmp_path}/net.yaml:{line}: not a valid spec: the character '\\x")
    assert "position" not in said and "<unicode string>" not in said and hint == "a spec is plain text: remove the character"


def test_a_file_that_is_not_utf8_is_said_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "net.yaml").write_bytes(b"name: t\ninput: [3, 8, 8]\ndescription: caf\xe9\n")
    said, hint = error(invoke("show", str(tmp_path / "net.yaml")))
    assert said == f"{tmp_path}/net.yaml:3: not UTF-8 text (the byte 0xe9)" and hint == "save the spec as UTF-8"


def test_a_duplicate_key_at_the_top_is_not_a_layers(tmp_path: Path) -> None:
    said, hint = show(tmp_path, "name: T\ninput: [3, 8, 8]\nname: U\nlayers:\n  - {name: a, type: relu}\n")
    assert said == f"{tmp_path}/net.yaml:3: not a valid spec: the key 'name' appears twice at the top level of the spec"
    assert hint == "keep one of the two"


def test_a_duplicate_key_in_a_layer_names_the_layer(tmp_path: Path) -> None:
    said, _ = show(tmp_path, "name: T\ninput: [3, 8, 8]\nlayers:\n  - name: a\n    type: relu\n    type: relu\n")
    assert said == f"{tmp_path}/net.yaml:6: not a valid spec: layer 'a': the key 'type' appears twice in one mapping"


def what_is_there(tmp_path: Path, what: str) -> str:
    path = tmp_path / "net.yaml"
    if what == "fifo":
        os.mkfifo(path)
    elif what == "loop":
        (tmp_path / "other.yaml").symlink_to(path)
        path.symlink_to(tmp_path / "other.yaml")
    elif what == "dangling":
        path.symlink_to(tmp_path / "gone.yaml")
    else:
        return what
    return str(path)


@pytest.mark.parametrize(("what", "message"), [
    ("fifo", "net.yaml: is a FIFO (named pipe), not a spec file"),
    ("/dev/null", "/dev/null: is a character device, not a spec file"),
    ("loop", "net.yaml: a loop of symbolic links, not a spec file"),
    ("dangling", "net.yaml: a symbolic link to {tmp}/gone.yaml, which does not exist"),
    ("", "the spec's name is empty"),
    ("   ", "the spec's name is empty"),
])
def test_what_a_spec_path_names_is_said(tmp_path: Path, what: str, message: str) -> None:
    """A FIFO, a device or a loop of links was 'no such spec file'; '' was "': is a directory" (Path('') is '.')."""
    said, hint = error(invoke("show", what_is_there(tmp_path, what)))
    assert said.endswith(message.format(tmp=tmp_path)) and "no such spec file" not in said and hint


def test_the_out_of_memory_hint_fits_the_batch() -> None:
    """A smaller --batch, while there is one; at batch 1, fewer bytes a value or another device."""
    out_of_memory_hint = pytest.importorskip("archcalc.torch_backend.devices").out_of_memory_hint
    assert out_of_memory_hint("net.yaml", 64, "float32", "cuda").startswith("try a smaller --batch (archcalc show net.yaml --batch 64")
    at_one = out_of_memory_hint("net.yaml", 1, "float32", "cuda")
    assert at_one.startswith("it does not fit even at batch 1: try --dtype float16 or bfloat16, or --device cpu") and "smaller --batch" not in at_one
    assert out_of_memory_hint("net.yaml", 1, "float16", "cpu").startswith("it does not fit even at batch 1: try a machine with more memory")
