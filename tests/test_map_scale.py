"""The map of a very large registry: the view's points, or counts per grid cell, and what each costs."""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import pytest

from atlas.maps import scale as map_scale
from atlas.maps.atlas_map import map_to_html
from atlas.maps.offline import remote_asset_urls
from atlas.maps.points import CanvasPoints, project_payload
from atlas.maps.scale import (
    DEFAULT_VIEW,
    CanvasBins,
    MapView,
    bin_points,
    bins_payload,
    choose_mode,
    in_view,
    mercator_pixels,
    project_group_for_view,
    view_from_map_state,
)
from tests.test_mapping import _synthetic_projects

STATE = {"bounds": {"_southWest": {"lat": 26.0, "lng": 106.0}, "_northEast": {"lat": 27.0, "lng": 107.5}}, "zoom": 9}


def test_the_view_is_read_from_what_streamlit_folium_returns():
    assert view_from_map_state(STATE) == MapView(106.0, 26.0, 107.5, 27.0, 9.0)


@pytest.mark.parametrize("state", [
    None, {}, {"zoom": 9}, {"bounds": STATE["bounds"]}, {"bounds": STATE["bounds"], "zoom": None},
    {"bounds": {"_southWest": {"lat": None, "lng": None}, "_northEast": {"lat": None, "lng": None}}, "zoom": 7},
    {"bounds": {"_southWest": {"lat": 27.0, "lng": 107.0}, "_northEast": {"lat": 27.0, "lng": 107.0}}, "zoom": 7},
])
def test_a_missing_or_placeholder_view_falls_back_to_all_of_guizhou(state):
    assert view_from_map_state(state) == DEFAULT_VIEW


def test_padding_grows_the_view_by_half_its_size_on_each_side():
    padded = MapView(106.0, 26.0, 107.0, 27.0, 9).padded()
    assert (padded.west, padded.south, padded.east, padded.north) == (105.5, 25.5, 107.5, 27.5)


def test_the_viewport_filter_keeps_points_inside_and_on_the_edge_only():
    lon = np.array([106.0, 106.5, 107.5, 107.6, np.nan])
    lat = np.array([26.0, 26.5, 27.0, 26.5, 26.5])
    assert in_view(lon, lat, view_from_map_state(STATE)).tolist() == [True, True, True, False, False]


def test_mercator_pixels_agree_with_leaflets_world_pixels():
    x, y = mercator_pixels(np.array([0.0, 180.0, -180.0]), np.array([0.0, 0.0, 85.0511287798]), zoom=0)
    assert np.allclose(x, [128, 256, 0]) and np.allclose(y, [128, 128, 0], atol=1e-6)


def test_bin_counts_add_up_to_every_drawable_point_and_each_cell_holds_its_points():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(103.6, 109.6, 20_000), rng.uniform(24.6, 29.2, 20_000)
    lon[:5] = np.nan
    bins = bin_points(lon, lat, zoom=8, cell_px=24)
    assert bins.total == 20_000 - 5
    x, y = mercator_pixels(lon[5:], lat[5:], zoom=8)
    cells = set(zip(bins.ix.tolist(), bins.iy.tolist(), strict=True))
    assert set(zip((x // 24).astype(int).tolist(), (y // 24).astype(int).tolist(), strict=True)) == cells


def test_cells_shrink_on_the_ground_as_the_map_zooms_in():
    lon, lat = np.array([106.0, 106.05]), np.array([26.5, 26.5])  # ~5 km apart
    assert len(bin_points(lon, lat, zoom=7).count) == 1
    assert len(bin_points(lon, lat, zoom=12).count) == 2


@pytest.mark.parametrize(("total", "in_view_count", "mode"), [
    (1_000, 1_000, "all"), (200_000, 200_000, "all"),
    (1_000_000, 1_000_000, "bins"), (1_000_000, 50_001, "bins"), (1_000_000, 50_000, "points"), (300_000, 0, "points"),
])
def test_mode_thresholds(total, in_view_count, mode):
    assert choose_mode(total, in_view_count, large=200_000, view_max=50_000) == mode


@pytest.fixture
def large_mode(monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """A 3 000-project registry treated as "large" (over 1 000), with up to 500 points per view."""
    monkeypatch.setattr(map_scale, "MAP_LARGE_POINTS", 1_000)
    monkeypatch.setattr(map_scale, "choose_mode", lambda total, n: "points" if n <= 500 else "bins")
    return _synthetic_projects(3_000)


def test_low_zoom_gets_cells_and_high_zoom_gets_the_views_points(large_mode):
    province = project_group_for_view(large_mode, DEFAULT_VIEW, lang="en")
    assert province.mode == "bins" and province.in_view == 3_000
    close = MapView(106.4, 26.5, 106.6, 26.6, 12)
    zoomed = project_group_for_view(large_mode, close, lang="en")
    wanted = in_view(large_mode["lon"].to_numpy(), large_mode["lat"].to_numpy(), close.padded()).sum()
    assert zoomed.mode == "points" and zoomed.drawn == wanted < 500


def test_a_small_registry_gets_every_project_whatever_the_view():
    shown = project_group_for_view(_synthetic_projects(300), MapView(106.4, 26.5, 106.6, 26.6, 12), lang="zh")
    assert shown.mode == "all" and shown.drawn == 300


def test_on_the_amap_basemap_the_view_is_cut_in_gcj02(large_mode):
    edge = MapView(105.0, 25.0, 106.0, 26.0, 12)
    wgs = project_group_for_view(large_mode, edge, lang="en")
    gcj = project_group_for_view(large_mode, edge, lang="en", basemap="amap")
    assert wgs.in_view != gcj.in_view  # ~500 m shift moves points across the view's edge


def test_cells_are_drawn_offline_with_counts_in_the_tooltip_text(large_mode):
    layer = project_group_for_view(large_mode, DEFAULT_VIEW, lang="zh")
    bins = next(c for c in layer.group._children.values() if isinstance(c, CanvasBins))
    assert sum(bins.payload["n"]) == 3_000  # type: ignore[arg-type]
    assert bins.payload["lab"] == "{count} 个项目"
    m = folium.Map(prefer_canvas=True)
    layer.group.add_to(m)
    html = map_to_html(m)
    assert "L.Path.extend(" in html and "atlasSignalDrawn" in html and remote_asset_urls(html) == []


def test_colour_classes_cover_the_largest_count():
    payload = bins_payload(bin_points(np.full(1_000, 106.0), np.full(1_000, 26.5), zoom=7), lang="en")
    assert payload["b"][-1] >= 1_000 and len(payload["col"]) == len(payload["b"])  # type: ignore[index, arg-type]


def test_a_big_layer_costs_at_most_20_bytes_a_point_ids_included():
    n = 30_000  # above MAP_NAMED_POINTS_MAX: ids, no names
    layer = CanvasPoints(project_payload(_synthetic_projects(n), lang="zh"))
    total = sum(len(part.encode("utf-8")) for part in (layer.data_js, layer.ids_js, layer.names_js))
    assert layer.payload["n"] == [] and total / n <= 20


def test_names_can_be_asked_for_or_left_out_whatever_the_size():
    frame = _synthetic_projects(50)
    assert project_payload(frame, lang="en", names=False)["n"] == []
    assert sorted(project_payload(frame, lang="en")["n"]) == sorted(f"Project {i}" for i in range(50))  # type: ignore[arg-type]
