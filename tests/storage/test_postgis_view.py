"""The view queries in PostGIS give what the in-memory map path gives, and use the GiST index for a small view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
import pytest

from atlas.analysis.query import Filters, filter_projects
from atlas.maps.postgis_view import viewport_bins, viewport_count, viewport_points, where_clause
from atlas.maps.scale import MapView, bin_points, in_view
from atlas.registry.postgis import PostgisStore
from atlas.registry.startup import open_atlas
from tests.storage.conftest import tiny_projects

N_COPIES = 60
"""Copies of each tiny project, jittered around it: a few hundred points, several per grid cell."""
AROUND_QINGZHEN = MapView(106.30, 26.45, 106.55, 26.70, zoom=10)
FILTER_CASES = [
    Filters(),
    Filters(cluster_types=("alloy-products",)),
    Filters(statuses=("planned",), stages=("lightweight-materials",)),
    Filters(zones=("qingzhen",), prefectures=("520100",)),
]


@pytest.fixture
def database(monkeypatch, registry_url, tiny_data_dir) -> PostgisStore:
    """The tiny projects, each copied `N_COPIES` times with positions jittered by up to ±0.15°, in the database."""
    base = tiny_projects()
    rng = np.random.default_rng(7)
    copies = []
    for k in range(N_COPIES):
        copy = base.copy()
        copy["id"] = copy["id"] + f"-{k}"
        for column in ("lon", "lat"):
            shift = rng.uniform(-0.15, 0.15, len(copy))
            copy[column] = [f"{float(v) + d:.5f}" for v, d in zip(copy[column], shift, strict=True)]
        copies.append(copy)
    frame = pd.concat([base, *copies], ignore_index=True)
    # one project exactly on the view's west edge: edges count as inside, as in `in_view`
    frame.loc[0, ["lon", "lat"]] = [f"{AROUND_QINGZHEN.west}", "26.6"]
    # and one a hair outside it, which the index's float4 boxes (rounded outwards) still let through
    frame.loc[1, ["lon", "lat"]] = [f"{AROUND_QINGZHEN.west - 1e-9:.10f}", "26.6"]
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    store.save(frame, base_version="0", author="test", message="jittered copies")
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    return store


def in_memory(tiny_data_dir, filters: Filters, view: MapView) -> pd.DataFrame:
    """The app's way: load the registry, filter it, keep what `in_view` keeps."""
    projects = filter_projects(open_atlas(tiny_data_dir), filters)
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    return projects[in_view(lon, lat, view)]


@pytest.mark.parametrize("filters", FILTER_CASES, ids=["all", "cluster", "status+stage", "zone+prefecture"])
def test_the_view_points_are_those_the_in_memory_path_keeps(database, tiny_data_dir, filters):
    expected = in_memory(tiny_data_dir, filters, AROUND_QINGZHEN)
    with psycopg.connect(database.url) as conn:
        got = viewport_points(conn, AROUND_QINGZHEN, filters, limit=10_000)
        count = viewport_count(conn, AROUND_QINGZHEN, filters)
    assert 0 < len(got) < len(tiny_projects()) * (N_COPIES + 1)
    assert list(got["id"]) == list(expected["id"]) and count == len(expected)
    assert np.array_equal(got["lon"].to_numpy(), expected["lon"].to_numpy(dtype=float))
    assert np.array_equal(got["lat"].to_numpy(), expected["lat"].to_numpy(dtype=float))


def test_the_point_query_stops_at_its_limit_in_registry_order(database, tiny_data_dir):
    expected = in_memory(tiny_data_dir, Filters(), AROUND_QINGZHEN)
    with psycopg.connect(database.url) as conn:
        got = viewport_points(conn, AROUND_QINGZHEN, Filters(), limit=5)
    assert list(got["id"]) == list(expected["id"][:5])


@pytest.mark.parametrize("filters", FILTER_CASES, ids=["all", "cluster", "status+stage", "zone+prefecture"])
@pytest.mark.parametrize("zoom", [7, 11, 13])
def test_the_database_cells_and_counts_are_those_of_bin_points(database, tiny_data_dir, filters, zoom):
    expected_rows = in_memory(tiny_data_dir, filters, AROUND_QINGZHEN)
    expected = bin_points(expected_rows["lon"].to_numpy(dtype=float), expected_rows["lat"].to_numpy(dtype=float),
                          zoom=zoom)
    with psycopg.connect(database.url) as conn:
        got = viewport_bins(conn, AROUND_QINGZHEN, filters, zoom=zoom)
    assert (got.zoom, got.cell_px) == (expected.zoom, expected.cell_px)
    assert np.array_equal(got.ix, expected.ix) and np.array_equal(got.iy, expected.iy)
    assert np.array_equal(got.count, expected.count)
    assert got.total == len(expected_rows) > 0


def test_free_text_is_refused_rather_than_answered_differently(database):
    with psycopg.connect(database.url) as conn, pytest.raises(ValueError, match="free-text"):
        viewport_points(conn, AROUND_QINGZHEN, Filters(text="smelter"), limit=10)


def test_a_small_view_is_answered_through_the_gist_index(database):
    small = MapView(106.40, 26.55, 106.42, 26.57, zoom=14)
    with psycopg.connect(database.url) as conn:
        conn.execute("ANALYZE projects")
        conn.execute("SET enable_seqscan = off")  # a few hundred rows: make the planner show which index it can use
        where, params = where_clause(small, Filters(cluster_types=("alloy-products",)))
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN SELECT id FROM projects WHERE {where}", params))
    assert "projects_geom_gix" in plan
