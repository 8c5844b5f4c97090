"""Geodesic distances, radius queries and equal-area measures against direct pyproj computations."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from atlas.geo.geodesy import (
    area_km2,
    distances_km,
    equivalent_radius_km,
    geodesic_km,
    representative_point_lonlat,
    within_km,
)

GEOD = pyproj.Geod(ellps="WGS84")
GUIYANG = (106.7135, 26.5783)  # city centre, WGS84 lon/lat
ZUNYI = (106.9272, 27.7254)


def _points(
    lons: list[float], lats: list[float], *, with_columns: bool = True, crs: str = "EPSG:4326"
) -> gpd.GeoDataFrame:
    """A tiny point layer; with lon/lat columns like the atlas's point layers unless told otherwise."""
    data: dict[str, list[str] | list[float]] = {"id": [f"p{i}" for i in range(len(lons))]}
    if with_columns:
        data |= {"lon": lons, "lat": lats}
    return gpd.GeoDataFrame(data, geometry=[Point(x, y) for x, y in zip(lons, lats, strict=True)], crs=crs)


# --- geodesic_km ----------------------------------------------------------------------------------


def test_geodesic_km_agrees_with_pyproj_inv_to_the_metre() -> None:
    lon1 = np.array([106.7, 103.6, 109.5, 106.0])
    lat1 = np.array([26.6, 24.6, 29.2, 27.0])
    lon2 = np.array([106.9, 109.5, 103.6, 106.0])
    lat2 = np.array([27.7, 29.2, 24.6, 27.0])
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    got = geodesic_km(lon1=lon1, lat1=lat1, lon2=lon2, lat2=lat2)
    np.testing.assert_allclose(got * 1000.0, metres, atol=1.0)
    assert got[3] == 0.0


def test_guiyang_to_zunyi_is_about_130_km() -> None:
    km = geodesic_km(lon1=GUIYANG[0], lat1=GUIYANG[1], lon2=ZUNYI[0], lat2=ZUNYI[1])
    assert isinstance(km, float)
    assert 120.0 < km < 140.0


def test_one_degree_of_latitude_at_27n_is_about_110_8_km() -> None:
    km = geodesic_km(lon1=107.0, lat1=26.5, lon2=107.0, lat2=27.5)
    assert 110.6 < km < 111.0


def test_geodesic_km_broadcasts_one_origin_and_gives_nan_for_nan() -> None:
    got = geodesic_km(lon1=106.7, lat1=26.6, lon2=[106.7, np.nan, 107.0], lat2=[26.6, 26.6, 27.0])
    assert got.shape == (3,)
    assert got[0] == 0.0 and math.isnan(got[1]) and got[2] > 0.0


# --- distances_km and within_km -------------------------------------------------------------------


def test_distances_use_lon_lat_columns_and_keep_the_index() -> None:
    layer = _points([106.7, 107.0], [26.6, 27.0]).set_index(pd.Index([7, 3]))
    layer["lon"] = [106.8, 107.1]  # columns win over geometry: they are the record's stated position
    got = distances_km(layer, lon=106.7, lat=26.6)
    assert got.name == "distance_km"
    assert list(got.index) == [7, 3]
    assert got.loc[7] == pytest.approx(geodesic_km(lon1=106.7, lat1=26.6, lon2=106.8, lat2=26.6))


def test_distances_fall_back_to_point_geometry_without_lon_lat_columns() -> None:
    layer = _points([106.7, 107.0], [26.6, 27.0], with_columns=False)
    got = distances_km(layer, lon=106.7, lat=26.6)
    assert got.iloc[0] == 0.0
    assert got.iloc[1] == pytest.approx(geodesic_km(lon1=106.7, lat1=26.6, lon2=107.0, lat2=27.0))


def test_distances_without_lon_lat_need_point_geometries() -> None:
    layer = gpd.GeoDataFrame(geometry=[Point(106.7, 26.6), LineString([(106, 26), (107, 27)])], crs="EPSG:4326")
    with pytest.raises(ValueError, match="LineString"):
        distances_km(layer, lon=106.7, lat=26.6)


def test_distances_from_a_non_finite_origin_are_refused() -> None:
    with pytest.raises(ValueError, match="origin"):
        distances_km(_points([106.7], [26.6]), lon=math.nan, lat=26.6)


@pytest.mark.parametrize(
    "call",
    [
        lambda g: distances_km(g, lon=106.7, lat=26.6),
        lambda g: within_km(g, lon=106.7, lat=26.6, km=10.0),
        area_km2,
    ],
    ids=["distances_km", "within_km", "area_km2"],
)
def test_a_layer_not_in_epsg_4326_is_refused_naming_its_crs(call: object) -> None:
    layer = _points([11_878_000.0], [3_077_000.0], crs="EPSG:3857")
    with pytest.raises(ValueError, match=r"EPSG:3857.*EPSG:4326|EPSG:4326.*EPSG:3857"):
        call(layer)  # type: ignore[operator]


def test_a_layer_without_crs_is_refused() -> None:
    layer = gpd.GeoDataFrame(geometry=[Point(106.7, 26.6)])
    with pytest.raises(ValueError, match="no CRS"):
        distances_km(layer, lon=106.7, lat=26.6)


def test_within_km_includes_a_point_exactly_on_the_radius_and_excludes_one_a_metre_beyond() -> None:
    origin = (106.7, 26.6)
    on_lon, on_lat, _ = GEOD.fwd(origin[0], origin[1], 37.0, 50_000.0)
    out_lon, out_lat, _ = GEOD.fwd(origin[0], origin[1], 37.0, 50_001.0)
    layer = _points([on_lon, out_lon], [on_lat, out_lat])
    got = within_km(layer, lon=origin[0], lat=origin[1], km=50.0)
    assert list(got["id"]) == ["p0"]
    assert got["distance_km"].iloc[0] == pytest.approx(50.0, abs=1e-9)


def test_within_km_sorts_nearest_first_keeps_index_and_drops_unknown_positions() -> None:
    layer = _points([107.0, 106.7, 106.8, np.nan, 120.0], [27.0, 26.6, 26.6, np.nan, 30.0])
    got = within_km(layer, lon=106.7, lat=26.6, km=100.0)
    assert list(got["id"]) == ["p1", "p2", "p0"]
    assert list(got.index) == [1, 2, 0]
    assert got["distance_km"].is_monotonic_increasing
    assert isinstance(got, gpd.GeoDataFrame) and got.crs == "EPSG:4326"
    assert "distance_km" not in layer.columns


def test_within_km_of_zero_keeps_only_the_origin_itself() -> None:
    got = within_km(_points([106.7, 106.7001], [26.6, 26.6]), lon=106.7, lat=26.6, km=0.0)
    assert list(got["id"]) == ["p0"]


@pytest.mark.parametrize("km", [-1.0, math.nan, math.inf])
def test_within_km_refuses_a_negative_or_non_finite_radius(km: float) -> None:
    with pytest.raises(ValueError, match="radius"):
        within_km(_points([106.7], [26.6]), lon=106.7, lat=26.6, km=km)


# --- Areas ----------------------------------------------------------------------------------------


def test_area_of_a_tenth_degree_cell_at_27n_matches_the_geodesic_area() -> None:
    cell = box(107.0, 26.95, 107.1, 27.05)
    expected_km2 = abs(GEOD.geometry_area_perimeter(cell)[0]) / 1e6
    got = area_km2(gpd.GeoDataFrame(geometry=[cell], crs="EPSG:4326"))
    assert got.name == "area_km2"
    assert got.iloc[0] == pytest.approx(expected_km2, rel=1e-3)
    assert 95.0 < got.iloc[0] < 115.0  # ≈ 11.1 km × 9.9 km


def test_area_is_zero_for_points_and_nan_for_missing_geometry() -> None:
    layer = gpd.GeoDataFrame(
        geometry=[Point(106.7, 26.6), None, MultiPolygon([box(106, 26, 106.1, 26.1), box(107, 27, 107.1, 27.1)])],
        crs="EPSG:4326",
    )
    got = area_km2(layer)
    assert got.iloc[0] == 0.0 and math.isnan(got.iloc[1]) and got.iloc[2] > 150.0


def test_equivalent_radius_is_the_radius_of_a_disc_of_that_area() -> None:
    assert math.pi * equivalent_radius_km(1000.0) ** 2 == pytest.approx(1000.0)
    assert equivalent_radius_km(0.0) == 0.0
    areas = pd.Series([math.pi, np.nan], index=["a", "b"])
    radii = equivalent_radius_km(areas)
    assert list(radii.index) == ["a", "b"] and radii["a"] == pytest.approx(1.0) and math.isnan(radii["b"])
    np.testing.assert_allclose(equivalent_radius_km(np.array([math.pi * 4.0])), [2.0])


def test_equivalent_radius_refuses_a_negative_area() -> None:
    with pytest.raises(ValueError, match="-5"):
        equivalent_radius_km(-5.0)


def test_representative_point_lies_inside_even_a_concave_polygon() -> None:
    u_shape = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    point = representative_point_lonlat(u_shape)
    assert u_shape.contains(Point(point.lon, point.lat))
    assert not u_shape.contains(u_shape.centroid)
    missing = representative_point_lonlat(None)
    assert math.isnan(missing.lon) and math.isnan(missing.lat)
    assert math.isnan(representative_point_lonlat(Polygon()).lon)
