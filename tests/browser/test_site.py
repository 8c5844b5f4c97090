"""The published site in a real browser, opened from ``file://`` with every request that is not a file aborted.

No app server: `atlas.site.build_site` writes the shipped atlas into a temp folder once per module, and chromium
opens its index the way a reader opens it from a USB stick.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from atlas.core.model import Atlas
from atlas.core.palette import STATUS_ORDER
from atlas.site import DataVersion, build_site

from .conftest import TIMEOUT_MS, PageLog, snap

pytestmark = pytest.mark.browser

DRAWN = "document.body.dataset.drawn === '1'"
SHOWN = "() => +document.getElementById('atlas-map').dataset.atlasShown"


def _build(atlas: Atlas, out: Path, **options: int) -> Path:
    build_site(atlas, out, version=DataVersion("test-version", "2026-12-01"), langs=("zh", "en"), **options)
    return out


@pytest.fixture(scope="module")
def site(shipped_atlas: Atlas, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(shipped_atlas, tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def tiled_site(shipped_atlas: Atlas, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same atlas drawn the way a registry of 10⁶ is: binned counts, point tiles when zoomed in."""
    return _build(shipped_atlas, tmp_path_factory.mktemp("tiled") / "site", all_points_max=5)


@pytest.fixture
def offline(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    """A page that may load files and nothing else: any other request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            page_log.failed_requests.append(f"aborted {route.request.url}")
            route.abort("blockedbyclient")

    context.route("**/*", only_files)
    page = context.new_page()
    page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    page.on("console", lambda m: page_log.console_errors.append(m.text) if m.type == "error" else None)
    try:
        yield page
    finally:
        context.close()


def _open(page: Page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function(DRAWN)


def _clean(log: PageLog) -> None:
    assert not (log.failed_requests or log.page_errors or log.console_errors), log.summary()


def test_the_index_draws_from_disk_with_the_network_off(offline, page_log, site):
    _open(offline, site / "index.html")
    assert offline.evaluate(SHOWN) > 0
    assert offline.evaluate("document.getElementById('atlas-map').dataset.atlasZones") == "7"
    snap(offline, "site-index")
    _clean(page_log)


def test_the_legend_filter_changes_what_is_drawn(offline, page_log, site):
    _open(offline, site / "index.html")
    listed = offline.eval_on_selector_all('input[data-filter="status"]', "boxes => boxes.map(b => b.value)")
    assert listed == [s for s in STATUS_ORDER if s in listed]  # life-cycle order, as in the app
    before = offline.evaluate(SHOWN)
    box = offline.locator('input[data-filter="status"][value="operating"]')
    box.uncheck()
    offline.wait_for_function(f"({SHOWN})() < {before}")
    fewer = offline.evaluate(SHOWN)
    zones = "+document.getElementById('atlas-map').dataset.atlasZones"
    zones_before = offline.evaluate(zones)
    offline.locator('input[data-filter="cluster"][value="alloy-products"]').uncheck()
    offline.wait_for_function(f"{zones} < {zones_before}")
    assert offline.evaluate(SHOWN) <= fewer
    box.check()
    offline.locator('input[data-filter="cluster"][value="alloy-products"]').check()
    offline.wait_for_function(f"({SHOWN})() === {before}")
    _clean(page_log)


@pytest.mark.parametrize("query", ["清镇", "Qingzhen", "qingzhen"])
def test_the_search_finds_qingzhen_and_zooms_to_it(offline, page_log, site, query):
    _open(offline, site / "index.html")
    offline.wait_for_function("document.body.dataset.searchReady === '1'")
    offline.fill("#atlas-search", query)
    results = offline.locator("#atlas-results button")
    results.first.wait_for()
    texts = results.all_inner_texts()
    assert any("清镇" in t for t in texts), texts
    zone = results.filter(has_text="经济开发区").first
    zoom_before = offline.evaluate("document.querySelector('.leaflet-proxy') !== null")
    zone.click()
    offline.wait_for_function("document.getElementById('atlas-map').dataset.atlasFocus === 'zone:qingzhen'")
    assert zoom_before
    assert offline.locator(".leaflet-popup-content").inner_text().count("清镇") >= 1
    _clean(page_log)


def test_the_search_finds_projects_by_name_and_opens_their_card(offline, page_log, site):
    _open(offline, site / "index.html")
    offline.wait_for_function("document.body.dataset.searchReady === '1'")
    offline.fill("#atlas-search", "guanglv")  # pinyin of 广铝
    button = offline.locator("#atlas-results button").filter(has_text="广铝").first
    button.click()
    offline.wait_for_function("(document.getElementById('atlas-map').dataset.atlasFocus || '').startsWith('project:')")
    assert "广铝" in offline.locator(".leaflet-popup-content").inner_text()
    _clean(page_log)


def test_the_english_copy_is_one_click_away_and_draws(offline, page_log, site):
    _open(offline, site / "index.html")
    offline.locator("a.atlas-lang").click()
    offline.wait_for_function(DRAWN)
    assert offline.url.endswith("/en/index.html")
    assert offline.locator("html").get_attribute("lang") == "en"
    assert "Zone profiles" in offline.locator(".atlas-top").inner_text()
    _clean(page_log)


def test_every_zone_page_and_download_link_works(offline, page_log, site):
    pages = sorted(site.glob("zones/*.html")) + sorted(site.glob("en/zones/*.html"))
    assert len(pages) == 14
    for path in pages:
        offline.goto(path.as_uri())
        assert offline.locator("svg").count() >= 1  # the profile's small map
        hrefs = offline.locator("a.atlas-download").evaluate_all("els => els.map(e => e.href)")
        assert len(hrefs) == 5, path
        for href in hrefs:
            target = Path(unquote(urlsplit(href).path))
            assert target.is_file() and target.stat().st_size > 0, href
    with offline.expect_download() as download:
        offline.locator("a.atlas-download").first.click()
    assert download.value.suggested_filename.endswith((".xlsx", ".xlsx.zip"))
    _clean(page_log)


def test_every_page_linked_from_the_index_opens(offline, page_log, site):
    _open(offline, site / "index.html")
    hrefs = offline.locator(".atlas-top a").evaluate_all("els => els.map(e => e.href)")
    for href in hrefs:
        offline.goto(href)
        assert offline.locator(".atlas-footer").inner_text().count("test-version") == 1, href
    _clean(page_log)


def test_a_large_registry_draws_bins_then_loads_point_tiles_when_zoomed_in(offline, page_log, tiled_site):
    _open(offline, tiled_site / "index.html")
    assert offline.evaluate("document.getElementById('atlas-map').dataset.atlasMode") == "bins"
    assert offline.evaluate(SHOWN) > 0
    offline.fill("#atlas-search", "清镇")
    offline.locator("#atlas-results button").filter(has_text="经济开发区").first.click()
    offline.wait_for_function("document.getElementById('atlas-map').dataset.atlasMode === 'tiles'")
    offline.wait_for_function(f"({SHOWN})() > 0")
    _clean(page_log)
