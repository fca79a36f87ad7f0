"""`include:` blocks from other files, a shared library of bottleneck, se, mbconv:

    include: [lib/blocks.yaml]        # or one path; relative to the including file (standard input: the working folder)

An included file holds `blocks:` (and may `include:` others, relative to itself; `description:` is free text); its
blocks are used as the spec's own. A block defined twice (in the spec and a file, or in two files) is refused, naming
both places; a file included twice is read once; a cycle of includes is refused, naming it. An included file is
untrusted input as the spec is: a regular file, at most MAX_INCLUDE_BYTES, MAX_INCLUDE_DEPTH deep, MAX_INCLUDES in all.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Container
from pathlib import Path
from typing import Any

import yaml

from archcalc.errors import SpecError
from archcalc.kinds.terms.values import quote
from archcalc.paths import file_kind, shown
from archcalc.specfile.blocks import Block, read_blocks
from archcalc.specfile.locate import bundled_dir
from archcalc.specfile.yamlbase import Map, Refused
from archcalc.specfile.yamlmap import load

MAX_INCLUDE_BYTES = 1_000_000  # one included file, as a spec: the README's bound
MAX_INCLUDE_DEPTH = 8  # a file that includes a file that includes …
MAX_INCLUDES = 64  # files included in all, by one spec
INCLUDED_KEYS = ("description", "include", "blocks")


class Includes:
    """Reads the files a spec includes, and the blocks in them, with every message naming the included file and line."""

    def __init__(self, builtin: Container[str]) -> None:
        self.builtin = builtin
        self.read: set[Path] = set()  # real paths already read: a file included twice is read once
        self.blocks: dict[str, Block] = {}

    def include(self, m: Map, label: str, folder: Path, shown_folder: str, chain: tuple[tuple[Path, str], ...] = ()) -> None:
        """The blocks of the files `m` includes; `label` names `m`'s file, `folder` is where its paths start."""
        value = m.get("include")
        if value is None:
            return
        where = f"{label}:{m.key_lines.get('include', m.line)}"
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() and n.isprintable() for n in names):
            raise SpecError(where, f"'include' must be a path or a list of paths, not {quote(value, 60)}", "include: [blocks.yaml]: a YAML file of blocks")
        if len(chain) >= MAX_INCLUDE_DEPTH:
            raise SpecError(where, f"includes nest more than {MAX_INCLUDE_DEPTH} deep", "include the library from the spec itself")
        for name in names:
            path = Path(name) if os.path.isabs(name) else folder / name
            seen = os.path.normpath(name) if os.path.isabs(name) else os.path.normpath(os.path.join(shown_folder, name))
            if not os.path.isabs(name) and not os.path.lexists(path) and os.path.lexists(bundled_dir() / name):
                path, seen = bundled_dir() / name, f"{os.path.normpath(name)} (bundled)"  # library/mobile.yaml from anywhere
            self.one(path, shown(seen), where, chain)

    def one(self, path: Path, name: str, where: str, chain: tuple[tuple[Path, str], ...]) -> None:
        try:
            real = path.resolve(strict=True)
            st = os.stat(real)
        except (OSError, RuntimeError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "cannot be found"
            raise SpecError(where, f"the included file {name} {'does not exist' if isinstance(exc, FileNotFoundError) else reason.lower()}",
                            "an included path is relative to the file that includes it, or names a bundled library: "
                            "library/mobile.yaml (bottleneck, se, mbconv)") from None
        if any(real == p for p, _ in chain):
            loop = " → ".join([n for _, n in chain[[p for p, _ in chain].index(real):]] + [name])
            raise SpecError(where, f"the includes go round in a cycle: {loop}", "a library of blocks includes no file that includes it")
        if real in self.read:
            return
        if not stat.S_ISREG(st.st_mode):
            raise SpecError(where, f"the included file {name} is {file_kind(st.st_mode) if not stat.S_ISDIR(st.st_mode) else 'a directory'}, not a YAML file",
                            "include a .yaml file of blocks")
        if st.st_size > MAX_INCLUDE_BYTES:
            raise SpecError(where, f"the included file {name} is {st.st_size:,} bytes, past the {MAX_INCLUDE_BYTES:,} a file may have",
                            "a library of blocks is a few kilobytes: is it the right file?")
        if len(self.read) >= MAX_INCLUDES:
            raise SpecError(where, f"the spec includes more than {MAX_INCLUDES} files", "gather the blocks in fewer files")
        self.read.add(real)
        doc = self.load(real, name, where)
        self.include(doc, name, real.parent, os.path.dirname(name), (*chain, (real, name)))
        for key in doc:
            if key not in INCLUDED_KEYS:
                raise SpecError(f"{name}:{doc.key_lines.get(str(key), doc.line)}", f"unknown key {quote(key, 40)} in an included file",
                                f"an included file holds {', '.join(INCLUDED_KEYS)}")
        for block in read_blocks(doc.get("blocks"), name, self.builtin, doc.key_lines.get("blocks", doc.line), own=False).values():
            self.add(block)

    def load(self, real: Path, name: str, where: str) -> Map:
        try:
            with open(real, "rb") as f:
                data = f.read(MAX_INCLUDE_BYTES + 1)
            text = data.decode("utf-8")
        except OSError as exc:
            raise SpecError(where, f"the included file {name} cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise SpecError(f"{name}:{line}", f"not UTF-8 text (the byte 0x{data[exc.start]:02x})", "save it as UTF-8") from None
        try:
            doc = load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise SpecError(f"{name}:{mark.line + 1}" if mark else name, f"not valid YAML: {exc.problem or 'a YAML error'}",
                            exc.hint if isinstance(exc, Refused) else "an included file is a plain YAML mapping with 'blocks:'") from None
        except yaml.YAMLError as exc:
            raise SpecError(name, f"not valid YAML: {str(exc)[:200]}") from None
        if not isinstance(doc, Map):
            raise SpecError(f"{name}:1", "an included file must be a YAML mapping with 'blocks:'", "blocks: {name: {args: ..., layers: [...]}}")
        mark_rows(doc.get("blocks"), name)
        return doc

    def add(self, block: Block) -> None:
        first = self.blocks.get(block.name)
        if first is not None:
            raise SpecError(f"{block.label}:{block.line}: block '{block.name}'", f"defined twice: also at {first.label}:{first.line}", "rename one of the two")
        self.blocks[block.name] = block


def mark_rows(raw: Any, name: str) -> None:
    """Each block's rows remember the file they were read from, so that messages about them name it."""
    if isinstance(raw, Map):
        for body in raw.values():
            if isinstance(body, Map) and isinstance(body.get("layers"), list):
                for row in body["layers"]:
                    if isinstance(row, Map):
                        row.file = name


def with_included(own: dict[str, Block], m: Map, label: str, path: Path | None, builtin: Container[str]) -> dict[str, Block]:
    """The spec's own blocks and those of the files it includes (`path`: the spec's file, where its include paths start;
    None: standard input or text, whose paths start in the working folder)."""
    if "include" not in m:
        return own
    includes = Includes(builtin)
    try:
        chain: tuple[tuple[Path, str], ...] = ((path.resolve(strict=True), label),) if path is not None else ()
    except (OSError, RuntimeError):
        chain = ()
    shown_folder = os.path.dirname(label) if path is not None and label == str(path) else ""
    includes.include(m, label, path.parent if path is not None else Path.cwd(), shown_folder, chain)
    for block in own.values():
        first = includes.blocks.get(block.name)
        if first is not None:
            raise SpecError(f"{label}:{block.line}: block '{block.name}'", f"defined twice: also in the included {first.label}:{first.line}",
                            "rename one of the two (a spec's block does not replace an included one)")
    return {**includes.blocks, **own}


__all__ = ["INCLUDED_KEYS", "MAX_INCLUDES", "MAX_INCLUDE_BYTES", "MAX_INCLUDE_DEPTH", "Includes", "with_included"]
