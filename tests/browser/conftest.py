"""Fixtures for the real-browser suite: a live ``streamlit run app.py``, Debian's chromium, an offline page.

`AppTest` runs the script but never the frontend, so it cannot see what users see: a map iframe left
blank because Leaflet was meant to come from a CDN that a government intranet cannot reach. These
fixtures run the real app in a real browser with **every request to a host other than this machine
aborted and recorded**, so a test can say "the page drew, and needed nothing from the internet".

Helpers for tests (import them with ``from .conftest import ...``): `open_app`, `wait_for_app`,
`map_frame`, `map_frames`, `snap`, and `run_streamlit` to serve another script or data folder.
Selectors are module constants so a Streamlit or streamlit-folium upgrade is fixed in one place.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Frame,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from atlas.core import settings

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = settings.work_dir() / "test-artifacts"  # outside the checkout (ATLAS_WORK_DIR)
"""Screenshots, the server log and failure logs: ``$ATLAS_WORK_DIR/test-artifacts``, never the checkout."""

CHROMIUM = Path(os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium"))
# Never `playwright install`: there is no browser download here, only Debian's package. As root chromium
# needs --no-sandbox; the --disable-* flags stop it phoning home (sync, updates, QUIC) on a closed network.
# --disable-dev-shm-usage because a container's /dev/shm is often 64 MB and chromium crashes when it fills.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})

STARTUP_TIMEOUT_S = 60.0
TIMEOUT_MS = 30_000
"""Generous: two cores, a cold Python import of geopandas, and chromium all share the machine."""
QUIET_MS = 500
"""How long the app must stay idle before `wait_for_app` trusts it (a component can trigger a re-run)."""
TEST_TIMEOUT_S = 180

# Streamlit 1.67 frontend: <div data-testid="stApp" data-test-script-state=... data-test-connection-state=...>
APP_ROOT = '[data-testid="stApp"]'
MAIN_BLOCK = '[data-testid="stMainBlockContainer"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'
SCROLL_CONTAINERS = ('[data-testid="stMain"]', '[data-testid="stSidebarContent"]')
SNAP_MAX_HEIGHT = 12_000
# streamlit-folium 0.27: <iframe data-testid="stCustomComponentV1" title="streamlit_folium.st_folium"
#   src=".../component/streamlit_folium.st_folium/index.html?..."> and inside it <div id="map_div">,
# which gets the class leaflet-container only once Leaflet loaded and L.map() ran.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LEAFLET_CONTAINER = "#map_div.leaflet-container"

_IDLE_JS = """
({quietMs, root, main, status}) => {
  const app = document.querySelector(root);
  const idle = app !== null
    && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && document.querySelector(status) === null
    && document.querySelector(main) !== null
    && document.querySelector('[data-stale="true"]') === null;
  if (!idle) { window.__atlasIdleSince = undefined; return false; }
  if (window.__atlasIdleSince === undefined) { window.__atlasIdleSince = performance.now(); }
  return performance.now() - window.__atlasIdleSince >= quietMs;
}
"""
_HIDDEN_HEIGHT_JS = """
(selectors) => Math.max(0, ...[document.scrollingElement, ...selectors.flatMap(s => [...document.querySelectorAll(s)])]
  .filter(e => e !== null).map(e => e.scrollHeight - e.clientHeight))
"""


# --------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class BlockedRequest:
    """A request to another host that the page fixture aborted instead of sending."""

    url: str
    resource_type: str
    frame_url: str


@dataclass
class PageLog:
    """Everything that went wrong, or went out, while a test's page was open.

    Requests the fixture itself aborted appear only in `blocked`, not again in `failed_requests`
    or (as "Failed to load resource: net::ERR_BLOCKED_BY_CLIENT") in `console_errors`.
    """

    blocked: list[BlockedRequest] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    @property
    def blocked_assets(self) -> list[BlockedRequest]:
        """Blocked requests other than images: a blocked script, stylesheet, font or fetch breaks the page.

        Images are allowed to fail because a basemap's tiles are images and the app works without them.
        """
        return [b for b in self.blocked if b.resource_type != "image"]

    def summary(self) -> str:
        """All records as readable text, for assertion messages and failure logs."""
        lines: list[str] = []
        for title, items in [
            ("blocked (other host)", [f"{b.resource_type} {b.url} (from {b.frame_url})" for b in self.blocked]),
            ("console errors", self.console_errors),
            ("page errors (uncaught)", self.page_errors),
            ("failed requests", self.failed_requests),
            ("HTTP >= 400", self.bad_responses),
        ]:
            lines.append(f"{title}: {len(items)}")
            lines.extend(f"    {item}" for item in items)
        return "\n".join(lines)


@dataclass(frozen=True)
class AppServer:
    """A running ``streamlit run app.py`` and where its output goes."""

    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


_LOGS: dict[int, PageLog] = {}
"""PageLog of each open page by id(page), so helpers can explain a failure without an extra argument."""
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --------------------------------------------------------------------------------------------- helpers


def is_local(url: str) -> bool:
    """True for URLs that never leave this machine: loopback hosts, and data:/blob:/about: URLs."""
    parts = urlsplit(url)
    return parts.scheme not in NETWORK_SCHEMES or parts.hostname in LOCAL_HOSTS


def snap(page: Page, name: str) -> Path:
    """Save a PNG of the whole app as ``<work dir>/test-artifacts/<name>.png`` and return its path.

    Playwright's ``full_page`` alone captures only the viewport, because Streamlit scrolls inside
    ``stMain`` (and the sidebar), not the document. So the viewport is stretched to the tallest
    scroll container's content for the shot (capped at `SNAP_MAX_HEIGHT`), then restored.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)[:150]}.png"
    size = page.viewport_size
    extra = int(page.evaluate(_HIDDEN_HEIGHT_JS, list(SCROLL_CONTAINERS)))
    if size is None or extra <= 0:
        page.screenshot(path=path, full_page=True, animations="disabled")
        return path
    page.set_viewport_size({"width": size["width"], "height": min(size["height"] + extra, SNAP_MAX_HEIGHT)})
    try:
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.screenshot(path=path, full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(size)
    return path


def _app_state(page: Page) -> str:
    """What the page looks like to Streamlit's own test hooks, for timeout messages."""
    try:
        state = page.evaluate(
            """([root, exc]) => {
              const app = document.querySelector(root);
              return {script: app?.dataset.testScriptState, connection: app?.dataset.testConnectionState,
                      exceptions: [...document.querySelectorAll(exc)].map(e => e.innerText.slice(0, 2000))};
            }""",
            [APP_ROOT, EXCEPTION],
        )
    except PlaywrightError as error:
        return f"(page state unavailable: {error})"
    return f"script state={state['script']}, connection={state['connection']}, exceptions={state['exceptions']}"


def wait_for_app(page: Page, *, timeout_ms: int = TIMEOUT_MS, quiet_ms: int = QUIET_MS) -> None:
    """Wait until the Streamlit app has finished running and stayed idle for `quiet_ms`.

    Idle means connected, script state "notRunning", no status widget ("Running..."), the main
    block present and no stale (greyed-out) element. Streamlit renders asynchronously and a
    component such as st_folium can trigger a re-run after it mounts, hence the quiet period.
    Call it after every navigation or interaction.
    """
    try:
        page.wait_for_function(
            _IDLE_JS,
            arg={"quietMs": quiet_ms, "root": APP_ROOT, "main": MAIN_BLOCK, "status": STATUS_WIDGET},
            polling=100,
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        log = _LOGS.get(id(page))
        raise AssertionError(
            f"the Streamlit app did not become idle within {timeout_ms} ms at {page.url}: {_app_state(page)}\n"
            + (log.summary() if log else "")
        ) from None


def open_app(page: Page, url: str, *, timeout_ms: int = TIMEOUT_MS) -> Page:
    """Navigate to `url` and wait until the app is idle; returns `page` for chaining."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_for_app(page, timeout_ms=timeout_ms)
    return page


def map_frame(page: Page, *, nth: int = 0, timeout_ms: int = TIMEOUT_MS) -> Frame:
    """Return the Frame of the `nth` streamlit-folium map once Leaflet has drawn the map in it.

    "Drawn" means ``#map_div.leaflet-container`` exists inside and the iframe is visible (not 0 px
    high). Query the map inside it, e.g. ``map_frame(page).locator(".leaflet-marker-icon")``. A map
    whose Leaflet never loaded (a blocked CDN script) keeps a bare ``#map_div``; one whose script
    threw keeps a 0-px iframe. The failure message lists blocked requests and page errors.
    """
    log = _LOGS.get(id(page))
    iframe = page.locator(MAP_IFRAME).nth(nth)
    try:
        iframe.wait_for(state="attached", timeout=timeout_ms)
        handle = iframe.element_handle(timeout=timeout_ms)
        frame = handle.content_frame()
        if frame is None:
            raise AssertionError(f"{MAP_IFRAME} #{nth} has no content frame")
        frame.wait_for_selector(LEAFLET_CONTAINER, state="attached", timeout=timeout_ms)
        # The component sizes its iframe only after the whole map script ran: a script error after
        # L.map() leaves a Leaflet container in a 0-px-high, invisible iframe.
        iframe.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        count = page.locator(MAP_IFRAME).count()
        box = page.locator(MAP_IFRAME).nth(nth).bounding_box() if count > nth else None
        raise AssertionError(
            f"map #{nth} did not draw within {timeout_ms} ms ({count} {MAP_IFRAME} on the page, box {box}; "
            f"no {LEAFLET_CONTAINER} inside means Leaflet never loaded, height 0 means the map script failed)\n"
            + (log.summary() if log else "")
        ) from None
    return frame


def map_frames(page: Page, *, timeout_ms: int = TIMEOUT_MS) -> list[Frame]:
    """Frames of every streamlit-folium map on the page, each waited for as in `map_frame` (none: [])."""
    return [map_frame(page, nth=i, timeout_ms=timeout_ms) for i in range(page.locator(MAP_IFRAME).count())]


# --------------------------------------------------------------------------------------------- the app


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _streamlit_command(script: str, port: int) -> list[str]:
    # The streamlit script of the venv running pytest; `-m streamlit` if the venv has no script.
    entry_point = Path(sys.executable).with_name("streamlit")
    launcher = [str(entry_point)] if entry_point.exists() else [sys.executable, "-m", "streamlit"]
    return [
        *launcher, "run", script,
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def _health_ok(url: str) -> bool:
    # An opener without proxies: a proxy from the environment must not see (or swallow) loopback requests.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().strip() == b"ok")
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server's whole process group (TERM, then KILL after 10 s): no orphans."""
    for sig, grace in [(signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)]:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


@contextlib.contextmanager
def run_streamlit(
    script: str | Path = "app.py", *, env: Mapping[str, str] | None = None, log_name: str = "streamlit-server"
) -> Iterator[AppServer]:
    """Run ``streamlit run <script>`` from the repo root on a free loopback port until the block exits.

    Output goes to ``<work dir>/test-artifacts/<log_name>-<port>.log`` (a file, not a pipe, so a chatty server
    can never block on a full pipe; the port in the name keeps concurrent runs from sharing a log).
    `env` entries are added to this process's environment, e.g. ``{"ATLAS_DATA_DIR": str(tiny)}``
    for a test against other data.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / f"{log_name}-{port}.log"
    command = _streamlit_command(str(script), port)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so _stop reaches any child too
        )
    server = AppServer(url=url, log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _health_ok(url):
            problem = None
            if process.poll() is not None:
                problem = f"exited with code {process.returncode} before answering"
            elif time.monotonic() > deadline:
                problem = f"did not answer {url}/_stcore/health with 'ok' within {STARTUP_TIMEOUT_S:.0f} s"
            if problem:
                pytest.fail(
                    f"`streamlit run {script}` {problem}.\nCommand: {' '.join(command)}\n"
                    f"Server output ({log_path}):\n{server.log_text()[-5000:]}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def app_server() -> Iterator[AppServer]:
    """The app as users run it: ``streamlit run app.py`` with the shipped data (ATLAS_DATA_DIR untouched)."""
    with run_streamlit("app.py") as server:
        yield server


@pytest.fixture(scope="session")
def app_url(app_server: AppServer) -> str:
    """Base URL of the running app, without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
    return app_server.url


# --------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless. Missing chromium is a failure, never a skip (team rule)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        where = "in CI" if os.environ.get("CI") else "on this machine"
        pytest.fail(
            f"chromium is not installed {where} ({CHROMIUM} missing); the browser suite never skips. "
            "Install chromium via `make test` (its system-deps step) or "
            "`apt-get install chromium fonts-noto-cjk`, or point ATLAS_CHROMIUM at a chromium binary.",
            pytrace=False,
        )
    browser = playwright_session.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page_log() -> PageLog:
    """The records of the test's `page`: blocked requests, console errors, failed requests, HTTP errors."""
    return PageLog()


@pytest.fixture
def page(browser: Browser, page_log: PageLog, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own context) that can reach only this machine; see `PageLog` for what it records.

    On test failure a screenshot ``FAILED-<test>.png`` and ``FAILED-<test>.log`` land in `ARTIFACTS`.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    blocked_urls: set[str] = set()

    def block(route: Route) -> None:
        req = route.request
        try:
            frame_url = req.frame.url
        except PlaywrightError:  # e.g. a worker's request has no frame
            frame_url = "?"
        page_log.blocked.append(BlockedRequest(url=req.url, resource_type=req.resource_type, frame_url=frame_url))
        blocked_urls.add(req.url)
        route.abort("blockedbyclient")

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if where in blocked_urls and message.text.startswith("Failed to load resource"):
            return
        line = message.location.get("lineNumber", "")
        page_log.console_errors.append(f"{message.text} (at {where}:{line})" if where else message.text)

    def on_request_failed(req: Request) -> None:
        if req.url not in blocked_urls:
            page_log.failed_requests.append(f"{req.method} {req.url}: {req.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            page_log.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    context.route(lambda url: not is_local(url), block)
    new_page = context.new_page()
    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: page_log.page_errors.append(f"{error.name}: {error.message}".lstrip(": ")))
    new_page.on("requestfailed", on_request_failed)
    new_page.on("response", on_response)
    _LOGS[id(new_page)] = page_log
    try:
        yield new_page
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        if any(report.failed for report in reports.values()):
            name = f"FAILED-{request.node.name}"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / f"{name}.log").write_text(f"{new_page.url}\n{page_log.summary()}\n", encoding="utf-8")
            with contextlib.suppress(PlaywrightError):  # a crashed page cannot be photographed; the log says why
                snap(new_page, name)
        _LOGS.pop(id(new_page), None)
        context.close()


# --------------------------------------------------------------------------------------------- hooks


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so the `page` fixture knows at teardown whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection, so `-m "not browser"` sees the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with `browser` (and a hard time limit when pytest-timeout is on)."""
    here = Path(__file__).resolve().parent
    with_timeout = config.pluginmanager.hasplugin("timeout")
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if with_timeout:
                item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))
