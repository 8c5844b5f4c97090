"""The app as a shared server: the server's CPU per fresh page view, and many fresh sessions at once.

    python -m bench.serving                # both measures on the shipped data, the CPU one also at 10⁵
                                           # projects; writes its section into bench/results.md (~5 min)
    python -m bench.serving --only cpu     # CPU per fresh view, shipped data: one summary line (~1 min)
    python -m bench.serving --only cpu --n 100000   # the same on a synthetic registry of 10⁵ projects
    python -m bench.serving --only many    # 1, 10, 20 sessions at once (prints, writes nothing)

Server CPU = utime + stime of the streamlit process, all its threads, plus its children (live ones and
reaped ones), from /proc: read before the navigation and once the view has settled — map drawn, the
app's script state 'notRunning' and no further server CPU for `QUIET_S` (the map component's first
report back can start a second script run). Script runs are counted on the session's websocket: the
server sends one `new_session` message whenever a run of the script starts.

In code: `cpu_seconds(pid)` for any process, `measure_cpu(...)` for the whole sequential measure,
`cpu_per_view(...)` for it against a server and browser that are already running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import shutil
import statistics
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import DecodeError
from playwright.async_api import Browser, BrowserContext, Frame, Page, WebSocket, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from atlas.analysis.query import Filters, filtered_atlas
from atlas.core import settings
from atlas.core.model import Atlas
from atlas.core.schema import ProjectStatus
from atlas.registry.startup import open_atlas
from bench.app import DRAWS_JS, MAP_IFRAME, streamlit_server
from bench.chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from bench.registry import OUT, data_dir_with
from bench.report import write_section

RESULTS = Path(__file__).with_name("results.md")
SECTION = "## The shared server (issue 15)"
PAGES = ("/?lang=en", "/zones?lang=en")
"""The map page and a zone profile (it has a smaller map too): a fresh view of each is measured."""
VIEWS = 6
SESSIONS = (1, 10, 20)
QUIET_S = 1.0
"""A view has settled once the server used no CPU for this long (and the script is not running)."""
BETWEEN_QUIET_S = 0.3
"""Before the next view: the closed session's teardown (10–20 ms of CPU) must not be billed to it."""
TIMEOUT_S = 180.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SHOWING = re.compile(r"Showing (\d+) zones, (\d+) projects, (\d+) recycling bases, (\d+) deposits")
RETURNING = "(returning browser)"
"""A new session in a browser that has opened the atlas before: Streamlit's frontend comes from its cache."""
NEW = "(new browser)"
"""A browser's very first visit: it also downloads Streamlit's frontend (~130 files, 4.6 MB) once."""
TARGET_CPU_MS = {0: 150.0, 100_000: 400.0}
"""Server CPU per fresh page view, by registry size (0 = the shipped data)."""
BEFORE_CPU = "1.0–1.2 s"
TARGET_MANY_MEDIAN_S = {10: 12.0}
BEFORE_MANY = {10: "32–37 s each"}
FILTER_PARAMS = {"cluster_types": "cluster", "zones": "zone", "statuses": "status", "stages": "stage"}
"""`Filters` field → permalink parameter (the app's `ui.state.FILTER_PARAMS`, reversed)."""


# ------------------------------------------------------------------------------------------ CPU from /proc


def _tree(pid: int) -> Iterator[int]:
    """`pid` and every live descendant."""
    todo = [pid]
    while todo:
        current = todo.pop()
        yield current
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo += [int(c) for c in children.read_text().split()]


def _own_and_reaped_ticks(pid: int) -> int:
    """utime + stime (every thread) + cutime + cstime (children it has waited for), in clock ticks."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0  # gone meanwhile
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return sum(int(v) for v in fields[11:15])  # fields 14–17 of proc(5), counted from the state (field 3)


def cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by process `pid` (all threads) and its children, live or reaped.

    Differences of two readings are what the process tree spent in between; the clock tick is 10 ms.
    """
    return sum(_own_and_reaped_ticks(p) for p in _tree(pid)) / CLOCK_TICKS


def _kind(pid: int) -> str:
    try:
        command = re.split(rb"[\0 ]", Path(f"/proc/{pid}/cmdline").read_bytes())  # chromium's children: one string
    except OSError:
        return "gone"
    if b"chromium" in command[0]:
        kind = next((a.split(b"=", 1)[1].decode() for a in command if a.startswith(b"--type=")), "browser")
        return f"chromium {kind}"
    return "playwright driver" if command[0].endswith(b"node") else "this benchmark"


def client_cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds of this process's tree apart from the server (chromium, its driver, this process), by kind."""
    server = set(_tree(server_pid))
    seconds: dict[str, float] = {}
    for pid in _tree(os.getpid()):
        if pid not in server:
            kind = _kind(pid)
            seconds[kind] = seconds.get(kind, 0.0) + _own_and_reaped_ticks(pid) / CLOCK_TICKS
    return seconds


IDLE_SLACK_S = 0.02
"""CPU a quiet window may still show beyond the server's idle rate (two clock ticks)."""
_IDLE_RATE: dict[int, float] = {}
"""Each server's CPU seconds per second with nobody connected (Streamlit polls its config files meanwhile)."""


async def measure_idle_rate(pid: int, seconds: float = 5.0) -> float:
    """The server's CPU per second while no session is open: what a page view's figure is net of."""
    await asyncio.sleep(1.0)  # closed sessions are cleaned up first
    start, began = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    rate = (cpu_seconds(pid) - start) / (time.monotonic() - began)
    _IDLE_RATE[pid] = rate
    return rate


async def wait_cpu_quiet(pid: int, quiet_s: float, *, timeout_s: float = TIMEOUT_S) -> float:
    """Wait until `pid`'s tree used no more than its idle rate for `quiet_s`; return its CPU seconds then.

    "Quiet" allows the server's measured idle rate (`measure_idle_rate`) plus two clock ticks: Streamlit's
    own file polling keeps a server that nobody uses at a few per cent of a core.
    """
    deadline = time.monotonic() + timeout_s
    allowance = _IDLE_RATE.get(pid, 0.0) * quiet_s + IDLE_SLACK_S
    samples = [(time.monotonic(), cpu_seconds(pid))]
    while True:
        await asyncio.sleep(0.05)
        now = (time.monotonic(), cpu_seconds(pid))
        samples.append(now)
        window = [sample for sample in samples if sample[0] >= now[0] - quiet_s]
        if now[0] - samples[0][0] >= quiet_s and now[1] - window[0][1] <= allowance:
            return now[1]
        if now[0] > deadline:
            return now[1]


# ------------------------------------------------------------------------------------------ one session


@dataclass
class SessionLog:
    """What the server sent one browser session over its websocket: script runs and error elements."""

    runs_started: int = 0
    errors: list[str] = field(default_factory=list)
    socket_at: float | None = None
    """`time.perf_counter()` when the page opened its websocket (the frontend had loaded)."""
    finished_at: float | None = None
    """When the first script run that completed told so (`script_finished`)."""

    def attach(self, page: Page) -> None:
        page.on("websocket", self._on_socket)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _on_socket(self, socket: WebSocket) -> None:
        self.socket_at = self.socket_at or time.perf_counter()
        socket.on("framereceived", self._on_frame)

    def _on_frame(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        try:
            message = ForwardMsg.FromString(payload)
        except DecodeError:  # not a ForwardMsg: nothing to count
            return
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.runs_started += 1
        elif kind == "script_finished" and self.finished_at is None and \
                message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.finished_at = time.perf_counter()
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception":
                self.errors.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
            elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                self.errors.append(f"st.error: {element.alert.body[:200]}")


@dataclass
class View:
    """One fresh session's view of one page."""

    path: str
    drawn_s: float | None = None
    """Wall time from the navigation until the map in the page had drawn."""
    socket_s: float | None = None
    """… until the page opened its websocket: Streamlit's frontend has loaded (the browser's work)."""
    script_s: float | None = None
    """… until the first complete script run ended (the page's content is sent; the map is drawn after)."""
    cpu_ms: float | None = None
    """The server's CPU for this view (sequential measure only; concurrent ones share a total)."""
    script_runs: int = 0
    errors: list[str] = field(default_factory=list)
    counts: tuple[int, ...] | None = None
    """The map page's caption: zones, projects, recycling bases, deposits shown."""


@dataclass
class OpenSession:
    context: BrowserContext
    page: Page
    log: SessionLog
    view: View
    started_at: float = 0.0
    owns_context: bool = True


async def new_session(browser: Browser, path: str, context: BrowserContext | None = None) -> OpenSession:
    """A fresh Streamlit session with its websocket being listened to.

    Without `context`: a new browser (no cookies, empty HTTP cache), which downloads Streamlit's whole
    frontend first. With one: a new tab of a browser that has visited before (a returning visitor: the
    frontend's files are cached, immutable for a year), still a new session on the server.
    """
    owns = context is None
    context = context or await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    log = SessionLog()
    log.attach(page)
    return OpenSession(context, page, log, View(path), owns_context=owns)


async def _map_frame(page: Page, timeout_s: float) -> Frame:
    handle = await page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout_s * 1000)
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    return frame


NOT_RUNNING_JS = ("() => { const a = document.querySelector('[data-testid=stApp]');"
                  " return !!a && a.dataset.testScriptState === 'notRunning'; }")


MAP_DRAWN_JS = f"() => ({DRAWS_JS})() > 0"
"""The atlas map has drawn: its canvas layer's draws counter went up."""


async def navigate(session: OpenSession, url: str, *, timeout_s: float, drawn_js: str = MAP_DRAWN_JS) -> None:
    """Open the page; time it until the map has drawn (`drawn_js` in the map's frame); wait for the script to stop."""
    view, page = session.view, session.page
    start = session.started_at = time.perf_counter()
    try:
        await page.goto(url + view.path, wait_until="commit", timeout=timeout_s * 1000)
        frame = await _map_frame(page, timeout_s)
        await frame.wait_for_function(drawn_js, polling=50, timeout=timeout_s * 1000)
        view.drawn_s = time.perf_counter() - start
        await page.wait_for_function(NOT_RUNNING_JS, polling=50, timeout=timeout_s * 1000)
    except PlaywrightTimeoutError as error:
        view.errors.append(f"timed out after {timeout_s:.0f} s: {str(error).splitlines()[0]}")
    except PlaywrightError as error:
        view.errors.append(f"browser error: {str(error).splitlines()[0]}")


async def _still_running(sessions: list[OpenSession]) -> bool:
    for session in sessions:
        with contextlib.suppress(PlaywrightError):
            if not await session.page.evaluate(NOT_RUNNING_JS):
                return True
    return False


async def settle(sessions: list[OpenSession], pid: int, *, timeout_s: float = TIMEOUT_S) -> float:
    """Wait until no session's script runs and the server stayed idle for `QUIET_S`; its CPU seconds then."""
    deadline = time.monotonic() + timeout_s
    while True:
        runs = sum(s.log.runs_started for s in sessions)
        cpu = await wait_cpu_quiet(pid, QUIET_S, timeout_s=max(1.0, deadline - time.monotonic()))
        if time.monotonic() > deadline or (
                runs == sum(s.log.runs_started for s in sessions) and not await _still_running(sessions)):
            return cpu


async def finish(session: OpenSession) -> None:
    """Take in what the page shows (its caption, Streamlit's exception boxes), then the run counts."""
    view, page = session.view, session.page
    with contextlib.suppress(PlaywrightError):
        caption = await page.locator('[data-testid="stCaptionContainer"]', has_text="Showing").all_inner_texts()
        found = SHOWING.search(" ".join(caption))
        view.counts = tuple(int(v) for v in found.groups()) if found else None
        boxes = await page.locator('[data-testid="stException"]').all_inner_texts()
        if not any(e.startswith("exception:") for e in session.log.errors):  # else the same box, counted
            view.errors += [f"exception box: {text.splitlines()[0] if text else ''}" for text in boxes]
    view.script_runs = session.log.runs_started
    view.errors += session.log.errors
    if session.log.socket_at is not None:
        view.socket_s = session.log.socket_at - session.started_at
    if session.log.finished_at is not None:
        view.script_s = session.log.finished_at - session.started_at


async def close(session: OpenSession) -> None:
    with contextlib.suppress(PlaywrightError):
        await (session.context.close() if session.owns_context else session.page.close())


# ------------------------------------------------------------------------------------------ measure 1: CPU per view


@dataclass
class CpuRun:
    """The server CPU of fresh page views, one after another, on one server."""

    n: int
    """Synthetic registry size; 0 = the shipped data."""
    first_visits: list[View] = field(default_factory=list)
    """The first view of each page after the server started (the data load; the page's first imports)."""
    views: dict[str, list[View]] = field(default_factory=dict)
    start_s: float | None = None
    total_s: float | None = None
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    idle_ms_per_s: float | None = None
    """The server's CPU with nobody connected (Streamlit's polling); included in every view's raw figure."""

    def cpu_ms(self, path: str) -> list[float]:
        return [v.cpu_ms for v in self.views.get(path, []) if v.cpu_ms is not None]

    def drawn_s(self, path: str) -> list[float]:
        return [v.drawn_s for v in self.views.get(path, []) if v.drawn_s is not None]

    def errors(self) -> list[str]:
        return [f"{v.path}: {e}" for v in [*self.first_visits, *(v for vs in self.views.values() for v in vs)]
                for e in v.errors]

    def summary(self) -> str:
        """One line for the console, e.g. while optimising the app."""
        parts = []
        for path, views in self.views.items():
            cpu, drawn, runs = self.cpu_ms(path), self.drawn_s(path), [v.script_runs for v in views]
            parts.append(f"{path} CPU median {_ms(_median(cpu))} max {_ms(max(cpu, default=None))} ms, "
                         f"drawn {_s(_median(drawn))} s, runs {'/'.join(map(str, sorted(set(runs))))}")
        first = ", ".join(f"{v.path} {_ms(v.cpu_ms)} ms, {_s(v.drawn_s)} s, {v.script_runs} runs"
                          for v in self.first_visits)
        errors = self.errors()
        return (f"serving cpu [{_data_name(self.n)}, {len(next(iter(self.views.values()), []))} views each]: "
                + "; ".join(parts) + f" | first visits: {first} | "
                + (f"{len(errors)} errors: {errors[0]}" if errors else "no errors")
                + f" | idle {_ms(self.idle_ms_per_s)} ms/s (included)"
                + f" | load {self.load_before[0]:.1f}→{self.load_after[0]:.1f} | {self.total_s:.0f} s")


async def one_view(browser: Browser, url: str, pid: int, path: str, *, timeout_s: float = TIMEOUT_S,
                   context: BrowserContext | None = None, drawn_js: str = MAP_DRAWN_JS) -> View:
    """One fresh session on `path`, alone on the server: its wall time to a drawn map and the server's CPU."""
    session = await new_session(browser, path, context)  # the browser's work: before the server's CPU is read
    try:
        before = await wait_cpu_quiet(pid, BETWEEN_QUIET_S)
        await navigate(session, url, timeout_s=timeout_s, drawn_js=drawn_js)
        after = await settle([session], pid)
        session.view.cpu_ms = (after - before) * 1000  # raw: the server's idle polling in this window included
        await finish(session)
    finally:
        await close(session)
    return session.view


async def cpu_per_view(browser: Browser, url: str, pid: int, *, views: int = VIEWS,
                       pages: tuple[str, ...] = PAGES, timeout_s: float = TIMEOUT_S) -> CpuRun:
    """Fresh views of each page, one after another, on a running server (`pid`) in `browser`.

    The first view of each page is kept apart in `first_visits`: on a new server it loads the data
    (and the page's modules), which a running server does once.
    """
    run = CpuRun(n=0, load_before=os.getloadavg())
    for path in pages:
        run.first_visits.append(await one_view(browser, url, pid, path, timeout_s=timeout_s))
    returning = await browser.new_context(viewport=VIEWPORT)
    try:
        for path in pages:
            await one_view(browser, url, pid, path, timeout_s=timeout_s, context=returning)  # its visit before
            run.views[f"{path} {RETURNING}"] = [
                await one_view(browser, url, pid, path, timeout_s=timeout_s, context=returning) for _ in range(views)]
            run.views[f"{path} {NEW}"] = [
                await one_view(browser, url, pid, path, timeout_s=timeout_s) for _ in range(views)]
    finally:
        await returning.close()
    run.load_after = os.getloadavg()
    return run


def shipped_data_dir() -> Path:
    """A fresh copy of the shipped data/ in `OUT`: the server may write history or locks into it."""
    target = OUT / "data-shipped"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(settings.REPO_ROOT / "data", target)
    return target


def data_dir_for(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return shipped_data_dir() if n == 0 else data_dir_with(n)


@contextlib.asynccontextmanager
async def _browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            await browser.close()


async def _measure_cpu(n: int, views: int, timeout_s: float) -> CpuRun:
    began = time.perf_counter()
    data_dir = data_dir_for(n)
    start = time.perf_counter()
    with streamlit_server(data_dir) as (url, pid):
        server_up_s = time.perf_counter() - start
        idle = await measure_idle_rate(pid)  # before any visit: the first visits' settling needs it
        async with _browser() as browser:
            run = await cpu_per_view(browser, url, pid, views=views, timeout_s=timeout_s)
    run.n, run.start_s, run.total_s = n, server_up_s, time.perf_counter() - began
    run.idle_ms_per_s = idle * 1000  # with nobody connected yet
    return run


def measure_cpu(n: int = 0, *, views: int = VIEWS, timeout_s: float = TIMEOUT_S) -> CpuRun:
    """Start the app on the shipped data (`n` = 0) or `n` synthetic projects and measure `cpu_per_view`."""
    return asyncio.run(_measure_cpu(n, views, timeout_s))


# ------------------------------------------------------------------------------------------ measure 2: many at once


@dataclass
class ManyRun:
    """Fresh sessions on the map page, all navigated at once, each with its own filter in the permalink."""

    sessions: int
    views: list[View] = field(default_factory=list)
    expected: list[tuple[int, ...]] = field(default_factory=list)
    """Per session: zones, projects, recycling bases, deposits of its filter, from the library."""
    server_cpu_ms: float | None = None
    """The server's CPU from the navigations until every session had settled."""
    client_cpu_ms: dict[str, float] = field(default_factory=dict)
    """Chromium (by process type), the Playwright driver and this process over the same time, in ms."""
    wall_s: float | None = None
    """From the navigations until every session had settled."""

    def drawn_s(self) -> list[float]:
        return [v.drawn_s for v in self.views if v.drawn_s is not None]

    def errors(self) -> list[str]:
        return [f"{v.path}: {e}" for v in self.views for e in v.errors]

    def mismatches(self) -> list[str]:
        """Sessions whose caption does not show their own filter's counts (or shows none)."""
        if not self.expected:
            return []
        return [f"{v.path}: shows {v.counts}, expected {want}"
                for v, want in zip(self.views, self.expected, strict=True) if v.counts != want]

    def summary(self) -> str:
        drawn = self.drawn_s()
        cpu = None if self.server_cpu_ms is None else self.server_cpu_ms / self.sessions
        errors, wrong = self.errors(), self.mismatches()
        socket = _median([v.socket_s for v in self.views if v.socket_s is not None])
        script = _median([v.script_s for v in self.views if v.script_s is not None])
        client = sum(self.client_cpu_ms.values())
        return (f"{self.sessions} at once: drawn median {_s(_median(drawn))} s, slowest {_s(max(drawn, default=None))}"
                f" s (websocket open {_s(socket)} s, script done {_s(script)} s); server CPU {_ms(cpu)} ms per view; "
                f"browser side {client / 1000:.1f} s CPU in all ({_kinds(self.client_cpu_ms)}); "
                f"{len(drawn)}/{self.sessions} drawn, {len(errors)} errors, {len(wrong)} wrong counts"
                + (f" (first: {(errors or wrong)[0]})" if errors or wrong else ""))


def permalink_filters(atlas: Atlas, count: int) -> list[Filters]:
    """`count` different filters: each cluster type, each zone, each status, each stage, then pairs.

    Only filters that leave projects on the map: an empty project layer never draws, so never
    raises the map's `data-atlas-draws` counter that "drawn" waits for.
    """
    clusters = [str(c) for c in atlas.cluster_types["id"]]
    choices = ([Filters(cluster_types=(c,)) for c in clusters] + [Filters(zones=(str(z),)) for z in atlas.zones["id"]]
               + [Filters(statuses=(str(s),)) for s in ProjectStatus]
               + [Filters(stages=(str(s),)) for s in atlas.stages["id"]]
               + [Filters(cluster_types=(c,), statuses=(str(s),)) for c in clusters for s in ProjectStatus])
    choices = [f for f in choices if shown_counts(atlas, f)[1] > 0]
    return [choices[i % len(choices)] for i in range(count)]


def permalink(filters: Filters) -> str:
    """The map page's path for `filters`, as the app writes it (`ui.state.write_url`)."""
    params = {"lang": "en"} | {param: ",".join(getattr(filters, name))
                               for name, param in FILTER_PARAMS.items() if getattr(filters, name)}
    return "/?" + urllib.parse.urlencode(params, safe=",")


def shown_counts(atlas: Atlas, filters: Filters) -> tuple[int, ...]:
    """What the map page's caption should say for `filters`: zones, projects, recycling bases, deposits."""
    view = filtered_atlas(atlas, filters)
    return len(view.zones), len(view.projects), len(view.recycling_bases), len(view.deposits)


async def many_at_once(browser: Browser, url: str, pid: int, filters: list[Filters],
                       expected: list[tuple[int, ...]], *, timeout_s: float = TIMEOUT_S) -> ManyRun:
    """One fresh session per filter, navigated at the same moment; the server's CPU until all settled."""
    return await paths_at_once(browser, url, pid, [permalink(f) for f in filters], expected, timeout_s=timeout_s)


async def paths_at_once(browser: Browser, url: str, pid: int, paths: list[str], expected: list[tuple[int, ...]] | None,
                        *, timeout_s: float = TIMEOUT_S, drawn_js: str = MAP_DRAWN_JS) -> ManyRun:
    """One fresh session per path, navigated at the same moment; `expected` counts to check (None: no caption)."""
    run = ManyRun(len(paths), expected=expected or [])
    contexts = [await browser.new_context(viewport=VIEWPORT) for _ in paths]
    for context in contexts:  # each visitor has opened the atlas before (on another day): its cache is warm
        await one_view(browser, url, pid, paths[0], timeout_s=timeout_s, context=context, drawn_js=drawn_js)
    sessions = [await new_session(browser, path, context) for path, context in zip(paths, contexts, strict=True)]
    try:
        before = await wait_cpu_quiet(pid, BETWEEN_QUIET_S)
        client_before = client_cpu_seconds(pid)
        start = time.perf_counter()
        await asyncio.gather(*(navigate(s, url, timeout_s=timeout_s, drawn_js=drawn_js) for s in sessions))
        after = await settle(sessions, pid)
        run.wall_s = time.perf_counter() - start
        run.server_cpu_ms = (after - before) * 1000
        client_after = client_cpu_seconds(pid)
        run.client_cpu_ms = {kind: (client_after[kind] - client_before.get(kind, 0.0)) * 1000 for kind in client_after}
        for session in sessions:
            await finish(session)
    finally:
        await asyncio.gather(*(close(s) for s in sessions))
        await asyncio.gather(*(c.close() for c in contexts))
    run.views = [s.view for s in sessions]
    return run


async def warm_up(browser: Browser, url: str, pid: int, *, timeout_s: float = TIMEOUT_S) -> View:
    """The first visit after the server started: it loads the data, which every later visit shares."""
    return await one_view(browser, url, pid, PAGES[0], timeout_s=timeout_s)


async def _measure_many(n: int, counts: tuple[int, ...], timeout_s: float) -> tuple[View, list[ManyRun]]:
    data_dir = data_dir_for(n)
    atlas = open_atlas(data_dir)
    filters = permalink_filters(atlas, max(counts))
    expected = [shown_counts(atlas, f) for f in filters]
    del atlas
    runs = []
    with streamlit_server(data_dir) as (url, pid):
        await measure_idle_rate(pid)
        async with _browser() as browser:
            first = await warm_up(browser, url, pid, timeout_s=timeout_s)
            for count in counts:
                runs.append(await many_at_once(browser, url, pid, filters[:count], expected[:count],
                                               timeout_s=timeout_s))
                print(f"  {runs[-1].summary()}", flush=True)
    return first, runs


def measure_many(n: int = 0, *, counts: tuple[int, ...] = SESSIONS,
                 timeout_s: float = TIMEOUT_S) -> tuple[View, list[ManyRun]]:
    """Start the app and open `counts` fresh sessions at once (each count in turn); the warm-up visit and the runs."""
    return asyncio.run(_measure_many(n, counts, timeout_s))


# ------------------------------------------------------------------------------------------ the stack's floor


FLOOR_APP = '''"""The stack's floor: Streamlit and streamlit-folium with next to nothing on the page."""
import folium
import streamlit as st
from streamlit_folium import st_folium

from atlas.maps.offline import use_vendored_assets

st.set_page_config(page_title="floor", layout="wide")
st.title("Floor")
m = folium.Map(location=[26.8, 106.8], zoom_start=7, tiles=None)
folium.CircleMarker([26.6, 106.6], radius=6).add_to(m)
st_folium(use_vendored_assets(m, base_url="../../app/static"), height=500, key="floor", returned_objects=[])
'''
"""A title and one map with one circle, Leaflet from the same static file the atlas uses."""
FLOOR_DRAWN_JS = "() => document.querySelectorAll('.leaflet-interactive').length > 0"


@contextlib.contextmanager
def floor_server() -> Iterator[tuple[str, int]]:
    """`FLOOR_APP` under the atlas's own `.streamlit/config.toml` and static folder, in a folder under `OUT`."""
    folder = OUT / "floor-app"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / ".streamlit").mkdir(parents=True)
    (folder / "app.py").write_text(FLOOR_APP, encoding="utf-8")
    shutil.copy(settings.REPO_ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    (folder / "static").symlink_to(settings.STATIC_DIR, target_is_directory=True)
    pythonpath = os.pathsep.join(p for p in (str(settings.REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    with streamlit_server(shipped_data_dir(), cwd=folder, env={"PYTHONPATH": pythonpath}) as running:
        yield running


async def _measure_floor(counts: tuple[int, ...], timeout_s: float) -> list[ManyRun]:
    runs = []
    with floor_server() as (url, pid):
        await measure_idle_rate(pid)
        async with _browser() as browser:
            await one_view(browser, url, pid, "/", timeout_s=timeout_s, drawn_js=FLOOR_DRAWN_JS)
            for count in counts:
                runs.append(await paths_at_once(browser, url, pid, ["/"] * count, None, timeout_s=timeout_s,
                                                drawn_js=FLOOR_DRAWN_JS))
                print(f"  floor: {runs[-1].summary()}", flush=True)
    return runs


def measure_floor(counts: tuple[int, ...] = SESSIONS, *, timeout_s: float = TIMEOUT_S) -> list[ManyRun]:
    """`counts` fresh sessions at once on `FLOOR_APP`: the part of "many at once" that is the stack's own."""
    return asyncio.run(_measure_floor(counts, timeout_s))


# ------------------------------------------------------------------------------------------ helpers for text


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _kinds(cpu_ms: dict[str, float]) -> str:
    return ", ".join(f"{kind} {ms / 1000:.1f}" for kind, ms in sorted(cpu_ms.items(), key=lambda kv: -kv[1]) if ms)


def _floor_cells(run: ManyRun | None) -> str:
    if run is None:
        return "— | —"
    return f"{_s(_median(run.drawn_s()))} | {sum(run.client_cpu_ms.values()) / 1000:.1f}"


def _data_name(n: int) -> str:
    return "shipped data" if n == 0 else f"{n:,} synthetic projects"


# ------------------------------------------------------------------------------------------ results.md


@dataclass
class ServingResults:
    """Both measures of one `python -m bench.serving` (or `make bench`) run."""

    cpu: list[CpuRun]
    first_visit: View | None
    """The warm-up visit of the many-sessions server."""
    many: list[ManyRun]
    floor: list[ManyRun]
    """The same sessions at once on `FLOOR_APP`: Streamlit and streamlit-folium with next to nothing on the page."""
    load_before: tuple[float, ...]
    load_after: tuple[float, ...]
    total_s: float


def run_all(cpu_sizes: tuple[int, ...] = (0, 100_000), sessions: tuple[int, ...] = SESSIONS,
            *, views: int = VIEWS) -> ServingResults:
    """The CPU per view for each registry size (0 = shipped data), then `sessions` at once on the shipped data."""
    began, load_before = time.perf_counter(), os.getloadavg()
    cpu = []
    for n in cpu_sizes:
        print(f"serving: CPU per fresh view, {_data_name(n)}", flush=True)
        cpu.append(measure_cpu(n, views=views))
        print(f"  {cpu[-1].summary()}", flush=True)
    first, many, floor = None, [], []
    if sessions:
        print(f"serving: {', '.join(map(str, sessions))} fresh sessions at once, shipped data", flush=True)
        first, many = measure_many(0, counts=sessions)
        print(f"serving: {', '.join(map(str, sessions))} fresh sessions at once, the stack's floor", flush=True)
        floor = measure_floor(sessions)
    return ServingResults(cpu, first, many, floor, load_before, os.getloadavg(), time.perf_counter() - began)


def _met(value: float | None, target: float | None) -> str:
    if target is None:
        return "context, no target"
    return "not measured" if value is None else ("**met**" if value <= target else "**missed**")


def _load(load: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.1f}" for v in load)


def section(results: ServingResults) -> list[str]:
    """The "shared server" section of bench/results.md."""
    lines = [
        SECTION,
        "",
        f"`python -m bench.serving` (also run by `make bench`) on {dt.date.today().isoformat()}, "
        f"{results.total_s / 60:.1f} min: `streamlit run app.py` on a copy of the shipped data (CPU per view also on "
        "a synthetic registry of 10⁵ projects), visited by fresh sessions in one headless chromium on the same "
        f"machine: a new tab of a browser that opened the atlas before {RETURNING}, and a new browser context with an "
        f"empty cache {NEW}, which also downloads Streamlit's own frontend (~130 files, 4.6 MB, cached for a year "
        "after; a reverse proxy can serve them instead, see the README). The targets apply to the first kind: every "
        "view is a new server session; the frontend download happens once per browser and Streamlit version. "
        "Load average (1/5/15 min) at start: "
        f"{_load(results.load_before)}, at end: {_load(results.load_after)} — the machine (2 cores) is shared with "
        "other agents: wall times move with its load, CPU per view much less.",
        "",
        "- **Server CPU**: utime + stime of the streamlit process (every thread) and its children, from /proc, read "
        "before the navigation and once the view has settled: map drawn, script state `notRunning`, and the server "
        f"back at its idle rate for {QUIET_S:.0f} s. Raw figures: they include what an idle server spends anyway "
        "(Streamlit polls its config files every 200 ms and uvicorn ticks every 100 ms; measured with nobody "
        "connected: " + ", ".join(f"{_ms(r.idle_ms_per_s)} ms/s" for r in results.cpu) + ", more on a loaded "
        "machine). Clock tick 10 ms. "
        "**Script runs**: `new_session` messages on the session's "
        "websocket (one per run of the script). The first visit after the server started loads the data and is "
        "reported apart; so is each page's first visit (its modules' first import).",
        "- **Drawn map**: from the navigation until the map's `data-atlas-draws` counter went up (bench/app.py).",
        "- **Many at once**: N fresh sessions on the map page (new tabs of N browsers that each opened the atlas "
        "once before, on another day), created first, then navigated at the same moment, "
        "each with its own filter in the permalink (cluster types, then zones, statuses, stages; only filters that "
        "leave projects on the map: an empty project layer never raises the draws counter). Own counts = the "
        "caption's \"Showing X zones, Y projects, …\" equals `filtered_atlas(open_atlas(copy), Filters(…))`. "
        "Websocket open = the browser had loaded Streamlit's frontend; script done = the first complete script "
        "run's `script_finished` reached the page. Browser side = CPU of chromium, its Playwright driver and the "
        "benchmark, which share the 2 cores with the server.",
        "",
        "### Server CPU per fresh page view",
        "",
        "| data | page | views | server CPU median (ms) | max (ms) | target | before | status "
        "| drawn map median (s) | script runs per view | errors |",
        "|---|---|---:|---:|---:|---|---|---|---:|---|---|",
    ]
    for run in results.cpu:
        target = TARGET_CPU_MS.get(run.n)
        for view in run.first_visits:
            lines.append(f"| {_data_name(run.n)} | `{view.path}` first visit after start | 1 | {_ms(view.cpu_ms)} | — "
                         f"| — | — | context, no target | {_s(view.drawn_s)} | {view.script_runs} "
                         f"| {len(view.errors)} |")
        for path, views in run.views.items():
            target = TARGET_CPU_MS.get(run.n) if RETURNING in path else None
            cpu, median = run.cpu_ms(path), _median(run.cpu_ms(path))
            runs = "/".join(map(str, sorted({v.script_runs for v in views})))
            errors = sum(len(v.errors) for v in views)
            lines.append(f"| {_data_name(run.n)} | `{path}` | {len(views)} | {_ms(median)} "
                         f"| {_ms(max(cpu, default=None))} | {'—' if target is None else f'≤ {target:.0f} ms'} "
                         f"| {BEFORE_CPU if run.n == 0 else '—'} | {_met(median, target)} "
                         f"| {_s(_median(run.drawn_s(path)))} | {runs} | {errors} |")
    if results.many:
        lines += [
            "",
            "### Many sessions at once (map page, shipped data)",
            "",
            f"After a first visit to the new server ({_s(results.first_visit.drawn_s if results.first_visit else None)}"
            " s to a drawn map).",
            "",
            "| sessions | drawn map median (s) | slowest (s) | target | before | status | websocket open median (s) "
            "| script done median (s) | server CPU per view (ms) | browser side CPU (s) | drawn | errors "
            "| own filter's counts | floor: drawn median (s) | floor: browser side CPU (s) |",
            "|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        floors = {run.sessions: run for run in results.floor}
        for run in results.many:
            drawn = run.drawn_s()
            median = _median(drawn)
            target = TARGET_MANY_MEDIAN_S.get(run.sessions)
            errors, wrong = run.errors(), run.mismatches()
            if target is not None:
                target_text, status = f"median ≤ {target:.0f} s", _met(median, target)
            elif run.sessions >= 20:
                target_text = "all complete, no error"
                status = "**met**" if len(drawn) == run.sessions and not errors and not wrong else "**missed**"
            else:
                target_text, status = "—", "context, no target"
            cpu = None if run.server_cpu_ms is None else run.server_cpu_ms / run.sessions
            socket = _median([v.socket_s for v in run.views if v.socket_s is not None])
            script = _median([v.script_s for v in run.views if v.script_s is not None])
            lines.append(f"| {run.sessions} | {_s(median)} | {_s(max(drawn, default=None))} | {target_text} "
                         f"| {BEFORE_MANY.get(run.sessions, '—')} | {status} | {_s(socket)} | {_s(script)} "
                         f"| {_ms(cpu)} | {sum(run.client_cpu_ms.values()) / 1000:.1f} | {len(drawn)}/{run.sessions} "
                         f"| {len(errors)} | {run.sessions - len(wrong)}/{run.sessions} "
                         f"| {_floor_cells(floors.get(run.sessions))} |")
        busiest = max(results.many, key=lambda r: r.sessions)
        if busiest.server_cpu_ms:
            lines += ["", f"What dominates: at {busiest.sessions} at once the browser side used "
                      f"{sum(busiest.client_cpu_ms.values()) / 1000:.0f} s of CPU, the server "
                      f"{busiest.server_cpu_ms / 1000:.0f} s; both share the 2 cores, so the time to a drawn map here "
                      "is mostly the one benchmark browser's work (real visitors bring their own), and \"script done\" "
                      "bounds what the server adds."]
        lines += ["", "Floor: the same sessions at once on a page with only a title and a streamlit-folium map of one "
                  "circle (Leaflet from the same static file, the atlas's `.streamlit/config.toml`; `FLOOR_APP` in "
                  "bench/serving.py). It is what Streamlit's frontend and the map component cost the browsers before "
                  "the atlas puts anything on the page: the target cannot be lower than this on the same 2 cores."]
        lines += ["", "Browser-side CPU by process: " + "; ".join(
            f"{run.sessions} at once: {_kinds(run.client_cpu_ms)} s" for run in results.many) + "."]
    problems = [*(e for run in results.cpu for e in run.errors()),
                *(e for run in results.many for e in [*run.errors(), *run.mismatches()])]
    if problems:
        lines += ["", "Errors and wrong counts:", "", *(f"- {p}" for p in problems[:20])]
    return [*lines, ""]


# ------------------------------------------------------------------------------------------ command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("cpu", "many", "floor"), help="one measure; prints, writes nothing")
    parser.add_argument("--n", type=int, default=None, help="synthetic registry of N projects (default: shipped)")
    parser.add_argument("--views", type=int, default=VIEWS, help="fresh views per page (CPU measure)")
    parser.add_argument("--sessions", type=lambda v: tuple(int(c) for c in v.split(",")), default=SESSIONS,
                        help="sessions at once, e.g. 1,10,20")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.only == "cpu":
        run = measure_cpu(args.n or 0, views=args.views)
        print(run.summary(), flush=True)
        return 1 if run.errors() else 0
    if args.only == "many":
        first, runs = measure_many(args.n or 0, counts=args.sessions)
        print(f"serving many [{_data_name(args.n or 0)}], after a first visit of {_s(first.drawn_s)} s: "
              + " | ".join(r.summary() for r in runs), flush=True)
        return 1 if any(r.errors() or r.mismatches() for r in runs) else 0
    if args.only == "floor":
        floor = measure_floor(args.sessions)
        return 1 if any(r.errors() for r in floor) else 0
    results = run_all((args.n,) if args.n is not None else (0, 100_000), args.sessions, views=args.views)
    write_section(args.output, section(results))
    print("\n".join(section(results)), flush=True)
    return 1 if any(r.errors() for r in results.cpu) or any(r.errors() or r.mismatches() for r in results.many) else 0


if __name__ == "__main__":
    raise SystemExit(main())
