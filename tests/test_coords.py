"""WGS84 ⇄ GCJ-02 ⇄ BD-09 against published vectors, round trips, the China box and hostile inputs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from atlas.geo.datum import (
    CHINA_BOX,
    DATUM_ATTR,
    FloatArray,
    LonLat,
    SourceCrs,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    shift_geometries_to_gcj02,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")
VECTOR_TOL_DEG = 1e-6
Transform = Callable[..., LonLat[Any]]

# --- Published reference vectors, rewritten as (lon, lat) pairs -----------------------------------

# googollee/eviltransform, python/test.py (same table in go/transform_test.go, c/test.c,
# javascript/test.js): "wgsLat, wgsLng, gcjLat, gcjLng" for Shanghai, Shenzhen, Beijing.
# (Its TESTS_bd table is NOT used: it was generated with sin(y·π) instead of Baidu's
# sin(y·3000π/180), see python/eviltransform.py, and is ~10–40 m off the standard BD-09.)
EVILTRANSFORM_GCJ02 = [
    pytest.param((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597), id="shanghai"),
    pytest.param((113.912316, 22.543847), (113.9171764808363, 22.540796131694766), id="shenzhen"),
    pytest.param((116.377817, 39.911954), (116.38404722455657, 39.91334545536069), id="beijing"),
]

# feiquan123/coordtransform-go, coordtransform_test.go: p = Point{114.363089, 30.517411} (Wuhan)
# with expWGS84toGCJ02, expGCJ02toBD09 and expWGS84toBD09 (forward transforms, lon first).
WUHAN = (114.363089, 30.517411)
COORDTRANSFORM_GO_WGS84_TO_GCJ02 = (114.36861383019243, 30.515078352018758)
COORDTRANSFORM_GO_GCJ02_TO_BD09 = (114.36951652929112, 30.523754384540837)
COORDTRANSFORM_GO_WGS84_TO_BD09 = (114.3750500836037, 30.521392123098003)
# Same file, expGCJ02toWGS84: the one-step approximation gcj − offset(gcj), not an exact inverse.
COORDTRANSFORM_GO_ONE_STEP_GCJ02_TO_WGS84 = (114.35756416980757, 30.51974364798124)

# wandergis/coordtransform, README.md "//result" block, input (116.404, 39.915).
WANDERGIS_INPUT = (116.404, 39.915)
WANDERGIS_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)

# Every 0.1° over Guizhou's bounding box (lon 103.6–109.5, lat 24.6–29.2): 60 × 47 points.
_GRID = np.meshgrid(np.arange(103.6, 109.5001, 0.1), np.arange(24.6, 29.2001, 0.1))
GUIZHOU_GRID_LON: FloatArray = _GRID[0]
GUIZHOU_GRID_LAT: FloatArray = _GRID[1]


def _metres(a: LonLat[Any], b: LonLat[Any]) -> Any:
    _, _, metres = GEOD.inv(np.ravel(a.lon), np.ravel(a.lat), np.ravel(b.lon), np.ravel(b.lat))
    return np.asarray(metres)


# --- Reference vectors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_GCJ02)
def test_wgs84_to_gcj02_reproduces_eviltransform_vectors(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    got = wgs84_to_gcj02(lon=wgs[0], lat=wgs[1])
    assert got.lon == pytest.approx(gcj[0], abs=VECTOR_TOL_DEG)
    assert got.lat == pytest.approx(gcj[1], abs=VECTOR_TOL_DEG)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_GCJ02)
def test_gcj02_to_wgs84_recovers_eviltransform_points_to_1e7_degree(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    got = gcj02_to_wgs84(lon=gcj[0], lat=gcj[1])
    assert got.lon == pytest.approx(wgs[0], abs=1e-7)
    assert got.lat == pytest.approx(wgs[1], abs=1e-7)


@pytest.mark.parametrize(
    ("function", "given", "expected"),
    [
        pytest.param(wgs84_to_gcj02, WUHAN, COORDTRANSFORM_GO_WGS84_TO_GCJ02, id="go-wgs84-gcj02"),
        pytest.param(gcj02_to_bd09, WUHAN, COORDTRANSFORM_GO_GCJ02_TO_BD09, id="go-gcj02-bd09"),
        pytest.param(wgs84_to_bd09, WUHAN, COORDTRANSFORM_GO_WGS84_TO_BD09, id="go-wgs84-bd09"),
        pytest.param(wgs84_to_gcj02, WANDERGIS_INPUT, WANDERGIS_WGS84_TO_GCJ02, id="js-wgs84-gcj02"),
        pytest.param(gcj02_to_bd09, WANDERGIS_INPUT, WANDERGIS_GCJ02_TO_BD09, id="js-gcj02-bd09"),
    ],
)
def test_forward_transforms_reproduce_coordtransform_vectors(
    function: Transform, given: tuple[float, float], expected: tuple[float, float]
) -> None:
    got = function(lon=given[0], lat=given[1])
    assert got.lon == pytest.approx(expected[0], abs=VECTOR_TOL_DEG)
    assert got.lat == pytest.approx(expected[1], abs=VECTOR_TOL_DEG)


@pytest.mark.parametrize(
    ("function", "given", "expected"),
    [
        pytest.param(gcj02_to_wgs84, COORDTRANSFORM_GO_WGS84_TO_GCJ02, WUHAN, id="gcj02-wgs84"),
        pytest.param(bd09_to_gcj02, COORDTRANSFORM_GO_GCJ02_TO_BD09, WUHAN, id="bd09-gcj02"),
        pytest.param(bd09_to_wgs84, COORDTRANSFORM_GO_WGS84_TO_BD09, WUHAN, id="bd09-wgs84"),
        pytest.param(bd09_to_gcj02, WANDERGIS_GCJ02_TO_BD09, WANDERGIS_INPUT, id="js-bd09-gcj02"),
    ],
)
def test_inverse_transforms_recover_the_published_inputs(
    function: Transform, given: tuple[float, float], expected: tuple[float, float]
) -> None:
    got = function(lon=given[0], lat=given[1])
    assert got.lon == pytest.approx(expected[0], abs=1e-7)
    assert got.lat == pytest.approx(expected[1], abs=1e-7)


def test_gcj02_inverse_is_exact_where_the_one_step_formula_is_metres_off() -> None:
    exact = gcj02_to_wgs84(lon=WUHAN[0], lat=WUHAN[1])
    back = wgs84_to_gcj02(lon=exact.lon, lat=exact.lat)
    one_step = COORDTRANSFORM_GO_ONE_STEP_GCJ02_TO_WGS84
    back_one_step = wgs84_to_gcj02(lon=one_step[0], lat=one_step[1])
    assert math.hypot(back.lon - WUHAN[0], back.lat - WUHAN[1]) < 1e-9
    assert math.hypot(back_one_step.lon - WUHAN[0], back_one_step.lat - WUHAN[1]) > 1e-6


# --- Round trips and magnitudes in Guizhou ---------------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse"), [(wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)], ids=["gcj02", "bd09"]
)
def test_round_trip_error_is_under_a_metre_across_guizhou(forward: Transform, inverse: Transform) -> None:
    shifted = forward(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT)
    back = inverse(lon=shifted.lon, lat=shifted.lat)
    assert back.lon.shape == GUIZHOU_GRID_LON.shape
    assert _metres(back, LonLat(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT)).max() < 1.0
    assert np.abs(back.lon - GUIZHOU_GRID_LON).max() < 1e-7
    assert np.abs(back.lat - GUIZHOU_GRID_LAT).max() < 1e-7


def test_gcj02_shift_in_guizhou_is_between_100_and_1000_metres() -> None:
    shifted = wgs84_to_gcj02(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT)
    metres = _metres(shifted, LonLat(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT))
    assert metres.min() > 100.0
    assert metres.max() < 1000.0


def test_bd09_shift_in_guizhou_is_between_100_and_2000_metres() -> None:
    # BD-09 adds Baidu's own ~0.0065°/0.006° offset on top of GCJ-02: ≈860–1180 m from WGS84 here.
    shifted = wgs84_to_bd09(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT)
    metres = _metres(shifted, LonLat(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT))
    assert metres.min() > 100.0
    assert metres.max() < 2000.0


# --- The China box --------------------------------------------------------------------------------

OUTSIDE_CHINA = [
    pytest.param(2.3522, 48.8566, id="paris"),
    pytest.param(139.6917, 35.6895, id="tokyo"),
    pytest.param(151.2093, -33.8688, id="sydney"),
    pytest.param(CHINA_BOX[0] - 1e-6, 30.0, id="just-west-of-box"),
    pytest.param(110.0, CHINA_BOX[3] + 1e-6, id="just-north-of-box"),
]


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE_CHINA)
@pytest.mark.parametrize(
    "function", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
)
def test_points_outside_china_are_not_shifted(function: Transform, lon: float, lat: float) -> None:
    got = function(lon=lon, lat=lat)
    assert (got.lon, got.lat) == (lon, lat)


def test_a_point_on_the_china_box_edge_is_shifted() -> None:
    got = wgs84_to_gcj02(lon=CHINA_BOX[0], lat=30.0)
    assert got.lon != CHINA_BOX[0]


# --- Shapes, types and hostile input --------------------------------------------------------------


def test_scalars_give_floats_and_arrays_keep_their_shape() -> None:
    scalar = wgs84_to_gcj02(lon=106.7, lat=26.6)
    assert type(scalar.lon) is float and type(scalar.lat) is float
    grid = wgs84_to_gcj02(lon=GUIZHOU_GRID_LON, lat=GUIZHOU_GRID_LAT)
    assert grid.lon.shape == grid.lat.shape == GUIZHOU_GRID_LON.shape
    assert grid.lon[3, 4] == wgs84_to_gcj02(lon=GUIZHOU_GRID_LON[3, 4], lat=GUIZHOU_GRID_LAT[3, 4]).lon


def test_series_lists_and_scalar_broadcasting_are_accepted() -> None:
    lons = pd.Series([106.7, 107.0], index=["a", "b"])
    from_series = gcj02_to_wgs84(lon=lons, lat=pd.Series([26.6, 27.0], index=["a", "b"]))
    from_list = gcj02_to_wgs84(lon=[106.7, 107.0], lat=[26.6, 27.0])
    broadcast = gcj02_to_wgs84(lon=[106.7, 107.0], lat=26.6)
    np.testing.assert_array_equal(from_series.lon, from_list.lon)
    assert broadcast.lat[1] == gcj02_to_wgs84(lon=107.0, lat=26.6).lat


def test_lon_and_lat_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="different shapes"):
        wgs84_to_gcj02(lon=[106.7, 107.0, 108.0], lat=[26.6, 27.0])


def test_lonlat_cannot_be_unpacked_like_a_tuple() -> None:
    with pytest.raises(TypeError):
        _lon, _lat = wgs84_to_gcj02(lon=106.7, lat=26.6)  # type: ignore[misc]


@pytest.mark.parametrize(
    "function", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
)
def test_non_finite_points_give_nan_without_touching_their_neighbours(function: Transform) -> None:
    got = function(
        lon=np.array([np.nan, 106.7, np.inf, 106.7, 107.0]), lat=np.array([26.6, 26.6, 26.6, np.nan, 27.0])
    )
    assert np.isnan(got.lon[[0, 2, 3]]).all() and np.isnan(got.lat[[0, 2, 3]]).all()
    single = function(lon=107.0, lat=27.0)
    assert (got.lon[4], got.lat[4]) == (single.lon, single.lat)
    assert math.isnan(function(lon=math.nan, lat=26.6).lon)


def test_to_wgs84_dispatches_on_the_source_crs() -> None:
    assert to_wgs84(lon=106.7, lat=26.6, source_crs="wgs84") == LonLat(lon=106.7, lat=26.6)
    assert to_wgs84(lon=106.7, lat=26.6, source_crs=SourceCrs.GCJ02) == gcj02_to_wgs84(lon=106.7, lat=26.6)
    assert to_wgs84(lon=106.7, lat=26.6, source_crs="bd09") == bd09_to_wgs84(lon=106.7, lat=26.6)
    assert math.isnan(to_wgs84(lon=math.inf, lat=26.6, source_crs="wgs84").lat)


def test_to_wgs84_names_the_valid_source_crs_values() -> None:
    with pytest.raises(ValueError, match=r"'baidu'.*'wgs84', 'gcj02', 'bd09'"):
        to_wgs84(lon=106.7, lat=26.6, source_crs="baidu")


inside_china = st.tuples(st.floats(73.0, 137.0), st.floats(1.0, 55.0))
any_float = st.floats(allow_nan=True, allow_infinity=True)


@given(point=inside_china)
def test_round_trips_inside_china_recover_the_point(point: tuple[float, float]) -> None:
    lon, lat = point
    via_gcj = wgs84_to_gcj02(lon=lon, lat=lat)
    via_bd = wgs84_to_bd09(lon=lon, lat=lat)
    for back in (gcj02_to_wgs84(lon=via_gcj.lon, lat=via_gcj.lat), bd09_to_wgs84(lon=via_bd.lon, lat=via_bd.lat)):
        assert abs(back.lon - lon) < 1e-7
        assert abs(back.lat - lat) < 1e-7


@settings(max_examples=200)
@given(points=st.lists(st.tuples(any_float, any_float), max_size=8))
def test_any_floats_transform_without_error_and_nan_exactly_where_input_is_not_finite(
    points: list[tuple[float, float]],
) -> None:
    lons = np.array([p[0] for p in points], dtype=float)
    lats = np.array([p[1] for p in points], dtype=float)
    finite = np.isfinite(lons) & np.isfinite(lats)
    for function in (wgs84_to_gcj02, gcj02_to_wgs84, bd09_to_wgs84, wgs84_to_bd09):
        got = function(lon=lons, lat=lats)
        assert np.array_equal(np.isfinite(got.lon), finite)
        assert np.array_equal(np.isfinite(got.lat), finite)


# --- Shifting whole layers ------------------------------------------------------------------------


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["p", "l", "a", "none"],
            "lon": [106.7, 106.8, 107.05, np.nan],
            "lat": [26.6, 26.7, 27.05, np.nan],
            "area_geometry": gpd.GeoSeries(
                [None, None, Polygon([(107.0, 27.0), (107.1, 27.0), (107.1, 27.1)]), None],
                crs="EPSG:4326",
                index=[10, 11, 12, 13],
            ),
        },
        geometry=[
            Point(106.7, 26.6),
            LineString([(106.8, 26.7), (106.9, 26.8)]),
            Polygon([(107.0, 27.0), (107.1, 27.0), (107.1, 27.1), (107.0, 27.1)]),
            None,
        ],
        crs="EPSG:4326",
        index=[10, 11, 12, 13],
    )


def test_shifting_a_layer_moves_every_vertex_like_the_point_transform() -> None:
    layer = _layer()
    shifted = shift_geometries_to_gcj02(layer)
    for before, after in zip(layer.geometry, shifted.geometry, strict=True):
        if before is None:
            assert after is None
            continue
        xy = shapely.get_coordinates(before)
        expected = wgs84_to_gcj02(lon=xy[:, 0], lat=xy[:, 1])
        np.testing.assert_array_equal(shapely.get_coordinates(after), np.column_stack([expected.lon, expected.lat]))
    assert list(shifted.index) == [10, 11, 12, 13]
    assert shifted.crs == layer.crs


def test_shifting_a_layer_also_moves_other_geometry_columns_and_lon_lat() -> None:
    layer = _layer()
    shifted = shift_geometries_to_gcj02(layer)
    moved = wgs84_to_gcj02(lon=layer["lon"], lat=layer["lat"])
    np.testing.assert_array_equal(shifted["lon"].to_numpy(), moved.lon)
    assert shifted.loc[10, "lon"] == shifted.geometry.loc[10].x
    area_xy = shapely.get_coordinates(layer.loc[12, "area_geometry"])
    expected = wgs84_to_gcj02(lon=area_xy[:, 0], lat=area_xy[:, 1])
    np.testing.assert_array_equal(shapely.get_coordinates(shifted.loc[12, "area_geometry"])[:, 0], expected.lon)
    assert shifted["area_geometry"].crs == "EPSG:4326"


def test_shifting_a_layer_leaves_the_input_alone_and_refuses_a_second_shift() -> None:
    layer = _layer()
    original = layer.copy()
    shifted = shift_geometries_to_gcj02(layer)
    assert layer.geometry.geom_equals_exact(original.geometry, tolerance=0).iloc[:3].all()
    assert shifted.attrs[DATUM_ATTR] == "gcj02"
    assert DATUM_ATTR not in layer.attrs
    with pytest.raises(ValueError, match="already in GCJ-02"):
        shift_geometries_to_gcj02(shifted)


def test_shifting_keeps_a_z_coordinate() -> None:
    layer = gpd.GeoDataFrame(geometry=[Point(106.7, 26.6, 1200.0)], crs="EPSG:4326")
    shifted = shift_geometries_to_gcj02(layer).geometry.iloc[0]
    assert shifted.has_z and shifted.z == 1200.0


def test_shifting_refuses_a_secondary_geometry_column_in_another_crs() -> None:
    layer = _layer()
    layer["area_geometry"] = layer["area_geometry"].to_crs("EPSG:3857")
    with pytest.raises(ValueError, match=r"'area_geometry'.*EPSG:3857"):
        shift_geometries_to_gcj02(layer)


@pytest.mark.parametrize(
    ("crs", "named"), [("EPSG:3857", "EPSG:3857"), (None, "no CRS")], ids=["web-mercator", "missing"]
)
def test_shifting_a_layer_not_in_wgs84_names_its_crs(crs: str | None, named: str) -> None:
    layer = gpd.GeoDataFrame(geometry=[Point(11_878_000.0, 3_077_000.0)], crs=crs)
    with pytest.raises(ValueError, match=named):
        shift_geometries_to_gcj02(layer)
