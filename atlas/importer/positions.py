"""Where an imported point really is: degrees not metres, lat/lon order, datum, Guizhou, its stated county."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import shapely
from shapely.geometry.base import BaseGeometry

from atlas.core import settings
from atlas.core.messages import Message, listing, msg
from atlas.core.model import Atlas
from atlas.geo.datum import SourceCrs, to_wgs84

CRS_NAMES: Final[dict[str, Message]] = {
    SourceCrs.WGS84: msg("crs_wgs84"),
    SourceCrs.GCJ02: msg("crs_gcj02"),
    SourceCrs.BD09: msg("crs_bd09"),
}


@dataclass(frozen=True)
class Places:
    """The province and county polygons (WGS84), indexed for point look-ups."""

    province: BaseGeometry | None
    adcodes: tuple[str, ...]
    polygons: tuple[BaseGeometry, ...]
    names: dict[str, str]
    tree: shapely.STRtree
    by_code: dict[str, BaseGeometry]

    def county_at(self, *, lon: float, lat: float) -> str | None:
        """Adcode of the county containing the point (boundary included), or None."""
        point = shapely.Point(lon, lat)
        for i in self.tree.query(point, predicate="intersects"):
            return self.adcodes[int(i)]
        return None

    def in_county(self, adcode: str, *, lon: float, lat: float) -> bool:
        """True when the point lies in (or on the edge of) county `adcode`."""
        polygon = self.by_code.get(adcode)
        return polygon is not None and bool(shapely.intersects_xy(polygon, lon, lat))

    def in_province(self, *, lon: float, lat: float) -> bool:
        """True inside Guizhou's outline (or its lon/lat box when no outline is loaded)."""
        west, south, east, north = settings.GUIZHOU_BOUNDS
        if not (west <= lon <= east and south <= lat <= north):
            return False
        return self.province is None or bool(shapely.intersects_xy(self.province, lon, lat))

    def shown(self, adcode: str) -> str:
        """ "清镇市 (520181)" for messages."""
        return f"{self.names.get(adcode, adcode)} ({adcode})"


def build_places(atlas: Atlas) -> Places:
    """Polygons of `atlas` for `locate` (built once per import)."""
    counties = atlas.counties
    polygons = tuple(counties.geometry)
    for polygon in polygons:
        shapely.prepare(polygon)  # every imported point is tested against these: prepare once per import
    province = shapely.union_all(list(atlas.province.geometry)) if len(atlas.province) else None
    if province is not None:
        shapely.prepare(province)
    return Places(
        province=None if province is None or province.is_empty else province,
        adcodes=tuple(str(a) for a in counties["adcode"]),
        polygons=polygons,
        names={str(a): str(n) for a, n in zip(counties["adcode"], counties["name_zh"], strict=True)},
        tree=shapely.STRtree(polygons),
        by_code={str(a): g for a, g in zip(counties["adcode"], polygons, strict=True)},
    )


@dataclass(frozen=True)
class Located:
    """A point brought to WGS84 with the county it was checked against, and what the user should hear."""

    lon: float | None
    lat: float | None
    county: str | None
    errors: tuple[Message, ...] = ()
    warnings: tuple[Message, ...] = ()
    notes: tuple[Message, ...] = ()


def _in_box(lon: float, lat: float) -> bool:
    west, south, east, north = settings.GUIZHOU_BOUNDS
    return west <= lon <= east and south <= lat <= north


def locate(places: Places, *, lon: float, lat: float, crs: SourceCrs, county: str | None) -> Located:
    """Check and convert one point as typed (in `crs`), against Guizhou and its stated county (if any).

    Parameters
    ----------
    places
        From `build_places`.
    lon, lat
        Degrees as read from the file, in `crs`.
    crs
        The datum the user chose for the file.
    county
        The adcode the row names, or None to take it from the point.
    """
    warnings: list[Message] = []
    if not _in_box(lon, lat) and _in_box(lat, lon):
        lon, lat = lat, lon
        warnings.append(msg("lonlat_swapped", lon=repr(lon), lat=repr(lat)))
    if abs(lon) > 180 or abs(lat) > 90:
        if abs(lon) > 1000 and abs(lat) > 1000:
            return Located(None, None, county, errors=(msg("projected_metres", x=f"{lon:g}", y=f"{lat:g}"),))
        return Located(None, None, county, errors=(msg("not_lonlat", lon=f"{lon:g}", lat=f"{lat:g}"),))
    if crs == SourceCrs.WGS84:
        x, y = float(lon), float(lat)
    else:
        point = to_wgs84(lon=lon, lat=lat, source_crs=crs)
        x, y = float(point.lon), float(point.lat)
    if not places.in_province(lon=x, lat=y):
        return Located(None, None, county, errors=(msg("outside_guizhou", lon=f"{x:.6f}", lat=f"{y:.6f}"),),
                       warnings=tuple(warnings))
    notes: list[Message] = []
    if county is None:
        county = places.county_at(lon=x, lat=y)
        if county is None:
            return Located(None, None, None, errors=(msg("in_no_county"),))
        notes.append(msg("county_from_position", county=places.shown(county)))
    elif not places.in_county(county, lon=x, lat=y):
        warnings += _shift_hints(places, lon=lon, lat=lat, crs=crs, county=county)
    return Located(x, y, county, warnings=tuple(warnings), notes=tuple(notes))


def _shift_hints(places: Places, *, lon: float, lat: float, crs: SourceCrs, county: str) -> list[Message]:
    """A point outside its county that falls inside it when read in another datum was likely copied from there."""
    others = []
    for other in SourceCrs:
        moved = to_wgs84(lon=lon, lat=lat, source_crs=other)
        if other != crs and places.in_county(county, lon=float(moved.lon), lat=float(moved.lat)):
            others.append(other)
    if not others:
        return []
    datums = listing((CRS_NAMES[o] for o in others), alternatives=True)
    flags = listing((f"--crs {o.value}" for o in others), alternatives=True)
    return [msg("looks_shifted", county=places.shown(county), crs=crs.value, datums=datums, flags=flags)]
