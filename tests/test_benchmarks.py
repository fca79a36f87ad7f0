"""benchmarks/README.md holds the scripts' own output: blocks that `--write BLOCK` replaces (benchmarks/readme_block.py).

Nothing here times anything (performance is the scripts' to measure); these hold the mechanism that
keeps the file regenerated rather than edited.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from readme_block import command_line, replace_block, write_block  # noqa: E402

BLOCKS = {"start-cpu": "bench_start.py", "start-to-finish": "bench_show.py", "chains": "bench_show.py", "chains-gc-off": "bench_show.py", "cpu": "bench_run.py",
          "roofline-cpu": "bench_roofline.py", "large": "bench_large.py", "fit": "bench_large.py"}


def test_a_block_is_replaced_between_its_markers_and_nothing_else() -> None:
    text = "intro\n<!-- cpu: begin -->\nold figures\n<!-- cpu: end -->\nprose\n<!-- chains: begin -->\nkept\n<!-- chains: end -->\n"
    new = replace_block(text, "cpu", "`python benchmarks/bench_run.py`\n\n| a |\n")
    assert new == ("intro\n<!-- cpu: begin -->\n`python benchmarks/bench_run.py`\n\n| a |\n<!-- cpu: end -->\nprose\n"
                   "<!-- chains: begin -->\nkept\n<!-- chains: end -->\n")


@pytest.mark.parametrize("text", ["no markers\n", "<!-- cpu: begin -->\na\n<!-- cpu: end -->\n<!-- cpu: begin -->\nb\n<!-- cpu: end -->\n"],
                         ids=["missing", "twice"])
def test_a_missing_or_doubled_block_is_refused(text: str) -> None:
    with pytest.raises(SystemExit, match="no single block 'cpu'"):
        replace_block(text, "cpu", "figures")


def test_write_block_rewrites_the_file_in_place(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# B\n<!-- cpu: begin -->\nold\n<!-- cpu: end -->\n", encoding="utf-8")
    write_block("cpu", "new\n", readme)
    assert readme.read_text(encoding="utf-8") == "# B\n<!-- cpu: begin -->\nnew\n<!-- cpu: end -->\n"
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]  # no temp file left beside it


def test_the_command_line_leaves_out_the_file_written() -> None:
    assert command_line("bench_run.py", ["--write", "cpu", "--readme", "/tmp/x.md", "--rounds", "3"]) == \
        "python benchmarks/bench_run.py --write cpu --rounds 3"


def test_every_block_of_the_benchmarks_readme_is_a_scripts_output() -> None:
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    for block, script in BLOCKS.items():
        bodies = re.findall(rf"<!-- {block}: begin -->\n(.*?)<!-- {block}: end -->", text, re.S)
        assert len(bodies) == 1, block
        first = bodies[0].splitlines()[0]
        assert first.startswith(f"`python benchmarks/{script}"), (block, first)
        assert (ROOT / "benchmarks" / script).is_file()
