"""The registry page in a real browser, on a throw-away copy of the data: import a messy GBK file, move a point.

Every test signs in as the editor `EDITOR` first (tests/browser/accounts.py): editing needs an account.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from atlas.data.load import load_atlas
from atlas.registry.startup import open_store

from .accounts import add_account, sign_in
from .conftest import (
    EXCEPTION,
    MAIN_BLOCK,
    REPO_ROOT,
    AppServer,
    PageLog,
    map_frame,
    open_app,
    run_streamlit,
    snap,
    wait_for_app,
)

MESSY = REPO_ROOT / "tests" / "fixtures" / "registry_messy_gbk.csv"
SHIPPED_PROJECTS = 30
EDITOR = "wangmin"


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COPY of data/ with an editor's account: these tests save to the registry, never to the real files."""
    copy = Path(shutil.copytree(REPO_ROOT / "data", tmp_path_factory.mktemp("registry") / "data",
                                ignore=shutil.ignore_patterns("history", "users.json", ".*.lock")))
    add_account(copy, EDITOR, "editor")
    return copy


@pytest.fixture(scope="module")
def server(data_copy: Path) -> Iterator[AppServer]:
    with run_streamlit("app.py", env={"ATLAS_DATA_DIR": str(data_copy)}, log_name="streamlit-registry") as running:
        yield running


def main_text(page: Page) -> str:
    return page.locator(MAIN_BLOCK).inner_text()


def test_a_messy_gbk_file_is_reported_accepted_and_its_rows_shown(page: Page, server: AppServer, data_copy: Path,
                                                                 page_log: PageLog):
    open_app(page, f"{server.url}/registry?lang=zh")
    sign_in(page, EDITOR, lang="zh")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(MESSY))
    page.get_by_text("读取行数").wait_for()
    wait_for_app(page)
    metrics = [" ".join(m.inner_text().split()) for m in page.locator('[data-testid="stMetric"]').all()]
    assert metrics == ["读取行数 8", "可接受 4", "退回 4"], metrics
    snap(page, "registry-import-report-zh")
    assert (data_copy / "projects" / "projects.csv").read_text(encoding="utf-8").count("虚构") == 0

    page.get_by_role("button", name="接受 4 条有效记录").click()
    page.get_by_text("已保存为版本").wait_for()
    wait_for_app(page)
    text = main_text(page)
    assert "新增 4 条记录" in text and "新增的记录（地图）" in text
    assert "读取行数" not in text  # the uploader was emptied: the saved file is not checked again
    map_frame(page)  # the added records' map draws, offline
    snap(page, "registry-import-saved-zh")
    assert page.locator(EXCEPTION).count() == 0
    assert page_log.blocked_assets == [], page_log.summary()

    projects = load_atlas(data_copy).projects.set_index("name_zh")
    assert len(projects) == SHIPPED_PROJECTS + 4
    assert (projects.loc["兴仁铝板带项目（虚构）", "lon"], projects.loc["兴仁铝板带项目（虚构）", "lat"]) == (
        105.3088, 25.5328)  # swapped in the file, stored the right way round
    assert open_store(data_copy).history()[0].message == "import registry_messy_gbk.csv"
    assert open_store(data_copy).history()[0].author == EDITOR  # signed with the account, not a typed name

    open_app(page, f"{server.url}/projects?lang=zh&q=示例")  # every page sees the new rows, no restart
    snap(page, "registry-new-rows-on-projects-page-zh")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="CSV", exact=True).click()
    listed = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    rows = [line for line in listed.splitlines()[1:] if line.strip()]
    assert len(rows) == 4 and all("示例" in row for row in rows)
    assert "'=HYPERLINK" in listed  # the formula name is kept as text and neutralised in the download


def test_a_position_is_corrected_by_clicking_the_map_and_the_save_undone(page: Page, server: AppServer,
                                                                          data_copy: Path):
    open_app(page, f"{server.url}/registry?lang=en")
    sign_in(page, EDITOR)
    page.get_by_text("Correct a position", exact=True).click()
    wait_for_app(page)
    first_id = open_store(data_copy).read()[0]["id"].iloc[0]
    frame = map_frame(page)
    box = frame.locator("#map_div").bounding_box()
    assert box is not None and box["height"] > 100
    frame.locator("#map_div").click(position={"x": box["width"] / 2, "y": box["height"] / 2})  # Guizhou's middle
    page.get_by_text("New position:").wait_for()
    wait_for_app(page)
    snap(page, "registry-move-clicked-en")
    page.get_by_role("button", name="Save the new position").click()
    page.get_by_text("Saved as version").wait_for()
    wait_for_app(page)
    moved = open_store(data_copy).read()[0].set_index("id").loc[first_id]
    assert (moved["position_precision"], moved["position_source"].split(":")[0]) == ("exact", "digitised")
    page.get_by_text("Correct a position", exact=True).click()
    page.get_by_role("button", name="Undo the last save").click()
    page.get_by_text("Undone: the registry is now version").wait_for()
    wait_for_app(page)
    restored = open_store(data_copy).read()[0].set_index("id").loc[first_id]
    assert restored["position_source"] == "" and restored["position_precision"] != "exact"
    page.get_by_text("History", exact=True).click()
    wait_for_app(page)
    snap(page, "registry-history-en")
    assert "1 records changed since version" in main_text(page)
    assert open_store(data_copy).history()[0].message.startswith(f"undo 'move {first_id}'")


def test_a_key_project_list_with_its_own_stage_word_imports_after_the_value_mapping_step(
    page: Page, server: AppServer, data_copy: Path, tmp_path: Path
):
    from tests.test_import_places import KEY_PROJECTS, xlsx_list

    listing = tmp_path / "2026年重点项目清单.xlsx"
    listing.write_bytes(xlsx_list(KEY_PROJECTS))
    open_app(page, f"{server.url}/registry?lang=zh")
    sign_in(page, EDITOR, lang="zh")
    page.get_by_label("来源（用于未填来源的行").fill("https://example.gov.cn/2026-list")
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(listing))
    page.get_by_text("读取行数").wait_for()
    wait_for_app(page)
    metrics = [" ".join(m.inner_text().split()) for m in page.locator('[data-testid="stMetric"]').all()]
    assert metrics == ["读取行数 4", "可接受 2", "退回 2"], metrics  # rows with 铝精深加工 (and 火星市) held back
    expander = page.get_by_text("取值对应：有 1 个取值未识别")
    expander.wait_for()
    choice = page.locator('[data-testid="stSelectbox"]', has_text="铝精深加工")
    shown = choice.evaluate("e => e.innerHTML")
    assert "deep-processing-products" in shown, shown[:3000]  # pre-set to the closest, not yet applied
    snap(page, "registry-value-mapping-zh")
    page.get_by_role("button", name="应用这些对应").click()
    page.get_by_text("接受 3 条有效记录").wait_for()  # the rerun's result, not the metrics still on the page
    wait_for_app(page)
    metrics = [" ".join(m.inner_text().split()) for m in page.locator('[data-testid="stMetric"]').all()]
    assert metrics == ["读取行数 4", "可接受 3", "退回 1"], metrics
    assert "接受 3 条有效记录" in main_text(page)
    snap(page, "registry-value-mapping-applied-zh")
    assert page.locator(EXCEPTION).count() == 0
