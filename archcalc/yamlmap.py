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


class Seq(list):  # type: ignore[type-arg]
    """A YAML list that remembers the line of each item (1-based)."""

    item_lines: list[int]


class Loader(_Base):  # type: ignore[misc]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Map:
        seen: set[object] = set()
        for key_node, _ in node.value:  # PyYAML keeps the last of two equal keys; a spec must not
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    names = [v.value for k, v in node.value if k.value == "name" and isinstance(v, yaml.ScalarNode)]
                    owner = f"layer '{names[0]}': " if names else ""
                    raise yaml.constructor.ConstructorError(
                        None, None, f"{owner}the key '{key_node.value}' appears twice in one mapping", key_node.start_mark)
                seen.add(key_node.value)
        result = Map(super().construct_mapping(node, deep=True))
        result.line = node.start_mark.line + 1
        result.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return result


    def construct_list(self, node: yaml.SequenceNode) -> Seq:
        result = Seq(self.construct_object(item, deep=True) for item in node.value)
        result.item_lines = [item.start_mark.line + 1 for item in node.value]
        return result


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_mapping)
Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, Loader.construct_list)


def remap(source: Map, items: dict[str, object]) -> Map:
    """A new mapping with `items`, keeping the lines of `source` (for rows rewritten by blocks)."""
    result = Map(items)
    result.line = source.line
    result.key_lines = dict(source.key_lines)
    result.note = getattr(source, "note", "")
    return result
