"""`make bench`: library filter + aggregate on the shipped data and on a replicated registry.

Each figure is reported with a same-process baseline (a row-by-row Python loop doing the same
filter) so the ratio, not the absolute time, is what to compare across machines. The scale
benchmarks of the map and the app (10⁴–10⁶ points) belong to the scale issue and will extend this.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from atlas.aggregate import summarise_projects
from atlas.load import load_atlas
from atlas.query import Filters, filter_projects

RESULTS = Path(__file__).with_name("results.md")


def best_of(function: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    start = time.perf_counter()
    atlas = load_atlas()
    load_s = time.perf_counter() - start
    filters = Filters(cluster_types=("alloy-products",), statuses=("operating", "under-construction"))
    rows = [f"| machine | {platform.machine()}, {platform.python_version()}, {platform.system()} |", ""]
    rows += ["| N projects | vectorised filter+aggregate (ms) | row-loop baseline filter (ms) | ratio |",
             "|---|---|---|---|"]
    for copies in (1, 100, 1000):
        projects = gpd.GeoDataFrame(pd.concat([atlas.projects] * copies, ignore_index=True), crs=atlas.projects.crs)

        def vectorised(p: gpd.GeoDataFrame = projects) -> object:
            return summarise_projects(atlas, filter_projects(atlas, filters, p), by="cluster-type")

        def baseline(p: gpd.GeoDataFrame = projects) -> object:
            return [r for r in p.itertuples() if set(r.cluster_types) & {"alloy-products"}
                    and r.status in ("operating", "under-construction")]

        fast, slow = best_of(vectorised), best_of(baseline)
        rows.append(f"| {len(projects):,} | {fast * 1000:.1f} | {slow * 1000:.1f} | {slow / fast:.1f}× |")
    text = "\n".join(["# Benchmarks", "", f"Loading and validating the shipped data: {load_s:.2f} s", "", *rows, ""])
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
