"""The projects a page shows, from the server's atlas (file mode) or asked of PostGIS per request (database mode).

Pages call these instead of reading ``atlas.projects``: in database mode the served atlas holds no project
(`atlas.registry.startup.open_served_atlas_with_problems`), and what a page needs (counts, a bounded page
of rows, one zone's rows, the map's view) is fetched through `atlas.maps.project_source` and kept with the
snapshot it was asked for (`ui.state.derived`), so every session shares one answer per registry version.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

import pandas as pd
import streamlit as st

from atlas.analysis.aggregate import GroupBy
from atlas.analysis.query import Filters
from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.core.schema import Lang
from atlas.maps.project_source import PAGE_ROWS, SCOPE_ROWS, ProjectSource, source_for, with_projects
from atlas.maps.scale import MapView, ViewLayer
from ui.state import derived, filtered_view

T = TypeVar("T")
ProjectLayer = Callable[[MapView, Lang, str], ViewLayer]
"""The map's project layer for a view, language and basemap (`ui.map_view.show_map`)."""


def project_source(atlas: Atlas) -> ProjectSource:
    """This server's source of projects: the database when ``ATLAS_DATABASE_URL`` is set, else `atlas`."""
    return source_for(atlas, database_url=settings.database_url(), view_of=lambda f: filtered_view(atlas, f))


def _stopped(exc: AtlasError) -> NoReturn:
    st.error(f"数据无法读取 · The data could not be read: {exc}")
    st.stop()
    raise exc  # unreachable: st.stop() raises


def asked(kind: str, key: Hashable, build: Callable[[], T], *, max_entries: int = 32) -> T:
    """`build()` once per registry version (`derived`); a database error is the page's message, not a traceback."""
    try:
        return derived(kind, key, build, max_entries=max_entries)
    except AtlasError as exc:
        _stopped(exc)


@dataclass(frozen=True)
class ProjectsShown:
    """The filtered atlas a page shows, and how many projects match though `view` may hold only the first ones."""

    view: Atlas
    count: int
    total: int
    layer: ProjectLayer | None
    """The map's project layer asked per view, when `view` does not hold every matching project."""

    @property
    def complete(self) -> bool:
        return len(self.view.projects) == self.count


def shown_projects(atlas: Atlas, filters: Filters) -> ProjectsShown:
    """`filtered_view` with its projects: all of them in file mode, the first `PAGE_ROWS` in database mode."""
    source = project_source(atlas)
    if source.in_memory:
        view = filtered_view(atlas, filters)
        return ProjectsShown(view, len(view.projects), len(atlas.projects), None)
    count = asked("db-count", filters, lambda: source.count(filters))
    total = count if filters.is_empty else asked("db-count", Filters(), lambda: source.count(Filters()))
    rows = asked("db-rows", filters, lambda: source.rows(filters, limit=PAGE_ROWS), max_entries=8)
    view = with_projects(filtered_view(atlas, filters), rows)
    if len(rows) == count:
        return ProjectsShown(view, count, total, None)

    def layer(map_view: MapView, lang: Lang, basemap: str) -> ViewLayer:
        key = (filters, map_view, lang, basemap)
        return asked("db-view-layer", key, lambda: source.view_layer(map_view, filters, lang=lang, basemap=basemap),
                     max_entries=16)

    return ProjectsShown(view, count, total, layer)


def cluster_counts(atlas: Atlas, filters: Filters, clusters: list[str]) -> dict[str, int]:
    """Per cluster type, how many projects matching `filters` name it (the legend)."""
    source = project_source(atlas)
    if source.in_memory:
        return source.cluster_counts(filters, clusters)
    return asked("db-cluster-counts", (filters, tuple(clusters)), lambda: source.cluster_counts(filters, clusters))


def project_summary(atlas: Atlas, filters: Filters, *, by: GroupBy) -> pd.DataFrame:
    """`summarise_projects` of the projects matching `filters`, summed in the database in database mode."""
    source = project_source(atlas)
    return asked("project-summary", (filters, by), lambda: source.summary(atlas, filters, by=by), max_entries=16)


def near_click(shown: ProjectsShown, filters: Filters, *, lon: float, lat: float, km: float = 2.0) -> Atlas:
    """The view to pick a clicked record from: `shown.view`, with the projects around the click if it lacks some."""
    if shown.complete:
        return shown.view
    source = project_source(shown.view)
    rows = asked("db-near", (filters, lon, lat, km), lambda: source.near_rows(filters, lon=lon, lat=lat, km=km,
                                                                                limit=PAGE_ROWS))
    return with_projects(shown.view, rows)


def zone_atlas(atlas: Atlas, zone_id: str) -> Atlas:
    """The atlas a zone's profile needs: in database mode with that zone's projects (and its counties' unzoned ones)."""
    source = project_source(atlas)
    if source.in_memory:
        return atlas
    zones = atlas.zones[atlas.zones["id"] == zone_id]
    counties = [str(c) for c in zones.iloc[0]["county_adcodes"]] if len(zones) else []
    rows = asked("db-zone-rows", zone_id, lambda: source.zone_rows(zone_id, counties, limit=SCOPE_ROWS),
                 max_entries=8)
    return with_projects(atlas, rows)


def zones_atlas(atlas: Atlas, zone_ids: list[str]) -> Atlas:
    """The atlas a comparison of zones needs: in database mode with those zones' projects."""
    source = project_source(atlas)
    if source.in_memory:
        return atlas
    chosen = Filters(zones=tuple(zone_ids))
    return with_projects(atlas, asked("db-rows", chosen, lambda: source.rows(chosen, limit=SCOPE_ROWS), max_entries=8))


def near_zone_atlas(atlas: Atlas, zone_id: str, *, km: float) -> Atlas:
    """The atlas `nearby_zone` needs: in database mode with the projects in a box around the zone's point.

    The box reaches `km` plus the zone's uncertainty plus 100 km, more than any precision's default
    uncertainty (`schema.PRECISION_UNCERTAINTY_KM`); only a project stating a larger one of its own is missed.
    """
    source = project_source(atlas)
    zone = atlas.zones[atlas.zones["id"] == zone_id]
    if source.in_memory or zone.empty:
        return atlas
    lon, lat = float(zone.iloc[0]["lon"]), float(zone.iloc[0]["lat"])
    reach = km + float(zone.iloc[0]["uncertainty_km"] or 0.0) + 100.0
    rows = asked("db-near", (Filters(), lon, lat, reach),
                 lambda: source.near_rows(Filters(), lon=lon, lat=lat, km=reach, limit=SCOPE_ROWS), max_entries=8)
    return with_projects(atlas, rows)


def registry_atlas(atlas: Atlas) -> tuple[Atlas, int]:
    """The atlas for whole-registry analyses (gaps, data quality) and the number of projects in the registry.

    In database mode it holds the first `SCOPE_ROWS` projects only; the page says so when there are more.
    """
    source = project_source(atlas)
    if source.in_memory:
        return atlas, len(atlas.projects)
    total = asked("db-count", Filters(), lambda: source.count(Filters()))
    rows = asked("db-scope-rows", None, lambda: source.rows(Filters(), limit=SCOPE_ROWS), max_entries=1)
    return with_projects(atlas, rows), total

