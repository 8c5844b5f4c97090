"""Every page of the app renders under Streamlit's AppTest, follows the language and the permalink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from atlas.core import settings
from tests.apptest import navigation_not_pages_folder  # noqa: F401  (fixture)
from ui.navigation import PAGE_SPECS

APP = str(settings.REPO_ROOT / "app.py")
PAGES = [
    "pages/map.py",
    "pages/zones.py",
    "pages/clusters.py",
    "pages/projects.py",
    "pages/data.py",
    "pages/gaps.py",
    "pages/compare.py",
    "pages/targets.py",
    "pages/registry.py",
    "pages/accounts.py",
]


@pytest.fixture(autouse=True)
def navigation(request: pytest.FixtureRequest) -> None:
    """Every AppTest run here goes through app.py's navigation, as a real server's runs do (tests/apptest.py)."""
    request.getfixturevalue("navigation_not_pages_folder")


@pytest.fixture(autouse=True)
def tiny_data(monkeypatch: pytest.MonkeyPatch, tiny_data_dir: Path) -> Iterator[None]:
    """Pages run on the tiny fixture data; the cached atlas is dropped around each test."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tiny_data_dir))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def run_app(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_every_page_in_the_menu_exists_and_every_page_file_is_in_the_menu():
    menu = [f"pages/{path}.py" for path, _, _ in PAGE_SPECS]
    assert sorted(menu) == sorted(PAGES)
    assert sorted(menu) == sorted(f"pages/{p.name}" for p in (settings.REPO_ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_both_languages(page, lang):
    at = run_app(page, lang=lang)
    text = " ".join(t.value for t in at.title)
    if lang == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    else:
        assert text.isascii(), text


def test_chinese_is_the_default_language():
    at = run_app()
    assert at.sidebar.radio[0].value == "zh"
    assert "贵州铝产业集群地图" in at.title[0].value


def test_a_permalink_restores_the_filters_and_the_url_keeps_them():
    at = run_app(cluster="lightweight-materials", status="planned", q="wheel", lang="en")
    assert at.sidebar.multiselect[0].value == ["lightweight-materials"]
    assert at.sidebar.multiselect[4].value == ["planned"]
    assert at.sidebar.text_input[0].value == "wheel"
    assert "Showing 1 zones, 1 projects" in at.caption[0].value
    assert at.query_params["cluster"] == "lightweight-materials"
    assert at.query_params["lang"] == "en"


def test_unknown_permalink_values_are_ignored_with_a_warning():
    at = run_app(cluster="steel,alloy-products", zone="atlantis")
    assert at.sidebar.multiselect[0].value == ["alloy-products"]
    assert "cluster=steel" in at.sidebar.warning[0].value and "zone=atlantis" in at.sidebar.warning[0].value


def test_changing_a_filter_updates_the_map_caption_and_the_url():
    at = run_app(lang="en")
    at.sidebar.multiselect[0].set_value(["lightweight-materials"]).run()
    assert "Showing 1 zones, 2 projects" in at.caption[0].value
    assert at.query_params["cluster"] == "lightweight-materials"


def test_filters_and_language_survive_a_switch_to_another_page():
    at = run_app(lang="en")
    at.sidebar.multiselect[0].set_value(["lightweight-materials"]).run()
    at.sidebar.radio[0].set_value("en").run()
    at.switch_page("pages/projects.py").run()
    assert not at.exception
    assert at.sidebar.multiselect[0].value == ["lightweight-materials"]
    assert at.sidebar.radio[0].value == "en"
    assert at.query_params["cluster"] == "lightweight-materials"


def test_switching_language_relabels_the_page():
    at = run_app(lang="en")
    at.sidebar.radio[0].set_value("zh").run()
    assert "贵州铝产业集群地图" in at.title[0].value
    assert at.query_params["lang"] == "zh"


def test_zone_profile_follows_the_chosen_zone():
    at = run_app("pages/zones.py", lang="en")
    at.selectbox(key="profile_zone").set_value("zunyi-heping").run()
    assert at.header[0].value == "Zunyi Heping (Goujiang) ED Zone"


def test_cluster_page_regroups_by_zone():
    at = run_app("pages/clusters.py", lang="en")
    frame = at.dataframe[0].value
    assert "Lightweight aluminium materials for equipment" in set(frame["Name"])
    at.button_group(key="clusters_by").set_value("zone").run()
    assert "Qingzhen ED Zone" in set(at.dataframe[0].value["Name"])


def test_projects_page_search_narrows_the_table():
    at = run_app("pages/projects.py", lang="en", q="wheel")
    assert list(at.dataframe[0].value["ID"]) == ["wheels"]


def test_data_page_reports_validation_status():
    at = run_app("pages/data.py", lang="en")
    assert "The data validates" in at.success[0].value
