"""Sign-in and rights in a real browser: anonymous visitors read, editors change their prefectures, guessing locks.

One server on a throw-away copy of data/ with four accounts; the tests run in file order (the scoped
editor's refused import comes before the editor's saved one, which changes the registry).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from atlas.registry.startup import open_store

from .accounts import PASSWORD, add_account, sign_in
from .conftest import EXCEPTION, MAIN_BLOCK, REPO_ROOT, AppServer, PageLog, map_frame, open_app, run_streamlit, snap

MESSY = REPO_ROOT / "tests" / "fixtures" / "registry_messy_gbk.csv"
UPLOADER = '[data-testid="stFileUploader"]'
REFUSED = "Sign-in failed: wrong username or password"


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COPY of data/ with an editor, a Guiyang-only editor and an account to lock."""
    copy = Path(shutil.copytree(REPO_ROOT / "data", tmp_path_factory.mktemp("sign-in") / "data",
                                ignore=shutil.ignore_patterns("history", "users.json", ".*.lock")))
    add_account(copy, "wangmin", "editor")
    add_account(copy, "guiyang-editor", "editor", prefectures=("520100",))
    add_account(copy, "guessed", "editor")
    return copy


@pytest.fixture(scope="module")
def server(data_copy: Path) -> Iterator[AppServer]:
    with run_streamlit("app.py", env={"ATLAS_DATA_DIR": str(data_copy)}, log_name="streamlit-sign-in") as running:
        yield running


def main_text(page: Page) -> str:
    return page.locator(MAIN_BLOCK).inner_text()


def test_an_anonymous_visitor_sees_the_map_and_a_registry_page_without_upload_or_edit_controls(
    page: Page, server: AppServer, page_log: PageLog
):
    open_app(page, f"{server.url}/?lang=en")
    map_frame(page)  # the map draws for a visitor who never signed in
    open_app(page, f"{server.url}/registry?lang=en")
    page.get_by_label("Username", exact=True).wait_for()
    page.get_by_label("Password", exact=True).wait_for()
    text = main_text(page)
    assert page.locator(UPLOADER).count() == 0
    assert "Correct a position" not in text and "Import a list" not in text
    assert page.get_by_role("button", name="Undo the last save").count() == 0
    snap(page, "sign-in-anonymous-registry-en")
    assert page.locator(EXCEPTION).count() == 0 and page_log.blocked_assets == [], page_log.summary()


def test_a_wrong_password_is_refused(page: Page, server: AppServer):
    open_app(page, f"{server.url}/registry?lang=en")
    sign_in(page, "wangmin", "not the password")
    assert REFUSED in main_text(page) and page.locator(UPLOADER).count() == 0


def test_six_wrong_guesses_lock_the_account_even_against_the_right_password(page: Page, server: AppServer,
                                                                           data_copy: Path):
    open_app(page, f"{server.url}/registry?lang=en")
    for guess in range(6):
        sign_in(page, "guessed", f"guess number {guess}")
        assert REFUSED in main_text(page)
    sign_in(page, "guessed", PASSWORD)
    assert REFUSED in main_text(page) and page.locator(UPLOADER).count() == 0
    failures = (data_copy / "projects" / "sign-in-failures.log").read_text(encoding="utf-8")
    assert failures.count('"account": "guessed"') == 7 and "locked until" in failures
    assert "guess number" not in failures and PASSWORD not in failures


def test_a_prefecture_scoped_editors_import_outside_the_scope_is_refused_and_nothing_is_written(
    page: Page, server: AppServer, data_copy: Path
):
    before = (data_copy / "projects" / "projects.csv").read_bytes()
    versions = len(open_store(data_copy).history())
    open_app(page, f"{server.url}/registry?lang=en")
    sign_in(page, "guiyang-editor")
    page.locator(f'{UPLOADER} input[type="file"]').first.set_input_files(str(MESSY))
    page.get_by_role("button", name="Accept 4 valid rows").click()
    page.get_by_text("Nothing was written").wait_for()
    text = main_text(page)
    assert "may change projects in 520100 only" in text
    assert "xing-ren-lv-ban-dai-xiang-mu-xu-gou" in text and "hyperlink-http-evil-example-dian-wo" in text
    snap(page, "sign-in-scoped-editor-refused-en")
    assert (data_copy / "projects" / "projects.csv").read_bytes() == before
    assert len(open_store(data_copy).history()) == versions


def test_the_editor_signs_in_imports_and_the_saved_version_is_signed_with_the_account(
    page: Page, server: AppServer, data_copy: Path
):
    open_app(page, f"{server.url}/registry?lang=zh")
    sign_in(page, "wangmin", lang="zh")
    page.locator('[data-testid="stSidebar"]').get_by_text("已登录：wangmin").first.wait_for()  # the sign-in rerun done
    assert PASSWORD not in page.url and PASSWORD not in page.content()  # nothing secret in the URL or the page
    page.locator(f'{UPLOADER} input[type="file"]').first.set_input_files(str(MESSY))
    page.get_by_role("button", name="接受 4 条有效记录").click()
    page.get_by_text("已保存为版本").wait_for()
    latest = open_store(data_copy).history()[0]
    assert (latest.author, latest.message) == ("wangmin", "import registry_messy_gbk.csv")
    page.get_by_text("修正位置", exact=True).click()
    page.get_by_text(f"上次保存：版本 {latest.version}，wangmin，").wait_for()  # the page names the account too
    snap(page, "sign-in-editor-last-save-zh")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名", exact=True).wait_for()
    assert page.locator(UPLOADER).count() == 0
