"""Positions from place names: "黔西南州兴仁市", "凯里市炉山镇", "务川县大坪镇" → a county or town, and a point.

Bureau project lists name where a project is built (建设地点) instead of giving coordinates. A place
resolves to one of the atlas's counties (with or without 市/县/区/自治县, with or without the province
and prefecture in front, or inside a longer address) and, where the town gazetteer knows the rest of
the text, to a town. The row then gets that place's point with county or town precision and an
uncertainty that covers it; a place that names nothing known, or several, is a row error with
suggestions.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Final

import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from atlas.core import settings
from atlas.core.messages import Message, listing, msg
from atlas.core.model import Atlas
from atlas.core.schema import PRECISION_UNCERTAINTY_KM, PositionPrecision

COUNTY_ENDINGS: Final[tuple[str, ...]] = ("自治县", "特区", "市", "县", "区")
PREFECTURE_ENDINGS: Final[tuple[str, ...]] = ("自治州", "市", "州")
TOWN_ENDINGS: Final[tuple[str, ...]] = ("街道办事处", "街道", "镇", "乡")
PEOPLES: Final[tuple[str, ...]] = ("仡佬族", "布依族", "土家族", "苗族", "侗族", "彝族", "回族", "水族", "瑶族",
                                   "壮族", "白族", "毛南族")
PROVINCE_PREFIXES: Final[tuple[str, ...]] = ("贵州省", "贵州")
_NOISE = re.compile(r"[\s,，、;；:：()（）\[\]【】\"'“”‘’·-]+")
_GEOD = pyproj.Geod(ellps=settings.GEOD_ELLIPSOID)
_TOWN_WORD = re.compile(r"^[\u4e00-\u9fff]{1,6}?(街道办事处|街道|镇|乡)")


@dataclass(frozen=True)
class PlaceMatch:
    """Where a place name puts a project: its county, maybe a town, the point and how sure it is."""

    county: str
    lon: float
    lat: float
    precision: PositionPrecision
    uncertainty_km: float
    described: str
    """The place as resolved, e.g. "凯里市炉山镇" (for `position_source`)."""
    note: Message | None = None
    """Said to the user: a town the gazetteer does not know, so the county was used."""


@dataclass(frozen=True)
class Places:
    """Counties, prefectures and towns by every way people write them, for `resolve_place`."""

    county_forms: dict[str, str]
    """Written form → county adcode (forms shared by two counties are left out)."""
    prefecture_forms: dict[str, str]
    counties_of: dict[str, frozenset[str]]
    """Prefecture adcode → its county adcodes."""
    county_points: dict[str, tuple[float, float, float]]
    """County adcode → (lon, lat, km from that point to the county's farthest edge)."""
    prefecture_points: dict[str, tuple[float, float, float]]
    """The same for each prefecture: a place that names only a prefecture is placed at prefecture precision."""
    prefecture_names: dict[str, str]
    county_names: dict[str, str]
    towns: dict[str, dict[str, tuple[str, float, float]]]
    """County adcode → town form → (town name, lon, lat)."""
    gazetteer: str
    """Named in `position_source` when a town was found."""


def normalise_place(text: str) -> str:
    """Width-folded, without spaces, brackets and separators, and without the province in front."""
    key = _NOISE.sub("", unicodedata.normalize("NFKC", text))
    for prefix in PROVINCE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def name_forms(name: str, endings: tuple[str, ...]) -> set[str]:
    """A unit's name as people write it: "务川仡佬族苗族自治县" → 务川仡佬族苗族自治县, 务川自治县, 务川县, 务川."""
    forms = {name}
    for ending in endings:
        if name.endswith(ending) and len(name) > len(ending) + 1:
            core = name[: -len(ending)]
            while (people := next((p for p in PEOPLES if core.endswith(p) and len(core) > len(p) + 1), None)):
                core = core[: -len(people)]
            forms |= {core, core + ending}
            if ending in ("自治县", "自治州"):
                forms.add(core + ending[-1])  # 务川县, 黔西南州
            break
    return {f for f in forms if len(f) >= 2}


def _unique_forms(names: dict[str, str], endings: tuple[str, ...]) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for code, name in names.items():
        for form in name_forms(name, endings):
            seen.setdefault(form, set()).add(code)
    return {form: next(iter(codes)) for form, codes in seen.items() if len(codes) == 1}


def _farthest_km(lon: float, lat: float, polygon: BaseGeometry) -> float:
    """Geodesic km from the point to the polygon's farthest boundary vertex: a circle that covers the county."""
    coords = shapely.get_coordinates(shapely.boundary(polygon))
    if not len(coords):
        return PRECISION_UNCERTAINTY_KM[PositionPrecision.COUNTY]
    _, _, metres = _GEOD.inv([lon] * len(coords), [lat] * len(coords), coords[:, 0], coords[:, 1])
    return float(max(metres)) / 1000


def _inside_point(polygon: BaseGeometry) -> tuple[float, float]:
    """The centroid when it lies inside, else a point guaranteed inside (a crescent's centroid is not)."""
    point = polygon.centroid
    if not polygon.contains(point):
        point = polygon.representative_point()
    return float(point.x), float(point.y)


_BUILT: dict[int, tuple[weakref.ref[pd.DataFrame], Places]] = {}
"""Places built from an atlas's counties frame (by its id), kept while that frame lives."""


def build_places(atlas: Atlas, towns: pd.DataFrame | None = None, *, gazetteer: str = "") -> Places:
    """The look-up tables of `resolve_place` from the atlas's boundaries and an optional town gazetteer.

    `towns` has ``name_zh``, ``county_adcode``, ``lon``, ``lat`` (WGS84); `gazetteer` names its source.
    Without towns the tables are built once per atlas (the covering radii take a while).
    """
    key = id(atlas.counties)
    if towns is None and key in _BUILT and _BUILT[key][0]() is atlas.counties:
        return _BUILT[key][1]
    places = _build_places(atlas, towns, gazetteer=gazetteer)
    if towns is None:
        _BUILT[key] = (weakref.ref(atlas.counties, lambda _: _BUILT.pop(key, None)), places)
    return places


def _build_places(atlas: Atlas, towns: pd.DataFrame | None, *, gazetteer: str) -> Places:
    counties = atlas.counties
    names = {str(a): str(n) for a, n in zip(counties["adcode"], counties["name_zh"], strict=True)}
    prefectures = {str(a): str(n) for a, n in zip(atlas.prefectures["adcode"], atlas.prefectures["name_zh"],
                                                  strict=True)}
    counties_of: dict[str, set[str]] = {}
    for code, parent in zip(counties["adcode"], counties["parent_adcode"], strict=True):
        counties_of.setdefault(str(parent), set()).add(str(code))
    points = _covering_points(counties)
    prefecture_points = _covering_points(atlas.prefectures)
    town_forms: dict[str, dict[str, tuple[str, float, float]]] = {}
    if towns is not None:
        for name, county, lon, lat in zip(towns["name_zh"], towns["county_adcode"], towns["lon"], towns["lat"],
                                          strict=True):
            for form in name_forms(str(name), TOWN_ENDINGS):
                town_forms.setdefault(str(county), {})[form] = (str(name), float(lon), float(lat))
    return Places(
        county_forms=_unique_forms(names, COUNTY_ENDINGS),
        prefecture_forms=_unique_forms(prefectures, PREFECTURE_ENDINGS),
        counties_of={k: frozenset(v) for k, v in counties_of.items()},
        county_points=points,
        prefecture_points=prefecture_points,
        prefecture_names=prefectures,
        county_names=names,
        towns=town_forms,
        gazetteer=gazetteer,
    )


def _covering_points(units: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Adcode → a point inside the unit and the radius (km) from it that covers the whole unit."""
    points = {}
    for code, polygon in zip(units["adcode"], units.geometry, strict=True):
        lon, lat = _inside_point(polygon)
        points[str(code)] = (lon, lat, _farthest_km(lon, lat, polygon))
    return points


def _longest_prefix(text: str, forms: dict[str, str], allowed: frozenset[str] | None = None) -> tuple[str, str]:
    """(form, code) of the longest form `text` starts with (among `allowed` codes), or ("", "")."""
    for form in sorted((f for f in forms if text.startswith(f)), key=len, reverse=True):
        if allowed is None or forms[form] in allowed:
            return form, forms[form]
    return "", ""


def resolve_place(places: Places, text: str) -> PlaceMatch | Message:
    """The county (and town, when the gazetteer knows it) a place name means, or why it means none.

    Returns a `Message` (the row error, with suggestions) when the text names no Guizhou county, only a
    prefecture, or could be several counties.
    """
    key = normalise_place(text)
    if key in places.county_points:  # an adcode
        return _town_or_county(places, key, "")
    prefecture_form, prefecture = _longest_prefix(key, places.prefecture_forms)
    rest = key[len(prefecture_form) :]
    allowed = places.counties_of.get(prefecture) if prefecture else None
    form, county = _longest_prefix(rest, places.county_forms, allowed)
    if county:
        return _town_or_county(places, county, rest[len(form) :])
    if prefecture and not rest:
        lon, lat, km = places.prefecture_points[prefecture]
        note = msg("place_only_prefecture", place=text.strip(),
                   counties=listing(sorted(places.county_names[c] for c in allowed or ())))
        return PlaceMatch(prefecture, lon, lat, PositionPrecision.PREFECTURE, float(int(km) + 1),
                          places.prefecture_names[prefecture], note)
    inside = {code for form, code in places.county_forms.items()
              if form in rest and (allowed is None or code in allowed)}
    if len(inside) == 1:  # the county somewhere inside a longer address
        county = inside.pop()
        form = max((f for f, c in places.county_forms.items() if c == county and f in rest), key=len)
        return _town_or_county(places, county, rest[rest.index(form) + len(form) :])
    if len(inside) > 1:
        return msg("place_ambiguous", place=text.strip(),
                   counties=listing((places.county_names[c] for c in sorted(inside)), alternatives=True))
    by_town = {c for c, forms in places.towns.items() if (allowed is None or c in allowed)
               and any(rest.startswith(f) for f in forms)}
    if len(by_town) == 1:  # a town the gazetteer knows, without its county
        return _town_or_county(places, by_town.pop(), rest)
    close = difflib.get_close_matches(rest or key, list(places.county_forms), n=3, cutoff=0.5)
    names = dict.fromkeys(places.county_names[places.county_forms[c]] for c in close)
    hint = msg("did_you_mean", hints=listing(names, alternatives=True)) if names else ""
    return msg("place_unknown", place=text.strip(), hint=hint)


def county_place(places: Places, adcode: str) -> PlaceMatch:
    """The point and uncertainty of a whole county (one the user named by adcode or mapped)."""
    return _town_or_county(places, adcode, "")


def _town_or_county(places: Places, county: str, rest: str) -> PlaceMatch:
    county_name = places.county_names[county]
    towns = places.towns.get(county, {})
    town_form, _ = _longest_prefix(rest, {f: f for f in towns})
    if town_form:
        name, lon, lat = towns[town_form]
        return PlaceMatch(county, lon, lat, PositionPrecision.TOWN, PRECISION_UNCERTAINTY_KM[PositionPrecision.TOWN],
                          f"{county_name}{name}")
    lon, lat, km = places.county_points[county]
    town = _town_word(rest)
    note = msg("place_town_unknown", town=town, county=county_name) if town else None
    return PlaceMatch(county, lon, lat, PositionPrecision.COUNTY, float(int(km) + 1), county_name, note)


def _town_word(rest: str) -> str:
    """The town that text after the county starts with ("炉山镇工业园区" → "炉山镇"), or "" (a street, a park)."""
    match = _TOWN_WORD.match(rest)
    return match.group(0) if match else ""
