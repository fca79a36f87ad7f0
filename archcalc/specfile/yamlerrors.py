"""PyYAML's errors as a spec's messages: the file, the line, the problem in a spec's words, and a hint."""

from __future__ import annotations

import yaml

from archcalc.errors import SpecError
from archcalc.specfile.yamlbase import Refused


def yaml_problem(exc: yaml.YAMLError, text: str, label: str) -> SpecError:
    """The message for what PyYAML (or archcalc's loader, yamlmap) raised reading `text`, the spec named `label`."""
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


__all__ = ["yaml_problem"]
