"""`make bench`: the atlas against the naive folium way, for 10³–10⁶ synthetic projects; writes bench/results.md.

    python -m bench            # N = 1k, 10k, 100k, 1M (about 15–20 min on 2 busy cores)
    python -m bench --quick    # N = 1k, 10k (about 3 min)
    python -m bench --no-postgis  # without the view queries in PostGIS for N >= 100k (bench/postgis.py, 2–3.3 min)
    python -m bench --no-serving  # without the shared-server measures (bench/serving.py, about 5 min)
    python -m bench --no-coldstart  # without the cold start at 1M (bench/coldstart.py, about 2 min)
    python -m bench --no-freshness  # without fresh data after a save elsewhere, two app servers (bench/freshness.py)
    python -m bench --no-site     # without the static site's build, size and time to drawn (bench/site.py)

For each N: a synthetic registry (scripts/make_synthetic_registry.py, cached in `bench.registry.OUT`) in a
copy of data/; the library timings (bench/library.py); the standalone HTML map, ours and the naive
baseline (one folium.Marker per point up to 10k, MarkerCluster at 100k), timed until drawn in
headless Debian chromium (bench/chromium.py); the running app on that data (bench/app.py). Every
baseline is measured in the same run on the same machine, and ratios are reported, because
absolute figures on a shared 2-core machine move with its load. Then the app as a shared server
(bench/serving.py): server CPU per fresh page view, and 1, 10, 20 sessions at once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from playwright.sync_api import sync_playwright

from atlas.core import settings
from bench import app, chromium, coldstart, freshness, library, serving
from bench import postgis as bench_postgis
from bench import site as bench_site
from bench.registry import data_dir_with, registry_csv
from bench.report import machine_description, write_results, write_section

RESULTS = Path(__file__).with_name("results.md")
FULL = (1_000, 10_000, 100_000, 1_000_000)
QUICK = (1_000, 10_000)
NAIVE_TIMEOUT_S = 180.0
MARKER_100K_TIMEOUT_S = 300.0
"""One folium.Marker per point at 100k is given this long: a time-out is a measured lower bound on the ratio."""
OURS_TIMEOUT_S = 180.0
APP_TIMEOUT_S = 300.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N = 1k and 10k")
    parser.add_argument("--sizes", type=lambda s: tuple(int(v) for v in s.split(",")), help="e.g. 1000,100000")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    parser.add_argument("--no-postgis", dest="postgis", action="store_false",
                        help="skip the view queries in PostGIS for N >= 100k (bench/postgis.py; 2 to 3.3 min)")
    parser.add_argument("--no-serving", dest="serving", action="store_false",
                        help="skip the shared-server measures (bench/serving.py; about 5 min)")
    parser.add_argument("--no-coldstart", dest="coldstart", action="store_false",
                        help="skip the cold start (fresh process, without and with the registry cache) at 1M")
    parser.add_argument("--no-freshness", dest="freshness", action="store_false",
                        help="skip the staleness after a save elsewhere and two app servers on one PostGIS (~2 min)")
    parser.add_argument("--no-site", dest="site", action="store_false",
                        help="skip the static site (bench/site.py: build, size, time to drawn for 10k, 100k, 1M)")
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK if args.quick else FULL)
    began = time.perf_counter()
    load_before = os.getloadavg()
    rows = []
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        print("app baseline: the shipped data", flush=True)
        shipped = app.measure(browser, settings.REPO_ROOT / "data", 0, large=False, repeat=3, timeout_s=APP_TIMEOUT_S)
        print(f"  app: {shipped}", flush=True)
        for n in sizes:
            print(f"N = {n:,}", flush=True)
            _, made_s = registry_csv(n)
            data_dir = data_dir_with(n)
            # in a child process: a million-row atlas and its peak memory leave with it
            with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
                lib = pool.submit(library.measure, n, data_dir, repeat=5).result()
                naive_path = pool.submit(library.write_naive_html, n, data_dir).result()
                marker_path = (pool.submit(library.write_naive_html, n, data_dir, cluster=False).result()
                               if n == 100_000 else None)
            print(f"  library: load {lib.load_s:.1f} s, filter+aggregate {lib.filter_aggregate_ms:.0f} ms", flush=True)
            assert lib.ours_html is not None
            ours_s = chromium.seconds_until_drawn(browser, lib.ours_html, timeout_s=OURS_TIMEOUT_S)
            naive_s = (chromium.seconds_until_drawn(browser, naive_path, timeout_s=NAIVE_TIMEOUT_S)
                       if naive_path else None)
            marker_s = (chromium.seconds_until_drawn(browser, marker_path, timeout_s=MARKER_100K_TIMEOUT_S)
                        if marker_path else None)
            print(f"  standalone: ours {ours_s} s, naive {naive_s} s, Marker at 100k {marker_s} s", flush=True)
            run = app.measure(browser, data_dir, n, large=n > library.MAP_LARGE_POINTS, repeat=3,
                              timeout_s=APP_TIMEOUT_S)
            print(f"  app: {run}", flush=True)
            rows.append({"n": n, "made_s": made_s, "library": lib, "ours_s": ours_s, "naive_s": naive_s,
                         "naive_kind": None if naive_path is None else ("MarkerCluster" if n > 10_000 else "Marker"),
                         "naive_bytes": naive_path.stat().st_size if naive_path else None,
                         "ours_bytes": lib.ours_html.stat().st_size, "app": run,
                         "marker_s": marker_s, "marker_bytes": marker_path.stat().st_size if marker_path else None,
                         "marker_timeout_s": MARKER_100K_TIMEOUT_S})
        browser.close()
    postgis_rows = bench_postgis.run(tuple(n for n in sizes if n >= 100_000)) if args.postgis else None
    served = serving.run_all((0, 100_000) if 100_000 in sizes else (0,)) if args.serving else None
    machine = machine_description(chromium.chromium_version(), load_before, os.getloadavg())
    text = write_results(args.output, rows, machine=machine, total_s=time.perf_counter() - began,
                         naive_timeout_s=NAIVE_TIMEOUT_S, python=platform.python_version(), shipped=shipped,
                         postgis=postgis_rows)
    if served is not None:
        write_section(args.output, serving.section(served))
        text = args.output.read_text(encoding="utf-8")
    if args.freshness:
        fresh = freshness.run_all()
        write_section(args.output, freshness.section(fresh))
        print(freshness.summary(fresh), flush=True)
        text = args.output.read_text(encoding="utf-8")
    print(text)
    big = tuple(n for n in sizes if n >= 1_000_000)
    if args.coldstart and big:  # after write_results, which rewrites the file: its own section is added
        coldstart.run(big, output=args.output)
    site_sizes = tuple(n for n in sizes if n in bench_site.SIZES)
    if args.site and site_sizes:
        bench_site.run(site_sizes, output=args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
