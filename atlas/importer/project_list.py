"""Import a bureau's project list (CSV or XLSX): valid rows in the atlas's format, the rest held back with reasons."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from atlas.core.cells import capacity_unit, column_letter, format_number, investment_factor
from atlas.core.errors import AtlasError, Problem
from atlas.core.memory import release_freed_memory
from atlas.core.messages import Message, msg
from atlas.core.model import Atlas
from atlas.core.schema import PROJECT_COLUMNS, Lang
from atlas.geo.datum import SourceCrs
from atlas.importer.checks import CrossRowChecks, check_with_validation
from atlas.importer.files import ImportFileError, RowSource, open_rows
from atlas.importer.headers import LONLAT, PLACE, HeaderMap, check_column_map, find_header_row, map_headers
from atlas.importer.options import ImportOptions, check_options
from atlas.importer.places import build_places
from atlas.importer.positions import CRS_NAMES
from atlas.importer.positions import build_places as build_point_places
from atlas.importer.rows import DEFAULTS, RowContext, RowResult, read_row
from atlas.importer.vocabulary import build_vocabularies, normalise_value

ENCODING_NAMES: Final[dict[str, Message]] = {
    "utf-8": msg("kind_utf8"),
    "utf-8-sig": msg("kind_utf8_bom"),
    "gb18030": msg("kind_gb18030"),
    "utf-16": msg("kind_utf16"),
}
REQUIRED: Final[tuple[tuple[Message, tuple[str, ...]], ...]] = (
    (msg("required_name"), ("name_zh", "name_en")),
    (msg("required_position"), ("lon", LONLAT)),
    (msg("required_stage"), ("stage",)),
)
"""Columns without which no row can be accepted, each with what a user should add."""
TOTALS_WORDS: Final[frozenset[str]] = frozenset({"合计", "总计", "小计", "共计", "total", "totals", "sum", "subtotal"})
CHUNK_ROWS: Final[int] = 5_000
"""Rows read and checked together: big enough to amortise per-chunk work, small enough to stay lean."""
MAX_UNKNOWN_WORDS: Final[int] = 100
"""Distinct unknown words kept per column for the value-mapping step (a garbled column has thousands)."""
RELEASE_EVERY_CHUNKS: Final[int] = 20
SHARED_MAX_RATIO: Final[float] = 0.02
"""A column with at most this many distinct texts per row (in the first chunk) is held as shared strings."""
HEADER_LOOK: Final[int] = 10
"""Rows searched for the header (title rows above it are skipped)."""
REJECTED_LEAD: Final[tuple[str, str]] = ("row", "reasons")

__all__ = ["ImportFileError", "ImportResult", "import_registry"]


@dataclass(frozen=True)
class ImportResult:
    """What an import read, accepted and held back; accepted + rejected rows == rows_read."""

    accepted: pd.DataFrame
    """New project records, text cells, columns `schema.PROJECT_COLUMNS`, WGS84."""
    rejected: pd.DataFrame
    """Rows held back: `row` (spreadsheet row), `reasons`, then the original cells under their own headers."""
    problems: list[Problem]
    rows_read: int
    filename: str = ""
    encoding: str = ""
    crs: str = SourceCrs.WGS84.value
    columns: dict[str, str] = field(default_factory=dict)
    """The user's header → the project column it was read into."""
    unknown_headers: tuple[str, ...] = ()
    accepted_rows: tuple[int, ...] = ()
    """Spreadsheet row of each accepted record, in order."""
    missing: tuple[Message, ...] = ()
    """Required columns the file lacks (described for a user): no row can be accepted until they are mapped."""
    unknown_values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Column → each word no vocabulary knew → suggested values, best first (for a value mapping)."""
    rows_with_unknown: dict[str, dict[str, int]] = field(default_factory=dict)
    """Column → word → how many rows use it."""

    def summary(self, lang: Lang = "en") -> dict[str, Any]:
        """JSON-ready: counts and every problem (row, column, value, message in `lang`, severity)."""
        return {
            "file": self.filename,
            "encoding": self.encoding,
            "crs": self.crs,
            "rows_read": self.rows_read,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "columns": self.columns,
            "unknown_headers": list(self.unknown_headers),
            "missing_columns": [m.text(lang) for m in self.missing],
            "problems": [
                {k: v for k, v in p.as_dict(lang).items() if k != "file"} for p in self.problems
            ],
        }


def import_registry(
    data: bytes | Path,
    *,
    filename: str,
    crs: str,
    atlas: Atlas,
    column_map: Mapping[str, str] | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    defaults: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    default_source: str = "",
    today: dt.date | None = None,
    existing: pd.DataFrame | None = None,
    towns: pd.DataFrame | None = None,
    gazetteer: str = "",
    progress: Callable[[int, int, int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    workers: int = 1,
) -> ImportResult:
    """Read a registry file and sort its rows into accepted records and rejected rows, reporting every problem.

    The file is read and checked in chunks of `chunk_rows`, so a local file of a million rows needs the
    memory of its accepted records, not of its text.

    Parameters
    ----------
    data
        The file's bytes (a browser upload) or its path (a local file): CSV in UTF-8, UTF-8 BOM, UTF-16 BOM
        or GBK/GB18030, or XLSX.
    filename
        Named in every problem; an ``.xlsx`` name reads the bytes as a workbook.
    crs
        The datum the coordinates were copied in: "wgs84", "gcj02" (AMap, Tencent) or "bd09" (Baidu).
    atlas
        The atlas whose zones, stages, counties and projects rows are checked against.
    column_map
        The user's header → project column (or "lonlat", "place", "ignore"), applied before the synonyms.
    value_map
        Column → the user's word → the atlas value it means (``{"stage": {"铝精深加工": "deep-processing-products"}}``).
    defaults
        Column → text for the column's empty cells, and for the column when the file lacks it (``--set``).
    max_bytes, max_rows
        Limits; None for none (a local file from the command line), the web upload passes
        `settings.import_max_bytes()` and `settings.IMPORT_MAX_ROWS`.
    default_source
        Source (URL or policy section id) for rows whose own source cell is empty.
    today
        The import date (`as_of` of undated rows, `position_as_of`); default today.
    existing
        The registry to check duplicates against; default ``atlas.projects``.
    towns, gazetteer
        A town gazetteer (``name_zh``, ``county_adcode``, ``lon``, ``lat``) and its source, for places
        named down to the town; without it a place resolves to its county.
    progress
        Called after each chunk with (bytes read, file size, rows read).
    chunk_rows, workers
        Rows read and checked together; processes that read rows in parallel (forked: command line only).

    Raises
    ------
    ImportFileError
        When the file cannot be read at all (empty, binary, too big, broken workbook, no data rows).
    AtlasError
        For an unknown `crs`, a mapping onto an unknown column, or a value mapping or default that names no
        valid value.
    """
    try:
        source_crs = SourceCrs(crs)
    except ValueError:
        raise AtlasError(msg("unknown_crs", crs=crs)) from None
    vocabularies = build_vocabularies(atlas)
    options = check_options(ImportOptions(columns=dict(column_map or {}),
                                          values={c: dict(v) for c, v in (value_map or {}).items()},
                                          defaults=dict(defaults or {})), vocabularies)
    mapping = check_column_map(options.columns)
    source = open_rows(data, filename=filename, max_bytes=max_bytes, max_rows=max_rows)
    peeked = list(itertools.islice(source.rows, HEADER_LOOK))
    start = find_header_row([cells for _, cells in peeked], mapping)
    header_row, header = peeked[start]
    headers = map_headers(header, mapping, filename=filename, row=header_row)
    problems = _file_problems(source, headers, start=start, header_row=header_row, crs=source_crs,
                              filename=filename, defaults=options.defaults)
    context = RowContext(
        filename=filename,
        headers=headers,
        vocab=vocabularies,
        places=build_point_places(atlas),
        gazetteer=build_places(atlas, towns, gazetteer=gazetteer),
        crs=source_crs,
        default_source=default_source,
        today=(today or dt.date.today()).isoformat(),
        values=options.values,
        defaults=options.defaults,
    )
    checks = CrossRowChecks(atlas.projects if existing is None else existing, filename=filename,
                            id_column_present="id" in headers.targets.values())
    collected = _Collected()
    body = itertools.chain(peeked[start + 1 :], source.rows)
    chunks = _data_chunks(body, chunk_rows, problems, filename)
    for index, results in enumerate(_read_chunks(context, chunks, workers=workers), start=1):
        checks.check(results)
        check_with_validation(results, atlas, headers, filename)
        collected.add(results, headers)
        del results
        if index % RELEASE_EVERY_CHUNKS == 0:
            release_freed_memory()  # the chunks' temporaries, so the peak stays that of the accepted records
        if progress is not None:
            progress(source.position(), source.size, collected.rows_read)
    if not collected.rows_read:
        raise ImportFileError(msg("no_data_rows", file=filename, row=header_row))
    return collected.result(problems, source=source, headers=headers, filename=filename, crs=source_crs,
                            missing=missing_columns(headers, options.defaults))


Rows = list[tuple[int, tuple[str, ...]]]


def _data_chunks(body: Iterator[tuple[int, tuple[str, ...]]], size: int, problems: list[Problem], filename: str
                 ) -> Iterator[Rows]:
    """The data rows in chunks of `size`; a totals row (合计…) is skipped with an info line."""
    while chunk := list(itertools.islice(body, size)):
        rows = []
        for number, cells in chunk:
            if word := _totals_word(cells):
                problems.append(Problem.of(filename, msg("totals_skipped", word=word), number, severity="info"))
            else:
                rows.append((number, cells))
        yield rows


_WORKER_CONTEXT: RowContext | None = None
"""The context forked worker processes read rows against (inherited, never pickled)."""


def _read_chunk(rows: Rows) -> list[RowResult]:
    assert _WORKER_CONTEXT is not None
    return [read_row(_WORKER_CONTEXT, number, cells) for number, cells in rows]


def _read_chunks(context: RowContext, chunks: Iterator[Rows], *, workers: int) -> Iterator[list[RowResult]]:
    """Each chunk's rows read, in file order: here, or by `workers` forked processes while this one checks.

    Reading rows is independent per row, so it parallelises; the checks across rows (ids, duplicates)
    stay in this process, in order. Forking is only for the command line (a process without threads).
    """
    if workers <= 1:
        for rows in chunks:
            yield [read_row(context, number, cells) for number, cells in rows]
        return
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            pending: collections.deque[Future[list[RowResult]]] = collections.deque()
            for rows in chunks:
                pending.append(pool.submit(_read_chunk, rows))
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        _WORKER_CONTEXT = None


@dataclass
class _Collected:
    """Accepted records (as text-cell frames, one per chunk), rejected rows and row problems so far."""

    accepted: list[pd.DataFrame] = field(default_factory=list)
    rejected: list[list[object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    accepted_rows: list[int] = field(default_factory=list)
    rows_read: int = 0
    unknown: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    unknown_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    """How each accepted column is held (`compact_text_frame`)."""

    def add(self, results: list[RowResult], headers: HeaderMap) -> None:
        self.rows_read += len(results)
        good = [r for r in results if r.ok]
        if good:
            self.accepted.append(compact_text_frame([r.record for r in good], self.kinds))
        self.accepted_rows += [r.number for r in good]
        for result in results:
            for column, word, suggestions in result.unknown:
                words = self.unknown.setdefault(column, {})
                if word in words or len(words) < MAX_UNKNOWN_WORDS:
                    words.setdefault(word, suggestions)
                    counts = self.unknown_rows.setdefault(column, {})
                    counts[word] = counts.get(word, 0) + 1
            shown = [_on_header(p, headers) for p in result.problems]
            self.problems += shown
            if not result.ok:
                reasons = "; ".join(f"{q.column}: {q.message}" for q in shown if q.severity == "error")
                self.rejected.append([result.number, reasons, *result.cells])

    def result(self, problems: list[Problem], *, source: RowSource, headers: HeaderMap, filename: str,
               crs: SourceCrs, missing: tuple[Message, ...]) -> ImportResult:
        names = [n if n not in REJECTED_LEAD else f"{n} ({column_letter(i)})" for i, n in enumerate(headers.names)]
        accepted = (pd.concat(self.accepted, ignore_index=True) if self.accepted
                    else pd.DataFrame(columns=list(PROJECT_COLUMNS), dtype=object))
        return ImportResult(
            accepted=accepted,
            rejected=pd.DataFrame(self.rejected, columns=[*REJECTED_LEAD, *names], dtype=object),
            problems=problems + self.problems,
            rows_read=self.rows_read,
            filename=filename,
            encoding=source.encoding,
            crs=crs.value,
            columns={headers.names[i]: column for i, column in headers.targets.items()},
            unknown_headers=headers.unknown,
            accepted_rows=tuple(self.accepted_rows),
            missing=missing,
            unknown_values=self.unknown,
            rows_with_unknown=self.unknown_rows,
        )


def compact_text_frame(records: list[dict[str, str]], kinds: dict[str, str]) -> pd.DataFrame:
    """Records as a text-cell frame that a million rows fit in.

    A column that repeats a few values (stage, status, unit, source, date) holds Python strings, each
    distinct text once; a column of mostly distinct texts (ids, names, coordinates) is Arrow-backed,
    its bytes in one buffer. `kinds` (column → "shared" or "arrow") is decided on the first chunk and
    kept, so every chunk's frame concatenates without converting.
    """
    frame = pd.DataFrame(records, columns=list(PROJECT_COLUMNS), dtype=object)
    columns: dict[str, Any] = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        uniques: dict[str, str] = {}
        shared = [uniques.setdefault(v, v) for v in values]
        kind = kinds.setdefault(column, "shared" if len(uniques) <= max(SHARED_MAX_RATIO * len(values), 8)
                                else "arrow")
        columns[column] = pd.Series(shared, dtype="str" if kind == "arrow" else object)
    return pd.DataFrame(columns, columns=list(PROJECT_COLUMNS))


def _file_problems(
    source: RowSource, headers: HeaderMap, *, start: int, header_row: int, crs: SourceCrs, filename: str,
    defaults: Mapping[str, str],
) -> list[Problem]:
    read: Message | str
    if source.kind == "xlsx":
        first = msg("first_filled_of", n=source.sheets) if source.sheets > 1 else ""
        read = msg("kind_xlsx", sheet=source.sheet or "", first=first)
    else:
        read = ENCODING_NAMES.get(source.encoding, source.encoding)
    problems = [Problem.of(filename, msg("read_as", kind=read, row=header_row), severity="info")]
    if start:
        problems.append(Problem.of(filename, msg("titles_skipped", n=start), severity="info"))
    problems += headers.problems
    problems += _header_unit_notes(headers, filename=filename, row=header_row)
    for index, hint in headers.crs_hints.items():
        if hint != crs.value:
            problems.append(Problem.of(
                filename, msg("header_names_crs", named=CRS_NAMES[hint], crs=crs.value, hint=hint),
                header_row, headers.names[index], headers.names[index], "warning"))
    mapped = set(headers.targets.values())
    for column, value in defaults.items():
        problems.append(Problem.of(filename, msg("default_applied", column=column, value=value), header_row,
                                   severity="info"))
    located_by_name = not ({"lon", "lat", LONLAT} & mapped)  # precision then comes from the place named
    for column, (message, severity) in DEFAULTS.items():
        if column == "position_precision" and located_by_name:
            continue
        if column not in mapped and column not in defaults:
            problems.append(Problem.of(filename, msg("no_column_default", column=column, what=message), header_row,
                                       severity=severity))
    problems += _one_language_notes(mapped | set(defaults), filename=filename, row=header_row)
    for what in missing_columns(headers, defaults):
        problems.append(Problem.of(filename, msg("required_missing", what=what), header_row))
    return problems


def _one_language_notes(given: set[str], *, filename: str, row: int) -> list[Problem]:
    """The assumption an import makes when a file has notes in one language: the other is left empty.

    Curated records carry both languages; an imported one may carry one, because a translation made up
    by the atlas would read as if a curator had written it.
    """
    present = [c for c in ("notes_zh", "notes_en") if c in given]
    if len(present) != 1:
        return []
    missing = "notes_en" if present[0] == "notes_zh" else "notes_zh"
    return [Problem.of(filename, msg("note_one_language_file", present=present[0], missing=missing), row,
                       severity="info")]


def _totals_word(cells: tuple[str, ...]) -> str:
    """The "total" word a spreadsheet's sum line starts with ("合计", "小 计：", "总计（12项）"), else ""."""
    first = next((c for c in cells if c.strip()), "")
    key = normalise_value(first).rstrip(":：")
    for word in TOTALS_WORDS:
        if key.startswith(word) and not key[len(word) :].isalpha():  # "合计（12项）" yes, "summit" no
            return first.strip()
    return ""


def missing_columns(headers: HeaderMap, defaults: Mapping[str, str] | None = None) -> tuple[Message, ...]:
    """The `REQUIRED` columns (as described to users) that no header maps to and no default gives."""
    mapped = set(headers.targets.values()) | set(defaults or {})
    has_position = bool(mapped & {LONLAT, PLACE, "county_adcode"}) or {"lon", "lat"} <= mapped
    return tuple(what for what, columns in REQUIRED
                 if not (has_position if columns[0] == "lon" else mapped & set(columns)))


def _header_unit_notes(headers: HeaderMap, *, filename: str, row: int) -> list[Problem]:
    """Units named in a header convert the whole column: said once, not on every row."""
    notes = []
    for index, unit in headers.units.items():
        column = headers.targets[index]
        if column == "capacity" and (known := capacity_unit(unit)) and known[1] != 1:
            change = msg("change_capacity", unit=known[0], factor=format_number(known[1]))
        elif column == "investment_cny_m" and (factor := investment_factor(unit)) and factor != 1:
            change = msg("change_investment", factor=format_number(factor))
        else:
            continue
        notes.append(Problem.of(filename, msg("header_unit_converted", unit=unit, change=change), row,
                                headers.names[index], unit, "info"))
    return notes


def _on_header(problem: Problem, headers: HeaderMap) -> Problem:
    """Name a problem's column by the user's own header when the file has that column."""
    index = headers.index_of(problem.column or "")
    if index is None:
        return problem
    return dataclasses.replace(problem, column=headers.names[index])
