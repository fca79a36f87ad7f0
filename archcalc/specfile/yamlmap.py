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

from typing import Any

import yaml

from archcalc.limits import MAX_ALIAS_VALUES, MAX_NESTING, MAX_YAML_DIGITS
from archcalc.specfile import rows as one_line
from archcalc.specfile.yamlbase import INT, MAP, SEQ, STR, Base, Loader, Map, Refused, Seq, said, too_long


def odd_int(text: str) -> tuple[str, str] | None:
    """The whole numbers YAML 1.1 reads in another base, which a spec is unlikely to mean: base 60 (`1:30` is 90),
    hexadecimal, octal (a leading 0: `017` is 15) and binary. (problem, hint), or None for a plain number."""
    digits = text.lstrip("+-").replace("_", "")
    text = text if len(text) <= 24 else text[:23] + "…"
    if ":" in digits:
        return (f"'{text}' is a base-60 number to YAML 1.1 (1:30 reads as 90), which archcalc does not take",
                "write the number in decimal, or quote it if it is text ('1:30')")
    if digits[:2].lower() in ("0x", "0b", "0o") or (len(digits) > 1 and digits[0] == "0"):
        base = {"0x": "hexadecimal", "0b": "binary"}.get(digits[:2].lower(), "octal")
        return (f"'{text}' is {'an' if base == 'octal' else 'a'} {base} number to YAML 1.1, which archcalc does not take",
                "write the number in decimal (without leading zeros), or quote it if it is text")
    return None


def load(text: str) -> Any:
    """The document's value (None for an empty one); raises yaml.YAMLError as PyYAML does.

    Layer rows written on one line as a flow mapping of plain keys and simple values (the way specs
    are written: `- {name: conv1, type: conv, filters: 96, kernel: 11}`) are read by `rows.row`, the
    rest of the document by PyYAML, with each run of such rows (on consecutive lines, alike indented) standing
    in as one null item of its list and the run's other lines left blank, so that every line keeps its number. Anything `rows.row` is not sure of, it leaves to PyYAML; where
    the rows did not land as items of a list, the whole text is read by PyYAML."""
    lines = text.split("\n")
    rows: dict[int, list[Map]] = {}  # the line of a run's first row -> the run: rows on consecutive lines, alike indented
    run: list[Map] = []
    count = indent = last = 0  # last: the line of the last row read
    read = one_line.row
    for number, line in enumerate(lines, 1):
        if "- {" in line:
            row = read(line, number)
            if row is not None:
                count += 1
                at = line.index("- {")
                if last == number - 1 and at == indent and run:  # the run's next item: its line left blank
                    run.append(row)
                    lines[number - 1] = ""
                else:
                    run, indent = [row], at
                    rows[number] = run
                    lines[number - 1] = line[:at] + "- ~"
                last = number
    if rows:
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
        for event in yaml.parse(text, Loader=Base):
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


def _compose(text: str, rows: dict[int, list[Map]]) -> tuple[_Builder, yaml.Node | None]:
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


class _Builder:
    def __init__(self, loader: Loader, rows: dict[int, list[Map]]) -> None:
        self.loader = loader
        self.rows = rows  # line -> the rows read by rows.row that the null item on that line stands for
        self.placed = 0
        self.built: dict[int, Any] = {}  # id(node) -> value: an alias is the same node, built once
        self.sizes: dict[int, int] = {}  # id(node) -> the values in it, counted as if its aliases were copied
        self.open: set[int] = set()  # nodes being counted: an alias to one of them is a cycle
        self.repeated = 0  # values aliases repeat, in all
        self.root: yaml.Node | None = None  # the document's top node (the spec), for messages

    def items(self, node: yaml.Node) -> tuple[list[Any], list[int]]:
        """A list's item, or the rows read by rows.row where their stand-in is; and their lines."""
        if self.rows and isinstance(node, yaml.ScalarNode) and node.value == "~" and node.start_mark.line + 1 in self.rows:
            run = self.rows.pop(node.start_mark.line + 1)
            self.placed += len(run)
            return run, [r.line for r in run]
        return [self.value(node)], [node.start_mark.line + 1]

    def value(self, node: yaml.Node) -> Any:
        done = self.built.get(id(node))
        if done is not None:
            self.repeat(node)
            return done
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == INT and len(node.value) > MAX_YAML_DIGITS:
                raise too_long(len(node.value), node.start_mark)
            if tag == STR:
                result: Any = node.value
            elif tag == INT and node.value.isdigit() and (node.value[0] != "0" or node.value == "0"):
                result = int(node.value)
            else:  # floats, booleans, null, other int forms; unknown tags are refused there
                result = self.loader.construct_object(node, deep=True)
                if isinstance(result, int) and result.bit_length() > 3.33 * MAX_YAML_DIGITS:  # 0x… or 1:2:3… make long ones from short text
                    raise too_long(result.bit_length() * 3 // 10, node.start_mark)
                if tag == INT and (refusal := odd_int(node.value)):
                    raise Refused(refusal[0], node.start_mark, refusal[1])
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
        result.item_lines = []
        for item in node.value:
            values, lines = self.items(item)
            result.extend(values)
            result.item_lines += lines
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
                owner = f"layer {said(names[0])}: " if layer else ""
                place = "at the top level of the spec" if node is self.root else "in one mapping"
                raise yaml.constructor.ConstructorError(None, None, f"{owner}the key {said(key)} appears twice {place}", key_node.start_mark)
            result[key] = self.value(value_node)
            result.key_lines[str(key)] = key_node.start_mark.line + 1
        return result
