"""Reading CSV tables cell by cell, collecting every problem with its file, row and column."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from atlas.core.errors import Problem
from atlas.core.memory import release_freed_memory
from atlas.core.messages import Message, msg
from atlas.core.schema import LIST_SEPARATOR

FIRST_DATA_ROW = 2
"""Spreadsheet row number of the first record (the header is row 1)."""

AS_OF_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
ARROW_CSV_MIN_BYTES = 4_000_000
"""CSV files from this size on (a registry of ~10 000 rows) are read by Arrow; smaller ones by pandas' parser."""
SHARED_TEXT_MIN_ROWS = 20_000
"""Tables from this many rows on keep their repetitive text columns as shared Python strings (`share_repeated_text`)."""
SHARED_TEXT_MAX_RATIO = 0.02
"""A column is repetitive when it has at most this many distinct values per row (status, source, county, ...)."""


def read_csv_table(
    path: Path,
    columns: Sequence[str],
    *,
    label: str,
    optional: Sequence[str] = (),
    renamed: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a UTF-8 CSV as text cells; report a missing file, bad encoding or missing columns.

    Every cell is a stripped string ("" = unknown) so that parsing and its error messages happen
    in one place (`parse_*` below), with the row numbers a spreadsheet would show. Columns named in
    `optional` (added to the schema later) are filled with "" when a file predates them; a column
    under an old name in `renamed` (old -> new) is read as the new one (`upgrade_legacy_columns`).
    """
    if not path.exists():
        return pd.DataFrame(columns=list(columns)), [Problem.of(label, msg("table_file_missing"))]
    try:
        frame = _read_large_csv(path) if path.stat().st_size >= ARROW_CSV_MIN_BYTES else None
        if frame is None:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        return pd.DataFrame(columns=list(columns)), [Problem.of(label, msg("table_not_utf8", reason=exc.reason))]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return pd.DataFrame(columns=list(columns)), [Problem.of(label, msg("table_not_csv", detail=exc))]
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = upgrade_legacy_columns(frame, renamed or {})
    problems = [
        Problem.of(label, msg("table_column_missing", columns=", ".join(columns)), column=c)
        for c in columns
        if c not in frame.columns and c not in optional
    ]
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
    # Column-wise (not cell-wise `frame.map`): a million-row registry strips in seconds, not minutes.
    for c in frame.columns:
        frame[c] = frame[c].str.strip()
    frame = frame.reset_index(drop=True)
    return share_repeated_text(frame), problems


def upgrade_legacy_columns(frame: pd.DataFrame, renamed: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with each old column name (`renamed`: old -> new) under its new name.

    A file written before a column was renamed still loads, with no error: a bureau's registry saved
    with one English ``notes`` column reads as ``notes_en``. A file holding both names keeps the new
    one, and the old one is then an unknown column like any other.
    """
    present = set(map(str, frame.columns))
    moves = {old: new for old, new in renamed.items() if old in present and new not in present}
    return frame.rename(columns=moves) if moves else frame


def share_repeated_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each repetitive text column (few distinct values) as object cells sharing one string per value.

    A million-row registry repeats its status, stage, county, source or company in every row: Arrow
    stores each copy's bytes (17-70 MB a column), and every filtered view copies them again; shared
    Python strings cost one pointer a row, in the atlas and in each view. Values and text behaviour
    stay the same (the column is object instead of str); small tables are left alone.
    """
    if len(frame) < SHARED_TEXT_MIN_ROWS:
        return frame
    columns = {}
    for c in list(frame.columns):  # popped one by one, so each replaced column is freed before the next is made
        columns[c] = _shared_or_one_chunk(frame.pop(c))
        release_freed_memory()  # each replaced column is freed before the next is made
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _shared_or_one_chunk(values: pd.Series) -> pd.Series:
    if values.dtype == object or not pd.api.types.is_string_dtype(values.dtype):
        return values
    # The first rows decide cheaply that names, ids and numbers are not repetitive (factorising them costs ~100 MB).
    if values.iloc[:SHARED_TEXT_MIN_ROWS].nunique() <= SHARED_TEXT_MAX_RATIO * SHARED_TEXT_MIN_ROWS:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        if len(uniques) <= SHARED_TEXT_MAX_RATIO * len(values):
            return pd.Series(np.asarray(uniques, dtype=object)[codes], index=values.index, dtype=object)
    return one_chunk(values)


def one_chunk(values: pd.Series) -> pd.Series:
    """An Arrow-backed text column held as one Arrow array instead of the reader's many chunks.

    Arrow's `take` concatenates a chunked column before taking rows, so each filtered view of a
    chunked million-row column would briefly cost the whole column again (~400 MB for the search keys).
    """
    if values.dtype == object or not pd.api.types.is_string_dtype(values.dtype):
        return values
    chunked = pa.chunked_array(pa.array(values.array))
    if chunked.num_chunks <= 1:
        return values
    return pd.Series(pd.array(chunked.combine_chunks(), dtype=values.dtype), index=values.index, name=values.name)


def _read_large_csv(path: Path) -> pd.DataFrame | None:
    """A big registry through Arrow's multithreaded reader (7x faster, half the memory), or None.

    None whenever Arrow refuses the file (bad encoding, ragged rows, newlines inside quotes, ...):
    the caller then reads it with pandas' own parser, whose errors are the ones users are shown.
    """
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", engine="pyarrow")
    except (pa.ArrowInvalid, ValueError):
        return None


def row_number(index: int) -> int:
    """Spreadsheet row of the record at 0-based position `index`."""
    return index + FIRST_DATA_ROW


def parse_numbers(
    frame: pd.DataFrame, column: str, *, label: str, minimum: float | None = None
) -> tuple[pd.Series, list[Problem]]:
    """Parse a numeric column: "" → NaN (unknown, never 0); anything else must be a finite number.

    Plain decimal text is parsed in one vectorised pass; a column holding anything else (text,
    "1_000", full-width digits) is parsed cell by cell with Python's `float`, which decides.
    """
    raw = frame[column]
    filled = (raw != "").to_numpy(dtype=bool)
    values = np.full(len(raw), math.nan)
    try:
        values[filled] = pc.cast(pa.array(raw.to_numpy()[filled], type=pa.string()), pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = np.asarray([_to_float(v) if v != "" else math.nan for v in raw], dtype=float)
    problems: list[Problem] = []
    bad = filled & ~np.isfinite(values)
    low = np.zeros(len(raw), dtype=bool) if minimum is None else filled & (values < minimum)
    for i in np.flatnonzero(bad | low):
        message = msg("value_not_number") if bad[i] else msg("value_below_minimum", minimum=f"{minimum:g}")
        problems.append(Problem.of(label, message, row_number(int(i)), column, str(raw.iat[int(i)])))
        if bad[i]:
            values[i] = math.nan
    return pd.Series(values, index=frame.index, dtype="float64"), problems


def _to_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_lists(frame: pd.DataFrame, column: str) -> pd.Series:
    """Split a ';'-joined cell into a list of non-empty strings.

    Split once per distinct cell text: rows with the same text share one list object (a
    million-row registry has a handful of distinct cluster lists), so treat cells as read-only.
    """
    parsed = {raw: [p.strip() for p in str(raw).split(LIST_SEPARATOR) if p.strip()] for raw in pd.unique(frame[column])}
    return frame[column].map(parsed).astype(object)


def problems_by_value(
    values: pd.Series, check: Callable[[str], list[tuple[Message | str, str]]], *, label: str, column: str
) -> list[Problem]:
    """Run `check` once per distinct cell text and report its (message, value) pairs on every row holding it.

    Rows come out in order, each row's pairs in `check`'s order: the same list a cell-by-cell loop
    gives, in time proportional to the number of distinct values (few, in a big registry's
    controlled columns).
    """
    found = {v: check(v) for v in pd.unique(values)}
    bad = {v: pairs for v, pairs in found.items() if pairs}
    if not bad:
        return []
    rows = np.flatnonzero(values.isin(list(bad)).to_numpy(dtype=bool))
    return [
        Problem.of(label, message, row_number(int(i)), column, value)
        for i in rows
        for message, value in bad[values.iat[int(i)]]
    ]


def check_required(frame: pd.DataFrame, columns: Iterable[str], *, label: str) -> list[Problem]:
    """Every named column must be filled in every row."""
    return [
        Problem.of(label, msg("value_required"), row_number(int(i)), column, "")
        for column in columns
        for i in np.flatnonzero((frame[column] == "").to_numpy(dtype=bool))
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
    message = msg("value_not_allowed", valid=", ".join(sorted(allowed_set)))

    def check(raw: str) -> list[tuple[Message | str, str]]:
        items = [p.strip() for p in str(raw).split(LIST_SEPARATOR) if p.strip()] if multi else [raw]
        return [(message, item) for item in items if not (item == "" and optional) and item not in allowed_set]

    return problems_by_value(frame[column], check, label=label, column=column)


def check_unique(frame: pd.DataFrame, column: str, *, label: str) -> list[Problem]:
    """Ids must be unique within a table."""
    values = frame[column]
    repeated = np.flatnonzero((values.duplicated() & (values != "")).to_numpy(dtype=bool))
    if not len(repeated):
        return []
    codes, _ = pd.factorize(values)
    _, first = np.unique(codes, return_index=True)  # codes number values in order of first appearance
    return [
        Problem.of(label, msg("id_duplicate", row=row_number(int(first[codes[i]]))), row_number(int(i)), column,
                   str(values.iat[int(i)]))
        for i in repeated
    ]


def check_as_of(frame: pd.DataFrame, *, label: str, column: str = "as_of") -> list[Problem]:
    """`as_of` is a year, year-month or date (YYYY, YYYY-MM, YYYY-MM-DD)."""

    def check(raw: str) -> list[tuple[Message | str, str]]:
        return [(msg("as_of_format"), raw)] if raw != "" and not AS_OF_PATTERN.match(raw) else []

    return problems_by_value(frame[column], check, label=label, column=column)
