"""Smoke test in a real browser: the app's first page draws, offline, without errors."""

from __future__ import annotations

from playwright.sync_api import Page

from .conftest import EXCEPTION, MAIN_BLOCK, AppServer, PageLog, map_frame, map_frames, open_app, snap

TITLE_TEXTS = ("贵州铝产业集群地图", "Guizhou Aluminium Cluster Atlas")
"""Either language may be the default; the page must show at least one of the two names."""


def test_first_page_shows_the_atlas_title_without_exceptions(page: Page, app_url: str, app_server: AppServer) -> None:
    open_app(page, app_url)
    map_frames(page)  # the screenshot should show drawn maps, not their grey placeholders
    shot = snap(page, "smoke-first-page")

    main_text = page.locator(MAIN_BLOCK).inner_text()
    assert any(text in main_text for text in TITLE_TEXTS), f"no atlas title in the main block:\n{main_text[:1000]}"
    assert any(text in page.title() for text in TITLE_TEXTS), f"browser tab title is {page.title()!r}"
    exceptions = page.locator(EXCEPTION).all_inner_texts()
    assert exceptions == [], f"the app shows exceptions (screenshot {shot}):\n" + "\n".join(exceptions)
    server_log = app_server.log_text()
    assert "Traceback" not in server_log, f"the server logged an exception ({app_server.log_path})"


def test_first_page_needs_nothing_from_other_hosts_and_logs_no_errors(
    page: Page, app_url: str, page_log: PageLog
) -> None:
    open_app(page, app_url)
    map_frames(page)  # a map loads its assets only once its iframe mounts

    assert page_log.blocked_assets == [], f"scripts/styles/fonts requested from other hosts:\n{page_log.summary()}"
    assert page_log.console_errors == [], page_log.summary()
    assert page_log.page_errors == [], page_log.summary()
    assert page_log.failed_requests == [], page_log.summary()
    assert page_log.bad_responses == [], page_log.summary()


def test_the_map_loads_leaflet_from_the_apps_static_files_not_from_a_data_uri(page: Page, app_url: str) -> None:
    leaflet = []
    page.on("response", lambda r: leaflet.append(r) if r.url.endswith("/app/static/leaflet/leaflet.js") else None)
    open_app(page, app_url)
    frame = map_frame(page)  # waits for the iframe to attach, which may come after the app is idle

    assert frame.evaluate("typeof L === 'object' && L.version") == "1.9.4"
    assert leaflet, "the map did not request /app/static/leaflet/leaflet.js"
    assert leaflet[0].status in (200, 304) and "javascript" in leaflet[0].headers.get("content-type", "")
    scripts = frame.evaluate("[...document.scripts].map(s => s.src)")
    assert any(src.endswith("/app/static/leaflet/leaflet.js") for src in scripts), scripts
    assert not any(src.startswith("data:") for src in scripts), "Leaflet is still inlined as a data: URI"
