"""Where a page's projects come from: the loaded atlas (file mode), or PostGIS per request (database mode).

Pages ask one `ProjectSource` for counts, summaries, a bounded page of rows, a zone's rows or the map's
project layer, and get the same answers from either backend. `MemorySource` answers from the atlas a
server loaded whole; `PostgisSource` holds no project at all and asks the database each time
(`atlas.maps.postgis_projects`, `atlas.maps.postgis_summary`), so several app servers on one database each
hold only the reference layers, however big the registry grows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

import geopandas as gpd
import pandas as pd
import psycopg

from atlas.analysis.aggregate import GroupBy, summarise_matching, summarise_projects, summary_from_counts
from atlas.analysis.profile import county_projects_zone_unstated
from atlas.analysis.project_index import count_by_cluster
from atlas.analysis.query import Filters, filtered_atlas
from atlas.core.model import Atlas
from atlas.core.schema import Lang
from atlas.maps import postgis_projects as db
from atlas.maps.postgis_summary import capacity_in_database, summarise_in_database
from atlas.maps.scale import MapView, ViewLayer, in_view, project_group_for_view
from atlas.registry.postgis import connect, database_error, describe_url

PAGE_ROWS: Final[int] = 2_000
"""Rows a page holds at once in database mode (a table page, the map's listing, a small map drawn whole)."""
SCOPE_ROWS: Final[int] = 20_000
"""Rows a whole-registry analysis (gaps, data quality) reads in database mode; pages say when there were more."""


class ProjectSource(Protocol):
    """The questions pages ask about projects; every answer is a new value, read-only for the caller."""

    @property
    def in_memory(self) -> bool:
        """Whether every project is held in memory (file mode)."""
        ...

    def count(self, filters: Filters) -> int:
        """How many projects match `filters`."""
        ...

    def cluster_counts(self, filters: Filters, clusters: list[str]) -> dict[str, int]:
        """Per cluster type, how many matching projects name it."""
        ...

    def rows(self, filters: Filters, *, limit: int, offset: int = 0) -> gpd.GeoDataFrame:
        """The matching projects from the `offset`-th on, at most `limit`, in registry order."""
        ...

    def zone_rows(self, zone_id: str, county_adcodes: list[str], *, limit: int) -> gpd.GeoDataFrame:
        """A zone's own projects and its counties' projects that name no zone (`zone_profile` needs both)."""
        ...

    def near_rows(self, filters: Filters, *, lon: float, lat: float, km: float, limit: int) -> gpd.GeoDataFrame:
        """Matching projects in a box reaching at least `km` around (lon, lat); exact distances are the caller's."""
        ...

    def summary(self, atlas: Atlas, filters: Filters, *, by: GroupBy) -> pd.DataFrame:
        """`summarise_projects`' table of the matching projects."""
        ...

    def view_layer(self, view: MapView, filters: Filters, *, lang: Lang, basemap: str) -> ViewLayer:
        """The map's project layer for `view` when the matching projects are too many to draw whole."""
        ...


@dataclass(frozen=True)
class MemorySource:
    """Answers from a loaded atlas; `view_of` filters it (the app passes its shared, cached filtered views)."""

    atlas: Atlas
    view_of: Callable[[Filters], Atlas] | None = None
    in_memory: bool = True

    def _matching(self, filters: Filters) -> gpd.GeoDataFrame:
        view = self.view_of(filters) if self.view_of else filtered_atlas(self.atlas, filters)
        return view.projects

    def count(self, filters: Filters) -> int:
        return len(self._matching(filters))

    def cluster_counts(self, filters: Filters, clusters: list[str]) -> dict[str, int]:
        return count_by_cluster(self._matching(filters), clusters)

    def rows(self, filters: Filters, *, limit: int, offset: int = 0) -> gpd.GeoDataFrame:
        return self._matching(filters).iloc[offset:offset + limit]

    def zone_rows(self, zone_id: str, county_adcodes: list[str], *, limit: int) -> gpd.GeoDataFrame:
        projects = self.atlas.projects
        own = projects[projects["zone_id"] == zone_id]
        unstated = county_projects_zone_unstated(projects, county_adcodes)
        return pd.concat([own, unstated]).iloc[:limit]

    def near_rows(self, filters: Filters, *, lon: float, lat: float, km: float, limit: int) -> gpd.GeoDataFrame:
        projects = self._matching(filters)
        box = MapView(lon - km / 50.0, lat - km / 60.0, lon + km / 50.0, lat + km / 60.0, 0)  # ≥ km at ≤ 60° N
        inside = in_view(projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float), box)
        return projects[inside].iloc[:limit]

    def summary(self, atlas: Atlas, filters: Filters, *, by: GroupBy) -> pd.DataFrame:
        return summarise_matching(self.atlas, filters, by=by)

    def view_layer(self, view: MapView, filters: Filters, *, lang: Lang, basemap: str) -> ViewLayer:
        return project_group_for_view(self._matching(filters), view, lang=lang, basemap=basemap)


@dataclass(frozen=True)
class PostgisSource:
    """Answers from the registry database, one short read-only connection per question; holds no project."""

    url: str
    in_memory: bool = False

    def __repr__(self) -> str:
        return f"PostgisSource({describe_url(self.url)!r})"

    @contextlib.contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        conn = connect(self.url)
        try:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn
        except psycopg.Error as exc:
            raise database_error(describe_url(self.url), exc) from exc
        finally:
            conn.close()

    def count(self, filters: Filters) -> int:
        with self._reading() as conn:
            return db.count_projects(conn, filters)

    def cluster_counts(self, filters: Filters, clusters: list[str]) -> dict[str, int]:
        with self._reading() as conn:
            return db.cluster_counts(conn, filters, clusters)

    def rows(self, filters: Filters, *, limit: int, offset: int = 0) -> gpd.GeoDataFrame:
        with self._reading() as conn:
            return db.fetch_projects(conn, filters, limit=limit, offset=offset)

    def zone_rows(self, zone_id: str, county_adcodes: list[str], *, limit: int) -> gpd.GeoDataFrame:
        with self._reading() as conn:
            return db.fetch_zone_projects(conn, zone_id, county_adcodes, limit=limit)

    def near_rows(self, filters: Filters, *, lon: float, lat: float, km: float, limit: int) -> gpd.GeoDataFrame:
        with self._reading() as conn:
            return db.fetch_near(conn, filters, lon=lon, lat=lat, km=km, limit=limit)

    def summary(self, atlas: Atlas, filters: Filters, *, by: GroupBy) -> pd.DataFrame:
        with self._reading() as conn:
            if filters.text.strip():  # the stored per-key figures know no text: summarise the matching rows
                return summarise_projects(atlas, db.fetch_projects(conn, filters, limit=SCOPE_ROWS), by=by)
            counts = summarise_in_database(conn, filters, by=by)
            capacity = capacity_in_database(conn, filters, by=by)
        return summary_from_counts(atlas, counts, by=by, capacity=capacity)

    def view_layer(self, view: MapView, filters: Filters, *, lang: Lang, basemap: str) -> ViewLayer:
        with self._reading() as conn:
            return db.view_layer(conn, view, filters, lang=lang, basemap=basemap)


def with_projects(atlas: Atlas, projects: gpd.GeoDataFrame) -> Atlas:
    """`atlas` with these projects (e.g. the rows fetched for one page), everything else shared."""
    return replace(atlas, projects=projects.reset_index(drop=True))


def source_for(atlas: Atlas, *, database_url: str | None,
               view_of: Callable[[Filters], Atlas] | None = None) -> ProjectSource:
    """The database's source when a URL is configured (the server then loaded no project), else the atlas's."""
    if database_url:
        return PostgisSource(database_url)
    return MemorySource(atlas, view_of)
