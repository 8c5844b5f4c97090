"""Reading CSV tables cell by cell, collecting every problem with its file, row and column."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from atlas.errors import Problem
from atlas.schema import LIST_SEPARATOR

FIRST_DATA_ROW = 2
"""Spreadsheet row number of the first record (the header is row 1)."""

AS_OF_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def read_csv_table(
    path: Path, columns: Sequence[str], *, label: str, optional: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a UTF-8 CSV as text cells; report a missing file, bad encoding or missing columns.

    Every cell is a stripped string ("" = unknown) so that parsing and its error messages happen
    in one place (`parse_*` below), with the row numbers a spreadsheet would show. Columns named in
    `optional` (added to the schema later) are filled with "" when a file predates them.
    """
    if not path.exists():
        return pd.DataFrame(columns=list(columns)), [Problem(label, "file is missing")]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        return pd.DataFrame(columns=list(columns)), [Problem(label, f"not UTF-8 text ({exc.reason})")]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return pd.DataFrame(columns=list(columns)), [Problem(label, f"not a readable CSV: {exc}")]
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    problems = [
        Problem(label, f"required column is missing (expected columns: {', '.join(columns)})", column=c)
        for c in columns
        if c not in frame.columns and c not in optional
    ]
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame.reset_index(drop=True), problems


def row_number(index: int) -> int:
    """Spreadsheet row of the record at 0-based position `index`."""
    return index + FIRST_DATA_ROW


def parse_numbers(
    frame: pd.DataFrame, column: str, *, label: str, minimum: float | None = None
) -> tuple[pd.Series, list[Problem]]:
    """Parse a numeric column: "" → NaN (unknown, never 0); anything else must be a finite number."""
    values: list[float] = []
    problems: list[Problem] = []
    for i, raw in enumerate(frame[column]):
        if raw == "":
            values.append(math.nan)
            continue
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            problems.append(Problem(label, "is not a number (leave empty when unknown)", row_number(i), column, raw))
            values.append(math.nan)
            continue
        if minimum is not None and number < minimum:
            problems.append(Problem(label, f"must be ≥ {minimum:g}", row_number(i), column, raw))
        values.append(number)
    return pd.Series(values, index=frame.index, dtype="float64"), problems


def parse_lists(frame: pd.DataFrame, column: str) -> pd.Series:
    """Split a ';'-joined cell into a list of non-empty strings."""
    return frame[column].map(lambda raw: [p.strip() for p in str(raw).split(LIST_SEPARATOR) if p.strip()])


def check_required(frame: pd.DataFrame, columns: Iterable[str], *, label: str) -> list[Problem]:
    """Every named column must be filled in every row."""
    return [
        Problem(label, "must not be empty", row_number(i), column, "")
        for column in columns
        for i, raw in enumerate(frame[column])
        if raw == ""
    ]


def check_allowed(
    frame: pd.DataFrame,
    column: str,
    allowed: Iterable[str],
    *,
    label: str,
    optional: bool = False,
    multi: bool = False,
) -> list[Problem]:
    """Every value (each list item when `multi`) must be one of `allowed`; the message lists them."""
    allowed_set = {str(a) for a in allowed}
    problems = []
    for i, raw in enumerate(frame[column]):
        items = [p.strip() for p in str(raw).split(LIST_SEPARATOR) if p.strip()] if multi else [raw]
        for item in items:
            if item == "" and optional:
                continue
            if item not in allowed_set:
                valid = ", ".join(sorted(allowed_set))
                problems.append(Problem(label, f"unknown value; valid values: {valid}", row_number(i), column, item))
    return problems


def check_unique(frame: pd.DataFrame, column: str, *, label: str) -> list[Problem]:
    """Ids must be unique within a table."""
    seen: dict[str, int] = {}
    problems = []
    for i, raw in enumerate(frame[column]):
        if raw in seen and raw != "":
            problems.append(Problem(label, f"duplicate id (first used on row {seen[raw]})", row_number(i), column, raw))
        seen.setdefault(raw, row_number(i))
    return problems


def check_as_of(frame: pd.DataFrame, *, label: str, column: str = "as_of") -> list[Problem]:
    """`as_of` is a year, year-month or date (YYYY, YYYY-MM, YYYY-MM-DD)."""
    return [
        Problem(label, "must be YYYY, YYYY-MM or YYYY-MM-DD", row_number(i), column, raw)
        for i, raw in enumerate(frame[column])
        if raw != "" and not AS_OF_PATTERN.match(raw)
    ]
