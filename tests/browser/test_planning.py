"""The planning pages in a real browser, offline: gap matrix and its cells, compare permalink with rings,
the department filter, quality flags on the data page and the map, and their downloads."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import Page

from .conftest import EXCEPTION, MAIN_BLOCK, PageLog, map_frame, open_app, snap, wait_for_app
from .test_app import download

DATAFRAME = '[data-testid="stDataFrame"]'
HEADING = '[data-testid="stHeading"]'
ROW_PX = 35
"""Height of a header or data row in Streamlit's data grid (glide-data-grid default)."""


def _select_cell(page: Page, *, row: int, right: int) -> None:
    """Click the first-column cell of data row `row` of the first grid, then move `right` cells with the keyboard."""
    box = page.locator(DATAFRAME).first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 30, box["y"] + ROW_PX + row * ROW_PX + ROW_PX / 2)
    wait_for_app(page)
    for _ in range(right):
        page.keyboard.press("ArrowRight")
        wait_for_app(page)


def test_gap_matrix_shows_and_a_selected_cell_lists_the_projects_behind_it(page: Page, app_url: str, page_log: PageLog):
    open_app(page, f"{app_url}/gaps?lang=en&cluster=alloy-products")
    page.locator(DATAFRAME).first.wait_for()  # a loaded machine can be idle before the grid has mounted
    assert page.locator(DATAFRAME).count() == 1
    assert "Click a cell of the matrix" in page.locator(MAIN_BLOCK).inner_text()
    frame = map_frame(page)
    frame.wait_for_selector(".atlas-gap-zone", state="attached")
    assert frame.locator('.atlas-gap-zone[data-assigned="true"]').count() == 5  # alloy-products zones in II.(2)
    _select_cell(page, row=2, right=2)  # Shuicheng × primary aluminium
    page.wait_for_selector(f"{HEADING}:has-text('Shuicheng Economic Development Zone · primary aluminium')")
    assert page.locator(DATAFRAME).count() == 2
    behind = page.locator(DATAFRAME).nth(1)
    behind.scroll_into_view_if_needed()
    snap(page, "gaps-alloy-shuicheng-cell-en")
    assert page.locator(EXCEPTION).count() == 0
    assert page_log.blocked_assets == [], page_log.summary()


def test_gap_downloads_open_in_excel_and_as_csv(page: Page, app_url: str, tmp_path: Path):
    open_app(page, f"{app_url}/gaps?lang=zh")
    snap(page, "gaps-zh")
    book = openpyxl.load_workbook(io.BytesIO(download(page, "XLSX", tmp_path).read_bytes()))
    assert book.sheetnames == [
        "铝及铝合金装备轻量化材料产业集群",
        "中高端铝合金制品产业集群",
        "铝基非金属材料产业集群",
        "明细",
    ]
    assert "缺口" in {c.value for row in book["中高端铝合金制品产业集群"].iter_rows() for c in row}
    csv_text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("开发区编号,开发区,产业集群")
    assert len(csv_text.strip().splitlines()) == 1 + 7 * (4 + 4 + 3)


def test_compare_permalink_shows_the_zones_and_a_ring_around_the_centre(page: Page, app_url: str, tmp_path: Path):
    open_app(page, f"{app_url}/compare?lang=en&zones=shuicheng,xingren,lubi")
    main = page.locator(MAIN_BLOCK).inner_text()
    for name in ("Shuicheng Economic Development Zone", "Xingren Economic Development Zone", "Guizhou Lubi"):
        assert name in main
    assert "zones=shuicheng%2Cxingren%2Clubi" in page.url or "zones=shuicheng,xingren,lubi" in page.url
    frame = map_frame(page)
    frame.wait_for_selector(".atlas-proximity-label", state="attached")
    assert frame.locator(".atlas-proximity-label").inner_text() == "50 km"
    snap(page, "compare-shuicheng-xingren-lubi-en")
    csv_text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    assert csv_text.splitlines()[0] == (
        "Section,Item,Shuicheng Economic Development Zone,Xingren Economic Development Zone,"
        "Guizhou Lubi Economic Development Zone"
    )
    book = openpyxl.load_workbook(io.BytesIO(download(page, "XLSX", tmp_path).read_bytes()))
    assert book.sheetnames[:2] == ["Policy roles", "Chain coverage"]
    assert book.worksheets[0].max_column == 4  # item + the three zones


def test_targets_department_filter_narrows_the_responsibilities(page: Page, app_url: str):
    open_app(page, f"{app_url}/targets?lang=en&dept=investment")
    main = page.locator(MAIN_BLOCK).inner_text()
    assert "no data" in main and "National context" in main
    assert "dept=investment" in page.url
    snap(page, "targets-investment-en")
    box = page.get_by_label("Department")
    box.scroll_into_view_if_needed()
    box.click()  # Streamlit's selectbox is a searchable combobox: type to narrow the list, then pick
    page.keyboard.type("Big Data")
    page.get_by_role("option", name="Provincial Big Data Bureau").click()
    page.wait_for_url(re.compile(r"dept=bigdata"))  # the page writes its choice back to the URL
    wait_for_app(page)
    table = page.locator('[data-testid="stTable"]').first
    table.scroll_into_view_if_needed()
    text = table.inner_text()
    assert "IV.(3)" in text and "VI.(1)" in text and "III.(4)" not in text
    snap(page, "targets-bigdata-en")


def test_data_page_lists_the_quality_flags(page: Page, app_url: str):
    open_app(page, f"{app_url}/data?lang=zh")
    heading = page.locator(f"{HEADING}:has-text('数据质量标记')")
    heading.wait_for(state="visible")  # a deep link on a fresh session renders the page in two runs
    page.locator(DATAFRAME).nth(3).wait_for(state="visible")
    heading.scroll_into_view_if_needed()
    # layers, policy sections, flag counts, flags (the grid is a canvas: AppTest checks the cells' text)
    assert page.locator(DATAFRAME).count() == 4
    snap(page, "data-quality-zh")
    assert page.locator(EXCEPTION).count() == 0


def test_the_maps_quality_overlay_draws_flag_markers(page: Page, app_url: str, page_log: PageLog):
    open_app(page, f"{app_url}/?lang=en")
    assert map_frame(page).locator(".atlas-quality-flag").count() == 0
    page.get_by_role("button", name="Layers & basemap").click()  # the map's controls sit in one popover
    page.get_by_text("Show data-quality flags").click()
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_selector(".atlas-quality-flag", state="attached")
    markers = frame.locator(".atlas-quality-flag")
    assert markers.count() >= 10  # one per flagged position (17 in the shipped data)
    records = [int(v) for v in markers.evaluate_all("els => els.map(e => e.dataset.records)")]
    assert max(records) >= 10  # the Qingzhen county centroid carries a dozen flagged records
    snap(page, "map-quality-overlay-en")
    assert page_log.blocked_assets == [], page_log.summary()
