"""The app in a real browser, offline: the map draws, permalinks filter it, Chinese shows, downloads open."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pyogrio
from playwright.sync_api import Page
from pypdf import PdfReader

from .conftest import EXCEPTION, MAIN_BLOCK, PageLog, map_frame, open_app, snap

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
    legend = map_frame(page).locator("body").inner_text()
    assert "铝基非金属材料产业集群" in legend, legend[:500]
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
