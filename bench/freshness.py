"""Never stale, measured: a save made outside a running server shows in its next sessions, without a restart.

    python -m bench.freshness     # both measures; writes its section into bench/results.md (~3 min)
    python -m bench.freshness --only files     # or postgis: one measure, printed, nothing written

1. Embedded (file) registry: `streamlit run app.py` on a copy of the shipped data in the benchmarks' work folder, a
   first session open on the map page; then ``atlas import tests/fixtures/registry_messy_gbk.csv`` by
   the CLI in a subprocess. From the CLI's exit, a fresh session is opened every `EVERY_S` (or as soon
   as the previous one has shown its caption, whichever is later) until one shows the new project
   count. Then the first session, still open, clicks a legend filter: it must rerun without an error.
2. Two app servers on one PostGIS: a throw-away PostgreSQL 15 + PostGIS cluster, migrated, the shipped
   projects saved into it; two servers with the same ``ATLAS_DATABASE_URL``; a save through a
   `PostgisStore` (one project dropped, as tests/browser/test_two_app_servers.py does), and fresh
   sessions on both servers at once until each shows the new count. Also what checking costs: the
   servers' CPU and the database's while idle (a session open on each), and one `stamp()` call timed.

"Shown after" is from the moment the change was committed (the CLI exited, `save` returned) until a
fresh session's caption ("Showing X zones, Y projects, …") had the new count; the last session that
still showed the old count was opened at the time given beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from atlas.core import settings
from atlas.registry.db_schema import apply_migrations
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from bench import chromium
from bench.app import LEGEND_PILL, _healthy, streamlit_server
from bench.chromium import VIEWPORT
from bench.registry import OUT
from bench.report import write_section
from bench.serving import NOT_RUNNING_JS, SHOWING, cpu_seconds
from tests.storage.pg_cluster import throwaway_cluster

RESULTS = Path(__file__).with_name("results.md")
SECTION = "## Fresh data and two app servers (issue 15)"
MESSY = settings.REPO_ROOT / "tests" / "fixtures" / "registry_messy_gbk.csv"
TARGET_S = 10.0
"""A change shows in new sessions within this long."""
EVERY_S = 0.5
PATIENCE_S = 60.0
"""Give up watching after this long: "not shown" is then reported, not a number."""
SESSION_TIMEOUT_S = 60.0
IDLE_S = 10.0
STAMP_CALLS = 20
CAPTION = '[data-testid="stCaptionContainer"]'
MAX_OPEN = 4
"""Sessions loading at once while watching: more would only slow the 2 cores the servers run on."""
READ_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return null;
  const caption = [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
    .map(e => e.innerText).filter(t => t.includes('Showing')).join(' ');
  return caption ? [caption, document.querySelectorAll('[data-testid=stException]').length] : null;
}"""
EXCEPTION = '[data-testid="stException"]'


@dataclass
class Probe:
    """One fresh session: when it was opened and shown (seconds after the change), what it showed."""

    opened_s: float
    shown_s: float | None = None
    projects: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Watch:
    """Fresh sessions on one server after a change, until one showed the `expected` project count."""

    name: str
    before: int
    expected: int
    probes: list[Probe] = field(default_factory=list)
    alive: bool = False
    """Same server process, still healthy, after the change."""
    baseline_s: float | None = None
    """A fresh session's time to its caption on this server just before the change: what any view takes."""

    @property
    def fresh(self) -> Probe | None:
        return next((p for p in self.probes if p.projects == self.expected), None)

    @property
    def shown_s(self) -> float | None:
        return self.fresh.shown_s if self.fresh else None

    @property
    def fresh_opened_s(self) -> float | None:
        return self.fresh.opened_s if self.fresh else None

    @property
    def last_stale_opened_s(self) -> float | None:
        stale = [p.opened_s for p in self.probes if p.projects != self.expected]
        return max(stale, default=None)

    def errors(self) -> list[str]:
        return [e for p in self.probes for e in p.errors]


@dataclass
class Embedded:
    watch: Watch
    cli_s: float
    """The CLI import's own wall time (start to exit)."""
    click_s: float | None = None
    click_caption: str | None = None
    click_errors: list[str] = field(default_factory=list)
    connected: bool = False


@dataclass
class TwoServers:
    watches: list[Watch]
    idle: dict[str, float] = field(default_factory=dict)
    """CPU ms per check interval while idle with a session open on each server, by process ("server A",
    "server B", "PostgreSQL")."""
    idle_bare: dict[str, float] = field(default_factory=dict)
    """The same before any session: no atlas loaded, no check made; Streamlit's own idle cost."""
    idle_sessions: int | None = None
    """Database connections made during the idle window with sessions open (each `stamp()` makes one)."""
    stamp_ms: float | None = None
    stamp_db_cpu_ms: float | None = None
    save_s: float | None = None


@dataclass
class Results:
    embedded: Embedded | None
    two: TwoServers | None
    load_before: tuple[float, ...]
    load_after: tuple[float, ...]
    total_s: float
    check_s: float = field(default_factory=settings.reload_check_seconds)


# ------------------------------------------------------------------------------------------ sessions


def _caption(page: Page) -> str:
    return " ".join(page.locator(CAPTION, has_text="Showing").all_inner_texts())


def _start(context: BrowserContext, url: str) -> Page:
    """A new tab: a new server session; the frontend's files come from the context's cache after the first."""
    page = context.new_page()
    page.goto(f"{url}/?lang=en", wait_until="commit", timeout=SESSION_TIMEOUT_S * 1000)
    return page


def _shown(page: Page) -> tuple[str, int] | None:
    """The caption and the number of exception boxes once the script run has ended, else None (not waiting)."""
    try:
        found = page.evaluate(READ_JS)
    except PlaywrightError:  # still navigating
        return None
    return None if found is None else (str(found[0]), int(found[1]))


def open_session(context: BrowserContext, url: str) -> tuple[Page, Probe]:
    """A fresh session on the map page, read once it has shown its caption (the page is left open)."""
    since = time.perf_counter()
    page = _start(context, url)
    probe = Probe(0.0)
    while (shown := _shown(page)) is None and time.perf_counter() - since < SESSION_TIMEOUT_S:
        time.sleep(0.05)
    _note(probe, shown, since)
    return page, probe


def _note(probe: Probe, shown: tuple[str, int] | None, since: float) -> None:
    if shown is None:
        probe.errors.append(f"no caption within {SESSION_TIMEOUT_S:.0f} s")
        return
    probe.shown_s = time.perf_counter() - since
    found = SHOWING.search(shown[0])
    probe.projects = int(found.group(2)) if found else None
    probe.errors += [f"{shown[1]} exception boxes"] if shown[1] else []


def baselines(context: BrowserContext, servers: dict[str, tuple[str, int]]) -> dict[str, float | None]:
    """One fresh session's time to its caption on each server, before the change."""
    times = {}
    for name, (url, _) in servers.items():
        page, probe = open_session(context, url)
        page.close()
        times[name] = probe.shown_s
    return times


def watch(context: BrowserContext, servers: dict[str, tuple[str, int]], before: int, expected: int,
          since: float) -> list[Watch]:
    """Open a fresh session on every server not yet showing `expected` every `EVERY_S`, without waiting for
    the earlier ones (at most `MAX_OPEN` loading at once), until one per server shows it."""
    watches = {name: Watch(name, before, expected) for name in servers}
    loading: list[tuple[Watch, Probe, Page]] = []
    next_open = time.perf_counter()
    while time.perf_counter() - since < PATIENCE_S and any(w.fresh is None for w in watches.values()):
        if time.perf_counter() >= next_open and len(loading) < MAX_OPEN:
            next_open = time.perf_counter() + EVERY_S
            for w in watches.values():
                if w.fresh is None:
                    probe = Probe(time.perf_counter() - since)
                    loading.append((w, probe, _start(context, servers[w.name][0])))
        for item in list(loading):
            w, probe, page = item
            if (shown := _shown(page)) is not None or time.perf_counter() - since - probe.opened_s > SESSION_TIMEOUT_S:
                _note(probe, shown, since)
                w.probes.append(probe)
                page.close()
                loading.remove(item)
        time.sleep(0.05)
    for _, _, page in loading:  # opened before a later one showed the change: not read
        page.close()
    for name, (url, pid) in servers.items():
        watches[name].alive = Path(f"/proc/{pid}").exists() and _healthy(url)
    return list(watches.values())


# ------------------------------------------------------------------------------------------ 1: embedded


def data_copy(name: str) -> Path:
    """A fresh copy of the shipped data/ in the benchmarks' work folder: the saves go there."""
    target = OUT / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(settings.REPO_ROOT / "data", target, ignore=shutil.ignore_patterns("history", ".*"))
    return target


def _click_filter(page: Page) -> tuple[float | None, str, list[str]]:
    """Click the legend's "alloy products" pill in an open session: seconds until its rerun ended, caption, errors."""
    before = _caption(page)
    start = time.perf_counter()
    try:
        page.get_by_role("button", name=LEGEND_PILL).first.click(timeout=SESSION_TIMEOUT_S * 1000)
        deadline = start + SESSION_TIMEOUT_S
        while time.perf_counter() < deadline:
            page.wait_for_timeout(50)
            if _caption(page) not in ("", before) and page.evaluate(NOT_RUNNING_JS):
                break
        else:
            return None, _caption(page), ["the caption did not change within the time-out"]
        taken = time.perf_counter() - start
        boxes = page.locator(EXCEPTION).all_inner_texts()
        return taken, _caption(page), [f"exception box: {t.splitlines()[0] if t else ''}" for t in boxes]
    except PlaywrightError as error:
        return None, _caption(page), [str(error).splitlines()[0]]


def embedded(browser: Browser) -> Embedded:
    data = data_copy("data-freshness")
    with streamlit_server(data) as (url, pid):
        context = browser.new_context(viewport=VIEWPORT)
        first, probe = open_session(context, url)
        if probe.projects is None:
            raise RuntimeError(f"the first session showed no caption: {probe.errors}")
        baseline = baselines(context, {"embedded": (url, pid)})
        cli = [str(Path(sys.executable).with_name("atlas")), "import", str(MESSY), "--author", "bench"]
        start = time.perf_counter()
        done = subprocess.run(cli, env={**os.environ, "ATLAS_DATA_DIR": str(data)}, capture_output=True, text=True,
                              timeout=300, cwd=settings.REPO_ROOT)
        since = time.perf_counter()
        if done.returncode != 0:
            raise RuntimeError(f"atlas import failed ({done.returncode}): {done.stderr[-2000:]}")
        expected = len(FileStore(data).read()[0])
        (w,) = watch(context, {"embedded": (url, pid)}, probe.projects, expected, since)
        w.baseline_s = baseline["embedded"]
        result = Embedded(w, since - start)
        result.click_s, result.click_caption, result.click_errors = _click_filter(first)
        result.connected = bool(first.evaluate(
            "() => document.querySelector('[data-testid=stApp]').dataset.testConnectionState"
            " === 'CONNECTED'"))
        w.alive = w.alive and Path(f"/proc/{pid}").exists()
        context.close()
    return result


# ------------------------------------------------------------------------------------------ 2: two servers


def _postmaster_pid(conn: psycopg.Connection[Any]) -> int:
    """The database server's main process: the parent of this connection's backend."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    stat = Path(f"/proc/{row[0]}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _db_sessions(conn: psycopg.Connection[Any]) -> int:
    """Connections ever made to this database (PostgreSQL 14+ counts them in pg_stat_database)."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0]) if row else 0


def _stamp_cost(store: PostgisStore, postmaster: int) -> tuple[float, float]:
    """Median wall ms of one `stamp()` (a new connection and one query) and the database's CPU ms per call."""
    store.stamp()
    times = []
    db_before = cpu_seconds(postmaster)
    for _ in range(STAMP_CALLS):
        start = time.perf_counter()
        store.stamp()
        times.append(time.perf_counter() - start)
    time.sleep(0.2)  # the last backends exit and are reaped
    return 1000 * statistics.median(times), 1000 * (cpu_seconds(postmaster) - db_before) / STAMP_CALLS


def two_servers(browser: Browser) -> TwoServers:
    data = data_copy("data-freshness-db")
    with throwaway_cluster() as url, psycopg.connect(url, autocommit=True) as monitor:
        apply_migrations(monitor)
        postmaster = _postmaster_pid(monitor)
        store = PostgisStore(url, data_dir=data)
        store.save(FileStore(data).read()[0], base_version="0", author="bench", message="the shipped projects")
        env = {"ATLAS_DATABASE_URL": url}
        with streamlit_server(data, env=env) as a, streamlit_server(data, env=env) as b:
            servers = {"server A": a, "server B": b}
            result = TwoServers([])
            result.idle_bare, _ = _idle_cost(servers, postmaster, monitor)
            context = browser.new_context(viewport=VIEWPORT)
            opened = [open_session(context, server[0]) for server in servers.values()]
            counts = {p.projects for _, p in opened}
            if len(counts) != 1 or None in counts:
                raise RuntimeError(f"the two servers' first sessions disagree: {[p for _, p in opened]}")
            before = int(counts.pop() or 0)
            result.idle, result.idle_sessions = _idle_cost(servers, postmaster, monitor)
            result.stamp_ms, result.stamp_db_cpu_ms = _stamp_cost(store, postmaster)
            baseline = baselines(context, servers)
            projects, version = store.read()
            start = time.perf_counter()
            store.save(projects.iloc[1:], base_version=version, author="bench", message="drop one")
            since = time.perf_counter()
            result.save_s = since - start
            result.watches = watch(context, servers, before, before - 1, since)
            for w in result.watches:
                w.baseline_s = baseline[w.name]
            context.close()
    return result


def _idle_cost(servers: dict[str, tuple[str, int]], postmaster: int,
               monitor: psycopg.Connection[Any]) -> tuple[dict[str, float], int]:
    """CPU ms per check interval of each server and of PostgreSQL over `IDLE_S` with nothing happening,
    and the database connections made meanwhile."""
    time.sleep(2.0)  # the first sessions' reruns settle
    pids = {name: pid for name, (_, pid) in servers.items()} | {"PostgreSQL": postmaster}
    sessions_before = _db_sessions(monitor)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start = time.perf_counter()
    time.sleep(IDLE_S)
    elapsed = time.perf_counter() - start
    intervals = elapsed / settings.reload_check_seconds()
    cpu = {name: 1000 * (cpu_seconds(pid) - before[name]) / intervals for name, pid in pids.items()}
    return cpu, _db_sessions(monitor) - sessions_before


# ------------------------------------------------------------------------------------------ report


def _s(value: float | None) -> str:
    return "not shown" if value is None else f"{value:.1f} s"


def _met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


def _load(load: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.1f}" for v in load)


def _at(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _watch_row(w: Watch, target: str) -> str:
    shown = w.shown_s
    return (f"| {w.name}: {w.before} → {w.expected} projects | {_s(shown)} | {target} "
            f"| {_met(None if shown is None else shown <= TARGET_S)} | {_at(w.fresh_opened_s)} "
            f"| {_at(w.last_stale_opened_s)} | {_at(w.baseline_s)} | {len(w.probes)} "
            f"| {'no' if w.alive else '**yes**'} | {len(w.errors())} |")


def section(results: Results) -> list[str]:
    """The "fresh data" section of bench/results.md."""
    target = f"≤ {TARGET_S:.0f} s"
    lines = [
        SECTION,
        "",
        f"`python -m bench.freshness` (also run by `make bench`) on {dt.date.today().isoformat()}, "
        f"{results.total_s / 60:.1f} min; `ATLAS_RELOAD_CHECK_S` = {results.check_s:g} s (the default). Load "
        f"average (1/5/15 min) at start: {_load(results.load_before)}, at end: {_load(results.load_after)} "
        "(2 shared cores). A change is made outside the running server(s); from the moment it was committed, "
        "fresh sessions on the map page (`/?lang=en`, new tabs of one browser: new server sessions, the "
        f"frontend's files cached) are opened every {EVERY_S:g} s (at most {MAX_OPEN} loading at once), until "
        "one shows the new project count. **Shown after** = from the commit until that session's caption was "
        "read; it includes the session's own page load (navigation, script run, caption), which the column "
        "\"one session's time before the change\" shows for the same server just before. A session opened at "
        "\"first session showing it opened at\" already got the new data; one opened at \"last stale session "
        "opened at\" did not. A server's check is made by a script run (a session's view), at most once per "
        "check interval; it starts the load in the background and that run still shows the old snapshot, so "
        "the data shows in the sessions after the load.",
        "",
        "| change | shown after | target | status | first session showing it opened at "
        "| last stale session opened at | one session's time before the change | sessions read "
        "| server restarted | errors |",
        "|---|---:|---|---|---:|---:|---:|---:|---|---:|",
    ]
    e = results.embedded
    if e is not None:
        lines.append(_watch_row(e.watch, target).replace(
            "| embedded:", f"| `atlas import registry_messy_gbk.csv` (CLI, {e.cli_s:.1f} s), files:", 1))
    t = results.two
    if t is not None:
        for w in t.watches:
            lines.append(_watch_row(w, target).replace(
                f"| {w.name}:", f"| save on one PostGIS (drop one project), seen on {w.name}:", 1))
    if e is not None:
        ok = e.click_s is not None and not e.click_errors and e.connected
        lines += ["", f"The first session, open since before the import: a click on the legend's \"alloy products\" "
                  f"pill after the change {'reran in ' + f'{e.click_s:.1f} s' if e.click_s is not None else 'failed'}"
                  f", showing \"{e.click_caption}\"; websocket {'still connected' if e.connected else 'disconnected'}"
                  f"; {len(e.click_errors)} errors — {_met(ok)}."
                  + (f" ({'; '.join(e.click_errors)})" if e.click_errors else "")]
    if t is not None:
        lines += [
            "",
            "### Two app servers on one PostGIS: what the check costs",
            "",
            f"Two `streamlit run app.py` with the same `ATLAS_DATABASE_URL` (a throw-away PostgreSQL 15 + PostGIS "
            f"cluster, migrated, the shipped projects saved in one version); the save was `PostgisStore.save` "
            f"({t.save_s or 0:.2f} s). Idle: {IDLE_S:.0f} s with one session open on each server and nothing else "
            f"happening; CPU (utime + stime of the process tree, from /proc, 10 ms ticks) per "
            f"{results.check_s:g} s check interval:",
            "",
            "| process | CPU per check interval, idle, a session open on each server (ms) "
            "| the same before any session: no atlas, no check (ms) |",
            "|---|---:|---:|",
            *(f"| {name} | {ms:.0f} | {t.idle_bare.get(name, 0):.0f} |" for name, ms in t.idle.items()),
            "",
            f"Database connections made during the idle window with sessions open: {t.idle_sessions} (each "
            "`stamp()` opens one). The check is lazy: it runs inside a script run, so a server whose sessions sit "
            "idle asks the database nothing, and the idle CPU is Streamlit's own (compare the column without any "
            "session). "
            f"When sessions are active, one check = one `PostgisStore.stamp()`: {t.stamp_ms or 0:.1f} ms wall "
            f"(median of {STAMP_CALLS}, a new connection and one one-row query) and {t.stamp_db_cpu_ms or 0:.1f} ms "
            "of the database's CPU (its backend's start and query), at most once per check interval per server.",
        ]
    watches = [*([e.watch] if e else []), *(t.watches if t else [])]
    lines += ["", "Each session read (opened at → caption read at, seconds after the change: projects shown):", ""]
    lines += [f"- {w.name}: " + "; ".join(
        f"{p.opened_s:.1f} → {_at(p.shown_s)}: {p.projects}" for p in sorted(w.probes, key=lambda p: p.opened_s))
        for w in watches]
    problems = [f"{w.name}: {err}" for w in [*([e.watch] if e else []), *(t.watches if t else [])]
                for err in w.errors()]
    if problems:
        lines += ["", "Errors:", "", *(f"- {p}" for p in problems[:20])]
    return [*lines, ""]


def summary(results: Results) -> str:
    parts = []
    if results.embedded is not None:
        e = results.embedded
        parts.append(f"embedded: shown after {_s(e.watch.shown_s)} (target ≤ {TARGET_S:.0f} s), "
                     f"restarted {'no' if e.watch.alive else 'YES'}, first session click "
                     f"{'ok' if e.click_s is not None and not e.click_errors else 'FAILED'}")
    if results.two is not None:
        t = results.two
        parts.append("two servers: " + ", ".join(f"{w.name} {_s(w.shown_s)}" for w in t.watches)
                     + "; idle CPU per check interval " + ", ".join(
                         f"{k} {v:.0f} ms (bare {t.idle_bare.get(k, 0):.0f})" for k, v in t.idle.items())
                     + f"; stamp {t.stamp_ms or 0:.1f} ms")
    return (f"freshness: {' | '.join(parts)} | load {results.load_before[0]:.1f}→{results.load_after[0]:.1f} "
            f"| {results.total_s:.0f} s")


def run_all(*, files: bool = True, postgis: bool = True) -> Results:
    began, load_before = time.perf_counter(), os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            print("freshness: embedded registry, CLI import while the app runs", flush=True)
            one = embedded(browser) if files else None
            print("freshness: two app servers on one PostGIS", flush=True)
            two = two_servers(browser) if postgis else None
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()
    return Results(one, two, load_before, os.getloadavg(), time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.freshness", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("files", "postgis"), help="one measure; prints, writes nothing")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = run_all(files=args.only != "postgis", postgis=args.only != "files")
    if args.only is None:
        write_section(args.output, section(results))
    else:
        print("\n".join(section(results)))
    print(summary(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
