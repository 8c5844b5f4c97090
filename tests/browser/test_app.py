"""The app in a real browser, offline: the map draws, permalinks filter it, Chinese shows, downloads open."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pyogrio
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

from .conftest import EXCEPTION, MAIN_BLOCK, PageLog, map_frame, open_app, run_streamlit, snap, wait_for_app

ZONE_MARKERS = ".leaflet-marker-icon"


def zone_marker_count(page: Page) -> int:
    frame = map_frame(page)
    frame.wait_for_selector(ZONE_MARKERS, state="attached", timeout=30_000)
    return frame.locator(ZONE_MARKERS).count()


def test_the_map_draws_every_zone_with_leaflet_from_our_own_server(page: Page, app_url: str, page_log: PageLog):
    open_app(page, f"{app_url}/?lang=en")
    frame = map_frame(page)
    assert frame.locator("#map_div.leaflet-container").count() == 1
    assert zone_marker_count(page) == 7
    assert frame.locator("canvas").count() >= 1  # projects, boundaries and rings on the canvas renderer
    snap(page, "map-en-all")
    assert page_log.blocked_assets == [], page_log.summary()
    assert page.locator(EXCEPTION).count() == 0


def test_a_permalink_filter_changes_what_the_map_shows(page: Page, app_url: str):
    open_app(page, f"{app_url}/?lang=en&cluster=non-metallic-materials")
    non_metallic = zone_marker_count(page)
    snap(page, "map-en-non-metallic")
    open_app(page, f"{app_url}/?lang=en&zone=xingren")
    assert zone_marker_count(page) == 1
    assert 1 < non_metallic < 7
    assert "zone=xingren" in page.url


def test_chinese_is_shown_with_lang_zh(page: Page, app_url: str):
    open_app(page, f"{app_url}/?lang=zh")
    main_text = page.locator(MAIN_BLOCK).inner_text()
    assert "贵州铝产业集群地图" in main_text
    frame = map_frame(page)
    frame.locator(".atlas-legend summary").click()  # the in-app legend starts folded
    legend = frame.locator(".atlas-legend").inner_text()
    assert "图例" in legend and "铝基非金属材料产业集群" in legend, legend[:500]
    snap(page, "map-zh")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def download(page: Page, button: str, tmp_path: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button, exact=True).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_zone_profile_downloads_open_in_their_tools(page: Page, app_url: str, tmp_path: Path):
    open_app(page, f"{app_url}/zones?lang=zh&zone=qingzhen")
    map_frame(page)  # the profile's map drawn and its download row shown: the shot is the page a user gets
    page.get_by_role("button", name="XLSX", exact=True).wait_for(state="visible")
    snap(page, "zone-qingzhen-zh")
    xlsx = download(page, "XLSX", tmp_path)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert "政策定位" in book.sheetnames and "资料来源" in book.sheetnames
    csv_text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    assert "清镇" in csv_text
    geojson = json.loads(download(page, "GEOJSON", tmp_path).read_text(encoding="utf-8"))
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
    gpkg = download(page, "GPKG", tmp_path)
    assert "projects" in {name for name, _ in pyogrio.list_layers(gpkg)}
    pdf = PdfReader(download(page, "PDF", tmp_path))
    assert len(pdf.pages) == 1
    assert "清镇" in pdf.pages[0].extract_text().replace("\x00", "")
    parser = _TextCollector()
    parser.feed(download(page, "HTML", tmp_path).read_text(encoding="utf-8"))
    assert "清镇" in "".join(parser.text)


def test_projects_download_is_exactly_the_filtered_set(page: Page, app_url: str, tmp_path: Path):
    open_app(page, f"{app_url}/projects?lang=en&zone=shuicheng")
    text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    rows = [line for line in text.splitlines()[1:] if line.strip()]
    assert rows and all("shuicheng" in row for row in rows)
    snap(page, "projects-shuicheng-en")


def test_a_new_user_filters_by_cluster_clicks_a_zone_and_takes_its_english_profile_home(
    page: Page, tmp_path: Path, page_log: PageLog
):
    # a server of its own: the first visitor after a start is the case that once lost its first filter change
    with run_streamlit("app.py", log_name="first-visitor") as server:
        _first_visitor_walkthrough(page, server.url, tmp_path, page_log)


def _first_visitor_walkthrough(page: Page, app_url: str, tmp_path: Path, page_log: PageLog) -> None:
    open_app(page, f"{app_url}/?lang=en")
    assert zone_marker_count(page) == 7
    # the sidebar's cluster-type filter, used as a person would: open, pick, close
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name="Mid- to high-end aluminium alloy products").click()
    page.keyboard.press("Escape")
    page.wait_for_url("**cluster=alloy-products**", timeout=30_000)  # the permalink follows the widget
    wait_for_app(page)
    # the map swaps its layer groups inside its iframe after the rerun: wait for it, then count
    map_frame(page).wait_for_function(
        "n => document.querySelectorAll('.leaflet-marker-icon').length < n", arg=7, timeout=30_000
    )
    alloy = zone_marker_count(page)
    assert 1 <= alloy < 7
    # a click on a zone symbol opens its card, and the card opens the zone's profile
    open_profile = page.get_by_role("button", name="Open zone profile")
    for _ in range(3):  # the layer swap after a filter change may replace the symbol under the first click
        map_frame(page).locator(ZONE_MARKERS).first.click()
        wait_for_app(page)
        try:
            open_profile.wait_for(timeout=20_000)
            break
        except PlaywrightTimeoutError:
            continue
    open_profile.wait_for(timeout=1_000)
    card = page.locator(MAIN_BLOCK).inner_text()  # the card is the only place the zone's name is in page text
    snap(page, "map-en-alloy-card")
    open_profile.click()
    page.wait_for_url("**/zones?**", timeout=30_000)
    wait_for_app(page)
    assert "/zones" in page.url and "cluster=alloy-products" in page.url and "lang=en" in page.url
    heading = page.locator("h2").first.inner_text()
    assert heading and heading in card, (heading, card)
    snap(page, "zone-profile-en-from-card")
    # pypdf reads fpdf2's embedded Identity CMap as two bytes a glyph (NULs between letters; poppler does not)
    pdf_text = PdfReader(download(page, "PDF", tmp_path)).pages[0].extract_text().replace("\x00", "")
    assert heading.split()[0] in pdf_text and "Source" in pdf_text, pdf_text[:400]
    book = openpyxl.load_workbook(download(page, "XLSX", tmp_path))
    assert "Policy roles" in book.sheetnames or any("role" in s.lower() for s in book.sheetnames), book.sheetnames
    assert page_log.blocked_assets == [], page_log.summary()
