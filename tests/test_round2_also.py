"""Issue 25, "Also": --out through symbolic links, a torch that fails to load, `run … | head`, YAML's base-60
and hex numbers, blank layer names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc.cli.app import main


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_a_link_out_of_its_folder_is_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "system" / "passwd"
    elsewhere.parent.mkdir()
    elsewhere.write_text("root:x:0:0")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "x.svg").symlink_to(elsewhere)
    result = invoke("diagram", "lenet", "--out", str(shared / "x.svg"))
    assert result.exit_code == 2 and elsewhere.read_text() == "root:x:0:0"
    assert f"is a symbolic link to {elsewhere}, outside the link's own folder; archcalc does not write through it" in result.stderr
    assert f"give its own path: --out {elsewhere}" in result.stderr
    assert invoke("diagram", "lenet", "--out", str(elsewhere.with_suffix(".dot"))).exit_code == 0  # the path itself is written
    (shared / "gone.html").symlink_to(tmp_path / "system" / "new.html")  # a dangling link out of its folder: refused too
    assert invoke("report", "lenet", "--out", str(shared / "gone.html")).exit_code == 2
    assert not (tmp_path / "system" / "new.html").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, to give a file to another user")
def test_a_link_to_another_users_file_is_not_written_through(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.dot"
    theirs.write_text("their picture")
    os.chown(theirs, 65534, 65534)  # nobody
    (tmp_path / "lenet.dot").symlink_to(theirs)
    result = invoke("diagram", "lenet", "--out", str(tmp_path / "lenet.dot"))
    assert result.exit_code == 2 and "owned by another user; archcalc does not write through it" in result.stderr
    assert theirs.read_text() == "their picture"


# an ImportError and an OSError by default; a missing dependency (ModuleNotFoundError, an ImportError) with -m slow
@pytest.mark.parametrize("failure", ['raise ImportError("libtorch_cpu.so: failed to map segment from shared object")',
                                     'raise OSError(12, "Cannot allocate memory")',
                                     pytest.param("import no_such_dependency_of_torch", marks=pytest.mark.slow)])
def test_a_torch_that_fails_to_load_is_one_message(tmp_path: Path, failure: str) -> None:
    import subprocess
    import sys

    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(failure + "\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{Path(__file__).resolve().parent.parent}"}
    proc = subprocess.run([sys.executable, "-m", "archcalc", "run", "lenet", "--device", "cpu"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    first, hint = proc.stderr.splitlines()
    assert first.startswith("archcalc: error: torch could not be loaded: ")
    assert first.endswith(("failed to map segment from shared object", "Cannot allocate memory", "No module named 'no_such_dependency_of_torch'"))
    assert hint == "  hint: check the torch installation: python -c 'import torch'"


@pytest.mark.slow  # two torch runs in fresh processes; CI runs it
def test_run_into_head_ends_as_show_does() -> None:
    """`archcalc run lenet alexnet --device cpu | head -1`: the reader wanted one line; no error, exit 0 (it was 1)."""
    pytest.importorskip("torch")
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "archcalc", "run", "lenet", "alexnet", "--device", "cpu", "--min-time", "0.01"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"LeNet-5  input 1\xc3\x9728\xc3\x9728")
    proc.stdout.close()  # as head does after its line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert stderr.startswith("archcalc: running on the CPU") and "error" not in stderr and "Traceback" not in stderr


def shown(tmp_path: Path, text: str) -> Result:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return invoke("show", str(path))


CONV = "name: t\ninput: [3, 32, 32]\nlayers:\n  - {{name: c, type: conv, filters: {}, kernel: 3}}\n"


@pytest.mark.parametrize(("value", "said"), [
    ("1:30", "'1:30' is a base-60 number to YAML 1.1 (1:30 reads as 90), which archcalc does not take"),
    ("0x3", "'0x3' is a hexadecimal number to YAML 1.1"),
    ("017", "'017' is an octal number to YAML 1.1"),  # YAML 1.1 reads 15; archcalc read 17 before
    ("0b11", "'0b11' is a binary number to YAML 1.1"),
])
def test_numbers_in_another_base_are_refused_with_why(tmp_path: Path, value: str, said: str) -> None:
    result = shown(tmp_path, CONV.format(value))
    assert result.exit_code == 2 and said in result.stderr and f"{tmp_path / 'net.yaml'}:4:" in result.stderr
    assert "hint: write the number in decimal" in result.stderr


@pytest.mark.parametrize("value", ["8", "+8", "1_000", "0"])
def test_plain_numbers_still_read(tmp_path: Path, value: str) -> None:
    result = shown(tmp_path, CONV.format(value))
    assert "base" not in result.stderr and "octal" not in result.stderr  # 0 is refused only as a count of filters
    assert result.exit_code == (2 if value == "0" else 0)


def test_blank_layer_names_are_refused(tmp_path: Path) -> None:
    result = shown(tmp_path, "name: t\ninput: [3, 32, 32]\nlayers:\n  - {name: ' ', type: relu}\n")
    assert result.exit_code == 2 and "layer #1: 'name' ' ' is blank: only spaces" in result.stderr
    result = shown(tmp_path, "name: t\ninput: [3, 32, 32]\nblocks:\n  b:\n    layers:\n      - {name: '  ', type: relu}\n"
                             "layers:\n  - {name: u, type: b}\n")
    assert result.exit_code == 2 and ":6: every layer of block 'b' needs a 'name', not a blank one" in result.stderr
    result = shown(tmp_path, "name: t\ninput: [3, 32, 32]\nblocks:\n  b:\n    layers:\n      - {name: r, type: relu}\n"
                             "layers:\n  - {name: ' ', type: b}\n")
    assert result.exit_code == 2 and ":8: a use of block 'b' needs a 'name', not a blank one" in result.stderr
