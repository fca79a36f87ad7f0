"""`when:` on a layer of a block: a condition on the block's arguments, archcalc's own small language (never Python's).

    condition := conjunct ('or' conjunct)*          conjunct := negation ('and' negation)*
    negation := 'not' negation | '(' condition ')' | comparison | $flag
    comparison := arithmetic ('==' | '!=' | '<' | '<=' | '>' | '>=') arithmetic

The arithmetic is the $ arithmetic of block arguments (+ − * // and parentheses, archcalc.specfile.arithmetic); a name
is an argument, with or without '$'; `true` and `false` are themselves, and an argument that is true or false stands
alone (`when: se`). Bounded as the arithmetic is: the text's length, how deep '(' 'not' and '-' nest, every value's digits.
"""

from __future__ import annotations

import re
from typing import Any

from archcalc.errors import SpecError
from archcalc.kinds.terms.values import quote
from archcalc.limits import MAX_ARITHMETIC_DEPTH
from archcalc.specfile.arithmetic import Arithmetic
from archcalc.text import printable

HINT = "a condition compares the block's arguments: stride != 1 or inp != out (== != < <= > >=, and, or, not, + - * // and ( ))"

_TOKEN = re.compile(r"\s*(?:(\d+)|\$?([A-Za-z_][A-Za-z0-9_]*)|(//|==|!=|<=|>=|[-+*()<>]))")
_WORDS = ("and", "or", "not", "true", "false")
_COMPARE = ("==", "!=", "<=", ">=", "<", ">")
MAX_CONDITION_CHARS = 300  # a real condition is a few comparisons; a block's is worked out at each of its uses
_TOKENS: dict[str, list[tuple[str, str]]] = {}  # a condition's text -> its tokens (a block's condition repeats at every use)
HELD: dict[tuple[str, tuple[Any, ...]], bool] = {}  # (text, the values of the arguments it names) -> whether it holds
CACHE_MAX = 4096
MAX_CONDITION_WORK = 1_000_000  # tokens of conditions worked out for one spec (about 3 s): real networks need thousands


def tokens(text: str) -> list[tuple[str, str]]:
    """The condition's tokens, remembered for its text (ValueError says what is not part of the language)."""
    found = _TOKENS.get(text)
    if found is not None:
        return found
    if len(text) > MAX_CONDITION_CHARS:
        raise ValueError(f"it is {len(text):,} characters long; a condition is at most {MAX_CONDITION_CHARS:,}")
    found, pos, stripped = [], 0, text.rstrip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if m is None:
            bad = stripped[pos:].strip()[:1]
            hint = {"=": " (equal is '==')", "!": " (not equal is '!=', 'not' negates)", "&": " (write 'and')", "|": " (write 'or')"}.get(bad, "")
            raise ValueError(f"'{bad}' is not part of a condition{hint}")
        number, name, op = m.groups()
        word = name if name in _WORDS and not stripped[m.start():m.end()].lstrip().startswith("$") else None
        found.append(("op", word) if word else ("number", number) if number else ("name", name) if name else ("op", op))
        pos = m.end()
    if not found:
        raise ValueError("it is empty")
    if len(_TOKENS) < CACHE_MAX:
        _TOKENS[text] = found
    return found


class Condition(Arithmetic):
    """A `when:` condition; `holds()` says whether it is true for the block's arguments (ValueError says why not)."""

    def __init__(self, text: str, args: dict[str, Any]) -> None:
        super().__init__("", args)  # the state; the tokens are this language's own
        self.tokens = tokens(text)

    def holds(self) -> bool:
        result = self.either()
        if self.at < len(self.tokens):
            raise ValueError(f"'{self.tokens[self.at][1]}' does not belong there")
        return result

    def either(self) -> bool:
        result = self.both()
        while self.next("or"):
            result = self.both() or result  # both sides are read, so an error in either is seen
        return result

    def both(self) -> bool:
        result = self.negation()
        while self.next("and"):
            result = self.negation() and result
        return result

    def negation(self) -> bool:
        self.depth += 1
        if self.depth > MAX_ARITHMETIC_DEPTH:
            raise ValueError(f"'(', 'not' and '-' nest more than {MAX_ARITHMETIC_DEPTH} deep")
        try:
            if self.next("not"):
                return not self.negation()
            return self.simple()
        finally:
            self.depth -= 1

    def simple(self) -> bool:
        start = self.at
        if self.at < len(self.tokens) and self.tokens[self.at] == ("op", "("):  # a condition in parentheses, or arithmetic
            self.at += 1
            try:
                inner = self.either()
                if self.next(")") and not self.peek(*_COMPARE, "+", "-", "*", "//"):
                    return inner
            except ValueError:
                pass
            self.at = start
        flag = self.flag()
        if flag is not None:
            return flag
        left = self.expression()
        op = self.next(*_COMPARE)
        if op is None:
            shown = self.tokens[self.at][1] if self.at < len(self.tokens) else "the end"
            raise ValueError(f"a comparison (== != < <= > >=) should come before {shown!r}" if shown != "the end"
                             else "it ends where a comparison (== != < <= > >=) should come")
        right = self.expression()
        return {"==": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
                ">": left > right, ">=": left >= right}[op]

    def flag(self) -> bool | None:
        """`true`, `false`, or an argument that is true or false, standing alone."""
        if self.at >= len(self.tokens):
            return None
        kind, text = self.tokens[self.at]
        if kind == "op" and text in ("true", "false"):
            self.at += 1
            return text == "true"
        if kind == "name" and isinstance(self.args.get(text), bool):
            self.at += 1
            return bool(self.args[text])
        if kind == "name" and text in self.args and not isinstance(self.args[text], int) and not self.peek_at(self.at + 1, *_COMPARE):
            raise ValueError(f"'{text}' is {quote(self.args[text], 40)}: a condition compares whole numbers, or takes a true/false argument")
        return None

    def peek(self, *ops: str) -> bool:
        return self.peek_at(self.at, *ops)

    def peek_at(self, at: int, *ops: str) -> bool:
        return at < len(self.tokens) and self.tokens[at][0] == "op" and self.tokens[at][1] in ops


def holds(value: Any, args: dict[str, Any], spent: list[int] | None = None) -> bool:
    """Whether a layer's `when:` holds: true or false as written, or a condition's text (ValueError says what is wrong);
    `spent[0]` counts the tokens of the conditions worked out (not those remembered)."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(f"'when' must be a condition such as \"stride == 1 and inp == out\", not {quote(value, 40)}")
    condition = Condition(value, args)
    try:  # the same condition on the same values of the arguments it names: the same answer
        key = (value, tuple(args.get(t) for kind, t in condition.tokens if kind == "name"))
        held = HELD.get(key)
    except TypeError:  # a list among them: not remembered
        key, held = None, None
    if held is None:
        if spent is not None:
            spent[0] += len(condition.tokens)
        held = condition.holds()
        if key is not None and len(HELD) < CACHE_MAX * 16:
            HELD[key] = held
    return held


def present(row: Any, args: dict[str, Any], where: str, spent: list[int] | None = None) -> bool:
    """Whether a layer of a block is there at this use: no `when:`, or one that holds (a SpecError at `where` says why not).
    `spent` bounds the work of one spec's conditions: past MAX_CONDITION_WORK tokens worked out, it is refused."""
    if "when" not in row:
        return True
    if spent is not None and spent[0] > MAX_CONDITION_WORK:
        raise SpecError(where, f"the spec's 'when' conditions take more than {MAX_CONDITION_WORK:,} steps to work out at all their uses",
                        "shorter conditions, or fewer uses of the blocks that have them")
    try:
        return holds(row["when"], args, spent)
    except ValueError as exc:
        text = row["when"] if isinstance(row["when"], str) else ""
        shown = printable(text if len(text) <= 60 else text[:59] + "…")
        names = ", ".join(printable(str(a))[:40] for a in list(args)[:12])
        raise SpecError(where, f"cannot work out 'when: {shown}': {exc}" if shown else str(exc),
                        HINT + (f"; this block's arguments: {names}" if names else "")) from None


def refuse_outside(row: Any, label: str) -> None:
    """`when:` on a layer of the spec's own list: there are no arguments to test."""
    if hasattr(row, "get") and "when" in row:
        line = row.key_lines.get("when", row.line)
        raise SpecError(f"{label}:{line}: layer '{printable(str(row.get('name')))[:60]}'", "'when' is for the layers of a block: it tests the block's arguments",
                        "move the layer into a block, or remove 'when' (a layer of the spec's own list is always there)")


__all__ = ["HINT", "Condition", "holds", "present", "refuse_outside"]
