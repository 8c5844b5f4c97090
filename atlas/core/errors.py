"""Errors that name the file, row, column and value, so a user can fix the input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from atlas.core.messages import Message, msg
from atlas.core.schema import Lang


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of the input.

    `row` is the 1-based data row as a spreadsheet shows it after the header (header = row 1,
    first record = row 2), or None when the problem concerns the whole file.
    """

    file: str
    message: str
    """The English text (`text` gives either language)."""
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"
    localised: Message | None = field(default=None, compare=False, repr=False)
    """The catalogue message behind `message`, when there is one."""

    @classmethod
    def of(
        cls,
        file: str,
        message: Message | str,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        severity: str = "error",
    ) -> Problem:
        """A problem whose message is a catalogue `Message` (shown in Chinese or English) or plain text."""
        if isinstance(message, Message):
            return cls(file, message.text("en"), row, column, value, severity, message)
        return cls(file, message, row, column, value, severity)

    def text(self, lang: Lang) -> str:
        """The message in `lang` (plain-text messages exist in English only)."""
        return self.localised.text(lang) if self.localised is not None else self.message

    def describe(self, lang: Lang = "en") -> str:
        """File, row, column, message and value in one line, in `lang`."""
        where = msg("where_file", file=self.file)
        if self.row is not None:
            where = msg("where_row", where=where, row=self.row)
        if self.column:
            where = msg("where_column", where=where, column=self.column)
        line = msg("where_message", where=where, message=self.text(lang))
        if self.value is not None:
            line = msg("with_value", line=line, value=self.value)
        return line.text(lang)

    def __str__(self) -> str:
        return self.describe("en")

    def as_dict(self, lang: Lang = "en") -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.text(lang),
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

    def __init__(self, message: str | Message = "") -> None:
        super().__init__(str(message))
        self.localised = message if isinstance(message, Message) else None

    def text(self, lang: Lang) -> str:
        """The line in `lang` (plain-text errors exist in English only)."""
        return self.localised.text(lang) if self.localised is not None else str(self)


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise one `DataValidationError` holding every error-severity problem, if there are any."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataValidationError(errors)


def error_text(error: Exception, lang: Lang) -> str:
    """What a user reads about an error, in `lang`: every problem of a `DataValidationError`, one per line."""
    if isinstance(error, DataValidationError):
        return "\n".join(problem.describe(lang) for problem in error.problems)
    if isinstance(error, AtlasError):
        return error.text(lang)
    return str(error)
