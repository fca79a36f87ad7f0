"""The $ arithmetic of block arguments (`filters: $filters * 4`): archcalc's own small language, bounded."""

from __future__ import annotations

import re
from typing import Any

from archcalc.errors import SpecError
from archcalc.kinds.terms.values import quote
from archcalc.limits import MAX_ARITHMETIC_CHARS, MAX_ARITHMETIC_DEPTH, MAX_ARITHMETIC_DIGITS
from archcalc.text import printable

_TOKEN = re.compile(r"\s*(?:(\d+)|\$?([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*()]))")


class Arithmetic:
    """The $ arithmetic of block arguments, archcalc's own small language (never Python's parser):

        expression := term (('+' | '-') term)*        term := factor (('*' | '//') factor)*
        factor := '-' factor | '(' expression ')' | whole number | $name

    Names are the block's arguments, which must be whole numbers; `//` divides and rounds down.
    Bounded (archcalc.limits): the text's length, how deep '(' and '-' nest, and every value's digits."""

    MAX_DIGITS = MAX_ARITHMETIC_DIGITS  # a value past 10^30 is no layer's size: refuse it rather than compute it

    def __init__(self, text: str, args: dict[str, Any]) -> None:
        if len(text) > MAX_ARITHMETIC_CHARS:
            raise ValueError(f"it is {len(text):,} characters long; arithmetic is at most {MAX_ARITHMETIC_CHARS:,}")
        self.tokens: list[tuple[str, str]] = []
        pos, text = 0, text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ValueError(f"'{text[pos:].strip()[:1]}' is not part of the arithmetic")
            number, name, op = m.groups()
            self.tokens.append(("number", number) if number else ("name", name) if name else ("op", op))
            pos = m.end()
        self.args, self.at, self.depth = args, 0, 0

    def value(self) -> int:
        result = self.expression()
        if self.at < len(self.tokens):
            raise ValueError(f"'{self.tokens[self.at][1]}' does not belong there")
        return result

    def next(self, *ops: str) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "op" and self.tokens[self.at][1] in ops:
            self.at += 1
            return self.tokens[self.at - 1][1]
        return None

    def expression(self) -> int:
        result = self.term()
        while (op := self.next("+", "-")) is not None:
            result = self.bounded(result + self.term() if op == "+" else result - self.term())
        return result

    def term(self) -> int:
        result = self.factor()
        while (op := self.next("*", "//")) is not None:
            right = self.factor()
            if op == "//" and right == 0:
                raise ValueError("division by zero")
            result = self.bounded(result * right if op == "*" else result // right)
        return result

    def factor(self) -> int:
        if self.at < len(self.tokens) and self.tokens[self.at][1] in ("-", "("):
            self.depth += 1
            if self.depth > MAX_ARITHMETIC_DEPTH:
                raise ValueError(f"'(' and '-' nest more than {MAX_ARITHMETIC_DEPTH} deep")
            try:
                return self.nested()
            finally:
                self.depth -= 1
        return self.atom()

    def nested(self) -> int:
        if self.next("-"):
            return -self.factor()
        self.next("(")
        result = self.expression()
        if not self.next(")"):
            raise ValueError("a '(' is not closed")
        return result

    def atom(self) -> int:
        if self.at >= len(self.tokens):
            raise ValueError("it ends where a number or a $name should come")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "number":
            return self.bounded(int(text.lstrip("0")[: self.MAX_DIGITS + 1] or "0"))
        if kind == "name":
            if text not in self.args:
                raise ValueError(no_argument(text, self.args))
            value = self.args[text]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"'{text}' is {quote(value, 40)}, not a whole number")
            return self.bounded(value)
        raise ValueError(f"'{text}' where a number or a $name should come")

    def bounded(self, value: int) -> int:
        if abs(value) >= 10**self.MAX_DIGITS:
            raise ValueError(f"a value past 10^{self.MAX_DIGITS}")
        return value


def no_argument(text: str, args: dict[str, Any]) -> str:
    """"'inpt' names no argument of the block (did you mean 'inp'?)": a name used in arithmetic or a `when:`."""
    import difflib

    near = difflib.get_close_matches(text.lstrip("$"), [str(a) for a in args], n=1, cutoff=0.6)
    return f"'{text}' names no argument of the block" + (f" (did you mean '{near[0]}'?)" if near else "")


def substitute(value: Any, args: dict[str, Any], where: str) -> Any:
    """'$filters' -> the argument; '$filters * 4' -> integer arithmetic; lists element by element."""
    if isinstance(value, list):
        return [substitute(v, args, where) for v in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    text = value.strip()
    if text.startswith("$") and text[1:].isidentifier():
        if text[1:] not in args:
            raise SpecError(where, no_argument(text, args), f"arguments: {', '.join(args) or 'none'}")
        return args[text[1:]]
    try:
        return Arithmetic(text, args).value()
    except ValueError as exc:
        shown = printable(text if len(text) <= 60 else text[:59] + "…")
        raise SpecError(where, f"cannot work out '{shown}': {exc}", "use $name, or whole-number arithmetic with + - * // and ( )") from None
