"""The map's view queries in PostGIS against the in-memory map_scale path, on the same synthetic registry.

    python -m bench.postgis --n 100000,1000000

For each N: a throw-away PostgreSQL 15 + PostGIS cluster (tests/storage/pg_cluster.py, private, deleted
afterwards) gets the migrated schema and the synthetic registry (bench.registry.registry_csv) by COPY
into a staging table, one INSERT ... SELECT into ``projects`` (row_no in file order, geom from the
lon/lat text), the GiST index built after the load, and ANALYZE. The same CSV is loaded the app's way
(`load_atlas` on a copy of data/). Then, median of 5 after one warm-up, for a province view (zoom 7,
cell counts) and a city view (Guiyang, zoom 11, points), each with and without the cluster filter:

* DB: `atlas.maps.postgis_view.viewport_bins` / `viewport_points` (limit `MAP_VIEW_POINTS_MAX` + 1), rows
  fetched into numpy/pandas over a local TCP connection;
* memory: `filter_projects` + `in_view` + `bin_points` (or the view's rows), what
  `map_scale.project_group_for_view` does before it builds the folium layer.

Both use the view padded by half a view on each side, as the app does. "agree" checks that both paths
give the same number of projects in the view; "GiST" says whether the planner chose ``projects_geom_gix``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from atlas.analysis.query import Filters, filter_projects
from atlas.core import schema
from atlas.core.settings import MAP_VIEW_POINTS_MAX
from atlas.data.load import load_atlas
from atlas.maps.postgis_view import viewport_bins, viewport_points, where_clause
from atlas.maps.scale import DEFAULT_VIEW, MapView, bin_points, in_view
from atlas.registry.db_schema import apply_migrations
from bench.registry import data_dir_with, registry_csv
from tests.storage.pg_cluster import throwaway_cluster

CLUSTER_FILTER = Filters(cluster_types=("alloy-products",))
CITY = MapView(106.55, 26.45, 106.85, 26.65, 11.0)
"""Around Guiyang at zoom 11, as bench/library.py's ZOOMED."""
CASES: tuple[tuple[str, MapView, str, Filters], ...] = (
    ("province, zoom 7", DEFAULT_VIEW, "bins", Filters()),
    ("province, zoom 7", DEFAULT_VIEW, "bins", CLUSTER_FILTER),
    ("Guiyang, zoom 11", CITY, "points", Filters()),
    ("Guiyang, zoom 11", CITY, "points", CLUSTER_FILTER),
)
REPEAT = 5


def median_ms(function: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time of `repeat` calls after one warm-up call, in milliseconds."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def load_registry(conn: psycopg.Connection[Any], csv_path: Path) -> float:
    """Bulk-load the CSV as saved version 1 of the registry; seconds taken (COPY, insert, index, ANALYZE)."""
    start = time.perf_counter()
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in schema.PROJECT_COLUMNS)
    text_columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in schema.PROJECT_COLUMNS)
    with conn.transaction():
        conn.execute("INSERT INTO registry_versions (version, author, message, row_count) VALUES (1, 'bench', '', 0)")
        conn.execute("UPDATE registry_head SET version = 1")
        conn.execute("DROP INDEX projects_geom_gix")
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE staging (row_no serial, {})").format(text_columns))
        with conn.cursor().copy(sql.SQL("COPY staging ({}) FROM STDIN WITH (FORMAT csv, HEADER true)")
                                .format(columns)) as copy, csv_path.open("rb") as source:
            while block := source.read(1 << 20):
                copy.write(block)
        conn.execute(sql.SQL(
            "INSERT INTO projects (row_no, {cols}, geom, row_version, changed_in) "
            "SELECT row_no, {coalesced}, CASE WHEN lon <> '' AND lat <> '' "
            "THEN ST_SetSRID(ST_MakePoint(lon::float8, lat::float8), 4326) END, 1, 1 FROM staging"
        ).format(cols=columns, coalesced=sql.SQL(", ").join(
            sql.SQL("coalesce({}, '')").format(sql.Identifier(c)) for c in schema.PROJECT_COLUMNS)))
        conn.execute("UPDATE registry_versions SET row_count = (SELECT count(*) FROM projects) WHERE version = 1")
        conn.execute("DROP TABLE staging")
        conn.execute("CREATE INDEX projects_geom_gix ON projects USING gist (geom)")
    conn.execute("ANALYZE projects")
    return time.perf_counter() - start


def uses_gist(conn: psycopg.Connection[Any], view: MapView, filters: Filters) -> bool:
    """Whether the planner, left to itself, answers the view's WHERE through ``projects_geom_gix``."""
    where, params = where_clause(view, filters)
    plan = conn.execute(f"EXPLAIN SELECT id FROM projects WHERE {where}", params).fetchall()
    return any("projects_geom_gix" in row[0] for row in plan)


def measure(n: int) -> tuple[list[dict[str, Any]], float]:
    """Rows of the table for one N (one per view × filter), and the seconds the database load took."""
    csv_path, _ = registry_csv(n)
    atlas = load_atlas(data_dir_with(n))
    rows: list[dict[str, Any]] = []
    with throwaway_cluster() as url, psycopg.connect(url, autocommit=True) as conn:
        apply_migrations(conn)
        load_s = load_registry(conn, csv_path)
        for name, view, mode, filters in CASES:
            padded = view.padded()
            zoom = max(0, round(view.zoom))

            def in_memory(padded: MapView = padded, mode: str = mode, filters: Filters = filters,
                          zoom: int = zoom) -> int:
                projects = filter_projects(atlas, filters)
                lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
                inside = np.flatnonzero(in_view(lon, lat, padded))
                if mode == "bins":
                    return bin_points(lon[inside], lat[inside], zoom=zoom).total
                kept = inside[:MAP_VIEW_POINTS_MAX + 1]
                return len(projects.iloc[kept].assign(lon=lon[kept], lat=lat[kept]))

            def in_database(padded: MapView = padded, mode: str = mode, filters: Filters = filters,
                            zoom: int = zoom) -> int:
                if mode == "bins":
                    return viewport_bins(conn, padded, filters, zoom=zoom).total
                return len(viewport_points(conn, padded, filters, limit=MAP_VIEW_POINTS_MAX + 1))

            db_ms, memory_ms = median_ms(in_database), median_ms(in_memory)
            db_total, memory_total = in_database(), in_memory()
            rows.append({"n": n, "view": name, "mode": mode, "filter": "cluster" if filters.cluster_types else "none",
                         "in_view": memory_total, "agree": db_total == memory_total, "db_ms": db_ms,
                         "memory_ms": memory_ms, "gist": uses_gist(conn, padded, filters), "load_s": load_s})
            print(f"  {n:,} {name} {mode} filter={rows[-1]['filter']}: db {db_ms:.1f} ms, memory {memory_ms:.1f} ms",
                  flush=True)
    return rows, load_s


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The table of `rows` (one line per N × view × filter)."""
    lines = ["| N | view | mode | cluster filter | projects in view | DB (ms) | in memory (ms) | memory / DB "
             "| same count | GiST index |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        size = f"{r['n'] // 1_000_000}M" if r["n"] >= 1_000_000 else f"{r['n'] // 1000}k"
        lines.append(f"| {size} | {r['view']} | {r['mode']} | {r['filter']} | {r['in_view']:,} | {r['db_ms']:.1f} "
                     f"| {r['memory_ms']:.1f} | {r['memory_ms'] / r['db_ms']:.2f}× | {'yes' if r['agree'] else 'NO'} "
                     f"| {'yes' if r['gist'] else 'no'} |")
    return lines


def run(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Measure every size; print the table and the load times; return the rows."""
    rows: list[dict[str, Any]] = []
    for n in sizes:
        print(f"PostGIS, N = {n:,}", flush=True)
        measured, load_s = measure(n)
        print(f"  bulk load (COPY + insert + GiST + ANALYZE): {load_s:.1f} s", flush=True)
        rows += measured
    print("\n".join(markdown(rows)), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgis", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: tuple(int(v) for v in s.split(",")), default=(100_000,),
                        help="registry sizes, e.g. 100000,1000000")
    args = parser.parse_args(argv)
    run(args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
