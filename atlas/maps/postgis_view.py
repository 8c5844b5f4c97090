"""The map's view queries run inside PostGIS: the view's points, or counts per grid cell, never the whole registry.

With the database backend the app need not hold every project in memory to draw a big registry:
`viewport_points` and `viewport_bins` answer the same questions as `atlas.maps.scale.in_view` and
`atlas.maps.scale.bin_points` over the ``projects`` table, so only the view's rows (or its cells)
cross the wire.

* The box test is ``geom && ST_MakeEnvelope(...)``, which the GiST index ``projects_geom_gix``
  answers; the index holds float4 boxes rounded outwards, so an exact ``ST_X``/``ST_Y`` range test
  follows and the edges are included exactly as `in_view` includes them.
* The grid is `mercator_pixels`' formula written in SQL (same constants, same clamping, same
  ``floor(pixel / cell_px)``), grouped in the database, ordered as `bin_points` orders its cells.
* Filters become bound predicates (``= ANY(%s)``; cluster membership by splitting the
  ``;``-joined ``cluster_types`` cell). Free-text search needs the search keys the loader builds in
  memory, so it is refused here rather than answered differently.
* Counting a province view cell by cell from ``projects`` groups every row on each pan; every save
  also stores the counts per cell and filter key of the low zooms (``project_cells``, migration 003),
  so `viewport_bins` sums those for the block of cells wholly inside the view and counts only the
  border cells from the rows, found through the GiST index in four strips along the view's edges.

Every value is a bound parameter; only fixed SQL text is composed.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
import psycopg

from atlas.analysis.query import Filters
from atlas.core.schema import LIST_SEPARATOR
from atlas.core.settings import MAP_BIN_CELL_PX
from atlas.maps.scale import MAX_LATITUDE, TILE_PX, Bins, MapView, mercator_pixels

POINT_COLUMNS: Final[tuple[str, ...]] = ("id", "lon", "lat")
"""What `viewport_points` returns: the id and the typed WGS84 position (from ``geom``)."""

_BOX: Final[str] = "geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)"
"""Answered by the GiST index; float4 boxes rounded outwards, so it may keep points up to ~1 m outside."""
_EXACT: Final[str] = "{x} BETWEEN %(west)s AND %(east)s AND {y} BETWEEN %(south)s AND %(north)s"
_IN_BOX: Final[str] = _BOX + " AND " + _EXACT.format(x="ST_X(geom)", y="ST_Y(geom)")
_FILTERS: Final[dict[str, str]] = {
    "cluster_types": "string_to_array(replace(cluster_types, ' ', ''), %(sep)s) && %(cluster_types)s::text[]",
    "zones": "zone_id = ANY(%(zones)s::text[])",
    "prefectures": "left(county_adcode, 4) || '00' = ANY(%(prefectures)s::text[])",
    "stages": "stage = ANY(%(stages)s::text[])",
    "statuses": "status = ANY(%(statuses)s::text[])",
}
_KEY_FILTERS: Final[dict[str, str]] = {
    "cluster_types": "clusters && %(cluster_types)s::text[]",
    "zones": "zone_id = ANY(%(zones)s::text[])",
    "prefectures": "prefecture = ANY(%(prefectures)s::text[])",
    "stages": "stage = ANY(%(stages)s::text[])",
    "statuses": "status = ANY(%(statuses)s::text[])",
}
"""The same filters over ``project_cell_keys``, whose columns hold what `_FILTERS` computes from a row."""
_CELL_MARGIN_PX: Final[float] = 1.0
"""A cell counts as wholly inside a view only with this much room to the view's edge: far more than the
rounding by which PostgreSQL's and numpy's pixel coordinates of one point can differ."""
_MERCATOR_Y: Final[str] = (
    "(0.5 - ln((1 + s) / (1 - s)) / (4 * pi())) * %(size)s"
)


def where_clause(view: MapView, filters: Filters, *, exact: bool = True) -> tuple[str, dict[str, Any]]:
    """The WHERE text (fixed SQL, named placeholders) and its parameters for the view's box and `filters`.

    ``exact=False`` leaves out the exact range test (the caller applies it): the planner then estimates
    the rows from the geometry statistics instead of guessing a handful, and aggregates in parallel.

    Raises
    ------
    ValueError
        When `filters` has free text: the database holds no search keys to match it the app's way.
    """
    params: dict[str, Any] = {"west": float(view.west), "south": float(view.south),
                              "east": float(view.east), "north": float(view.north)}
    parts, chosen = filter_clause(filters)
    return " AND ".join([_IN_BOX if exact else _BOX, *parts]), {**params, **chosen}


def filter_clause(filters: Filters, *, over_keys: bool = False) -> tuple[list[str], dict[str, Any]]:
    """The predicates (fixed SQL, named placeholders) and parameters of `filters` over ``projects``
    (or, `over_keys`, over ``project_cell_keys``); no predicate for a filter left empty.

    Raises
    ------
    ValueError
        When `filters` has free text: the database holds no search keys to match it the app's way.
    """
    if filters.text.strip():
        raise ValueError("free-text search is not answered in the database; filter the loaded registry instead")
    params: dict[str, Any] = {"sep": LIST_SEPARATOR}
    parts = []
    for field, predicate in (_KEY_FILTERS if over_keys else _FILTERS).items():
        chosen: tuple[str, ...] = getattr(filters, field)
        if chosen:
            parts.append(predicate)
            params[field] = list(chosen)
    return parts, params


def viewport_count(conn: psycopg.Connection[Any], view: MapView, filters: Filters) -> int:
    """How many projects match `filters` inside the view's box (for `map_scale.choose_mode`)."""
    where, params = where_clause(view, filters)
    row = conn.execute(f"SELECT count(*) FROM projects WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def viewport_points(conn: psycopg.Connection[Any], view: MapView, filters: Filters, *, limit: int) -> pd.DataFrame:
    """At most `limit` matching projects inside the view's box, in registry order: ``id``, ``lon``, ``lat``.

    Ask for one more than you can draw to learn whether the view holds too many.
    """
    where, params = where_clause(view, filters)
    params["limit"] = int(limit)
    rows = conn.execute(
        f"SELECT id, ST_X(geom), ST_Y(geom) FROM projects WHERE {where} ORDER BY row_no LIMIT %(limit)s",
        params,
    ).fetchall()
    frame = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    return frame.astype({"id": str, "lon": float, "lat": float})


def viewport_bins(conn: psycopg.Connection[Any], view: MapView, filters: Filters, *, zoom: int,
                  cell_px: int = MAP_BIN_CELL_PX, precomputed: bool = True) -> Bins:
    """Counts per `cell_px` Web Mercator cell at `zoom` of the matching projects in the box, grouped in SQL.

    The same cells, counts and order as ``bin_points(lon, lat, zoom=zoom, cell_px=cell_px)`` of those projects.
    Cells wholly inside the box come from the counts a save keeps in ``project_cells`` when that grid holds
    `zoom` and `cell_px` (`precomputed=False` never uses them); only the border cells are counted from
    ``projects``. Otherwise, or when no cell lies wholly inside, every cell is counted from ``projects``.
    """
    query, params = cells_query(view, filters, zoom=zoom, cell_px=cell_px) if precomputed else (None, {})
    if query is None or not has_cells(conn, zoom=zoom, cell_px=cell_px):
        query, params = bins_query(view, filters, zoom=zoom, cell_px=cell_px)
    rows = conn.execute(query, params).fetchall()
    cells = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return Bins(zoom, cell_px, cells[:, 0], cells[:, 1], cells[:, 2])


def has_cells(conn: psycopg.Connection[Any], *, zoom: int, cell_px: int) -> bool:
    """Whether ``project_cells`` holds the grid of `cell_px` pixels at `zoom` (migration 003 sets which)."""
    row = conn.execute("SELECT %s BETWEEN 0 AND max_zoom AND cell_px = %s FROM project_cell_grid",
                       (int(zoom), int(cell_px))).fetchone()
    return bool(row and row[0])


def bins_query(view: MapView, filters: Filters, *, zoom: int, cell_px: int) -> tuple[str, dict[str, Any]]:
    """`viewport_bins`' SQL and parameters counting every cell from ``projects`` (also for EXPLAIN and benchmarks)."""
    where, params = where_clause(view, filters, exact=False)
    params.update(size=TILE_PX * 2.0**zoom, cell=float(cell_px), clamp=MAX_LATITUDE)
    query = counted_cells(where) + " ORDER BY ix, iy"
    return query, params


def counted_cells(where: str, *, outside: str = "") -> str:
    """Cells counted from the ``projects`` rows that pass `where` (and, given, whose cell passes `outside`)."""
    inside = "count(*) FILTER (WHERE " + _EXACT.format(x="x", y="y") + ")"
    return (
        f"SELECT ix, iy, {inside} FROM ("
        " SELECT x, y, floor((x + 180.0) / 360.0 * %(size)s / %(cell)s)::bigint AS ix,"
        f"  floor({_MERCATOR_Y} / %(cell)s)::bigint AS iy"
        " FROM (SELECT x, y, sin(radians(least(greatest(y, -%(clamp)s), %(clamp)s))) AS s"
        f"  FROM (SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM projects WHERE {where}) AS xy) AS p"
        f") AS c {'WHERE ' + outside if outside else ''} GROUP BY ix, iy HAVING {inside} > 0"
    )


_STRIPS: Final[str] = "(" + " OR ".join(
    f"geom && ST_MakeEnvelope(%({side}_w)s, %({side}_s)s, %({side}_e)s, %({side}_n)s, 4326)"
    for side in ("west", "east", "south", "north")) + ")"
"""The view's four border strips, each answered by the GiST index."""
_OUTSIDE: Final[str] = "NOT (ix BETWEEN %(ix0)s AND %(ix1)s AND iy BETWEEN %(iy0)s AND %(iy1)s)"


def cells_query(view: MapView, filters: Filters, *, zoom: int,
                cell_px: int) -> tuple[str, dict[str, Any]] | tuple[None, dict[str, Any]]:
    """`viewport_bins`' SQL and parameters reading ``project_cells`` for the cells wholly inside the box,
    or None when none is: the inner block of cells is summed from the stored counts, the border cells
    around it are counted from the ``projects`` rows in four strips along the box's edges.
    """
    block = inner_block(view, zoom=zoom, cell_px=cell_px)
    if block is None:
        return None, {}
    ix0, iy0, ix1, iy1 = block
    parts, params = filter_clause(filters)
    params.update(west=float(view.west), south=float(view.south), east=float(view.east), north=float(view.north),
                  size=TILE_PX * 2.0**zoom, cell=float(cell_px), clamp=MAX_LATITUDE, zoom=int(zoom),
                  ix0=ix0, iy0=iy0, ix1=ix1, iy1=iy1)
    # each strip reaches half a pixel into the block, so no border point is missed however it rounds
    inner_west, inner_north = lonlat_of_pixel(ix0 * cell_px + 0.5, iy0 * cell_px + 0.5, zoom=zoom)
    inner_east, inner_south = lonlat_of_pixel((ix1 + 1) * cell_px - 0.5, (iy1 + 1) * cell_px - 0.5, zoom=zoom)
    strips = {"west": (view.west, view.south, inner_west, view.north),
              "east": (inner_east, view.south, view.east, view.north),
              "south": (view.west, view.south, view.east, inner_south),
              "north": (view.west, inner_north, view.east, view.north)}
    for side, (w, s, e, n) in strips.items():
        params.update({f"{side}_w": float(w), f"{side}_s": float(s), f"{side}_e": float(e), f"{side}_n": float(n)})
    border = counted_cells(" AND ".join([_STRIPS, *parts]), outside=_OUTSIDE)
    key_parts, _ = filter_clause(filters, over_keys=True)
    keys = f"key IN (SELECT key FROM project_cell_keys WHERE {' AND '.join(key_parts)})" if key_parts else "key = 0"
    stored = (
        "SELECT ix::bigint, iy::bigint, sum(n)::bigint FROM project_cells"
        " WHERE zoom = %(zoom)s AND ix BETWEEN %(ix0)s AND %(ix1)s AND iy BETWEEN %(iy0)s AND %(iy1)s"
        f" AND {keys} GROUP BY ix, iy"
    )
    return f"{border} UNION ALL {stored} ORDER BY 1, 2", params


def inner_block(view: MapView, *, zoom: int, cell_px: int) -> tuple[int, int, int, int] | None:
    """First and last cell columns and rows (ix0, iy0, ix1, iy1) of the block of cells that lie wholly inside
    the box with `_CELL_MARGIN_PX` to spare, or None when there is no such cell."""
    x, y = mercator_pixels(np.array([view.west, view.east]), np.array([view.north, view.south]), zoom=zoom)
    margin = _CELL_MARGIN_PX
    ix0, ix1 = math.floor((x[0] + margin) / cell_px) + 1, math.ceil((x[1] - margin) / cell_px) - 2
    iy0, iy1 = math.floor((y[0] + margin) / cell_px) + 1, math.ceil((y[1] - margin) / cell_px) - 2
    if ix0 > ix1 or iy0 > iy1:
        return None
    return ix0, iy0, ix1, iy1


def lonlat_of_pixel(x: float, y: float, *, zoom: int) -> tuple[float, float]:
    """The lon/lat of Leaflet world pixel (x, y) at `zoom` (the inverse of `mercator_pixels`)."""
    size = TILE_PX * 2.0**zoom
    lon = x / size * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / size))))
    return lon, lat
