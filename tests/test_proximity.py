"""Proximity on the tiny fixture: geodesic distances that agree with pyproj.Geod, an inclusive radius, uncertainty."""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod

from atlas.analysis.proximity import (
    RESULT_COLUMNS,
    geodesic_circle,
    nearby_zone,
    position_uncertainty_km,
    zones_near_deposit,
)
from atlas.core.errors import AtlasError
from atlas.core.model import Atlas

WGS84 = Geod(ellps="WGS84")
QINGZHEN = {"lon": 106.5, "lat": 26.5}


def _geod_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(WGS84.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def _with_deposit_at(atlas: Atlas, *, km: float, azimuth: float = 37.0, uncertainty: float = 10.0) -> Atlas:
    """The tiny atlas with its one deposit moved to exactly `km` from the Qingzhen zone point."""
    lon, lat, _ = WGS84.fwd(QINGZHEN["lon"], QINGZHEN["lat"], azimuth, km * 1000.0)
    deposits = atlas.deposits.copy()
    deposits.loc[0, ["lon", "lat", "uncertainty_km"]] = [lon, lat, uncertainty]
    deposits = deposits.set_geometry(gpd.points_from_xy(deposits["lon"], deposits["lat"], crs="EPSG:4326"))
    return dataclasses.replace(atlas, deposits=deposits)


def test_distances_agree_with_pyproj_geod_to_the_metre(tiny_atlas):
    found = nearby_zone(tiny_atlas, "qingzhen", km=500)
    assert list(found.columns) == list(RESULT_COLUMNS)
    assert set(found["id"]) == {"maochang", "qingzhen-pretreatment", "smelter", "wheels", "foil"}
    for row in found.itertuples():
        expected = _geod_km(QINGZHEN["lon"], QINGZHEN["lat"], row.lon, row.lat)
        assert abs(row.distance_km - expected) < 0.001, row.id
    assert list(found["distance_km"]) == sorted(found["distance_km"])


def test_uncertainty_is_the_sum_of_both_ends_position_uncertainty(tiny_atlas):
    found = nearby_zone(tiny_atlas, "qingzhen", km=500).set_index("id")
    assert found.loc["maochang", "uncertainty_km"] == 25 + 10  # county zone point + town deposit point
    assert found.loc["foil", "uncertainty_km"] == 25 + 20


def test_a_deposit_exactly_on_the_radius_is_within(tiny_atlas):
    atlas = _with_deposit_at(tiny_atlas, km=40.0)
    found = nearby_zone(atlas, "qingzhen", km=40, layers=["deposits"], include_possible=False)
    assert list(found["id"]) == ["maochang"]
    assert found.loc[0, "match"] == "within"
    assert found.loc[0, "distance_km"] == pytest.approx(40.0, abs=1e-6)


def test_a_metre_beyond_the_radius_is_only_possibly_within(tiny_atlas):
    atlas = _with_deposit_at(tiny_atlas, km=40.001)
    found = nearby_zone(atlas, "qingzhen", km=40, layers=["deposits"])
    assert list(found["match"]) == ["possibly-within"]
    assert nearby_zone(atlas, "qingzhen", km=40, layers=["deposits"], include_possible=False).empty


@pytest.mark.parametrize(("km", "expected"), [(120, "within"), (70, "possibly-within"), (60, None)])
def test_possibly_within_means_distance_minus_uncertainty_is_inside_the_radius(tiny_atlas, km, expected):
    # foil lies ~111 km north of the zone point; zone ±25 km + foil ±20 km = ±45 km
    foil = nearby_zone(tiny_atlas, "qingzhen", km=km, layers=["projects"]).set_index("id")
    assert 110 < _geod_km(106.5, 26.5, 106.5, 27.5) < 112
    assert (foil.loc["foil", "match"] if "foil" in foil.index else None) == expected


def test_zones_near_a_deposit_is_the_reverse_search(tiny_atlas):
    zones = zones_near_deposit(tiny_atlas, "maochang", km=20)
    assert list(zones["id"]) == ["qingzhen"] and list(zones["layer"]) == ["zones"]
    expected = _geod_km(106.6, 26.6, QINGZHEN["lon"], QINGZHEN["lat"])
    assert abs(zones.loc[0, "distance_km"] - expected) < 0.001
    both = zones_near_deposit(tiny_atlas, "maochang", km=200)
    assert set(both["id"]) == {"qingzhen", "zunyi-heping"}


def test_a_zone_with_nothing_nearby_gives_an_empty_table_with_the_columns(tiny_atlas):
    found = nearby_zone(tiny_atlas, "zunyi-heping", km=5, include_possible=False)
    assert found.empty and list(found.columns) == list(RESULT_COLUMNS)


def test_a_missing_uncertainty_falls_back_to_the_precision_default():
    frame = pd.DataFrame(
        {"uncertainty_km": [float("nan"), 0.0, 7.5, float("nan")], "position_precision": ["county", "town", "x", "?"]}
    )
    assert list(position_uncertainty_km(frame)) == [30.0, 10.0, 7.5, 60.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: nearby_zone(a, "atlantis", km=10), "unknown zone 'atlantis'; valid: qingzhen, zunyi-heping"),
        (lambda a: nearby_zone(a, "qingzhen", km=-1), "radius must be a finite number"),
        (lambda a: nearby_zone(a, "qingzhen", km=math.inf), "radius must be a finite number"),
        (lambda a: nearby_zone(a, "qingzhen", km=5, layers=["zones"]), "unknown layer 'zones'"),
        (lambda a: zones_near_deposit(a, "gold", km=10), "unknown deposit 'gold'; valid: maochang"),
    ],
)
def test_bad_input_is_one_clear_error(tiny_atlas, call, message):
    with pytest.raises(AtlasError, match=message):
        call(tiny_atlas)


def test_a_geodesic_circle_is_round_on_the_ellipsoid_not_in_degrees():
    ring = geodesic_circle(lon=106.5, lat=26.5, km=50)
    lons, lats = ring.exterior.coords.xy
    for lon, lat in zip(lons, lats, strict=True):
        assert abs(_geod_km(106.5, 26.5, lon, lat) - 50.0) < 1e-6
    west, south, east, north = ring.bounds
    assert (east - west) > (north - south) * 1.05  # a degree of longitude is shorter than one of latitude here
