"""Import a bureau's project list (CSV or XLSX): valid rows in the atlas's format, the rest held back with reasons."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
from pypinyin import lazy_pinyin

from atlas.core import settings
from atlas.core.cells import capacity_unit, column_letter, format_number, investment_factor
from atlas.core.errors import AtlasError, Problem
from atlas.core.model import Atlas
from atlas.core.schema import PROJECT_COLUMNS
from atlas.geo.datum import SourceCrs
from atlas.geo.geodesy import geodesic_km
from atlas.importer.files import Grid, ImportFileError, read_grid
from atlas.importer.headers import LONLAT, HeaderMap, check_column_map, find_header_row, map_headers
from atlas.importer.positions import CRS_NAMES, build_places
from atlas.importer.rows import DEFAULTS, RowContext, RowResult, read_row
from atlas.importer.validation import validation_problems
from atlas.importer.vocabulary import build_vocabularies, normalise_value

ENCODING_NAMES: Final[dict[str, str]] = {
    "utf-8": "UTF-8 text",
    "utf-8-sig": "UTF-8 text with BOM",
    "gb18030": "GBK/GB18030 text (Chinese Excel's CSV)",
    "utf-16": "UTF-16 text (Excel's 'Unicode text')",
}
REQUIRED: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("a name column (项目名称 / name_zh / name_en)", ("name_zh", "name_en")),
    ("longitude and latitude columns (经度 + 纬度, or one 经纬度 column)", ("lon", LONLAT)),
    ("a chain stage column (产业链环节 / stage)", ("stage",)),
)
"""Columns without which no row can be accepted, each with what a user should add."""
TOTALS_WORDS: Final[frozenset[str]] = frozenset({"合计", "总计", "小计", "共计", "total", "totals", "sum", "subtotal"})
DUPLICATE_KM: Final[float] = 1.0
"""Two records with the same name closer than this (or than their uncertainty) are the same project."""
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
    missing: tuple[str, ...] = ()
    """Required columns the file lacks (described for a user): no row can be accepted until they are mapped."""

    def summary(self) -> dict[str, Any]:
        """JSON-ready: counts and every problem (row, column, value, message, severity)."""
        return {
            "file": self.filename,
            "encoding": self.encoding,
            "crs": self.crs,
            "rows_read": self.rows_read,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "columns": self.columns,
            "unknown_headers": list(self.unknown_headers),
            "missing_columns": list(self.missing),
            "problems": [
                {k: v for k, v in p.as_dict().items() if k != "file"} for p in self.problems
            ],
        }


def import_registry(
    data: bytes,
    *,
    filename: str,
    crs: str,
    atlas: Atlas,
    column_map: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    default_source: str = "",
    today: dt.date | None = None,
    existing: pd.DataFrame | None = None,
) -> ImportResult:
    """Read a registry file and sort its rows into accepted records and rejected rows, reporting every problem.

    Parameters
    ----------
    data
        The file's bytes (CSV in UTF-8, UTF-8 BOM, UTF-16 BOM or GBK/GB18030, or XLSX).
    filename
        Named in every problem; an ``.xlsx`` name reads the bytes as a workbook.
    crs
        The datum the coordinates were copied in: "wgs84", "gcj02" (AMap, Tencent) or "bd09" (Baidu).
    atlas
        The atlas whose zones, stages, counties and projects rows are checked against.
    column_map
        The user's header → project column (or "lonlat", or "ignore"), applied before the synonyms.
    max_bytes
        Size limit; default `settings.import_max_bytes()`.
    default_source
        Source (URL or policy section id) for rows whose own source cell is empty.
    today
        The import date (`as_of` of undated rows, `position_as_of`); default today.
    existing
        The registry to check duplicates against; default ``atlas.projects``.

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFileError
        When the file cannot be read at all (empty, binary, too big, broken workbook, no data rows).
    AtlasError
        For an unknown `crs` or a mapping onto an unknown column.
    """
    try:
        source_crs = SourceCrs(crs)
    except ValueError:
        raise AtlasError(f"unknown coordinate system {crs!r}; expected one of wgs84, gcj02, bd09") from None
    mapping = check_column_map(column_map)
    limit = settings.import_max_bytes() if max_bytes is None else max_bytes
    grid = read_grid(data, filename=filename, max_bytes=limit, max_rows=settings.IMPORT_MAX_ROWS)
    start = find_header_row([cells for _, cells in grid.rows], mapping)
    header_row, header = grid.rows[start]
    headers = map_headers(header, mapping, filename=filename, row=header_row)
    body = grid.rows[start + 1 :]
    problems = _file_problems(grid, headers, start=start, header_row=header_row, crs=source_crs, filename=filename)
    totals = [number for number, cells in body if _is_totals_row(cells)]
    problems += [Problem(filename, "a totals row (合计/总计), not a project: skipped", n, severity="info")
                 for n in totals]
    body = tuple((number, cells) for number, cells in body if number not in totals)
    if not body:
        raise ImportFileError(f"{filename}: no data rows below the header (row {header_row})")
    context = RowContext(
        filename=filename,
        headers=headers,
        vocab=build_vocabularies(atlas),
        places=build_places(atlas),
        crs=source_crs,
        default_source=default_source,
        today=(today or dt.date.today()).isoformat(),
    )
    results = [read_row(context, number, cells) for number, cells in body]
    known = atlas.projects if existing is None else existing
    _check_ids(results, known, filename, set(headers.targets.values()))
    _check_duplicates(results, known, filename)
    _check_with_validation(results, atlas, headers, filename)
    return _result(results, problems, grid=grid, headers=headers, filename=filename, crs=source_crs)


def _file_problems(
    grid: Grid, headers: HeaderMap, *, start: int, header_row: int, crs: SourceCrs, filename: str
) -> list[Problem]:
    if grid.kind == "xlsx":
        read = f"XLSX workbook, sheet {grid.sheet!r}" + (f" (the first filled one of {grid.sheets})"
                                                         if grid.sheets > 1 else "")
    else:
        read = ENCODING_NAMES.get(grid.encoding, grid.encoding)
    problems = [Problem(filename, f"read as {read}; header on row {header_row}", severity="info")]
    if start:
        problems.append(Problem(filename, f"{start} row(s) above the header were skipped (titles)", severity="info"))
    problems += headers.problems
    problems += _header_unit_notes(headers, filename=filename, row=header_row)
    for index, hint in headers.crs_hints.items():
        if hint != crs.value:
            problems.append(Problem(
                filename, f"the header names {CRS_NAMES[hint]} but the file is imported as {crs.value}; "
                          f"import with --crs {hint} if the coordinates come from that map",
                header_row, headers.names[index], headers.names[index], "warning"))
    mapped = set(headers.targets.values())
    for column, (message, severity) in DEFAULTS.items():
        if column not in mapped:
            problems.append(Problem(filename, f"no {column} column: {message}", header_row, severity=severity))
    for what in missing_columns(headers):
        problems.append(Problem(filename, f"the file has no {what}: no row can be accepted; "
                                          "map one of its columns to it", header_row))
    return problems


def _is_totals_row(cells: tuple[str, ...]) -> bool:
    """A row whose first filled cell says "total": a spreadsheet's sum line, not a record."""
    first = next((c for c in cells if c.strip()), "")
    return normalise_value(first) in TOTALS_WORDS


def missing_columns(headers: HeaderMap) -> tuple[str, ...]:
    """The `REQUIRED` columns (as described to users) that no header maps to."""
    mapped = set(headers.targets.values())
    has_position = LONLAT in mapped or {"lon", "lat"} <= mapped
    return tuple(what for what, columns in REQUIRED
                 if not (has_position if columns[0] == "lon" else mapped & set(columns)))


def _header_unit_notes(headers: HeaderMap, *, filename: str, row: int) -> list[Problem]:
    """Units named in a header convert the whole column: said once, not on every row."""
    notes = []
    for index, unit in headers.units.items():
        column = headers.targets[index]
        if column == "capacity" and (known := capacity_unit(unit)) and known[1] != 1:
            change = f"to {known[0]} (× {format_number(known[1])})"
        elif column == "investment_cny_m" and (factor := investment_factor(unit)) and factor != 1:
            change = f"to million CNY (× {format_number(factor)})"
        else:
            continue
        notes.append(Problem(filename, f"figures in {unit} are converted {change}", row, headers.names[index],
                             unit, "info"))
    return notes


def id_slug(name: str, *, fallback: str) -> str:
    """A lowercase kebab-case id from a (Chinese) name via pinyin: "清镇铝业" → "qing-zhen-lv-ye"."""
    words = [re.sub(r"[^a-z0-9]+", "-", w.lower()).strip("-") for w in lazy_pinyin(name, errors="default")]
    slug = "-".join(w for w in words if w)[:48].rstrip("-")
    return slug or fallback


def _check_ids(results: list[RowResult], existing: pd.DataFrame, filename: str, headers_present: set[str]) -> None:
    """Given ids must be new and unique in the file; missing ids are generated from the name."""
    taken = {str(i) for i in existing["id"]}
    names = dict(zip(existing["id"].astype(str), existing["name_zh"].astype(str), strict=True))
    first_row: dict[str, int] = {}
    for result in results:
        given = result.record["id"]
        if not given:
            continue
        if given in taken:
            result.problems.append(Problem(
                filename, f"id {given} already exists in the registry ({names.get(given, '')}); an import only "
                          "adds new records, edit that record instead", result.number, "id", given))
        elif given in first_row:
            result.problems.append(Problem(filename, f"duplicate id in the file (first on row {first_row[given]})",
                                           result.number, "id", given))
        first_row.setdefault(given, result.number)
    used = taken | set(first_row)
    for result in results:
        if result.record["id"]:
            continue
        base = id_slug(result.record["name_zh"] or result.record["name_en"], fallback=f"import-row-{result.number}")
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        result.record["id"] = candidate
        if "id" in headers_present:
            result.problems.append(Problem(filename, f"no id: generated {candidate}", result.number, "id", "", "info"))


def _float(value: object) -> float:
    try:
        number = float(str(value)) if value not in (None, "") else math.nan
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _distance_km(a: Mapping[str, object], b: Mapping[str, object]) -> float:
    lon1, lat1, lon2, lat2 = (_float(a["lon"]), _float(a["lat"]), _float(b["lon"]), _float(b["lat"]))
    if any(math.isnan(v) for v in (lon1, lat1, lon2, lat2)):
        return math.nan
    return float(geodesic_km(lon1=lon1, lat1=lat1, lon2=lon2, lat2=lat2))


def _name_keys(record: Mapping[str, object]) -> set[str]:
    return {normalise_value(str(record.get(c, "") or "")) for c in ("name_zh", "name_en")} - {""}


def _check_duplicates(results: list[RowResult], existing: pd.DataFrame, filename: str) -> None:
    """Same name and about the same place as an existing record or an earlier row: the same project twice."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for raw in existing.to_dict("records"):
        record = {str(k): v for k, v in raw.items()}
        for key in _name_keys(record):
            by_name.setdefault(key, []).append(record)
    earlier: dict[str, list[RowResult]] = {}
    for result in results:
        keys = _name_keys(result.record)
        others = {str(o["id"]): o for k in keys for o in by_name.get(k, [])}
        for other in others.values():
            result.problems += _existing_duplicate(result, other, filename)
        twin = next(
            (before for k in keys for before in earlier.get(k, []) if _near(result.record, before.record)), None
        )
        if twin is not None:
            result.problems.append(Problem(filename, f"same name and place as row {twin.number}: a duplicate row",
                                           result.number, "name_zh", result.record["name_zh"]))
        for key in keys:
            earlier.setdefault(key, []).append(result)


def _nan_to_zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _near(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    km = _distance_km(a, b)
    return math.isnan(km) or km < DUPLICATE_KM


def _existing_duplicate(result: RowResult, other: Mapping[str, object], filename: str) -> list[Problem]:
    record = result.record
    km = _distance_km(record, other)
    if math.isnan(km):
        return []
    radius = _nan_to_zero(_float(other.get("uncertainty_km"))) + _nan_to_zero(_float(record["uncertainty_km"]))
    if km <= max(DUPLICATE_KM, radius):
        message = (f"looks like the existing record {other['id']} (same name, {km:.1f} km apart); "
                   "an import only adds new records")
        return [Problem(filename, message, result.number, "name_zh", record["name_zh"])]
    message = f"same name as the existing record {other['id']}, {km:.0f} km away: check it is another project"
    return [Problem(filename, message, result.number, "name_zh", record["name_zh"], "warning")]


def _check_with_validation(results: list[RowResult], atlas: Atlas, headers: HeaderMap, filename: str) -> None:
    """Rows that pass every import check must also pass the atlas's own validation, or they could not be saved."""
    candidates = [r for r in results if r.ok]
    for index, problems in validation_problems([r.record for r in candidates], atlas).items():
        result = candidates[index]
        for problem in problems:
            column = problem.column or ""
            position = headers.index_of(column)
            shown = headers.names[position] if position is not None else column
            result.problems.append(Problem(filename, problem.message, result.number, shown, problem.value,
                                           problem.severity))


def _on_header(problem: Problem, headers: HeaderMap) -> Problem:
    """Name a problem's column by the user's own header when the file has that column."""
    index = headers.index_of(problem.column or "")
    if index is None:
        return problem
    return Problem(problem.file, problem.message, problem.row, headers.names[index], problem.value, problem.severity)


def _result(
    results: list[RowResult], problems: list[Problem], *, grid: Grid, headers: HeaderMap, filename: str,
    crs: SourceCrs,
) -> ImportResult:
    accepted = [r for r in results if r.ok]
    rejected = [r for r in results if not r.ok]
    names = [n if n not in REJECTED_LEAD else f"{n} ({column_letter(i)})" for i, n in enumerate(headers.names)]
    rows = [
        [r.number, "; ".join(f"{q.column}: {q.message}" for q in (_on_header(p, headers) for p in r.problems)
                             if q.severity == "error"), *r.cells]
        for r in rejected
    ]
    return ImportResult(
        accepted=pd.DataFrame([r.record for r in accepted], columns=list(PROJECT_COLUMNS), dtype=object),
        rejected=pd.DataFrame(rows, columns=[*REJECTED_LEAD, *names], dtype=object),
        problems=problems + [_on_header(p, headers) for r in results for p in r.problems],
        rows_read=len(results),
        filename=filename,
        encoding=grid.encoding,
        crs=crs.value,
        columns={headers.names[i]: column for i, column in headers.targets.items()},
        unknown_headers=headers.unknown,
        accepted_rows=tuple(r.number for r in accepted),
        missing=missing_columns(headers),
    )
