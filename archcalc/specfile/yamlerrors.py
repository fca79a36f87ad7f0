"""PyYAML's errors as a spec's messages: the file, the line, the problem in a spec's words, and a hint."""

from __future__ import annotations

import yaml

from archcalc.errors import SpecError
from archcalc.specfile.yamlbase import Refused

_FLOWS = {"while parsing a flow mapping": ("{", "}"), "while parsing a flow sequence": ("[", "]")}


def yaml_problem(exc: yaml.YAMLError, text: str, label: str) -> SpecError:
    """The message for what PyYAML (or archcalc's loader, yamlmap) raised reading `text`, the spec named `label`."""
    opened = _unclosed(exc, text)
    if opened is not None:  # PyYAML notices a row's missing '}' only on a later line: said where the row is
        (start, noticed), (bracket, closing) = opened
        return SpecError(f"{label}:{start}", f"not a valid spec: the '{bracket}' opened on line {start} is not closed before line {noticed}",
                         f"end it with '{closing}' on line {start}")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or "not valid YAML"
        if "could not determine a constructor" in str(exc):
            problem = f"{problem.split(' for the tag')[0]}: tags that build Python objects are not allowed"
        lines = text.splitlines()
        if isinstance(exc, Refused):
            hint = exc.hint
        elif "appears twice" in problem:
            hint = "keep one of the two"
        elif mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            hint = f"YAML does not allow tabs for indentation: replace the tab on line {mark.line + 1} with spaces"
        else:
            hint = "specs are plain YAML mappings"
        return SpecError(f"{label}{line}", f"not a valid spec: {problem}", hint)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow, where PyYAML says only its position
        at = text.count("\n", 0, max(exc.position, 0)) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        return SpecError(f"{label}:{at}", f"not a valid spec: the character {ascii(chr(code))} (U+{code:04X}) is not allowed in YAML",
                         "a spec is plain text: remove the character")
    return SpecError(label, f"not valid YAML: {exc}")



def _unclosed(exc: yaml.YAMLError, text: str) -> tuple[tuple[int, int], tuple[str, str]] | None:
    """((the line a flow mapping or list opened on, the line PyYAML noticed it unclosed), its brackets), or None: where
    the line it opened on does not end in ',' (a row written on one line; one that goes on is left to PyYAML's line)."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.context not in _FLOWS or exc.context_mark is None or exc.problem_mark is None:
        return None
    start, noticed = exc.context_mark.line, exc.problem_mark.line
    lines = text.splitlines()
    if start >= noticed or "expected ','" not in (exc.problem or "") or start >= len(lines) or lines[start].rstrip().endswith(","):
        return None
    return (start + 1, noticed + 1), _FLOWS[exc.context]


__all__ = ["yaml_problem"]
