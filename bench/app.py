"""The running app: ``streamlit run app.py`` on a synthetic data folder, timed in headless chromium.

Every time is wall-clock from the action (navigation, click, pan) until the project layer in the
map's iframe has drawn: its container's ``data-atlas-draws`` counter (set by ``atlasSignalDrawn``,
see bench/chromium.py) goes up. Polled every 50 ms, so figures carry up to ~50 ms of polling slack.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Frame, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from atlas.core import settings
from bench.chromium import VIEWPORT
from bench.registry import OUT

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAWS_JS = "() => +(document.querySelector('#map_div') || {dataset: {}}).dataset.atlasDraws || 0"
LEGEND_PILL = re.compile("alloy products", re.IGNORECASE)


@dataclass
class AppResult:
    n: int
    first_visit_s: float | None = None
    page_load_s: float | None = None
    filter_s: list[float] = field(default_factory=list)
    pan_zoom_s: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def filter_median_s(self) -> float | None:
        return statistics.median(self.filter_s) if self.filter_s else None

    @property
    def pan_zoom_median_s(self) -> float | None:
        return statistics.median(self.pan_zoom_s) if self.pan_zoom_s else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().strip() == b"ok")
    except OSError:
        return False


@contextlib.contextmanager
def streamlit_server(data_dir: Path, *, startup_s: float = 120, env: Mapping[str, str] | None = None,
                     cwd: Path = settings.REPO_ROOT) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` in `cwd` (another checkout: its code) with ATLAS_DATA_DIR=`data_dir` (and `env`
    on top, e.g. a database URL); yields (url, pid); stops its process group."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = OUT / f"streamlit-{port}.log"
    streamlit = Path(os.sys.executable).with_name("streamlit")
    command = [str(streamlit), "run", "app.py", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    # No registry cache: "first visit" stays the full load and validation (bench/coldstart.py measures the cache).
    env = {**os.environ, "ATLAS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "ATLAS_CACHE_DIR": "off",
           **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + startup_s
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log}")
            time.sleep(0.25)
        yield url, process.pid
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM) in MB, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _map_frame(page: Page, timeout_s: float) -> Frame:
    handle = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout_s * 1000)
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame


def _wait_draws_above(frame: Frame, count: int, timeout_s: float) -> None:
    frame.wait_for_function(f"() => ({DRAWS_JS})() > {count}", polling=50, timeout=timeout_s * 1000)


def _open(browser: Browser, url: str, timeout_s: float) -> tuple[Page, Frame, float]:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    start = time.perf_counter()
    page.goto(f"{url}/?lang=en", wait_until="commit", timeout=timeout_s * 1000)
    frame = _map_frame(page, timeout_s)
    _wait_draws_above(frame, 0, timeout_s)
    return page, frame, time.perf_counter() - start


def _settle(page: Page) -> None:
    """Let the app finish any rerun the map's first report triggered (large mode reports its view)."""
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a && a.dataset.testScriptState === 'notRunning'; }", polling=100, timeout=120_000)
    page.wait_for_timeout(1500)


def _timed(frame: Frame, action: object, timeout_s: float) -> float:
    before = int(frame.evaluate(DRAWS_JS))
    start = time.perf_counter()
    action()  # type: ignore[operator]
    _wait_draws_above(frame, before, timeout_s)
    return time.perf_counter() - start


def measure(browser: Browser, data_dir: Path, n: int, *, large: bool, repeat: int, timeout_s: float) -> AppResult:
    result = AppResult(n)
    with streamlit_server(data_dir) as (url, pid):
        try:
            page, _, result.first_visit_s = _open(browser, url, timeout_s)
            page.context.close()
            page, frame, result.page_load_s = _open(browser, url, timeout_s)
            _settle(page)
            pill = page.get_by_role("button", name=LEGEND_PILL).first
            for _ in range(repeat):
                result.filter_s.append(_timed(frame, pill.click, timeout_s))
                _settle(page)
            if large:
                views = ["[26.55, 106.7], 11", "[26.9, 106.8], 7", "[27.5, 107.0], 12", "[26.9, 106.8], 8"]
                for where in views[: max(2, repeat)]:
                    result.pan_zoom_s.append(_timed(
                        frame, lambda where=where: frame.evaluate(
                            f"() => {{ window.map.setView({where}, {{animate: false}}); }}"),
                        timeout_s))
                    _settle(page)
            page.context.close()
        except PlaywrightTimeoutError as error:
            result.notes.append(f"timed out after {timeout_s:.0f} s: {str(error).splitlines()[0]}")
        except PlaywrightError as error:
            result.notes.append(f"browser error: {str(error).splitlines()[0]}")
        result.peak_rss_mb = peak_rss_mb(pid)
    return result
