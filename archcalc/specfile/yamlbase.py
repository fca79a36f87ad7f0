"""The values a spec's YAML is built into: mappings and lists that remember their lines, and what a document
archcalc refuses raises (with a hint). PyYAML's safe loader, with its resolver's answers remembered."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import yaml

from archcalc.limits import MAX_YAML_DIGITS

try:  # the C parser is several times faster; both are safe loaders
    Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    Base = yaml.SafeLoader

STR, INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
SEQ, MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_TAGS: dict[str, str] = {}  # plain scalar -> its implicit tag: names and numbers repeat across a spec's layers
TAGS_MAX = 4096


class Refused(yaml.constructor.ConstructorError):
    """A document archcalc will not build (aliases that repeat too much, a number too long), with a hint."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(None, None, problem, mark)
        self.hint = hint


def too_long(digits: int, mark: Any) -> Refused:
    return Refused(f"a whole number of about {digits:,} digits, past the {MAX_YAML_DIGITS:,} archcalc reads", mark,
                   "sizes and counts go up to 2^63 − 1 (19 digits)")


class Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    note: str = ""  # where a row expanded from a block came from
    file: str = ""  # the file it was read from, where not the spec's own (a block from include:)
    alike: object = None  # a one-line row's keys but its name (rows.Rest), shared by the rows written alike


class Row(Map):
    """A mapping written on one line (`- {name: conv1, type: relu}`): each key is on its line, so the lines of its keys
    are made only when asked for (by a message, or a block's rows as each use of the block copies them), once."""

    @cached_property
    def key_lines(self) -> dict[str, int]:  # type: ignore[override]  # a row's keys are all on its line: one it gains later too
        return dict.fromkeys(self, self.line)


class Seq(list):  # type: ignore[type-arg]
    """A YAML list that remembers the line of each item (1-based)."""

    item_lines: list[int]


class Loader(Base):  # type: ignore[misc]
    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """PyYAML's resolver, remembered for plain scalars (the result depends on the text alone)."""
        if kind is yaml.ScalarNode and implicit[0] and len(value) <= 32:
            tag = _TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_TAGS) < TAGS_MAX:
                    _TAGS[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))


def said(value: Any) -> str:
    """A key or a name as a message quotes it: short, and with control characters as codes."""
    text = repr(value) if not isinstance(value, str) else "'" + value.encode("unicode_escape").decode("ascii")[:60] + "'"
    return text if len(text) <= 64 else text[:63] + "…"


def remap(source: Map, items: dict[str, object]) -> Map:
    """A new mapping with `items`, keeping the lines of `source` (for rows rewritten by blocks)."""
    result = Map(items)
    result.line = source.line
    result.key_lines = dict(source.key_lines)
    result.note = getattr(source, "note", "")
    result.file = getattr(source, "file", "")
    return result
