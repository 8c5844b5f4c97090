"""One registry row → one project record in the atlas's text format, with every problem of its cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from pypinyin import lazy_pinyin

from atlas.core.cells import (
    capacity_unit,
    capacity_unit_at_start,
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
    strip_capacity_words,
)
from atlas.core.errors import Problem
from atlas.core.messages import Message, listing, msg, reason_of
from atlas.core.safe import neutralise_formula
from atlas.core.schema import (
    PRECISION_UNCERTAINTY_KM,
    PROJECT_COLUMNS,
    PositionPrecision,
    PositionSource,
    ProjectStatus,
)
from atlas.geo.datum import SourceCrs
from atlas.geo.geodesy import geodesic_km
from atlas.importer.headers import LONLAT, PLACE, HeaderMap, normalise_header
from atlas.importer.places import PlaceMatch, county_place, resolve_place
from atlas.importer.places import Places as PlaceNames
from atlas.importer.positions import Places, locate
from atlas.importer.vocabulary import LIST_SPLIT, Vocabulary, normalise_value

TEXT_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "company_zh", "company_en", "notes_zh", "notes_en")
COORDINATE_DECIMALS: Final[int] = 6
"""Stored lon/lat decimals: 1e-6° ≈ 0.1 m, finer than any map a position is copied from."""
DEFAULTS: Final[dict[str, tuple[Message, str]]] = {
    "id": (msg("default_id"), "info"),
    "name_en": (msg("default_name_en"), "info"),
    "status": (msg("default_status"), "info"),
    "as_of": (msg("default_as_of"), "info"),
    "county_adcode": (msg("default_county"), "info"),
    "position_precision": (msg("default_precision"), "warning"),
}
"""What an import fills in when a column is absent (said once per file) or a cell is empty (per row)."""
_SOURCE_SPLIT = re.compile(r"\s*[;；\n]\s*|\s+(?=https?://)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|^\s|\s$")
_SPACE = " \t\r\n\u3000\xa0\ufeff"


@dataclass(frozen=True)
class RowContext:
    """What every row of one import is read against."""

    filename: str
    headers: HeaderMap
    vocab: dict[str, Vocabulary]
    places: Places
    """County polygons: where a point is."""
    gazetteer: PlaceNames
    """County and town names: where a place name is."""
    crs: SourceCrs
    default_source: str
    today: str
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Column → normalised word → atlas value (the user's value mapping)."""
    defaults: dict[str, str] = field(default_factory=dict)
    """Column → text for empty cells and missing columns (whole-file defaults)."""
    memo: dict[tuple[str, str], str] = field(default_factory=dict)
    """(column, text) → value already resolved exactly (no problem to report), for the rows that follow."""
    places_seen: dict[str, PlaceMatch | Message] = field(default_factory=dict)
    """Place text → its `resolve_place` result, for the rows that follow."""


@dataclass
class RowResult:
    """A row as read: its original cells, the record built from them, and what is wrong or was assumed."""

    number: int
    cells: tuple[str, ...]
    record: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    unknown: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    """(column, the user's word, suggested values best first) of each value no vocabulary knew."""

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
        self.unknown: list[tuple[str, str, tuple[str, ...]]] = []
        self.texts: dict[str, str] = {}

    def raw(self, column: str) -> str:
        index = self.ctx.headers.index_of(column)
        cell = "" if index is None or index >= len(self.cells) else self.cells[index]
        return cell if cell.strip(_SPACE) or column not in self.ctx.defaults else self.ctx.defaults[column]

    def text(self, column: str) -> str:
        """The cell as stored: trimmed, LF line ends, no control characters (XLSX cannot hold them).

        The apostrophe our own exports put before a formula-like cell is taken off again.
        """
        cached = self.texts.get(column)
        if cached is not None:
            return cached
        text = self.raw(column).strip(_SPACE)
        if _NEEDS_CLEANING.search(text):  # rare: most cells are plain text, checked by one regex search
            text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip(_SPACE).strip()
        if text[:1] == "'" and neutralise_formula(text[1:]) == text:
            text = text[1:]
        self.texts[column] = text
        return text

    def has(self, column: str) -> bool:
        """The file has this column (a whole-file default alone does not count)."""
        return self.ctx.headers.index_of(column) is not None

    def given(self, column: str) -> bool:
        """The file has this column, or the import gives it a whole-file default."""
        return self.has(column) or column in self.ctx.defaults

    def assumed(self, column: str, message: Message | str, *, severity: str = "info") -> None:
        """A default filled in: said once per file when the column is absent (`DEFAULTS`), else per row."""
        if self.has(column):
            self.add(column, message, severity=severity)

    def add(self, column: str, message: Message | str, *, severity: str = "error", value: str | None = None) -> None:
        index = self.ctx.headers.index_of(column)
        shown = column if index is None else self.ctx.headers.names[index]
        cell = self.raw(column) if value is None else value
        self.problems.append(Problem.of(self.ctx.filename, message, self.number, shown, cell, severity))


def read_row(ctx: RowContext, number: int, cells: tuple[str, ...]) -> RowResult:
    """Build the record of one data row; nothing raises, every issue becomes a `Problem` of this row."""
    row = _Row(ctx, number, cells)
    record = dict.fromkeys(PROJECT_COLUMNS, "")
    for column in TEXT_COLUMNS:
        record[column] = row.text(column)
    _names(row, record)
    _notes(row, record)
    _source(row, record)
    _controlled(row, record)
    _figures(row, record)
    _as_of(row, record)
    _position(row, record)
    width = len(ctx.headers.names)
    for i, cell in enumerate(cells[width:], start=width):
        if cell.strip(_SPACE):
            row.problems.append(Problem.of(ctx.filename, msg("cell_right_of_header"), number,
                                           f"column {column_letter(i)}", cell, "warning"))
    padded = tuple(cells[:width]) + ("",) * max(0, width - len(cells))
    return RowResult(number, padded, record, row.problems, row.unknown)


def pinyin_text(text: str) -> str:
    """Hanyu Pinyin of a Chinese text, syllables capitalised ("清镇" → "Qing Zhen"); other text kept."""
    syllables = (s.strip() for s in lazy_pinyin(text, errors="default"))
    return " ".join(s[:1].upper() + s[1:] for s in syllables if s)


def _names(row: _Row, record: dict[str, str]) -> None:
    if not record["name_zh"] and not record["name_en"]:
        row.add("name_zh", msg("name_required"))
    elif not record["name_zh"]:
        record["name_zh"] = record["name_en"]
        row.add("name_zh", msg("name_zh_from_en"), severity="warning", value="")
    elif not record["name_en"]:
        record["name_en"] = pinyin_text(record["name_zh"])
        row.assumed("name_en", msg("name_en_pinyin", pinyin=record["name_en"]))


def _notes(row: _Row, record: dict[str, str]) -> None:
    """A note in one language is kept, never translated: said per row when the file has both columns
    (a file with one notes column is told once, by `project_list`)."""
    if bool(record["notes_zh"]) != bool(record["notes_en"]) and row.given("notes_zh") and row.given("notes_en"):
        present, missing = ("notes_zh", "notes_en") if record["notes_zh"] else ("notes_en", "notes_zh")
        row.add(missing, msg("note_one_language_row", present=present, missing=missing), severity="info", value="")


def _source(row: _Row, record: dict[str, str]) -> None:
    text = row.text("source") or row.ctx.default_source.strip()
    record["source"] = " ; ".join(p for p in _SOURCE_SPLIT.split(text) if p)
    if not record["source"]:
        row.add("source", msg("source_required"))


def _controlled(row: _Row, record: dict[str, str]) -> None:
    vocab = row.ctx.vocab
    status = row.text("status")
    if is_unknown(status):
        record["status"] = ProjectStatus.UNKNOWN
        row.assumed("status", msg("status_unknown_default"))
    else:
        record["status"] = _resolve(row, "status", vocab["status"]) or ""
    if is_unknown(row.text("stage")):
        row.add("stage", msg("stage_required", valid=listing(vocab["stage"].shown.values())))
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
        default = msg("empty_default", what=DEFAULTS["position_precision"][0])
        row.assumed("position_precision", default, severity="warning")
    else:
        record["position_precision"] = _resolve(row, "position_precision", vocab["position_precision"]) or ""
    if not is_unknown(row.text("county_adcode")):
        record["county_adcode"] = _county(row, row.text("county_adcode"))


def _resolve_place(row: _Row, text: str) -> PlaceMatch | Message:
    """`resolve_place`, once per distinct text in an import."""
    found = row.ctx.places_seen.get(text)
    if found is None:
        found = row.ctx.places_seen[text] = resolve_place(row.ctx.gazetteer, text)
    return found


def _county(row: _Row, text: str) -> str:
    """The adcode a county cell means (an adcode, a county name written any way, an address): "" if none."""
    mapped = row.ctx.values.get("county_adcode", {}).get(normalise_value(text))
    if mapped is not None:
        return mapped
    match = _resolve_place(row, text)
    if isinstance(match, Message):
        row.add("county_adcode", match)
        return ""
    if match.precision == PositionPrecision.PREFECTURE:
        return ""  # only a prefecture: the point (or the place) decides; a row without either is placed there
    return match.county


def _resolve(row: _Row, column: str, vocabulary: Vocabulary, text: str | None = None, *,
             list_all: bool = True) -> str | None:
    value = row.text(column) if text is None else text
    key = (column, value)
    if key in row.ctx.memo:  # the same word in the same column means the same, row after row
        return row.ctx.memo[key]
    mapped = row.ctx.values.get(column, {}).get(normalise_value(value))
    if mapped is not None:
        row.ctx.memo[key] = mapped
        return mapped
    found = vocabulary.resolve(value)
    if found is not None:
        row.ctx.memo[key] = found
        return found
    if found is None and (found := vocabulary.resolve_loosely(value)) is not None:
        row.add(column, msg("read_loosely", value=vocabulary.shown[found]), severity="warning", value=value)
    if found is None:
        row.add(column, vocabulary.unknown_message(value, list_all=list_all), value=value)
        row.unknown.append((column, value, tuple(vocabulary.suggest(value))))
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
            row.add("year", reason_of(exc))
    if not is_unknown(row.text("uncertainty_km")):
        try:
            value, _ = parse_plain_number(row.text("uncertainty_km"))
            record["uncertainty_km"] = format_number(value)
        except ValueError as exc:
            row.add("uncertainty_km", reason_of(exc))


def _number(row: _Row, column: str, text: str | None = None) -> tuple[float, str] | None:
    """A cell's number and unit text; None (with a problem) when unreadable or negative."""
    try:
        value, unit, warning = split_number(row.text(column) if text is None else text)
    except ValueError as exc:
        row.add(column, reason_of(exc))
        return None
    if warning:
        row.add(column, warning, severity="warning")
    if value < 0:
        row.add(column, msg("must_be_non_negative"))
        return None
    return value, unit.strip()


def _capacity(row: _Row, record: dict[str, str]) -> None:
    unit_cell = "" if is_unknown(row.text("capacity_unit")) else row.text("capacity_unit")
    if is_unknown(row.text("capacity")):
        known = capacity_unit(unit_cell) if unit_cell else None
        record["capacity_unit"] = known[0] if known else unit_cell
        return
    parsed = _number(row, "capacity", strip_capacity_words(row.text("capacity")))
    if parsed is None:
        return
    value, unit = parsed
    index = row.ctx.headers.index_of("capacity")
    in_cell = bool(unit or unit_cell)
    unit = unit or unit_cell or (row.ctx.headers.units.get(index, "") if index is not None else "")
    if not unit:
        row.add("capacity", msg("capacity_needs_unit_cell"))
        return
    known = capacity_unit(unit)
    if known is None and (at_start := capacity_unit_at_start(unit)) is not None and at_start[2]:
        known = at_start[:2]
        row.add("capacity", msg("capacity_words_dropped", unit=unit[: len(unit) - len(at_start[2])],
                                words=at_start[2]), severity="warning")
    if known is None:
        record["capacity"], record["capacity_unit"] = format_number(value), unit
        row.add("capacity", msg("capacity_unit_unknown", unit=unit), severity="warning")
        return
    record["capacity"], record["capacity_unit"] = format_number(value * known[1]), known[0]
    if known[1] != 1 and in_cell:
        row.add("capacity", msg("capacity_converted", value=format_number(value), unit=unit,
                                converted=record["capacity"], atlas_unit=known[0]), severity="info")


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
        row.add("investment_cny_m", msg("investment_needs_unit",
                                        unknown=msg("unknown_unit_suffix", unit=unit) if unit else ""))
        return
    record["investment_cny_m"] = format_number(value * factor)
    if factor != 1 and in_cell:
        row.add("investment_cny_m", msg("investment_converted", value=format_number(value), unit=unit,
                                        converted=record["investment_cny_m"]), severity="info")


def _as_of(row: _Row, record: dict[str, str]) -> None:
    if is_unknown(row.text("as_of")):
        record["as_of"] = row.ctx.today
        row.assumed("as_of", msg("as_of_default", today=row.ctx.today))
        return
    try:
        record["as_of"] = parse_date(row.text("as_of"))
    except ValueError as exc:
        row.add("as_of", reason_of(exc))


def _coordinates(row: _Row) -> tuple[float, float] | None:
    """The row's point as typed (degrees in the import's datum); None when it has none or it is unreadable.

    A row without coordinates is not an error here: its place name may give the position (`_position`).
    """
    if row.has(LONLAT) and not (row.text("lon") or row.text("lat")):
        if is_unknown(row.text(LONLAT)):
            return None
        try:
            lon_text, lat_text = split_lonlat(row.text(LONLAT))
        except ValueError as exc:
            row.add(LONLAT, reason_of(exc))
            return None
        pairs = [(LONLAT, lon_text), (LONLAT, lat_text)]
    else:
        pairs = [("lon", row.text("lon")), ("lat", row.text("lat"))]
    if all(is_unknown(text) for _, text in pairs):
        return None
    values = []
    for column, text in pairs:
        if is_unknown(text):
            row.add(column, msg("position_required"), value=text)
            return None
        try:
            values.append(parse_degrees(text))
        except ValueError as exc:
            row.add(column, reason_of(exc), value=text)
            return None
    return values[0], values[1]


def _place_text(row: _Row) -> str:
    """Where the row says the project is, in words: the place cell, else the county cell."""
    place = "" if is_unknown(row.text(PLACE)) else row.text(PLACE)
    county = "" if is_unknown(row.text("county_adcode")) else row.text("county_adcode")
    return place or county


def _position(row: _Row, record: dict[str, str]) -> None:
    reported = len(row.problems)
    point = _coordinates(row)
    place = _place_text(row)
    if point is None:
        if len(row.problems) > reported:
            return  # unreadable coordinates, already said
        if place:
            _position_from_place(row, record, place)
        else:
            column = "lon" if row.has("lon") else LONLAT if row.has(LONLAT) else PLACE
            row.add(column, msg("position_required"), value="")
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
    if row.given(PLACE) and place:
        _check_place_agrees(row, record, place, lon=located.lon, lat=located.lat)


def _position_from_place(row: _Row, record: dict[str, str], place: str) -> None:
    """No coordinates: the point, precision and uncertainty of the county or town the place names."""
    column = PLACE if row.given(PLACE) and not is_unknown(row.text(PLACE)) else "county_adcode"
    match = _resolve_place(row, place)
    if isinstance(match, Message) and column == "county_adcode":
        if not record["county_adcode"]:
            return  # the county cell named no county: said by `_county`
        match = county_place(row.ctx.gazetteer, record["county_adcode"])  # a county mapped by the user
    if isinstance(match, Message):
        row.add(column, match, value=place)
        return
    if record["county_adcode"] and record["county_adcode"] != match.county:
        names = row.ctx.gazetteer.county_names
        row.add(column, msg("place_county_conflict", place=place, place_county=names[match.county],
                            county=names.get(record["county_adcode"], record["county_adcode"])), value=place)
        return
    record["lon"] = format_number(round(match.lon, COORDINATE_DECIMALS))
    record["lat"] = format_number(round(match.lat, COORDINATE_DECIMALS))
    record["county_adcode"] = match.county
    record["position_precision"] = match.precision.value
    record["uncertainty_km"] = format_number(match.uncertainty_km)
    gazetteer = row.ctx.gazetteer.gazetteer if match.precision == PositionPrecision.TOWN else "atlas counties"
    record["position_source"] = f"{PositionSource.PLACE_NAME.value}: {match.described} ({gazetteer})"
    record["position_as_of"] = row.ctx.today
    precision = msg(f"precision_{match.precision.value}")
    row.add(column, msg("place_position", place=match.described, precision=precision,
                        km=format_number(match.uncertainty_km)), severity="info", value=place)
    if match.note is not None:
        severity = "warning" if match.precision == PositionPrecision.PREFECTURE else "info"
        row.add(column, match.note, severity=severity, value=place)


def _check_place_agrees(row: _Row, record: dict[str, str], place: str, *, lon: float, lat: float) -> None:
    """Coordinates win over a place name, but a point outside the place it names is worth a look."""
    match = _resolve_place(row, place)
    if isinstance(match, Message) or row.ctx.places.in_county(match.county, lon=lon, lat=lat):
        return
    plon, plat = match.lon, match.lat
    km = geodesic_km(lon1=lon, lat1=lat, lon2=plon, lat2=plat)
    row.add(PLACE, msg("place_outside", county=row.ctx.gazetteer.county_names[match.county], km=f"{float(km):.0f}"),
            severity="warning", value=place)
