"""Headless Debian chromium (never a Playwright download) and "time until drawn" for standalone HTML maps.

"Drawn" is the same moment for every map: the second animation frame after the points were put on
the page, i.e. after the browser painted the frame that shows them.

* The atlas's canvas layers call ``atlasSignalDrawn`` at the end of their first canvas draw; it
  records ``window.atlasLastDrawnAt`` one animation frame later (see `atlas.maps.points`).
* The naive folium maps add every marker synchronously in folium's map script (MarkerCluster
  builds its clusters when the group is added to the map, at the end of that script); a script
  appended after it records ``window.atlasLastDrawnAt`` two animation frames later.

Both are `performance.now()` values: milliseconds since the navigation started, so reading and
parsing the HTML file is included.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import folium
from folium.plugins import MarkerCluster
from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from atlas.core.settings import STATIC_DIR
from atlas.maps.offline import standalone_html

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
)  # the same flags as tests/browser/conftest.py
VIEWPORT = {"width": 1280, "height": 800}
NAIVE_DRAWN_JS = ("<script>requestAnimationFrame(function () { requestAnimationFrame(function () {"
                  " window.atlasLastDrawnAt = performance.now(); }); });</script>")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


def chromium_version() -> str:
    import subprocess

    done = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or "unknown"


def naive_html(lon: list[float], lat: list[float], *, cluster: bool) -> str:
    """The common folium way: one `folium.Marker` per point, optionally in a `MarkerCluster`; offline."""
    m = folium.Map(location=[26.8, 106.8], zoom_start=7, tiles=None)
    parent: folium.Map | MarkerCluster = m
    if cluster:
        parent = MarkerCluster().add_to(m)
    for x, y in zip(lon, lat, strict=True):
        folium.Marker([y, x]).add_to(parent)
    html = standalone_html(m, title="naive folium baseline")
    if cluster:
        inline = "".join(f"<style>{(STATIC_DIR / 'markercluster' / css).read_text(encoding='utf-8')}</style>"
                         for css in ("MarkerCluster.css", "MarkerCluster.Default.css"))
        script = (STATIC_DIR / "markercluster" / "leaflet.markercluster.js").read_text(encoding="utf-8")
        script = script.replace("//# sourceMappingURL=leaflet.markercluster.js.map", "")
        inline += f"<script>{script}</script>"
        html = html.replace("</head>", inline + "</head>", 1)
    return html + NAIVE_DRAWN_JS


def seconds_until_drawn(browser: Browser, path: Path, *, timeout_s: float) -> float | None:
    """Seconds from navigation start until the map in the HTML file at `path` was drawn; None after `timeout_s`."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("window.atlasLastDrawnAt !== undefined", polling=100, timeout=timeout_s * 1000)
        return float(page.evaluate("window.atlasLastDrawnAt")) / 1000
    except PlaywrightTimeoutError:
        return None
    finally:
        start = time.perf_counter()
        with contextlib.suppress(PlaywrightError):
            context.close()
        if time.perf_counter() - start > 30:
            print(f"  (closing a timed-out page took {time.perf_counter() - start:.0f} s)", flush=True)
