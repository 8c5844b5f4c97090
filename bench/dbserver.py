"""An app server on PostGIS: its memory and first map with the registry in the database, before and after
app servers stopped loading the whole registry (issue 15, part 4).

    python -m bench.dbserver --n 100000 --before-repo /work/main --results bench/results.md

For each N: a throw-away PostgreSQL 15 + PostGIS cluster (tests/storage/pg_cluster.py, private, deleted
afterwards) gets the synthetic registry (`bench.postgis.load_registry`: COPY, cells, GiST, ANALYZE). Then, for
each code version, ``streamlit run app.py`` with ``ATLAS_DATABASE_URL`` set (and no registry cache); one fresh
headless chromium session opens the map and waits until its project layer drew (the first map, the server's
start-up load included), then opens the projects, clusters and zones pages in turn. The server's resident
memory (VmRSS, and the peak VmHWM) is read from /proc after the first map and after the pages.

"after" is this checkout (the served atlas holds the reference layers only; pages ask the database).
"before" is the code at ``--before-repo`` (a checkout from before this change: the server reads every project
from the database and builds the in-memory atlas, as in file mode), run against the same database.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from atlas.core import settings
from atlas.registry.db_schema import apply_migrations
from bench import chromium
from bench.app import _open, _settle, streamlit_server
from bench.postgis import load_registry
from bench.registry import data_dir_with, registry_csv
from bench.report import write_section
from tests.storage.pg_cluster import throwaway_cluster

SECTION = "## App servers on PostGIS hold no registry (issue 15)"
PAGES: tuple[str, ...] = ("projects", "clusters", "zones")
TIMEOUT_S = 900.0
BEFORE_10E6_RSS_MB = 1500.0
"""Issue 15's figure: every app server held the whole registry, ~1.5 GB at 10⁶ projects."""


@dataclass
class ServerRun:
    n: int
    version: str
    first_map_s: float | None = None
    rss_map_mb: float | None = None
    rss_pages_mb: float | None = None
    peak_mb: float | None = None
    pages_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def memory_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of the process in MB, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    found = [re.search(rf"{key}:\s+(\d+) kB", status) for key in ("VmRSS", "VmHWM")]
    rss, peak = (int(m.group(1)) / 1024 if m else None for m in found)
    return rss, peak


def measure_server(browser: Browser, data_dir: Path, url: str, n: int, *, version: str, repo: Path) -> ServerRun:
    """One server of the code at `repo` on the database at `url`: first map, the other pages, memory after each."""
    run = ServerRun(n, version)
    env = {"ATLAS_DATABASE_URL": url}
    with streamlit_server(data_dir, env=env, cwd=repo, startup_s=TIMEOUT_S) as (app_url, pid):
        try:
            page, _, run.first_map_s = _open(browser, app_url, TIMEOUT_S)
            _settle(page)
            run.rss_map_mb, _ = memory_mb(pid)
            for name in PAGES:
                start = time.perf_counter()
                page.goto(f"{app_url}/{name}?lang=en", wait_until="commit", timeout=TIMEOUT_S * 1000)
                _settle(page)
                run.pages_s[name] = time.perf_counter() - start - 1.5  # _settle's quiet wait
            run.rss_pages_mb, run.peak_mb = memory_mb(pid)
            page.context.close()
        except PlaywrightError as exc:
            run.notes.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            run.rss_pages_mb, run.peak_mb = memory_mb(pid)
    return run


def measure(n: int, versions: dict[str, Path], browser: Browser) -> list[ServerRun]:
    csv_path, _ = registry_csv(n)
    data_dir = data_dir_with(n)  # the reference tables; the registry itself is the database's
    runs = []
    with throwaway_cluster() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            apply_migrations(conn)
            load_s, _ = load_registry(conn, csv_path)
        print(f"  {n:,} projects loaded into PostGIS in {load_s:.0f} s", flush=True)
        for version, repo in versions.items():
            run = measure_server(browser, data_dir, url, n, version=version, repo=repo)
            print(f"  {version}: first map {_s(run.first_map_s)}, RSS after map {_mb(run.rss_map_mb)}, after "
                  f"{', '.join(PAGES)} {_mb(run.rss_pages_mb)} (peak {_mb(run.peak_mb)}); pages "
                  f"{', '.join(f'{k} {v:.1f} s' for k, v in run.pages_s.items())} {'; '.join(run.notes)}", flush=True)
            runs.append(run)
    return runs


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MB"


def section(runs: list[ServerRun], load: tuple[float, ...]) -> list[str]:
    lines = [
        SECTION, "",
        f"`python -m bench.dbserver` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before "
        f"{load[0]:.1f} on 2 shared cores). One server, one fresh "
        "browser session: the map until its project layer drew (start-up load included), then the projects, "
        "clusters and zones pages. Memory of the server process from /proc. Before: every app server read the "
        "whole registry from PostGIS into memory (issue 15: ~1.5 GB at 10⁶). After: the served atlas holds the "
        "reference layers; counts, summaries, pages of rows and the map's view come from PostGIS per request.", "",
        "| projects | code | first map | RSS after map | RSS after 3 pages | peak RSS "
        "| projects / clusters / zones page |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        pages = " / ".join(f"{run.pages_s[p]:.1f} s" for p in PAGES if p in run.pages_s) or "—"
        notes = f" ({'; '.join(run.notes)})" if run.notes else ""
        lines.append(f"| {run.n:,} | {run.version} | {_s(run.first_map_s)} | {_mb(run.rss_map_mb)} | "
                     f"{_mb(run.rss_pages_mb)} | {_mb(run.peak_mb)} | {pages}{notes} |")
    lines += ["", f"Issue 15's before figure at 10⁶: {BEFORE_10E6_RSS_MB:,.0f} MB per app server."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dbserver", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: tuple(int(v) for v in s.split(",")), default=(100_000,),
                        help="registry sizes, e.g. 100000,1000000")
    parser.add_argument("--before-repo", type=Path, help="a checkout of the code before this change, also measured")
    parser.add_argument("--results", type=Path, help=f"also write the {SECTION!r} section of this file")
    args = parser.parse_args(argv)
    versions = {"after": settings.REPO_ROOT}
    if args.before_repo:
        versions = {"before": args.before_repo.resolve(), **versions}
    load = os.getloadavg()
    runs: list[ServerRun] = []
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        for n in args.n:
            print(f"App server on PostGIS, N = {n:,}", flush=True)
            runs += measure(n, versions, browser)
        browser.close()
    lines = section(runs, load)
    print("\n".join(lines), flush=True)
    if args.results:
        write_section(args.results, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
