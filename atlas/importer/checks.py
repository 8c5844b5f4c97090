"""Checks across the rows of one import: new and unique ids, the same project twice, the atlas's own rules.

A big file is read in chunks; `CrossRowChecks` keeps what later chunks are checked against (ids used,
names with their positions), which grows with the registry, not with the rows' full text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from array import array
from collections.abc import Mapping

import pandas as pd
from pypinyin import lazy_pinyin

from atlas.core.errors import Problem
from atlas.core.messages import Message, msg
from atlas.core.model import Atlas
from atlas.geo.geodesy import geodesic_km
from atlas.importer.headers import HeaderMap
from atlas.importer.rows import RowResult
from atlas.importer.validation import validation_problems
from atlas.importer.vocabulary import normalise_value

DUPLICATE_KM: float = 1.0
"""Two records with the same name closer than this (or than their uncertainty) are the same project."""

Placed = tuple[str, float, float, float]
"""(id or row number as text, lon, lat, uncertainty km) of a name already seen."""


def id_slug(name: str, *, fallback: str) -> str:
    """A lowercase kebab-case id from a (Chinese) name via pinyin: "清镇铝业" → "qing-zhen-lv-ye"."""
    words = [re.sub(r"[^a-z0-9]+", "-", w.lower()).strip("-") for w in lazy_pinyin(name, errors="default")]
    slug = "-".join(w for w in words if w)[:48].rstrip("-")
    return slug or fallback


def _float(value: object) -> float:
    try:
        number = float(str(value)) if value not in (None, "") else math.nan
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _name_keys(record: Mapping[str, object]) -> set[str]:
    """The names a record is known by, normalised: Chinese, and English when there is no Chinese name."""
    zh = normalise_value(str(record.get("name_zh", "") or ""))
    return {zh} if zh else {normalise_value(str(record.get("name_en", "") or ""))} - {""}


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    if any(math.isnan(v) for v in (lon1, lat1, lon2, lat2)):
        return math.nan
    return float(geodesic_km(lon1=lon1, lat1=lat1, lon2=lon2, lat2=lat2))


def _key(text: str) -> int:
    """A 64-bit digest of a normalised id or name: what a million rows are remembered by (not their text)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


class CrossRowChecks:
    """Ids and duplicates against the registry and every earlier row of the file, chunk after chunk.

    Earlier rows are remembered compactly (a digest of each id and name, and the row's position in
    typed arrays), so checking a million-row file costs tens of bytes a row, not its text.
    """

    def __init__(self, existing: pd.DataFrame, *, filename: str, id_column_present: bool) -> None:
        self.filename = filename
        self.id_column_present = id_column_present
        self.existing_names = dict(zip(existing["id"].astype(str), existing["name_zh"].astype(str), strict=True))
        self.ids: dict[int, int] = {}
        """Digest of each id given in the file → its spreadsheet row."""
        self.existing_by_name: dict[str, list[Placed]] = {}
        columns = ["id", "name_zh", "name_en", "lon", "lat", "uncertainty_km"]
        for record in (dict(zip(columns, values, strict=True)) for values in existing[columns].itertuples(index=False)):
            placed = (str(record["id"]), _float(record["lon"]), _float(record["lat"]),
                      _float(record["uncertainty_km"]))
            for key in _name_keys(record):
                self.existing_by_name.setdefault(key, []).append(placed)
        self.names: dict[int, int | list[int]] = {}
        """Digest of each name seen in the file → index (or indexes) into the arrays below."""
        self.rows = array("q")
        self.lons = array("d")
        self.lats = array("d")

    def check(self, results: list[RowResult]) -> None:
        """Add the id and duplicate problems of `results` (the next chunk) and give every row an id."""
        self._check_ids(results)
        self._check_duplicates(results)

    def _taken(self, candidate: str) -> bool:
        return candidate in self.existing_names or _key(candidate) in self.ids

    def _check_ids(self, results: list[RowResult]) -> None:
        for result in results:
            given = result.record["id"]
            if not given:
                continue
            if given in self.existing_names:
                self._add(result, msg("id_exists", id=given, name=self.existing_names[given]), "id", given)
            elif (first := self.ids.get(_key(given))) is not None:
                self._add(result, msg("id_repeated_in_file", row=first), "id", given)
            else:
                self.ids[_key(given)] = result.number
        for result in results:
            if result.record["id"]:
                continue
            name = result.record["name_zh"] or result.record["name_en"]
            base = id_slug(name, fallback=f"import-row-{result.number}")
            candidate, n = base, 2
            while self._taken(candidate):
                candidate, n = f"{base}-{n}", n + 1
            self.ids[_key(candidate)] = result.number
            result.record["id"] = candidate
            if self.id_column_present:
                self._add(result, msg("id_generated", id=candidate), "id", "", "info")

    def _check_duplicates(self, results: list[RowResult]) -> None:
        """Same name and about the same place as an existing record or an earlier row: the same project twice."""
        for result in results:
            record = result.record
            keys = _name_keys(record)
            lon, lat, radius = _float(record["lon"]), _float(record["lat"]), _float(record["uncertainty_km"])
            seen: set[str] = set()
            for key in keys:
                for other_id, olon, olat, oradius in self.existing_by_name.get(key, []):
                    if other_id not in seen:
                        seen.add(other_id)
                        self._existing_duplicate(result, other_id, _km(lon, lat, olon, olat),
                                                 _zero(radius) + _zero(oradius))
            twin = self._earlier_twin(keys, lon, lat)
            if twin is not None:
                self._add(result, msg("duplicate_row", row=twin), "name_zh", record["name_zh"])
            self._remember(keys, result.number, lon, lat)

    def _earlier_twin(self, keys: set[str], lon: float, lat: float) -> int | None:
        for key in keys:
            found = self.names.get(_key(key))
            for index in [] if found is None else [found] if isinstance(found, int) else found:
                if not _km(lon, lat, self.lons[index], self.lats[index]) >= DUPLICATE_KM:
                    return int(self.rows[index])
        return None

    def _remember(self, keys: set[str], number: int, lon: float, lat: float) -> None:
        index = len(self.rows)
        self.rows.append(number)
        self.lons.append(lon)
        self.lats.append(lat)
        for key in keys:
            digest = _key(key)
            found = self.names.get(digest)
            if found is None:
                self.names[digest] = index
            elif isinstance(found, int):
                self.names[digest] = [found, index]
            else:
                found.append(index)

    def _existing_duplicate(self, result: RowResult, other_id: str, km: float, radius: float) -> None:
        if math.isnan(km):
            return
        name = result.record["name_zh"]
        if km <= max(DUPLICATE_KM, radius):
            self._add(result, msg("looks_like_existing", id=other_id, km=f"{km:.1f}"), "name_zh", name)
        else:
            self._add(result, msg("same_name_far", id=other_id, km=f"{km:.0f}"), "name_zh", name, "warning")

    def _add(self, result: RowResult, message: Message, column: str, value: str, severity: str = "error") -> None:
        result.problems.append(Problem.of(self.filename, message, result.number, column, value, severity))


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def check_with_validation(results: list[RowResult], atlas: Atlas, headers: HeaderMap, filename: str) -> None:
    """Rows that pass every import check must also pass the atlas's own validation, or they could not be saved."""
    candidates = [r for r in results if r.ok]
    for index, problems in validation_problems([r.record for r in candidates], atlas).items():
        result = candidates[index]
        for problem in problems:
            column = problem.column or ""
            position = headers.index_of(column)
            shown = headers.names[position] if position is not None else column
            result.problems.append(dataclasses.replace(problem, file=filename, row=result.number, column=shown))
