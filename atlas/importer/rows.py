"""One registry row → one project record in the atlas's text format, with every problem of its cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from pypinyin import lazy_pinyin

from atlas.core.cells import (
    capacity_unit,
    column_letter,
    format_number,
    investment_factor,
    is_unknown,
    parse_date,
    parse_degrees,
    parse_plain_number,
    parse_year,
    split_lonlat,
    split_number,
)
from atlas.core.errors import Problem
from atlas.core.safe import neutralise_formula
from atlas.core.schema import PRECISION_UNCERTAINTY_KM, PROJECT_COLUMNS, PositionPrecision, ProjectStatus
from atlas.geo.datum import SourceCrs
from atlas.importer.headers import LONLAT, HeaderMap, normalise_header
from atlas.importer.positions import Places, locate
from atlas.importer.vocabulary import LIST_SPLIT, Vocabulary

TEXT_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "company_zh", "company_en", "notes")
COORDINATE_DECIMALS: Final[int] = 6
"""Stored lon/lat decimals: 1e-6° ≈ 0.1 m, finer than any map a position is copied from."""
DEFAULTS: Final[dict[str, tuple[str, str]]] = {
    "id": ("ids are generated from the names (pinyin)", "info"),
    "name_en": ("English names are the pinyin of the Chinese names", "info"),
    "status": ("status is recorded as unknown", "info"),
    "as_of": ("as_of is set to the import date", "info"),
    "county_adcode": ("counties are taken from the positions", "info"),
    "position_precision": (
        "points are taken as exact sites (surveyed or picked on a map); "
        "give 县级/乡镇/园区 if a point only stands for a county, town or zone",
        "warning",
    ),
}
"""What an import fills in when a column is absent (said once per file) or a cell is empty (per row)."""
_SOURCE_SPLIT = re.compile(r"\s*[;；\n]\s*|\s+(?=https?://)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = " \t\r\n\u3000\xa0\ufeff"


@dataclass(frozen=True)
class RowContext:
    """What every row of one import is read against."""

    filename: str
    headers: HeaderMap
    vocab: dict[str, Vocabulary]
    places: Places
    crs: SourceCrs
    default_source: str
    today: str


@dataclass
class RowResult:
    """A row as read: its original cells, the record built from them, and what is wrong or was assumed."""

    number: int
    cells: tuple[str, ...]
    record: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class _Row:
    """Cell access and problem reporting for one row (problems name the user's own header)."""

    def __init__(self, ctx: RowContext, number: int, cells: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def raw(self, column: str) -> str:
        index = self.ctx.headers.index_of(column)
        return "" if index is None or index >= len(self.cells) else self.cells[index]

    def text(self, column: str) -> str:
        """The cell as stored: trimmed, LF line ends, no control characters (XLSX cannot hold them).

        The apostrophe our own exports put before a formula-like cell is taken off again.
        """
        text = _CONTROL.sub("", self.raw(column).replace("\r\n", "\n").replace("\r", "\n")).strip(_SPACE).strip()
        return text[1:] if text[:1] == "'" and neutralise_formula(text[1:]) == text else text

    def has(self, column: str) -> bool:
        return self.ctx.headers.index_of(column) is not None

    def assumed(self, column: str, message: str, *, severity: str = "info") -> None:
        """A default filled in: said once per file when the column is absent (`DEFAULTS`), else per row."""
        if self.has(column):
            self.add(column, message, severity=severity)

    def add(self, column: str, message: str, *, severity: str = "error", value: str | None = None) -> None:
        index = self.ctx.headers.index_of(column)
        shown = column if index is None else self.ctx.headers.names[index]
        cell = self.raw(column) if value is None else value
        self.problems.append(Problem(self.ctx.filename, message, self.number, shown, cell, severity))


def read_row(ctx: RowContext, number: int, cells: tuple[str, ...]) -> RowResult:
    """Build the record of one data row; nothing raises, every issue becomes a `Problem` of this row."""
    row = _Row(ctx, number, cells)
    record = dict.fromkeys(PROJECT_COLUMNS, "")
    for column in TEXT_COLUMNS:
        record[column] = row.text(column)
    _names(row, record)
    _source(row, record)
    _controlled(row, record)
    _figures(row, record)
    _as_of(row, record)
    _position(row, record)
    width = len(ctx.headers.names)
    for i, cell in enumerate(cells[width:], start=width):
        if cell.strip(_SPACE):
            row.problems.append(Problem(ctx.filename, "cell right of the last header column is not imported",
                                        number, f"column {column_letter(i)}", cell, "warning"))
    padded = tuple(cells[:width]) + ("",) * max(0, width - len(cells))
    return RowResult(number, padded, record, row.problems)


def pinyin_text(text: str) -> str:
    """Hanyu Pinyin of a Chinese text, syllables capitalised ("清镇" → "Qing Zhen"); other text kept."""
    syllables = (s.strip() for s in lazy_pinyin(text, errors="default"))
    return " ".join(s[:1].upper() + s[1:] for s in syllables if s)


def _names(row: _Row, record: dict[str, str]) -> None:
    if not record["name_zh"] and not record["name_en"]:
        row.add("name_zh", "a project name is required (项目名称)")
    elif not record["name_zh"]:
        record["name_zh"] = record["name_en"]
        row.add("name_zh", "no Chinese name: the English name is used", severity="warning", value="")
    elif not record["name_en"]:
        record["name_en"] = pinyin_text(record["name_zh"])
        row.assumed("name_en", f"no English name: the pinyin of the Chinese name is used ({record['name_en']})")


def _source(row: _Row, record: dict[str, str]) -> None:
    text = row.text("source") or row.ctx.default_source.strip()
    record["source"] = " ; ".join(p for p in _SOURCE_SPLIT.split(text) if p)
    if not record["source"]:
        row.add("source", "a source is required: a URL or a policy section id such as II.(3) "
                          "(add a 来源 column, or give one source for the whole file)")


def _controlled(row: _Row, record: dict[str, str]) -> None:
    vocab = row.ctx.vocab
    status = row.text("status")
    if is_unknown(status):
        record["status"] = ProjectStatus.UNKNOWN
        row.assumed("status", "no status: recorded as unknown")
    else:
        record["status"] = _resolve(row, "status", vocab["status"]) or ""
    if is_unknown(row.text("stage")):
        row.add("stage", "a chain stage is required; valid: " + ", ".join(vocab["stage"].shown.values()))
    else:
        record["stage"] = _resolve(row, "stage", vocab["stage"]) or ""
    if not is_unknown(row.text("zone_id")):
        record["zone_id"] = _resolve(row, "zone_id", vocab["zone_id"]) or ""
    clusters: list[str] = []
    for part in LIST_SPLIT.split(row.text("cluster_types")):
        if part.strip(_SPACE) and not is_unknown(part):
            found = _resolve(row, "cluster_types", vocab["cluster_types"], part.strip(_SPACE))
            if found and found not in clusters:
                clusters.append(found)
    record["cluster_types"] = ";".join(clusters)
    if is_unknown(row.text("position_precision")):
        record["position_precision"] = PositionPrecision.EXACT
        row.assumed("position_precision", "empty: " + DEFAULTS["position_precision"][0], severity="warning")
    else:
        record["position_precision"] = _resolve(row, "position_precision", vocab["position_precision"]) or ""
    if not is_unknown(row.text("county_adcode")):
        record["county_adcode"] = _resolve(row, "county_adcode", vocab["county_adcode"], list_all=False) or ""


def _resolve(row: _Row, column: str, vocabulary: Vocabulary, text: str | None = None, *,
             list_all: bool = True) -> str | None:
    value = row.text(column) if text is None else text
    found = vocabulary.resolve(value)
    if found is None and (found := vocabulary.resolve_loosely(value)) is not None:
        row.add(column, f"read as {vocabulary.shown[found]}: check this is meant", severity="warning", value=value)
    if found is None:
        row.add(column, vocabulary.unknown_message(value, list_all=list_all), value=value)
    return found


def _figures(row: _Row, record: dict[str, str]) -> None:
    _capacity(row, record)
    _investment(row, record)
    if not is_unknown(row.text("year")):
        try:
            record["year"], warning = parse_year(row.text("year"))
            if warning:
                row.add("year", warning, severity="warning")
        except ValueError as exc:
            row.add("year", str(exc))
    if not is_unknown(row.text("uncertainty_km")):
        try:
            value, _ = parse_plain_number(row.text("uncertainty_km"))
            record["uncertainty_km"] = format_number(value)
        except ValueError as exc:
            row.add("uncertainty_km", str(exc))


def _number(row: _Row, column: str) -> tuple[float, str] | None:
    """A cell's number and unit text; None (with a problem) when unreadable or negative."""
    try:
        value, unit, warning = split_number(row.text(column))
    except ValueError as exc:
        row.add(column, str(exc))
        return None
    if warning:
        row.add(column, warning, severity="warning")
    if value < 0:
        row.add(column, "must be ≥ 0")
        return None
    return value, unit.strip()


def _capacity(row: _Row, record: dict[str, str]) -> None:
    unit_cell = "" if is_unknown(row.text("capacity_unit")) else row.text("capacity_unit")
    if is_unknown(row.text("capacity")):
        known = capacity_unit(unit_cell) if unit_cell else None
        record["capacity_unit"] = known[0] if known else unit_cell
        return
    parsed = _number(row, "capacity")
    if parsed is None:
        return
    value, unit = parsed
    index = row.ctx.headers.index_of("capacity")
    in_cell = bool(unit or unit_cell)
    unit = unit or unit_cell or (row.ctx.headers.units.get(index, "") if index is not None else "")
    if not unit:
        row.add("capacity", "a capacity needs its unit (e.g. 50万吨/年, or a 单位 column with kt/a)")
        return
    known = capacity_unit(unit)
    if known is None:
        record["capacity"], record["capacity_unit"] = format_number(value), unit
        row.add("capacity", f"unit {unit!r} is not one the atlas knows (kt/a, t/a, Mt/a, sets/a, pieces/a); "
                            "kept as written", severity="warning")
        return
    record["capacity"], record["capacity_unit"] = format_number(value * known[1]), known[0]
    if known[1] != 1 and in_cell:
        row.add("capacity", f"converted {format_number(value)} {unit} to {record['capacity']} {known[0]}",
                severity="info")


def _investment(row: _Row, record: dict[str, str]) -> None:
    if is_unknown(row.text("investment_cny_m")):
        return
    parsed = _number(row, "investment_cny_m")
    if parsed is None:
        return
    value, unit = parsed
    index = row.ctx.headers.index_of("investment_cny_m")
    header = row.ctx.headers.names[index] if index is not None else ""
    in_millions = normalise_header(header) == "investmentcnym"
    in_cell = bool(unit)
    unit = unit or (row.ctx.headers.units.get(index, "") if index is not None else "")
    factor = 1.0 if in_millions and not unit else investment_factor(unit) if unit else None
    if factor is None:
        row.add("investment_cny_m", "an investment needs its unit: write 12.5亿元 or name it in the header "
                                    "(投资（亿元）/ 投资（万元）)" + (f"; unknown unit {unit!r}" if unit else ""))
        return
    record["investment_cny_m"] = format_number(value * factor)
    if factor != 1 and in_cell:
        row.add("investment_cny_m", f"converted {format_number(value)} {unit} to {record['investment_cny_m']} "
                                    "million CNY", severity="info")


def _as_of(row: _Row, record: dict[str, str]) -> None:
    if is_unknown(row.text("as_of")):
        record["as_of"] = row.ctx.today
        row.assumed("as_of", f"no date: as_of set to the import date {row.ctx.today}")
        return
    try:
        record["as_of"] = parse_date(row.text("as_of"))
    except ValueError as exc:
        row.add("as_of", str(exc))


def _coordinates(row: _Row) -> tuple[float, float] | None:
    if row.has(LONLAT) and not (row.text("lon") or row.text("lat")):
        try:
            lon_text, lat_text = split_lonlat(row.text(LONLAT))
        except ValueError as exc:
            row.add(LONLAT, str(exc))
            return None
        pairs = [(LONLAT, lon_text), (LONLAT, lat_text)]
    else:
        pairs = [("lon", row.text("lon")), ("lat", row.text("lat"))]
    values = []
    for column, text in pairs:
        if is_unknown(text):
            row.add(column, "a position is required: longitude and latitude in degrees", value=text)
            return None
        try:
            values.append(parse_degrees(text))
        except ValueError as exc:
            row.add(column, str(exc), value=text)
            return None
    return values[0], values[1]


def _position(row: _Row, record: dict[str, str]) -> None:
    point = _coordinates(row)
    if point is None:
        return
    ctx = row.ctx
    located = locate(ctx.places, lon=point[0], lat=point[1], crs=ctx.crs, county=record["county_adcode"] or None)
    column = "lon" if row.has("lon") else LONLAT
    shown = f"{row.text('lon')}, {row.text('lat')}" if column == "lon" else row.text(LONLAT)
    for message in located.errors:
        row.add(column, message, value=shown)
    for message in located.warnings:
        row.add(column, message, severity="warning", value=shown)
    if not row.text("county_adcode"):  # a named but unknown county is an error already; no second guess
        for message in located.notes:
            row.assumed("county_adcode", message)
    if located.lon is None or located.lat is None:
        return
    record["lon"] = format_number(round(located.lon, COORDINATE_DECIMALS))
    record["lat"] = format_number(round(located.lat, COORDINATE_DECIMALS))
    record["county_adcode"] = located.county or ""
    record["position_source"] = f"imported-{ctx.crs.value}: {ctx.filename}"
    record["position_as_of"] = ctx.today
    if not record["uncertainty_km"] and record["position_precision"] in PRECISION_UNCERTAINTY_KM:
        radius = PRECISION_UNCERTAINTY_KM[PositionPrecision(record["position_precision"])]
        record["uncertainty_km"] = format_number(radius)
