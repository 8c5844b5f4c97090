"""Uploaded registry bytes → a grid of text cells: format, encoding, size and binary checks in one place."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Final, Literal

from atlas.core.errors import AtlasError

GridKind = Literal["csv", "xlsx"]

MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old .xls (or password-protected) workbook: save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document, not a table"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
    (b"GIF8", "a GIF image, not a table"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"Rar!", "a RAR archive: unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"),
    (b"SQLite format 3", "an SQLite/GeoPackage database, not a table"),
)
"""File signatures users upload by mistake, each with the line that tells them what they uploaded."""

ZIP_MAGIC: Final[bytes] = b"PK\x03\x04"
DELIMITERS: Final[tuple[str, ...]] = (",", "\t", ";", "|")
MAX_COLUMNS: Final[int] = 500
"""Cells read per row; a registry has ~25 columns, a sheet formatted to column XFD has 16,384 empty ones."""
CONTROL_SHARE_LIMIT: Final[float] = 0.01
"""Decoded text with more than 1 % control characters (besides tab/CR/LF) is binary data, not a table..."""
CONTROL_MIN_COUNT: Final[int] = 8
"""...unless there are only a few: a stray \x1f pasted into one cell of a short list is still a list."""


class ImportFileError(AtlasError):
    """The file cannot be read as a registry at all (empty, binary, too big, not CSV/XLSX): one clear line."""


@dataclass(frozen=True)
class Grid:
    """Every non-empty row of the first sheet as text cells, with the row number a spreadsheet shows."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    kind: GridKind
    encoding: str
    """"utf-8", "utf-8-sig", "gb18030", "utf-16" for CSV; "xlsx" for workbooks."""
    sheet: str | None = None
    sheets: int = 1


def read_grid(data: bytes, *, filename: str, max_bytes: int, max_rows: int) -> Grid:
    """Read CSV (UTF-8, UTF-8 BOM, UTF-16 BOM, GBK/GB18030) or XLSX bytes into text rows.

    Raises
    ------
    ImportFileError
        Naming the file and what is wrong: empty, over `max_bytes`, a known non-table format,
        binary, undecodable, a broken workbook or more than `max_rows` rows.
    """
    if len(data) > max_bytes:
        raise ImportFileError(
            f"{filename}: the file is {len(data):,} bytes, over the import limit of {max_bytes:,} bytes "
            "(ATLAS_IMPORT_MAX_BYTES)"
        )
    if not data.strip():
        raise ImportFileError(f"{filename}: the file is empty")
    for magic, what in MAGIC:
        if data.startswith(magic):
            raise ImportFileError(f"{filename}: this is {what}")
    if data.startswith(ZIP_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename=filename, max_rows=max_rows)
    text, encoding = decode_text(data, filename=filename)
    return _read_csv(text, encoding=encoding, filename=filename, max_rows=max_rows)


def decode_text(data: bytes, *, filename: str) -> tuple[str, str]:
    """Decode by BOM, then strict UTF-8, then strict GB18030 (a superset of GBK that Excel writes in China)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", filename), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data[len(codecs.BOM_UTF8) :], "utf-8", filename), "utf-8-sig"
    elif b"\x00" in data:
        raise ImportFileError(f"{filename}: binary data (NUL bytes), not a CSV text file or an XLSX workbook")
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as utf8_error:
            try:
                text, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{filename}: neither UTF-8 nor GBK/GB18030 text (undecodable byte "
                    f"0x{data[utf8_error.start]:02x} at offset {utf8_error.start}); save it as CSV UTF-8 or XLSX"
                ) from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if "\x00" in text or controls > max(CONTROL_MIN_COUNT, CONTROL_SHARE_LIMIT * len(text)):
        raise ImportFileError(f"{filename}: binary data, not a CSV text file or an XLSX workbook")
    return text, encoding


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{filename}: starts like {encoding.upper()} text but byte {exc.start} is not valid {encoding.upper()}"
        ) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter used most often outside quotes in the first non-empty line ("," when none is used)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    outside = "".join(part for i, part in enumerate(first.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    return "，" if "，" in outside else ","  # a header typed with the full-width comma in a text editor


def _read_csv(text: str, *, encoding: str, filename: str, max_rows: int) -> Grid:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, tuple[str, ...]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                rows.append((number, tuple(cells)))
            if len(rows) > max_rows:
                raise ImportFileError(f"{filename}: more than {max_rows:,} rows; split the file")
    except csv.Error as exc:
        raise ImportFileError(f"{filename}, row {number + 1}: not readable as CSV ({exc})") from None
    if not rows:
        raise ImportFileError(f"{filename}: the file is empty (no filled cells)")
    return Grid(rows=tuple(rows), kind="csv", encoding=encoding)


def _read_xlsx(data: bytes, *, filename: str, max_rows: int) -> Grid:
    from openpyxl import load_workbook  # only XLSX uploads need it

    # openpyxl reports style/extension quirks of real-world workbooks as warnings (errors under pytest)
    # and fails on malformed parts with many exception types (zip, XML, KeyError, ValueError, ...):
    # every failure here means the same thing to a user, "this workbook cannot be read".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(f"{filename}: not a readable XLSX workbook ({type(exc).__name__})") from None
        try:
            sheets = list(book.worksheets)
            for sheet in sheets:
                rows = _sheet_rows(sheet, filename=filename, max_rows=max_rows)
                if rows:
                    return Grid(rows=rows, kind="xlsx", encoding="xlsx", sheet=str(sheet.title), sheets=len(sheets))
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(f"{filename}: not a readable XLSX workbook ({type(exc).__name__})") from None
        finally:
            book.close()
    raise ImportFileError(f"{filename}: the workbook has no filled cells")


def _sheet_rows(sheet: object, *, filename: str, max_rows: int) -> tuple[tuple[int, tuple[str, ...]], ...]:
    rows: list[tuple[int, tuple[str, ...]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        if number > 2 * max_rows + 1000:  # millions of blank rows: an XLSX "zip bomb", not a registry
            raise ImportFileError(f"{filename}: more than {2 * max_rows + 1000:,} rows; split the file")
        cells = tuple(cell_text(v) for v in values[:MAX_COLUMNS])
        if any(c.strip() for c in cells):
            rows.append((number, cells))
            if len(rows) > max_rows:
                raise ImportFileError(f"{filename}: more than {max_rows:,} rows; split the file")
    return tuple(rows)


def cell_text(value: object) -> str:
    """An XLSX cell as the text a user typed: whole floats without ".0", dates as ISO, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
