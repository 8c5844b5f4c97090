"""The published static site (`atlas site`, issue 17): build time, size and time until the index is drawn.

    python -m bench.site                       # N = 10k, 100k, 1M; writes its section into bench/results.md
    python -m bench.site --sizes 10000,100000  # other sizes

For each N: the synthetic registry of `bench.registry` in a copy of data/; a fresh Python process opens the
atlas and builds the site into a temp folder twice (first build: every file; second build: the same data
again, which reuses what did not change); the folder's size; then headless chromium opens ``index.html``
from ``file://`` with every non-file request aborted, and the time until the index signals its first draw
(``window.atlasLastDrawnAt``, from navigation start) is the median of `REPEAT` loads. The build's CPU seconds
are reported beside its wall time because the benchmark machine is shared. Targets: 10⁵ built in ≤ 90 s,
≤ 40 MB, drawn ≤ 3 s; 10⁶ drawn ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Route, sync_playwright

from atlas.core import settings
from bench import chromium
from bench.registry import data_dir_with
from bench.report import write_section

RESULTS = Path(__file__).with_name("results.md")
SIZES = (10_000, 100_000, 1_000_000)
REPEAT = 3
SECTION = "## Static site (issue 17)"
TARGETS = {"build_s": 90.0, "mb": 40.0, "drawn_s": 3.0}

CHILD = """
import json, resource, sys, time
from pathlib import Path
began = time.perf_counter()
from atlas.registry.startup import open_atlas
from atlas.site import DataVersion, build_site
atlas = open_atlas()
loaded = time.perf_counter()
out = Path(sys.argv[1])
runs = []
for _ in range(2):
    cpu = time.process_time()
    report = build_site(atlas, out, version=DataVersion("bench", "2026-01-01"))
    runs.append({"s": report.seconds, "cpu_s": time.process_time() - cpu, "changed": report.changed,
                 "files": report.files, "bytes": report.bytes, "mode": report.map_mode})
print(json.dumps({"load_s": loaded - began, "runs": runs,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(n: int, out: Path) -> dict[str, Any]:
    """Open the atlas of `n` synthetic projects and build its site into `out` twice, in a fresh process."""
    env = {**os.environ, "ATLAS_DATA_DIR": str(data_dir_with(n)), "ATLAS_CACHE_DIR": "off"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(out)], env=env, capture_output=True, text=True,
                          timeout=3600, check=True, cwd=settings.REPO_ROOT)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def seconds_until_drawn(browser: Browser, index: Path) -> float | None:
    """Median time from navigation until the index's first draw, offline; None if it never drew in 60 s."""
    times = []
    for _ in range(REPEAT):
        context = browser.new_context(viewport=chromium.VIEWPORT)
        try:
            def only_files(route: Route) -> None:
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", only_files)
            page = context.new_page()
            page.goto(index.as_uri(), wait_until="commit")
            page.wait_for_function("window.atlasLastDrawnAt !== undefined", polling=50, timeout=60_000)
            times.append(float(page.evaluate("window.atlasLastDrawnAt")) / 1000)
        except Exception:  # a time-out is reported as "not drawn", the run goes on
            return None
        finally:
            context.close()
    return statistics.median(times)


def run(sizes: tuple[int, ...], *, output: Path = RESULTS) -> list[dict[str, Any]]:
    rows = []
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        for n in sizes:
            work = Path(tempfile.mkdtemp(prefix=f"atlas-site-{n}-"))
            try:
                print(f"site, N = {n:,}", flush=True)
                load_before = os.getloadavg()[0]
                result = build(n, work / "site")
                result["n"] = n
                result["load"] = load_before
                result["drawn_s"] = seconds_until_drawn(browser, work / "site" / "index.html")
                print(f"  {json.dumps(result)}", flush=True)
                rows.append(result)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        browser.close()
    write_section(output, section(rows))
    return rows


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def _met(value: float | None, limit: float) -> str:
    return "not drawn" if value is None else ("met" if value <= limit else "**not met**")


def section(rows: list[dict[str, Any]]) -> list[str]:
    lines = [SECTION, "",
             "`python -m bench.site`: `atlas site` on synthetic registries (both languages, every page and "
             "download), built in a fresh process, then the index opened from `file://` in headless chromium with "
             "every non-file request aborted. Build: first build into an empty folder; rebuild: the same data "
             "again (unchanged files are reused). CPU s is the build process's own CPU time (the machine is "
             "shared; load = 1-minute load average before the build).", "",
             "| N | map | load atlas (s) | build (s) | build CPU (s) | rebuild (s) | files | size (MB) | "
             "index drawn (s) | load |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        first, second = r["runs"]
        drawn = "not drawn" if r["drawn_s"] is None else f"{r['drawn_s']:.2f}"
        lines.append(f"| {r['n']:,} | {first['mode']} | {r['load_s']:.1f} | {first['s']:.1f} | {first['cpu_s']:.1f} | "
                     f"{second['s']:.1f} | {first['files']:,} | {first['bytes'] / 1e6:.1f} | {drawn} | "
                     f"{r['load']:.1f} |")
    lines.append("")
    for r in rows:
        if r["n"] == 100_000:
            first = r["runs"][0]
            lines.append(f"10⁵: build {first['s']:.0f} s (≤ 90 s: {_met(first['s'], TARGETS['build_s'])}), "
                         f"{first['bytes'] / 1e6:.1f} MB (≤ 40 MB: {_met(first['bytes'] / 1e6, TARGETS['mb'])}), "
                         f"drawn {_s(r['drawn_s'])} (≤ 3 s: {_met(r['drawn_s'], TARGETS['drawn_s'])}).")
        if r["n"] == 1_000_000:
            lines.append(f"10⁶: drawn {_s(r['drawn_s'])} (≤ 3 s: {_met(r['drawn_s'], TARGETS['drawn_s'])}).")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: tuple(int(v) for v in s.split(",")), default=SIZES)
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    run(args.sizes, output=args.output)
    print("\n".join(section([])[:1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
