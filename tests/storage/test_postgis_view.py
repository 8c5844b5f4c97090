"""The view queries in PostGIS give what the in-memory map path gives, and use the GiST index for a small view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
import pytest
from psycopg import sql

from atlas.analysis.query import Filters, filter_projects
from atlas.core.model import Atlas
from atlas.core.settings import MAP_BIN_CELL_PX
from atlas.maps.postgis_view import (
    bins_query,
    cells_query,
    has_cells,
    viewport_bins,
    viewport_count,
    viewport_points,
    where_clause,
)
from atlas.maps.scale import DEFAULT_VIEW, Bins, MapView, bin_points, in_view
from atlas.registry import db_schema, postgis
from atlas.registry.postgis import PostgisStore, _insert_rows
from atlas.registry.startup import open_atlas
from tests.storage.conftest import SyntheticRegistry, tiny_projects
from tests.storage.test_cli_db import atlas as run_atlas_cli

N_COPIES = 60
"""Copies of each tiny project, jittered around it: a few hundred points, several per grid cell."""
AROUND_QINGZHEN = MapView(106.30, 26.45, 106.55, 26.70, zoom=10)
FILTER_CASES = [
    Filters(),
    Filters(cluster_types=("alloy-products",)),
    Filters(statuses=("planned",), stages=("lightweight-materials",)),
    Filters(zones=("qingzhen",), prefectures=("520100",)),
]


def jittered_projects() -> pd.DataFrame:
    """The tiny projects, each copied `N_COPIES` times with positions jittered by up to ±0.15°."""
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
    return frame


@pytest.fixture
def database(monkeypatch, registry_url, tiny_data_dir) -> PostgisStore:
    """`jittered_projects` in the database."""
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    store.save(jittered_projects(), base_version="0", author="test", message="jittered copies")
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


# --- counts kept per cell (project_cells, migration 003) ------------------------------------

CELL_VIEWS = [
    ("guizhou, zoom 7", DEFAULT_VIEW.padded(), 7),
    ("around Qingzhen, zoom 8", MapView(106.05, 26.25, 106.85, 26.95, zoom=8), 8),
    ("around Qingzhen, zoom 9", AROUND_QINGZHEN, 9),
]
"""Views with a block of cells wholly inside them, at zooms the table holds, whose edges cut through points."""


def same_bins(got: Bins, expected: Bins) -> bool:
    return ((got.zoom, got.cell_px) == (expected.zoom, expected.cell_px) and np.array_equal(got.ix, expected.ix)
            and np.array_equal(got.iy, expected.iy) and np.array_equal(got.count, expected.count))


def memory_bins(atlas: Atlas, filters: Filters, view: MapView, zoom: int) -> Bins:
    """What the in-memory map path draws: filter, keep the view's points, `bin_points`."""
    projects = filter_projects(atlas, filters)
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    inside = in_view(lon, lat, view)
    return bin_points(lon[inside], lat[inside], zoom=zoom)


def uses_the_stored_cells(conn: psycopg.Connection, view: MapView, filters: Filters, zoom: int) -> bool:
    query, params = cells_query(view, filters, zoom=zoom, cell_px=MAP_BIN_CELL_PX)
    if query is None or not has_cells(conn, zoom=zoom, cell_px=MAP_BIN_CELL_PX):
        return False
    plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {query}", params))
    return "project_cells" in plan


@pytest.mark.parametrize("filters", FILTER_CASES, ids=["all", "cluster", "status+stage", "zone+prefecture"])
@pytest.mark.parametrize(("name", "view", "zoom"), CELL_VIEWS, ids=[v[0] for v in CELL_VIEWS])
def test_cells_from_the_stored_counts_are_those_of_bin_points(database, tiny_data_dir, filters, name, view, zoom):
    expected = memory_bins(open_atlas(tiny_data_dir), filters, view, zoom)
    with psycopg.connect(database.url) as conn:
        assert uses_the_stored_cells(conn, view, filters, zoom)
        got = viewport_bins(conn, view, filters, zoom=zoom)
        scanned = viewport_bins(conn, view, filters, zoom=zoom, precomputed=False)
    assert expected.total > 0
    assert same_bins(got, expected) and same_bins(scanned, expected)


def synthetic_filters(registry: SyntheticRegistry) -> list[Filters]:
    """Filters of every kind the stored counts answer, with values the synthetic registry holds."""
    projects = registry.projects
    zone = projects.loc[projects["zone_id"] != "", "zone_id"].value_counts().index[0]
    prefecture = projects["county_adcode"].str.slice(0, 4).value_counts().index[0] + "00"
    return [
        Filters(),
        Filters(cluster_types=("alloy-products",)),
        Filters(cluster_types=("alloy-products", "lightweight-materials")),
        Filters(statuses=("operating", "planned")),
        Filters(stages=("end-products", "scrap-recycling"), statuses=("under-construction",)),
        Filters(prefectures=(prefecture,)),
        Filters(zones=(zone,), cluster_types=("lightweight-materials",)),
        Filters(cluster_types=("non-metallic-materials",), prefectures=(prefecture,), statuses=("operating",)),
        Filters(zones=("no-such-zone",)),
    ]


SYNTHETIC_VIEWS = [
    *CELL_VIEWS,
    ("Guizhou, zoom 5", DEFAULT_VIEW.padded(), 5),
    ("Guizhou, zoom 6", DEFAULT_VIEW, 6),
    ("centre, zoom 8", MapView(105.9, 26.1, 107.6, 27.3, zoom=8), 8),
    ("Guiyang, zoom 9", MapView(106.45, 26.4, 106.95, 26.75, zoom=9), 9),
    ("Zunyi, zoom 9", MapView(106.6, 27.5, 107.2, 27.9, zoom=9), 9),
]


def test_cells_of_a_synthetic_registry_match_the_in_memory_path_for_every_filter(synthetic_registry):
    stored = 0
    with psycopg.connect(synthetic_registry.url) as conn:
        for name, view, zoom in SYNTHETIC_VIEWS:
            for filters in synthetic_filters(synthetic_registry):
                expected = memory_bins(synthetic_registry.atlas, filters, view, zoom)
                stored += uses_the_stored_cells(conn, view, filters, zoom)
                got = viewport_bins(conn, view, filters, zoom=zoom)
                scanned = viewport_bins(conn, view, filters, zoom=zoom, precomputed=False)
                assert same_bins(got, expected), (name, filters)
                assert same_bins(scanned, expected), (name, filters)
    assert stored == len(SYNTHETIC_VIEWS) * len(synthetic_filters(synthetic_registry))


def test_a_zoom_the_table_does_not_hold_is_counted_from_the_projects(synthetic_registry):
    view = MapView(106.6, 26.5, 106.8, 26.65, zoom=11)
    with psycopg.connect(synthetic_registry.url) as conn:
        (top,) = conn.execute("SELECT max_zoom FROM project_cell_grid").fetchone()
        assert not has_cells(conn, zoom=top + 1, cell_px=MAP_BIN_CELL_PX)
        assert not has_cells(conn, zoom=7, cell_px=MAP_BIN_CELL_PX + 1)
        for zoom, cell_px in ((top + 1, MAP_BIN_CELL_PX), (7, 32)):
            expected = conn.execute(*bins_query(view, Filters(), zoom=zoom, cell_px=cell_px)).fetchall()
            got = viewport_bins(conn, view, Filters(), zoom=zoom, cell_px=cell_px)
            assert [tuple(r) for r in zip(got.ix, got.iy, got.count, strict=True)] == expected


def test_every_zoom_counts_each_located_project_once(synthetic_registry):
    """Key 0 and the keyed rows each add up to the located projects: a project with two cluster types is one."""
    with psycopg.connect(synthetic_registry.url) as conn:
        located = conn.execute("SELECT count(geom) FROM projects").fetchone()[0]
        sums = conn.execute("SELECT zoom, sum(n) FILTER (WHERE key = 0), sum(n) FILTER (WHERE key > 0)"
                            " FROM project_cells GROUP BY zoom ORDER BY zoom").fetchall()
        (top,) = conn.execute("SELECT max_zoom FROM project_cell_grid").fetchone()
    multi = synthetic_registry.projects["cluster_types"].str.contains(";").sum()
    assert multi > 0 and located == len(synthetic_registry.projects)
    assert sums == [(zoom, located, located) for zoom in range(top + 1)]


def test_a_save_recounts_the_cells(database, tiny_data_dir):
    """Moved, re-filed and deleted projects: the stored cells follow the save (the reader sees the new counts)."""
    view, zoom = CELL_VIEWS[1][1], CELL_VIEWS[1][2]
    frame, version = database.read()
    frame = frame.iloc[10:].copy()
    for project in ("smelter", "wheels", "foil"):  # each copy takes the position of another copy of its project
        copies = frame.index[frame["id"].str.startswith(project + "-")]
        frame.loc[copies, ["lon", "lat"]] = frame.loc[copies[::-1], ["lon", "lat"]].to_numpy()
    frame.loc[frame.index[40:80], "status"] = "suspended"
    smelters = frame.index[frame["id"].str.startswith("smelter-")]
    frame.loc[smelters[:20], "cluster_types"] = "alloy-products"
    database.save(frame, base_version=version, author="test", message="moved and re-filed")
    atlas = open_atlas(tiny_data_dir)
    for filters in [*FILTER_CASES, Filters(statuses=("suspended",)), Filters(cluster_types=("lightweight-materials",))]:
        with psycopg.connect(database.url) as conn:
            assert uses_the_stored_cells(conn, view, filters, zoom)
            got = viewport_bins(conn, view, filters, zoom=zoom)
        assert same_bins(got, memory_bins(atlas, filters, view, zoom)), filters


def test_migrating_a_registry_saved_before_the_cells_table_fills_it(monkeypatch, postgis_url):
    """An existing database at migration 002, with projects in it: `atlas db migrate` counts its cells."""
    earlier = [m for m in db_schema.shipped_migrations() if m.name < "003"]
    monkeypatch.setattr(db_schema, "shipped_migrations", lambda: earlier)
    # the rows as a store wrote them then: one `notes` column (migration 007 made it notes_zh/notes_en)
    frame = jittered_projects().drop(columns="notes_zh").rename(columns={"notes_en": "notes"})
    columns = tuple(frame.columns)
    monkeypatch.setattr(postgis, "COLUMNS", columns)
    monkeypatch.setattr(postgis, "_COLUMN_LIST", sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with psycopg.connect(postgis_url) as conn:
        db_schema.apply_migrations(conn)
        with conn.transaction():
            conn.execute("INSERT INTO registry_versions (version, row_count) VALUES (1, %s)", (len(frame),))
            _insert_rows(conn, frame, {}, 1)
            conn.execute("UPDATE registry_head SET version = 1")
        assert conn.execute("SELECT to_regclass('project_cells')").fetchone() == (None,)
    monkeypatch.undo()
    result = run_atlas_cli("db", "migrate", url=postgis_url)
    assert result.returncode == 0 and "003_project_cells" in result.stdout, result.stderr
    view, zoom = CELL_VIEWS[0][1], CELL_VIEWS[0][2]
    with psycopg.connect(postgis_url) as conn:
        assert uses_the_stored_cells(conn, view, Filters(), zoom)
        got = viewport_bins(conn, view, Filters(), zoom=zoom)
        scanned = viewport_bins(conn, view, Filters(), zoom=zoom, precomputed=False)
    assert same_bins(got, scanned) and got.total == len(frame)
