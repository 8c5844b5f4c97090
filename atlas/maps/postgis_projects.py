"""The projects a page needs, fetched from PostGIS per request: counts, one zone's rows, a view's points.

In database mode an app server holds the reference layers only (`atlas.registry.startup.open_served_atlas`);
every project figure comes from here, through bounded queries, so the server's memory does not grow with
the registry:

* counts add up the per-key counts a save keeps (``project_cell_keys``, migration 003) unless free text
  needs the rows;
* rows come back typed as the loaded atlas types them (`atlas.data.load.typed_projects`), in registry
  order, at most `limit` of them (``LIMIT``/``OFFSET`` paging);
* the map's project layer is `atlas.maps.scale.project_group_for_view`'s, with the view's points or cell
  counts found in the database (`atlas.maps.postgis_view`).

Free text matches the searched columns (`atlas.data.search_keys.SEARCHED_COLUMNS`) word by word, folded as
`normalise_query` folds; the pinyin keys of the in-memory search are not in the database, so a pinyin
query finds nothing here. Every value is a bound parameter; only fixed SQL text is composed.
"""

from __future__ import annotations

from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from atlas.analysis.query import Filters
from atlas.core import schema
from atlas.core.schema import Lang, Layer
from atlas.core.settings import MAP_BIN_CELL_PX, MAP_VIEW_POINTS_MAX
from atlas.data.load import typed_projects
from atlas.data.search_keys import SEARCHED_COLUMNS, normalise_query
from atlas.geo.datum import wgs84_to_gcj02
from atlas.maps.layers import layer_name
from atlas.maps.points import CanvasPoints, project_payload
from atlas.maps.postgis_view import counted_cells, filter_clause, viewport_bins, viewport_count, where_clause
from atlas.maps.scale import MAX_LATITUDE, TILE_PX, Bins, CanvasBins, MapView, ViewLayer, bins_payload

COLUMNS: Final[tuple[str, ...]] = schema.PROJECT_COLUMNS
_COLUMN_LIST = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)
_PAYLOAD_COLUMNS: Final[tuple[str, ...]] = (
    "id", "name_zh", "name_en", "cluster_types", "status", "position_precision", "lon", "lat", "uncertainty_km",
)
"""What a drawn point needs (`project_payload`), typed like a full row."""
_SEARCHED: Final[str] = "lower(" + " || ' | ' || ".join(f"coalesce({c}, '')" for c in SEARCHED_COLUMNS) + ")"


def text_clause(text: str) -> tuple[list[str], dict[str, Any]]:
    """One ``LIKE`` predicate per word of `text` over the searched columns (none for empty text)."""
    words = normalise_query(text).split()
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]
    parts = [f"{_SEARCHED} LIKE %(word_{i})s" for i in range(len(words))]
    return parts, {f"word_{i}": f"%{word}%" for i, word in enumerate(escaped)}


def matching(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE text (``true`` when nothing is chosen) and parameters of `filters`, free text included."""
    parts, params = filter_clause(Filters(filters.cluster_types, filters.zones, filters.prefectures,
                                          filters.stages, filters.statuses))
    words, word_params = text_clause(filters.text)
    return " AND ".join([*parts, *words]) or "true", {**params, **word_params}


def count_projects(conn: psycopg.Connection[Any], filters: Filters) -> int:
    """How many projects match `filters`: from the per-key counts, or from the rows when there is free text."""
    if filters.text.strip():
        where, params = matching(filters)
        row = conn.execute(f"SELECT count(*) FROM projects WHERE {where}", params).fetchone()
    else:
        parts, params = filter_clause(filters, over_keys=True)
        where = " AND ".join(parts) or "true"
        row = conn.execute(f"SELECT coalesce(sum(projects), 0) FROM project_cell_keys WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def cluster_counts(conn: psycopg.Connection[Any], filters: Filters, clusters: list[str]) -> dict[str, int]:
    """Per cluster type of `clusters`, how many matching projects name it (the legend's counts)."""
    if filters.text.strip():
        where, params = matching(filters)
        source = f"(SELECT string_to_array(replace(cluster_types, ' ', ''), %(sep)s) AS clusters, 1 AS projects" \
                 f" FROM projects WHERE {where}) AS k"
    else:
        parts, params = filter_clause(filters, over_keys=True)
        where = " AND ".join(parts) or "true"
        source = f"(SELECT * FROM project_cell_keys WHERE {where}) AS k"
    params.update(wanted=list(clusters), sep=schema.LIST_SEPARATOR)
    rows = conn.execute(f"SELECT c, sum(k.projects)::bigint FROM {source} CROSS JOIN unnest(%(wanted)s::text[]) AS c"
                        " WHERE c = ANY(k.clusters) GROUP BY c", params).fetchall()
    found = {str(c): int(n) for c, n in rows}
    return {c: found.get(c, 0) for c in clusters}


def fetch_projects(conn: psycopg.Connection[Any], filters: Filters, *, limit: int, offset: int = 0) -> gpd.GeoDataFrame:
    """At most `limit` matching projects from the `offset`-th on, in registry order, typed like the atlas's."""
    where, params = matching(filters)
    return _fetched(conn, where, {**params, "limit": int(limit), "offset": int(offset)},
                    order="ORDER BY row_no LIMIT %(limit)s OFFSET %(offset)s")


def fetch_zone_projects(conn: psycopg.Connection[Any], zone_id: str, county_adcodes: list[str], *,
                        limit: int) -> gpd.GeoDataFrame:
    """A zone's own projects and those of its counties that name no zone (what its profile lists), at most `limit`."""
    where = "(zone_id = %(zone)s OR (btrim(zone_id) = '' AND btrim(county_adcode) = ANY(%(counties)s::text[])))"
    params = {"zone": zone_id, "counties": [str(c).strip() for c in county_adcodes], "limit": int(limit)}
    return _fetched(conn, where, params, order="ORDER BY row_no LIMIT %(limit)s")


def fetch_near(conn: psycopg.Connection[Any], filters: Filters, *, lon: float, lat: float, km: float,
               limit: int) -> gpd.GeoDataFrame:
    """At most `limit` matching projects in a lon/lat box reaching at least `km` from (lon, lat).

    The exact distances are measured in memory by the caller (`pick_record`, `nearby_zone`).
    """
    dlat = km / 110.574 + 0.01
    dlon = km / (111.320 * max(np.cos(np.radians(min(abs(lat) + dlat, 89.0))), 0.01)) + 0.01
    chosen, params = matching(filters)
    where = f"geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326) AND {chosen}"
    params.update(w=lon - dlon, s=lat - dlat, e=lon + dlon, n=lat + dlat, limit=int(limit))
    return _fetched(conn, where, params, order="ORDER BY row_no LIMIT %(limit)s")


def _fetched(conn: psycopg.Connection[Any], where: str, params: dict[str, Any], *, order: str) -> gpd.GeoDataFrame:
    query = sql.SQL("SELECT {} FROM projects WHERE ").format(_COLUMN_LIST).as_string(conn) + f"{where} {order}"
    rows = conn.execute(query, params).fetchall()
    return typed_projects(pd.DataFrame(rows, columns=list(COLUMNS), dtype=object).fillna(""))


def view_layer(conn: psycopg.Connection[Any], view: MapView, filters: Filters, *, lang: Lang,
               basemap: str = "none") -> ViewLayer:
    """The project layer of a registry too big to send whole, asked of the database for the (padded) view.

    The view's points when it holds at most `MAP_VIEW_POINTS_MAX` matching projects, else counts per cell
    (`viewport_bins`): the `project_group_for_view` layer without holding the registry. Positions are
    WGS84 in the database; on the "amap" basemap the view box is the map's GCJ-02 one, a few hundred
    metres off, which the half-view padding covers, and the drawn points are shifted as that function does.
    """
    padded = view.padded()
    group = folium.FeatureGroup(name=layer_name(Layer.PROJECTS, lang), atlas_layer=Layer.PROJECTS.value)
    where, params = where_clause(padded, Filters(filters.cluster_types, filters.zones, filters.prefectures,
                                                 filters.stages, filters.statuses))
    words, word_params = text_clause(filters.text)
    if words:
        where = " AND ".join([where, *words])
        params.update(word_params)
    in_view = (viewport_count(conn, padded, filters) if not words else
               int(conn.execute(f"SELECT count(*) FROM projects WHERE {where}", params).fetchone()[0]))  # type: ignore[index]
    if in_view <= MAP_VIEW_POINTS_MAX:
        columns = ", ".join(_PAYLOAD_COLUMNS)
        rows = conn.execute(f"SELECT {columns} FROM projects WHERE {where} ORDER BY row_no", params).fetchall()
        cells = pd.DataFrame(rows, columns=list(_PAYLOAD_COLUMNS), dtype=object).fillna("")
        shown = _typed_points(cells, basemap=basemap)
        group.add_child(CanvasPoints(project_payload(shown, lang=lang)))
        return ViewLayer(group, "points", in_view, len(shown))
    zoom = max(0, round(view.zoom))
    if words:  # the stored cell counts know no text: count the matching rows' cells
        params.update(size=TILE_PX * 2.0**zoom, cell=float(MAP_BIN_CELL_PX), clamp=MAX_LATITUDE)
        found = conn.execute(counted_cells(where) + " ORDER BY ix, iy", params).fetchall()
        grid = np.array(found, dtype=np.int64).reshape(-1, 3)
        bins = Bins(zoom, MAP_BIN_CELL_PX, grid[:, 0], grid[:, 1], grid[:, 2])
    else:
        bins = viewport_bins(conn, padded, filters, zoom=zoom)
    group.add_child(CanvasBins(bins_payload(bins, lang=lang)))
    return ViewLayer(group, "bins", in_view, len(bins.count))


def _typed_points(cells: pd.DataFrame, *, basemap: str) -> pd.DataFrame:
    frame = cells.copy()
    frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    frame["cluster_types"] = [[p.strip() for p in str(v).split(schema.LIST_SEPARATOR) if p.strip()]
                              for v in frame["cluster_types"]]
    if basemap == "amap":
        shifted = wgs84_to_gcj02(lon=frame["lon"].to_numpy(dtype=float), lat=frame["lat"].to_numpy(dtype=float))
        frame["lon"], frame["lat"] = np.asarray(shifted.lon, dtype=float), np.asarray(shifted.lat, dtype=float)
    return frame
