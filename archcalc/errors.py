"""The one user-error type. Anything else that escapes is a bug and should crash loudly."""

from __future__ import annotations


class ArchcalcError(Exception):
    """Something the user can fix: a bad spec, a missing file, a missing optional tool."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\nhint: {hint}")


class SpecError(ArchcalcError):
    """A problem at a place in a spec: `where` is 'file:line: layer NAME' or a part of it."""

    def __init__(self, where: str, problem: str, hint: str | None = None) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem, hint)
