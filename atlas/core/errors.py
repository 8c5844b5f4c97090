"""Errors that name the file, row, column and value, so a user can fix the input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of the input.

    `row` is the 1-based data row as a spreadsheet shows it after the header (header = row 1,
    first record = row 2), or None when the problem concerns the whole file.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass
class DataValidationError(Exception):
    """Every problem found in the data at once, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{len(self.problems)} problem(s) in the data:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class AtlasError(Exception):
    """A user-facing error with one clear line (unknown id, unwritable path, unreadable file)."""


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise one `DataValidationError` holding every error-severity problem, if there are any."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataValidationError(errors)
