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

Every value is a bound parameter; only fixed SQL text is composed.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import psycopg

from atlas.analysis.query import Filters
from atlas.core.schema import LIST_SEPARATOR
from atlas.core.settings import MAP_BIN_CELL_PX
from atlas.maps.scale import MAX_LATITUDE, TILE_PX, Bins, MapView

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
    if filters.text.strip():
        raise ValueError("free-text search is not answered in the database; filter the loaded registry instead")
    params: dict[str, Any] = {"west": float(view.west), "south": float(view.south),
                              "east": float(view.east), "north": float(view.north), "sep": LIST_SEPARATOR}
    parts = [_IN_BOX if exact else _BOX]
    for field, predicate in _FILTERS.items():
        chosen: tuple[str, ...] = getattr(filters, field)
        if chosen:
            parts.append(predicate)
            params[field] = list(chosen)
    return " AND ".join(parts), params


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
                  cell_px: int = MAP_BIN_CELL_PX) -> Bins:
    """Counts per `cell_px` Web Mercator cell at `zoom` of the matching projects in the box, grouped in SQL.

    The same cells, counts and order as ``bin_points(lon, lat, zoom=zoom, cell_px=cell_px)`` of those projects.
    """
    query, params = bins_query(view, filters, zoom=zoom, cell_px=cell_px)
    rows = conn.execute(query, params).fetchall()
    cells = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return Bins(zoom, cell_px, cells[:, 0], cells[:, 1], cells[:, 2])


def bins_query(view: MapView, filters: Filters, *, zoom: int, cell_px: int) -> tuple[str, dict[str, Any]]:
    """`viewport_bins`' SQL and parameters (for EXPLAIN in tests and benchmarks)."""
    where, params = where_clause(view, filters, exact=False)
    params.update(size=TILE_PX * 2.0**zoom, cell=float(cell_px), clamp=MAX_LATITUDE)
    inside = "count(*) FILTER (WHERE " + _EXACT.format(x="x", y="y") + ")"
    query = (
        f"SELECT ix, iy, {inside} FROM ("
        " SELECT x, y, floor((x + 180.0) / 360.0 * %(size)s / %(cell)s)::bigint AS ix,"
        f"  floor({_MERCATOR_Y} / %(cell)s)::bigint AS iy"
        " FROM (SELECT x, y, sin(radians(least(greatest(y, -%(clamp)s), %(clamp)s))) AS s"
        f"  FROM (SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM projects WHERE {where}) AS xy) AS p"
        f") AS c GROUP BY ix, iy HAVING {inside} > 0 ORDER BY ix, iy"
    )
    return query, params
