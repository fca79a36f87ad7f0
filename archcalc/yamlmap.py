"""A safe YAML loader whose mappings remember their lines, so that messages can name them.

`load` composes the document with PyYAML's C parser (libyaml, where PyYAML has it) and builds the
values from the nodes itself: plain strings, whole numbers, lists and mappings directly, anything
else through PyYAML's safe constructor, which refuses tags that would build Python objects. An
alias is built once and shared, as PyYAML does; but whatever walks the values later (a message
quoting one, a block argument copied into each use) would see the whole tree, so the values that
aliases repeat are counted as they are built, and a file whose aliases repeat more than
MAX_ALIAS_VALUES (a "billion laughs") or refer to themselves is refused while loading. A whole number
of more than MAX_YAML_DIGITS digits is refused before Python is asked to read it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from archcalc.limits import MAX_ALIAS_VALUES, MAX_NESTING, MAX_YAML_DIGITS

try:  # the C parser is several times faster; both are safe loaders
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader

STR, INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
SEQ, MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_TAGS: dict[str, str] = {}  # plain scalar -> its implicit tag: names and numbers repeat across a spec's layers
_TAGS_MAX = 4096


class Refused(yaml.constructor.ConstructorError):
    """A document archcalc will not build (aliases that repeat too much, a number too long), with a hint."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(None, None, problem, mark)
        self.hint = hint


def _too_long(digits: int, mark: Any) -> Refused:
    return Refused(f"a whole number of about {digits:,} digits, past the {MAX_YAML_DIGITS:,} archcalc reads", mark,
                   "sizes and counts go up to 2^63 − 1 (19 digits)")


class Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    note: str = ""  # where a row expanded from a block came from


class Seq(list):  # type: ignore[type-arg]
    """A YAML list that remembers the line of each item (1-based)."""

    item_lines: list[int]


class Loader(_Base):  # type: ignore[misc]
    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """PyYAML's resolver, remembered for plain scalars (the result depends on the text alone)."""
        if kind is yaml.ScalarNode and implicit[0] and len(value) <= 32:
            tag = _TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_TAGS) < _TAGS_MAX:
                    _TAGS[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))


def load(text: str) -> Any:
    """The document's value (None for an empty one); raises yaml.YAMLError as PyYAML does.

    Layer rows written on one line as a flow mapping of plain keys and simple values (the way specs
    are written: `- {name: conv1, type: conv, filters: 96, kernel: 11}`) are read by `_row`, the
    rest of the document by PyYAML, with each such row standing in as a null item of its list, so
    that every line keeps its number. Anything `_row` is not sure of, it leaves to PyYAML; where
    the rows did not land as items of a list, the whole text is read by PyYAML."""
    lines = text.split("\n")
    rows: dict[int, Map] = {}
    for i, line in enumerate(lines):
        if "- {" in line:
            row = _row(line, i + 1)
            if row is not None:
                rows[i + 1] = row
                lines[i] = line[: line.index("- {")] + "- ~"
    if rows:
        count = len(rows)
        try:
            builder, node = _compose("\n".join(lines), rows)
            value = None if node is None else builder.value(node)
            if builder.placed == count:
                return value
        except yaml.YAMLError:
            pass  # the whole text, below, gives PyYAML's own message
    builder, node = _compose(text, {})
    return None if node is None else builder.value(node)


def _nesting(text: str) -> None:
    """Refuse a document nested more than MAX_NESTING deep (a few kilobytes of '[' crash PyYAML's composer, which
    recurses in C). Flow nesting needs a '[' or '{' a level and block nesting a column a level, so most documents
    are cleared by counting; the rest are walked event by event."""
    if text.count("[") + text.count("{") + max(map(len, text.split("\n"))) <= MAX_NESTING:
        return
    depth = 0
    problem, hint = f"the YAML nests more than {MAX_NESTING} deep", "a spec is a few levels of mappings and lists"
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise Refused(problem, event.start_mark, hint)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:  # libyaml from PyYAML 6.0.4 on stops at its own depth (1,000), scanning ahead of the events
        if isinstance(exc, Refused) or "nesting depth" not in str(exc.problem):
            raise
        raise Refused(problem, exc.problem_mark, hint) from None


def _compose(text: str, rows: dict[int, Map]) -> tuple[_Builder, yaml.Node | None]:
    _nesting(text)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise
    builder = _Builder(loader, rows)
    builder.root = node
    return builder, node


def _said(value: Any) -> str:
    """A key or a name as a message quotes it: short, and with control characters as codes."""
    text = repr(value) if not isinstance(value, str) else "'" + value.encode("unicode_escape").decode("ascii")[:60] + "'"
    return text if len(text) <= 64 else text[:63] + "…"


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMA = re.compile(r",(?![^\[\]]*\])")
_PLAIN = re.compile(r"(?:[A-Za-z0-9_.$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.$+\-*/ ]*")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_NOT_SIMPLE = object()
_SCALARS: dict[str, Any] = {}  # text -> value (immutable: str, int, float, bool, None, or _NOT_SIMPLE)


def _scalar(text: str) -> Any:
    """A plain scalar as PyYAML's safe loader reads it, or _NOT_SIMPLE where this is not sure."""
    known = _SCALARS.get(text, _NOT_SIMPLE)
    if known is not _NOT_SIMPLE:
        return known
    value = _read_scalar(text.strip())
    if len(_SCALARS) < _TAGS_MAX:
        _SCALARS[text] = value
    return value


def _read_scalar(text: str) -> Any:
    if not _PLAIN.fullmatch(text):
        return _NOT_SIMPLE
    tag = _LOADER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == STR:
        return text
    if tag == INT and _DECIMAL.fullmatch(text) and len(text) <= MAX_YAML_DIGITS:
        return int(text)
    if tag == "tag:yaml.org,2002:float" and _FLOAT.fullmatch(text):
        return float(text)
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS[text.lower()]
    if tag == "tag:yaml.org,2002:null":
        return None
    return _NOT_SIMPLE


def _row(line: str, number: int) -> Map | None:
    """`  - {key: value, key: [a, b], ...}` as a Map, or None where the line is anything else."""
    start, end = line.find("- {"), line.rfind("}")
    if end < start or line[:start].strip() or line[end + 1:].strip() or "#" in line or "\t" in line:
        return None
    body = line[start + 3:end]
    if any(c in body for c in "{}'\"&*!|>%@`"):
        return None
    pairs = _COMMA.split(body)  # on the commas outside [ ]
    row = Map()
    row.line, row.key_lines = number, {}
    for pair in pairs:
        key, sep, value = pair.strip().partition(": ")
        if not sep or not _KEY.fullmatch(key) or key in row or _scalar(key) != key:
            return None
        value = value.strip()
        if "[" in value or "]" in value:
            if not (value.startswith("[") and value.endswith("]")) or "[" in value[1:-1] or "]" in value[1:-1]:
                return None
            items = [_scalar(v) for v in value[1:-1].split(",")] if value[1:-1].strip() else []
            if any(v is _NOT_SIMPLE for v in items):
                return None
            seq = Seq(items)
            seq.item_lines = [number] * len(items)
            row[key] = seq
        else:
            scalar = _scalar(value)
            if scalar is _NOT_SIMPLE:
                return None
            row[key] = scalar
        row.key_lines[key] = number
    return row


class _Builder:
    def __init__(self, loader: Loader, rows: dict[int, Map]) -> None:
        self.loader = loader
        self.rows = rows  # line -> a row read by _row, standing in for the null item on that line
        self.placed = 0
        self.built: dict[int, Any] = {}  # id(node) -> value: an alias is the same node, built once
        self.sizes: dict[int, int] = {}  # id(node) -> the values in it, counted as if its aliases were copied
        self.open: set[int] = set()  # nodes being counted: an alias to one of them is a cycle
        self.repeated = 0  # values aliases repeat, in all
        self.root: yaml.Node | None = None  # the document's top node (the spec), for messages

    def item(self, node: yaml.Node) -> Any:
        """A list's item: a row read by _row where its stand-in is."""
        if self.rows and isinstance(node, yaml.ScalarNode) and node.value == "~" and node.start_mark.line + 1 in self.rows:
            self.placed += 1
            return self.rows.pop(node.start_mark.line + 1)
        return self.value(node)

    def value(self, node: yaml.Node) -> Any:
        done = self.built.get(id(node))
        if done is not None:
            self.repeat(node)
            return done
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == INT and len(node.value) > MAX_YAML_DIGITS:
                raise _too_long(len(node.value), node.start_mark)
            if tag == STR:
                result: Any = node.value
            elif tag == INT and node.value.isdigit():
                result = int(node.value)
            else:  # floats, booleans, null, other int forms; unknown tags are refused there
                result = self.loader.construct_object(node, deep=True)
                if isinstance(result, int) and result.bit_length() > 3.33 * MAX_YAML_DIGITS:  # 0x… or 1:2:3… make long ones from short text
                    raise _too_long(result.bit_length() * 3 // 10, node.start_mark)
        elif isinstance(node, yaml.SequenceNode) and tag == SEQ:
            result = self.sequence(node)
        elif isinstance(node, yaml.MappingNode) and tag == MAP:
            result = self.mapping(node)
        else:
            result = self.loader.construct_object(node, deep=True)  # a tag: the safe constructor refuses it
        self.built[id(node)] = result
        return result

    def repeat(self, node: yaml.Node) -> None:
        """An alias: count the values it repeats; refuse a cycle or too many."""
        self.repeated += self.size(node)
        if self.repeated > MAX_ALIAS_VALUES:
            raise Refused(f"YAML aliases repeat more than {MAX_ALIAS_VALUES:,} values (the last repeats the value anchored here)",
                          node.start_mark, "write the values out, or use a block for a repeated group of layers")

    def size(self, node: yaml.Node) -> int:
        """The values in `node`, aliases counted as copies (memoised: each node is counted once)."""
        key = id(node)
        known = self.sizes.get(key)
        if known is not None:
            return known
        if key in self.open:
            raise Refused("a YAML alias inside the value it refers to (a value that holds itself)", node.start_mark,
                          "a spec's values are plain trees")
        self.open.add(key)
        if isinstance(node, yaml.SequenceNode):
            count = 1 + sum(self.size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            count = 1 + sum(self.size(k) + self.size(v) for k, v in node.value)
        else:
            count = 1
        self.open.discard(key)
        self.sizes[key] = count
        return count

    def sequence(self, node: yaml.SequenceNode) -> Seq:
        result = Seq()
        self.built[id(node)] = result  # before its items: a list that holds itself stays one list
        result.extend(self.item(item) for item in node.value)
        result.item_lines = [item.start_mark.line + 1 for item in node.value]
        return result

    def mapping(self, node: yaml.MappingNode) -> Map:
        self.loader.flatten_mapping(node)  # YAML merge keys (<<)
        result = Map()
        self.built[id(node)] = result
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            try:
                seen = key in result
            except TypeError:
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found an unhashable key", key_node.start_mark) from None
            if seen:  # PyYAML keeps the last of two equal keys; a spec must not
                names = [v.value for k, v in node.value if k.value == "name" and isinstance(v, yaml.ScalarNode)]
                layer = names and node is not self.root and "type" in {k.value for k, _ in node.value}  # a layer row has a type
                owner = f"layer {_said(names[0])}: " if layer else ""
                place = "at the top level of the spec" if node is self.root else "in one mapping"
                raise yaml.constructor.ConstructorError(None, None, f"{owner}the key {_said(key)} appears twice {place}", key_node.start_mark)
            result[key] = self.value(value_node)
            result.key_lines[str(key)] = key_node.start_mark.line + 1
        return result


_LOADER = Loader("")  # its resolver only (PyYAML's implicit tags), for the rows read by _row


def remap(source: Map, items: dict[str, object]) -> Map:
    """A new mapping with `items`, keeping the lines of `source` (for rows rewritten by blocks)."""
    result = Map(items)
    result.line = source.line
    result.key_lines = dict(source.key_lines)
    result.note = getattr(source, "note", "")
    return result
