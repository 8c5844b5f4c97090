"""Uploaded registry bytes → a grid of text cells: format, encoding, size and binary checks in one place."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

from openpyxl import load_workbook

from atlas.core.errors import AtlasError
from atlas.core.messages import msg

GridKind = Literal["csv", "xlsx"]

MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "kind_xls"),
    (b"%PDF", "kind_pdf"),
    (b"\x89PNG", "kind_png"),
    (b"\xff\xd8\xff", "kind_jpeg"),
    (b"GIF8", "kind_gif"),
    (b"\x1f\x8b", "kind_gzip"),
    (b"Rar!", "kind_rar"),
    (b"7z\xbc\xaf", "kind_7z"),
    (b"SQLite format 3", "kind_sqlite"),
)
"""File signatures users upload by mistake, each with the message key that tells them what they uploaded."""

ZIP_MAGIC: Final[bytes] = b"PK\x03\x04"
DELIMITERS: Final[tuple[str, ...]] = (",", "\t", ";", "|")
MAX_COLUMNS: Final[int] = 500
"""Cells read per row; a registry has ~25 columns, a sheet formatted to column XFD has 16,384 empty ones."""
CONTROL_SHARE_LIMIT: Final[float] = 0.01
"""Decoded text with more than 1 % control characters (besides tab/CR/LF) is binary data, not a table..."""
CONTROL_MIN_COUNT: Final[int] = 8
"""...unless there are only a few: a stray \x1f pasted into one cell of a short list is still a list."""
HEAD_BYTES: Final[int] = 1 << 20
"""The part of a file read first: format, encoding, binary check and delimiter are decided on it."""


class ImportFileError(AtlasError):
    """The file cannot be read as a registry at all (empty, binary, too big, not CSV/XLSX): one clear line."""


@dataclass
class RowSource:
    """The non-empty rows of a registry file, read lazily, with what was read and how far.

    `rows` yields (spreadsheet row number, text cells); a big file is never held whole in memory.
    """

    rows: Iterator[tuple[int, tuple[str, ...]]]
    kind: GridKind
    encoding: str
    """"utf-8", "utf-8-sig", "gb18030", "utf-16" for CSV; "xlsx" for workbooks."""
    size: int
    """Bytes in the file."""
    position: Callable[[], int] = field(default=lambda: 0)
    """Bytes read so far (for a progress bar; XLSX reports 0 until done)."""
    sheet: str | None = None
    sheets: int = 1


def open_rows(
    source: bytes | Path, *, filename: str, max_bytes: int | None = None, max_rows: int | None = None
) -> RowSource:
    """Open CSV (UTF-8, UTF-8 BOM, UTF-16 BOM, GBK/GB18030) or XLSX, from bytes or a file, as lazy text rows.

    Limits are `None` for none (an administrator's local file); a browser upload passes both.

    Raises
    ------
    ImportFileError
        Naming the file and what is wrong: empty, over `max_bytes`, a known non-table format, binary,
        undecodable, a broken workbook, or (while reading) more than `max_rows` rows.
    """
    size = len(source) if isinstance(source, bytes) else _file_size(source, filename)
    if max_bytes is not None and size > max_bytes:
        raise ImportFileError(msg("file_too_big", file=filename, size=f"{size:,}", limit=f"{max_bytes:,}",
                                  setting="ATLAS_IMPORT_MAX_BYTES"))
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
    try:
        head = stream.read(HEAD_BYTES)
        if not head.strip() and size <= len(head):
            raise ImportFileError(msg("file_empty", file=filename))
        for magic, what in MAGIC:
            if head.startswith(magic):
                raise ImportFileError(msg("file_is", file=filename, what=msg(what)))
        stream.seek(0)
        if head.startswith(ZIP_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
            return _xlsx_rows(stream, filename=filename, size=size, max_rows=max_rows)
        return _csv_rows(stream, head, filename=filename, size=size, max_rows=max_rows)
    except BaseException:
        stream.close()
        raise


def _file_size(path: Path, filename: str) -> int:
    try:
        if path.is_dir():
            raise ImportFileError(msg("file_is_folder", file=filename))
        return path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError(msg("file_missing", file=filename)) from None
    except OSError as exc:
        raise ImportFileError(msg("file_unreadable", file=filename, reason=exc.strerror)) from None


def decode_text(data: bytes, *, filename: str, final: bool = True) -> tuple[str, str]:
    """Decode by BOM, then strict UTF-8, then strict GB18030 (a superset of GBK that Excel writes in China).

    With ``final=False`` `data` is the head of a longer file: a character cut at its end is not an error.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", filename, final), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data[len(codecs.BOM_UTF8) :], "utf-8", filename, final), "utf-8-sig"
    elif b"\x00" in data:
        raise ImportFileError(msg("file_binary_nul", file=filename))
    else:
        try:
            text, encoding = codecs.getincrementaldecoder("utf-8")().decode(data, final), "utf-8"
        except UnicodeDecodeError as utf8_error:
            try:
                text, encoding = codecs.getincrementaldecoder("gb18030")().decode(data, final), "gb18030"
            except UnicodeDecodeError:
                raise ImportFileError(msg("file_undecodable", file=filename, byte=f"{data[utf8_error.start]:02x}",
                                          offset=utf8_error.start)) from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if "\x00" in text or controls > max(CONTROL_MIN_COUNT, CONTROL_SHARE_LIMIT * len(text)):
        raise ImportFileError(msg("file_binary", file=filename))
    return text, encoding


def _strict(data: bytes, encoding: str, filename: str, final: bool) -> str:
    try:
        return str(codecs.getincrementaldecoder(encoding)().decode(data, final))
    except UnicodeDecodeError as exc:
        raise ImportFileError(msg("file_bad_bom", file=filename, encoding=encoding.upper(), offset=exc.start)) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter used most often outside quotes in the first non-empty line ("," when none is used)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    outside = "".join(part for i, part in enumerate(first.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    return "，" if "，" in outside else ","  # a header typed with the full-width comma in a text editor


def _csv_rows(stream: BinaryIO, head: bytes, *, filename: str, size: int, max_rows: int | None) -> RowSource:
    """CSV rows decoded as the head says (BOM, UTF-8 or GB18030), read lazily through the whole file."""
    text, encoding = decode_text(head, filename=filename, final=len(head) >= size)
    text_stream = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    rows = _csv_reader_rows(text_stream, sniff_delimiter(text), filename=filename, max_rows=max_rows)
    return RowSource(rows=rows, kind="csv", encoding=encoding, size=size, position=_position_of(stream))


def _position_of(stream: BinaryIO) -> Callable[[], int]:
    def position() -> int:
        try:
            return stream.tell()
        except (OSError, ValueError):  # closed once read to the end
            return 0

    return position


def _csv_reader_rows(
    text_stream: io.TextIOWrapper, delimiter: str, *, filename: str, max_rows: int | None
) -> Iterator[tuple[int, tuple[str, ...]]]:
    with text_stream:
        reader = csv.reader(text_stream, delimiter=delimiter)
        number, filled = 0, 0
        try:
            for number, cells in enumerate(reader, start=1):
                if any(cell.strip() for cell in cells):
                    filled += 1
                    if max_rows is not None and filled > max_rows:
                        raise ImportFileError(msg("file_too_many_rows", file=filename, limit=f"{max_rows:,}"))
                    yield number, tuple(cells[:MAX_COLUMNS])
        except csv.Error as exc:
            raise ImportFileError(msg("file_csv_unreadable", file=filename, row=number + 1, detail=exc)) from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(msg("file_undecodable", file=filename, byte=f"{exc.object[exc.start]:02x}",
                                      offset=f"~{exc.start}")) from None
        if not filled:
            raise ImportFileError(msg("file_no_cells", file=filename))


def _xlsx_rows(stream: BinaryIO, *, filename: str, size: int, max_rows: int | None) -> RowSource:
    """The first filled sheet's rows, streamed by openpyxl's read-only mode."""
    # openpyxl reports style/extension quirks of real-world workbooks as warnings (errors under pytest)
    # and fails on malformed parts with many exception types (zip, XML, KeyError, ValueError, ...):
    # every failure here means the same thing to a user, "this workbook cannot be read".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(msg("xlsx_unreadable", file=filename, detail=type(exc).__name__)) from None
        try:
            sheets = list(book.worksheets)
            for sheet in sheets:
                rows = _sheet_rows(sheet, filename=filename, max_rows=max_rows)
                first = next(rows, None)
                if first is not None:
                    return RowSource(rows=_closing(book, stream, itertools.chain([first], rows), filename), kind="xlsx",
                                     encoding="xlsx", size=size, sheet=str(sheet.title), sheets=len(sheets))
        except ImportFileError:
            book.close()
            raise
        except Exception as exc:
            book.close()
            raise ImportFileError(msg("xlsx_unreadable", file=filename, detail=type(exc).__name__)) from None
    book.close()
    raise ImportFileError(msg("xlsx_no_cells", file=filename))


def _closing(book: Any, stream: BinaryIO, rows: Iterator[tuple[int, tuple[str, ...]]], filename: str
             ) -> Iterator[tuple[int, tuple[str, ...]]]:
    """`rows` while the workbook stays open; closed when read to the end (or abandoned)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield from rows
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(msg("xlsx_unreadable", file=filename, detail=type(exc).__name__)) from None
    finally:
        book.close()
        stream.close()


def _sheet_rows(sheet: Any, *, filename: str, max_rows: int | None) -> Iterator[tuple[int, tuple[str, ...]]]:
    filled = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if max_rows is not None and number > 2 * max_rows + 1000:  # millions of blank rows: a "zip bomb"
            raise ImportFileError(msg("file_too_many_rows", file=filename, limit=f"{2 * max_rows + 1000:,}"))
        cells = tuple(cell_text(v) for v in values[:MAX_COLUMNS])
        if any(c.strip() for c in cells):
            filled += 1
            if max_rows is not None and filled > max_rows:
                raise ImportFileError(msg("file_too_many_rows", file=filename, limit=f"{max_rows:,}"))
            yield number, cells


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
