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

For cell views the database is asked twice in the same run: through the counts a save keeps per cell
(``project_cells``, migration 003; the default) and counting every cell from ``projects`` (the query
before it, ``precomputed=False``); both must give the same cells. Also timed: recounting the cells as a
save does (``refresh_project_cells()`` in a transaction that replaces the counts; median of 3, the first
count during the bulk load shown apart), and the clusters page's summary grouped in PostGIS
(`atlas.maps.postgis_summary.summarise_in_database`) against `summarise_matching` and
`summarise_projects` of the filtered frame in memory.

    python -m bench.postgis --n 1000000 --results bench/results.md   # also rewrite that file's cells section
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from atlas.analysis.aggregate import GroupBy, summarise_matching, summarise_projects
from atlas.analysis.query import Filters, filter_projects
from atlas.core import schema
from atlas.core.model import Atlas
from atlas.core.settings import MAP_VIEW_POINTS_MAX
from atlas.data.load import load_atlas
from atlas.maps.postgis_summary import summarise_in_database
from atlas.maps.postgis_view import viewport_bins, viewport_points, where_clause
from atlas.maps.scale import DEFAULT_VIEW, MapView, bin_points, in_view
from atlas.registry.db_schema import apply_migrations
from bench.registry import data_dir_with, registry_csv
from tests.storage.pg_cluster import throwaway_cluster

CLUSTER_FILTER = Filters(cluster_types=("alloy-products",))
CITY = MapView(106.55, 26.45, 106.85, 26.65, 11.0)
"""Around Guiyang at zoom 11, as bench/library.py's ZOOMED."""
AROUND_GUIYANG = MapView(106.2, 26.2, 107.2, 26.9, 9.0)
"""A view a little wider than Guiyang's prefecture at zoom 9: its border strips cut through dense country."""
CASES: tuple[tuple[str, MapView, str, Filters], ...] = (
    ("province, zoom 7", DEFAULT_VIEW, "bins", Filters()),
    ("province, zoom 7", DEFAULT_VIEW, "bins", CLUSTER_FILTER),
    ("around Guiyang, zoom 9", AROUND_GUIYANG, "bins", Filters()),
    ("around Guiyang, zoom 9", AROUND_GUIYANG, "bins", CLUSTER_FILTER),
    ("Guiyang, zoom 11", CITY, "points", Filters()),
    ("Guiyang, zoom 11", CITY, "points", CLUSTER_FILTER),
)
SUMMARIES: tuple[tuple[str, GroupBy, Filters], ...] = (
    ("cluster=alloy-products, status=operating or under-construction", "cluster-type",
     Filters(cluster_types=("alloy-products",), statuses=("operating", "under-construction"))),
    ("none", "cluster-type", Filters()),
    ("none", "prefecture", Filters()),
)
"""The library benchmark's filter + aggregate (bench/library.py), and whole-registry tables."""
REPEAT = 5
CELLS_TARGET_MS = 300.0
CELLS_BEFORE_MS = 1300.0
"""Province-zoom cells at 10⁶ before the stored counts (bench/results.md, PostGIS section)."""
SECTION = "## PostGIS at 10⁶ (issue 15)"


def median_ms(function: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time of `repeat` calls after one warm-up call, in milliseconds."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def load_registry(conn: psycopg.Connection[Any], csv_path: Path) -> tuple[float, float]:
    """Bulk-load the CSV as saved version 1 of the registry, cells counted in the same transaction as a save
    counts them; seconds taken in all (COPY, insert, cells, index, ANALYZE) and by the cells alone."""
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
        cells_start = time.perf_counter()
        conn.execute("SELECT refresh_project_cells()")
        cells_s = time.perf_counter() - cells_start
        conn.execute("CREATE INDEX projects_geom_gix ON projects USING gist (geom)")
    conn.execute("ANALYZE projects")
    conn.execute("VACUUM ANALYZE project_cells, project_cell_keys")
    return time.perf_counter() - start, cells_s


def recount_cells(conn: psycopg.Connection[Any], repeat: int = 3) -> tuple[float, int]:
    """Median seconds of `refresh_project_cells()` replacing existing counts in its own transaction (what
    it adds to a save), and the rows it writes; the table is vacuumed afterwards, as autovacuum would."""
    times, written = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        with conn.transaction():
            row = conn.execute("SELECT refresh_project_cells()").fetchone()
        times.append(time.perf_counter() - start)
        written = int(row[0]) if row else 0
    conn.execute("VACUUM ANALYZE project_cells, project_cell_keys")
    return statistics.median(times), written


def uses_gist(conn: psycopg.Connection[Any], view: MapView, filters: Filters) -> bool:
    """Whether the planner, left to itself, answers the view's WHERE through ``projects_geom_gix``."""
    where, params = where_clause(view, filters)
    plan = conn.execute(f"EXPLAIN SELECT id FROM projects WHERE {where}", params).fetchall()
    return any("projects_geom_gix" in row[0] for row in plan)


def measure(n: int) -> tuple[list[dict[str, Any]], float]:
    """Rows of the table for one N (one per view × filter, then one per summary), and the seconds the load took."""
    csv_path, _ = registry_csv(n)
    atlas = load_atlas(data_dir_with(n))
    rows: list[dict[str, Any]] = []
    with throwaway_cluster() as url, psycopg.connect(url, autocommit=True) as conn:
        apply_migrations(conn)
        load_s, first_cells_s = load_registry(conn, csv_path)
        refresh_s, cell_rows = recount_cells(conn)
        print(f"  cells: first count {first_cells_s:.1f} s during the load; recount as a save does {refresh_s:.1f} s "
              f"(median of 3, {cell_rows:,} rows)", flush=True)
        extra = {"load_s": load_s, "cells_first_s": first_cells_s, "cells_refresh_s": refresh_s,
                 "cell_rows": cell_rows}
        for name, view, mode, filters in CASES:
            rows.append({"n": n, "view": name, "mode": mode, **extra,
                         **measure_view(conn, atlas, view.padded(), mode, filters, zoom=max(0, round(view.zoom)))})
            r = rows[-1]
            scanned = f", counted from rows {r['scan_ms']:.1f} ms" if r["scan_ms"] is not None else ""
            print(f"  {n:,} {name} {mode} filter={r['filter']}: db {r['db_ms']:.1f} ms{scanned}, "
                  f"memory {r['memory_ms']:.1f} ms", flush=True)
        for name, by, filters in SUMMARIES:
            rows.append({"n": n, "view": "summary", "mode": by, "summary_filter": name, **extra,
                         **measure_summary(conn, atlas, by, filters)})
            r = rows[-1]
            print(f"  {n:,} summary by {by}, filter {name}: db {r['db_ms']:.1f} ms, memory {r['memory_ms']:.1f} ms "
                  f"(via frames {r['frames_ms']:.1f} ms)", flush=True)
    return rows, load_s


def measure_view(conn: psycopg.Connection[Any], atlas: Atlas, padded: MapView, mode: str, filters: Filters, *,
                 zoom: int) -> dict[str, Any]:
    """One view × filter: the database (and, for cells, the full count from rows) against the in-memory path."""

    def in_memory() -> int:
        projects = filter_projects(atlas, filters)
        lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
        inside = np.flatnonzero(in_view(lon, lat, padded))
        if mode == "bins":
            return bin_points(lon[inside], lat[inside], zoom=zoom).total
        kept = inside[:MAP_VIEW_POINTS_MAX + 1]
        return len(projects.iloc[kept].assign(lon=lon[kept], lat=lat[kept]))

    def in_database(precomputed: bool = True) -> int:
        if mode == "bins":
            return viewport_bins(conn, padded, filters, zoom=zoom, precomputed=precomputed).total
        return len(viewport_points(conn, padded, filters, limit=MAP_VIEW_POINTS_MAX + 1))

    db_ms, memory_ms = median_ms(in_database), median_ms(in_memory)
    scan_ms = median_ms(lambda: in_database(precomputed=False)) if mode == "bins" else None
    same_cells = True
    if mode == "bins":
        stored = viewport_bins(conn, padded, filters, zoom=zoom)
        counted = viewport_bins(conn, padded, filters, zoom=zoom, precomputed=False)
        same_cells = all(np.array_equal(getattr(stored, a), getattr(counted, a)) for a in ("ix", "iy", "count"))
    db_total, memory_total = in_database(), in_memory()
    return {"filter": "cluster" if filters.cluster_types else "none", "in_view": memory_total,
            "agree": db_total == memory_total and same_cells, "db_ms": db_ms, "scan_ms": scan_ms,
            "memory_ms": memory_ms, "gist": uses_gist(conn, padded, filters)}


def measure_summary(conn: psycopg.Connection[Any], atlas: Atlas, by: GroupBy, filters: Filters) -> dict[str, Any]:
    """The clusters page's summary grouped in PostGIS against the library's in memory; same counts?"""
    db_ms = median_ms(lambda: summarise_in_database(conn, filters, by=by))
    memory_ms = median_ms(lambda: summarise_matching(atlas, filters, by=by))
    frames_ms = median_ms(lambda: summarise_projects(atlas, filter_projects(atlas, filters), by=by))
    got = summarise_in_database(conn, filters, by=by).set_index("key")
    expected = summarise_matching(atlas, filters, by=by).set_index("key")
    expected = expected[expected["projects"] > 0]
    columns = ["projects", "operating", "building", "planned", "other", "investment_known"]
    agree = got.index.sort_values().equals(expected.index.sort_values()) and bool(
        (got.loc[expected.index, columns].to_numpy() == expected[columns].to_numpy()).all()
        and np.allclose(got.loc[expected.index, "investment_cny_m"].to_numpy(dtype=float),
                        expected["investment_cny_m"].to_numpy(dtype=float), rtol=1e-9, equal_nan=True))
    return {"groups": len(got), "projects": int(got["projects"].sum()), "agree": agree, "db_ms": db_ms,
            "memory_ms": memory_ms, "frames_ms": frames_ms}


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The table of view rows (one line per N × view × filter)."""
    lines = ["| N | view | mode | cluster filter | projects in view | DB (ms) | cells counted from rows (ms) "
             "| in memory (ms) | memory / DB | same count | GiST index |", "|---" * 11 + "|"]
    for r in rows:
        if r["view"] == "summary":
            continue
        scanned = "—" if r.get("scan_ms") is None else f"{r['scan_ms']:.1f}"
        lines.append(f"| {_size(r['n'])} | {r['view']} | {r['mode']} | {r['filter']} | {r['in_view']:,} "
                     f"| {r['db_ms']:.1f} | {scanned} | {r['memory_ms']:.1f} | {r['memory_ms'] / r['db_ms']:.2f}× "
                     f"| {'yes' if r['agree'] else 'NO'} | {'yes' if r['gist'] else 'no'} |")
    return lines


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def cells_section(rows: list[dict[str, Any]]) -> list[str]:
    """bench/results.md's section on the stored cell counts and the summary in SQL, each figure beside its target."""
    lines = [SECTION, "",
             "`python -m bench.postgis`: the synthetic registry bulk-loaded into a throw-away cluster as in the "
             "PostGIS section; every figure here is from one run on one cluster. Cells now come from "
             "the counts a save keeps per cell (`project_cells`, migration 003) for the block wholly inside the view, "
             "and from `projects` only for the border cells; \"counted from rows\" is the query before it, "
             "`viewport_bins(..., precomputed=False)`, and both give the same cells. Written "
             f"{dt.date.today().isoformat()}; load average (1/5/15 min) at the end: "
             f"{' / '.join(f'{v:.1f}' for v in os.getloadavg())} on a machine shared with other agents.", "",
             "| N | figure | measured | target | status |", "|---|---|---|---|---|"]
    for r in rows:
        size = _size(r["n"])
        if r["view"].startswith("province") and r["mode"] == "bins":
            status = "**met**" if r["db_ms"] <= CELLS_TARGET_MS else "**missed**"
            target = f"≤ {CELLS_TARGET_MS:.0f} ms (before {CELLS_BEFORE_MS / 1000:.1f} s)" if r["n"] >= 1_000_000 \
                else "—"
            lines.append(f"| {size} | province cells, zoom 7, cluster filter {r['filter']} | {r['db_ms']:.1f} ms "
                         f"(counted from rows: {r['scan_ms']:.1f} ms, {r['scan_ms'] / r['db_ms']:.0f}×) | {target} "
                         f"| {status if r['n'] >= 1_000_000 else 'context'} |")
    for n in dict.fromkeys(r["n"] for r in rows):
        first = next(r for r in rows if r["n"] == n)
        lines.append(f"| {_size(n)} | a save's extra time: recounting the cells ({first['cell_rows']:,} rows) "
                     f"| {first['cells_refresh_s']:.1f} s (median of 3; first count in the bulk load "
                     f"{first['cells_first_s']:.1f} s of {first['load_s']:.1f} s) | none set | measured |")
    for r in rows:
        if r["view"] == "summary":
            lines.append(f"| {_size(r['n'])} | summary in SQL by {r['mode']}, filter {r['summary_filter']} "
                         f"({r['groups']} groups) | {r['db_ms']:.1f} ms (in memory: `summarise_matching` "
                         f"{r['memory_ms']:.1f} ms, via frames {r['frames_ms']:.1f} ms) "
                         f"| library's ≤ 200 ms, for context | {'same figures' if r['agree'] else 'DIFFERENT'} |")
    return lines


def write_section(path: Path, lines: list[str]) -> None:
    """Replace the file's `SECTION` (up to the next ``## `` heading) with `lines`, or append them."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join(lines) + "\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + block + (text[end:] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")


def run(sizes: tuple[int, ...], results: Path | None = None) -> list[dict[str, Any]]:
    """Measure every size; print the tables and the load times; return the rows (and write `results`' section)."""
    rows: list[dict[str, Any]] = []
    for n in sizes:
        print(f"PostGIS, N = {n:,}", flush=True)
        measured, load_s = measure(n)
        print(f"  bulk load (COPY + insert + cells + GiST + ANALYZE): {load_s:.1f} s", flush=True)
        rows += measured
    print("\n".join(markdown(rows)), flush=True)
    section = cells_section(rows)
    print("\n".join(section), flush=True)
    if results is not None:
        write_section(results, [*section, "", "Every view of the run:", "", *markdown(rows)])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgis", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: tuple(int(v) for v in s.split(",")), default=(100_000,),
                        help="registry sizes, e.g. 100000,1000000")
    parser.add_argument("--results", type=Path, help=f"also write the {SECTION!r} section of this file")
    args = parser.parse_args(argv)
    run(args.n, args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
