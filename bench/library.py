"""Library timings for one registry size: load, filter + aggregate, map build, payload, standalone HTML."""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import folium

from atlas.analysis import aggregate, project_index, query
from atlas.analysis.aggregate import summarise_matching, summarise_projects
from atlas.analysis.profile import zone_profile
from atlas.analysis.query import Filters, filter_projects, filtered_atlas
from atlas.core.model import Atlas
from atlas.core.schema import Layer
from atlas.core.settings import MAP_LARGE_POINTS
from atlas.data.load import load_atlas
from atlas.maps.atlas_map import build_atlas_map, build_layer_groups, map_to_html
from atlas.maps.points import CanvasPoints
from atlas.maps.scale import DEFAULT_VIEW, MapView, project_group_for_view
from atlas.reports.export import PROFILE_FORMATS, profile_to_bytes
from atlas.reports.profile_page import zone_profile_html
from atlas.reports.profile_pdf import zone_profile_pdf
from bench.registry import OUT

FILTERS = Filters(cluster_types=("alloy-products",), statuses=("operating", "under-construction"))
"""The benchmark's filter change: one cluster type and two statuses (about a fifth of the projects)."""
PROFILE_ZONE = "qingzhen"
ZOOMED = MapView(106.55, 26.45, 106.85, 26.65, 11.0)
"""A view around Guiyang at zoom 11 (about 30 × 22 km): points mode in a large registry."""


@dataclass
class LibraryResult:
    n: int
    load_s: float = 0.0
    index_s: float = 0.0
    filter_aggregate_ms: float = 0.0
    through_frames_ms: float = 0.0
    row_wise_ms: float = 0.0
    map_build_s: float = 0.0
    payload_bytes: int = 0
    payload_per_point: float = 0.0
    view_layers: dict[str, tuple[str, float, int]] = field(default_factory=dict)
    profile_s: dict[str, float] = field(default_factory=dict)
    """Zone profile of PROFILE_ZONE: seconds to build it and to export it in each format."""
    """View name → (mode, build seconds, payload bytes) for large registries."""
    ours_html: Path | None = None
    naive_html: Path | None = None


@contextlib.contextmanager
def row_wise() -> Iterator[None]:
    """Switch the precomputed codes off: filter and summary take the row-wise pandas path (the baseline)."""
    saved = query.index_of, aggregate.index_of
    query.index_of = aggregate.index_of = lambda frame: None  # type: ignore[assignment]
    try:
        yield
    finally:
        query.index_of, aggregate.index_of = saved


def median_s(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def group_script(group: folium.FeatureGroup, m: folium.Map) -> int:
    """Bytes of JavaScript st_folium sends for one feature group (its render, as the component does)."""
    m.add_child(group)
    script = "".join(child._template.module.script(child) for child in group._children.values())
    return len(script.encode("utf-8"))


def measure(n: int, data_dir: Path, *, repeat: int) -> LibraryResult:
    result = LibraryResult(n)
    start = time.perf_counter()
    atlas = load_atlas(data_dir)
    result.load_s = time.perf_counter() - start
    start = time.perf_counter()
    project_index.index_of(atlas.projects)
    result.index_s = time.perf_counter() - start

    result.filter_aggregate_ms = 1000 * median_s(
        lambda: summarise_matching(atlas, FILTERS, by="cluster-type"), repeat)
    result.through_frames_ms = 1000 * median_s(
        lambda: summarise_projects(atlas, filter_projects(atlas, FILTERS), by="cluster-type"), repeat)
    with row_wise():
        result.row_wise_ms = 1000 * median_s(
            lambda: summarise_projects(atlas, filter_projects(atlas, FILTERS), by="cluster-type"), max(1, repeat // 2))

    # The app's filter change: the project group rebuilt for the filtered view (what st_folium re-sends).
    view = filtered_atlas(atlas, FILTERS)
    start = time.perf_counter()
    if len(view.projects) <= MAP_LARGE_POINTS:
        group = build_layer_groups(view, layers={Layer.PROJECTS})[Layer.PROJECTS]
        points = next(c for c in group._children.values() if isinstance(c, CanvasPoints))
        result.payload_bytes = sum(len(p.encode("utf-8")) for p in (points.data_js, points.ids_js, points.names_js))
        group_script(group, folium.Map())
    else:
        for name, where in (("province, zoom 7", DEFAULT_VIEW), ("Guiyang, zoom 11", ZOOMED)):
            began = time.perf_counter()
            layer = project_group_for_view(view.projects, where, lang="zh")
            size = group_script(layer.group, folium.Map())
            result.view_layers[name] = (layer.mode, time.perf_counter() - began, size)
    result.map_build_s = time.perf_counter() - start
    if len(view.projects) <= MAP_LARGE_POINTS:
        result.payload_per_point = result.payload_bytes / max(len(view.projects), 1)
    result.profile_s = _profile_export_s(atlas)

    html_dir = OUT / "html"
    html_dir.mkdir(parents=True, exist_ok=True)
    result.ours_html = html_dir / f"ours-{n}.html"
    result.ours_html.write_text(map_to_html(build_atlas_map(atlas, layers={Layer.PROJECTS})), encoding="utf-8")

    gc.collect()
    return result


def _profile_export_s(atlas: Atlas) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    profile = zone_profile(atlas, PROFILE_ZONE)
    times["profile"] = time.perf_counter() - start
    times["projects in zone"] = float(len(profile.projects))
    for fmt in PROFILE_FORMATS:
        start = time.perf_counter()
        profile_to_bytes(profile, fmt, lang="zh")  # type: ignore[arg-type]
        times[fmt] = time.perf_counter() - start
    start = time.perf_counter()
    zone_profile_html(atlas, profile, lang="zh")
    times["html"] = time.perf_counter() - start
    start = time.perf_counter()
    zone_profile_pdf(atlas, profile, lang="zh")
    times["pdf"] = time.perf_counter() - start
    return times


def write_naive_html(n: int, data_dir: Path, *, cluster: bool | None = None) -> Path | None:
    """The naive baseline's HTML: Marker per point up to 10k, MarkerCluster at 100k (or as `cluster` says)."""
    if n > 100_000:
        return None
    import pandas as pd

    from bench.chromium import naive_html

    clustered = n > 10_000 if cluster is None else cluster
    frame = pd.read_csv(data_dir / "projects" / "projects.csv", usecols=["lon", "lat"])
    path = OUT / "html" / f"naive-{n}-{'cluster' if clustered else 'marker'}.html"
    path.write_text(naive_html(frame["lon"].tolist(), frame["lat"].tolist(), cluster=clustered), encoding="utf-8")
    return path
