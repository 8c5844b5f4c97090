"""Where the memory goes: peak and current RSS of one fresh process loading a synthetic registry as the app does.

``python -m bench.memory --n 1000000`` reads, validates and types the data (`atlas.data.load`, the steps of
`load_atlas_with_problems`), then builds what the map page builds (index, filtered view, legend
counts, the project layer of the default and a zoomed view, the table) and prints VmHWM and VmRSS
after each step, plus the biggest columns of the projects frame. The app's own peak (streamlit,
sessions, the browser's component payloads) is `bench.app`'s; this is the library's share of it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

import folium

from atlas.analysis.listing import map_listing
from atlas.analysis.project_index import count_by_cluster, index_of
from atlas.analysis.query import Filters, filtered_atlas
from atlas.core.errors import raise_if_any
from atlas.core.memory import release_freed_memory
from atlas.core.schema import Layer
from atlas.core.settings import MAP_TABLE_MAX_ROWS
from atlas.data.load import build_atlas, read_raw_data
from atlas.data.validate import validate_raw_data
from atlas.maps.scale import DEFAULT_VIEW, MapView, project_group_for_view
from bench.registry import data_dir_with

ZOOMED = MapView(106.55, 26.45, 106.85, 26.70, zoom=12.0)
"""Around Guiyang at street level: the points mode."""


def status_mb() -> tuple[float, float]:
    """(VmHWM, VmRSS) of this process in MB."""
    text = Path("/proc/self/status").read_text()
    hwm, rss = (int(re.search(rf"{key}:\s+(\d+) kB", text).group(1)) / 1024  # type: ignore[union-attr]
                for key in ("VmHWM", "VmRSS"))
    return hwm, rss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="projects in the synthetic registry")
    parser.add_argument("--data-dir", type=Path, help="a data folder (default: OUT/data-N, made if missing)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or data_dir_with(args.n)
    print("| step | s | VmHWM (MB) | VmRSS (MB) |\n|---|---|---|---|")
    state: dict[str, Any] = {}

    def step(name: str, action: Callable[[], None]) -> None:
        start = perf_counter()
        action()
        seconds = perf_counter() - start
        hwm, rss = status_mb()
        print(f"| {name} | {seconds:.1f} | {hwm:.0f} | {rss:.0f} |", flush=True)

    def read() -> None:
        state["raw"], state["problems"] = read_raw_data(data_dir)
        release_freed_memory()  # as load_atlas_with_problems does for a big registry

    def validate() -> None:
        state["problems"] += validate_raw_data(state["raw"])
        raise_if_any(state["problems"])
        release_freed_memory()

    def build() -> None:
        state["atlas"] = build_atlas(state.pop("raw"))
        release_freed_memory()

    def collect() -> None:
        release_freed_memory()

    def index() -> None:
        index_of(state["atlas"].projects)

    filters = Filters(cluster_types=("alloy-products",))

    def view() -> None:
        state["view"] = filtered_atlas(state["atlas"], filters)
        count_by_cluster(state["view"].projects, list(state["atlas"].cluster_types["id"]))

    def layer(at: MapView) -> Callable[[], None]:
        def build_layer() -> None:
            shown = project_group_for_view(state["view"].projects, at, lang="en")
            page = folium.Map()
            shown.group.add_to(page)
            state["html"] = page.get_root().render()

        return build_layer

    def listing() -> None:
        map_listing(state["view"], set(Layer), lang="en", limit=MAP_TABLE_MAX_ROWS)

    step("start (imports)", lambda: None)
    step("read files", read)
    step("validate", validate)
    step("build atlas (raw dropped)", build)
    step("release freed memory", collect)
    step("project index", index)
    step("filtered view + legend counts", view)
    step("project layer, whole province (bins)", layer(DEFAULT_VIEW))
    step("project layer, zoomed (points)", layer(ZOOMED))
    step("map table", listing)
    projects = state["atlas"].projects
    usage = projects.memory_usage(deep=True).sort_values(ascending=False)
    print(f"\nprojects: {len(projects):,} rows, {usage.sum() / 2**20:.0f} MB (pandas deep); biggest columns:")
    for column, size in usage.head(12).items():
        print(f"  {column}: {size / 2**20:.0f} MB ({projects[column].dtype})" if column in projects.columns
              else f"  {column}: {size / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
