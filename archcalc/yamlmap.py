"""A safe YAML loader whose mappings remember their lines, so that messages can name them."""

from __future__ import annotations

import yaml

try:  # the C loader is several times faster; both are safe loaders
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


class Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    note: str = ""  # where a row expanded from a block came from


class Loader(_Base):  # type: ignore[misc]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Map:
        result = Map(super().construct_mapping(node, deep=True))
        result.line = node.start_mark.line + 1
        result.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return result


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_mapping)


def remap(source: Map, items: dict[str, object]) -> Map:
    """A new mapping with `items`, keeping the lines of `source` (for rows rewritten by blocks)."""
    result = Map(items)
    result.line = source.line
    result.key_lines = dict(source.key_lines)
    result.note = getattr(source, "note", "")
    return result
