"""The one user-error type. Anything else that escapes is a bug and should crash loudly."""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.records import quick_init


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class Location:
    """A place in a spec: the file, the line, and what is there ('layer', 'claim for layer', or nothing)."""

    file: str
    line: int | None = None
    layer: str | None = None
    role: str = "layer"
    note: str = ""  # where a layer expanded from a block came from

    def __str__(self) -> str:  # "specs/net.yaml:12: layer 'conv1'"
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        return text + (f": {self.role} '{self.layer}'{self.note}" if self.layer is not None else "")


class ArchcalcError(Exception):
    """Something the user can fix: a bad spec, a missing file, a missing optional tool."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\nhint: {hint}")


class SpecError(ArchcalcError):
    """A problem at a place in a spec: `where` is 'file:line: layer NAME' or a part of it, or a Location."""

    def __init__(self, where: str | Location, problem: str, hint: str | None = None) -> None:
        self.where = str(where)
        self.location = where if isinstance(where, Location) else None
        self.problem = problem
        super().__init__(f"{self.where}: {problem}" if self.where else problem, hint)
