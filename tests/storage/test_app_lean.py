"""App servers on PostGIS hold no registry: pages ask the database, and show what file mode shows.

The same shipped data is served twice, once from its files and once with its projects saved in a
throw-away PostGIS; every page's figures (captions, metrics, tables) must agree, and the database
server's snapshot must hold no project and only bounded pages of rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from atlas.analysis.aggregate import summarise_projects
from atlas.core import settings
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from tests.apptest import navigation_not_pages_folder  # noqa: F401  (fixture)
from tests.storage.conftest import SYNTHETIC_ROWS, SyntheticRegistry
from tests.test_app_pages import APP
from ui import projects, state

COMPARED_PAGES = ["pages/map.py", "pages/projects.py", "pages/clusters.py", "pages/zones.py", "pages/compare.py",
                  "pages/gaps.py", "pages/data.py"]


@pytest.fixture(autouse=True)
def navigation(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("navigation_not_pages_folder")


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped data folder served by the app (nothing is written next to the source)."""
    folder = tmp_path / "data"
    shutil.copytree(settings.REPO_ROOT / "data", folder)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(folder))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    yield folder
    st.cache_resource.clear()


def page_figures(page: str, **params: str) -> list[str]:
    """What a page tells the reader: its captions, metrics, messages and tables, as text."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [c.value for c in at.caption] + [f"{m.label}={m.value}" for m in at.metric]
    shown += [i.value for i in at.info] + [s.value for s in at.success]
    shown += [frame.value.to_string() for frame in at.dataframe]
    shown += [table.value.to_string() for table in at.table]
    return shown


def served_snapshot() -> state.Snapshot:
    return state._live().current()


@pytest.mark.parametrize("page", COMPARED_PAGES)
def test_a_page_on_postgis_shows_the_same_figures_as_on_files(page, shipped_copy, registry_url, monkeypatch):
    on_files = page_figures(page, lang="en")
    PostgisStore(registry_url, data_dir=shipped_copy).save(FileStore(shipped_copy).read()[0], base_version="0",
                                                         author="t", message="shipped")
    st.cache_resource.clear()
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    on_database = page_figures(page, lang="en")
    assert on_database == on_files
    assert served_snapshot().atlas.projects.empty  # the figures came from the database


def test_filtered_counts_agree_between_files_and_postgis(shipped_copy, registry_url, monkeypatch):
    params = {"lang": "en", "cluster": "lightweight-materials", "status": "operating,building"}
    on_files = page_figures("pages/map.py", **params) + page_figures("pages/clusters.py", **params)
    PostgisStore(registry_url, data_dir=shipped_copy).save(FileStore(shipped_copy).read()[0], base_version="0",
                                                         author="t", message="shipped")
    st.cache_resource.clear()
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    assert page_figures("pages/map.py", **params) + page_figures("pages/clusters.py", **params) == on_files


def held_project_rows(snapshot: state.Snapshot) -> int:
    """Project rows held by the snapshot: its atlas's and every frame kept with it (`Snapshot.cached`)."""
    held = len(snapshot.atlas.projects) if snapshot.atlas is not None else 0
    for entries in snapshot._memo.values():
        for value in entries.values():
            frames = [value, getattr(value, "projects", None), getattr(value, "county_unstated", None)]
            held += sum(len(f) for f in frames if isinstance(f, pd.DataFrame) and "cluster_types" in f.columns)
    return held


def test_a_server_on_a_big_registry_holds_bounded_pages_of_it(synthetic_registry: SyntheticRegistry, tmp_path,
                                                              monkeypatch):
    shutil.copytree(settings.REPO_ROOT / "data", tmp_path / "data")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ATLAS_DATABASE_URL", synthetic_registry.url)
    monkeypatch.setattr(projects, "PAGE_ROWS", 200)
    monkeypatch.setattr(projects, "SCOPE_ROWS", 400)
    st.cache_resource.clear()
    try:
        shown = {page: page_figures(page, lang="en") for page in ("pages/map.py", "pages/projects.py",
                                                                  "pages/clusters.py", "pages/zones.py")}
        snapshot = served_snapshot()
        assert snapshot.atlas.projects.empty
        assert 0 < held_project_rows(snapshot) <= 200 * 2 + 400  # the map's and the table's page, one zone's rows
    finally:
        st.cache_resource.clear()
    atlas = synthetic_registry.atlas
    assert f"{SYNTHETIC_ROWS} of {SYNTHETIC_ROWS} projects match the filters" in shown["pages/projects.py"]
    assert any("first 200 of 3,000 projects" in text for text in shown["pages/projects.py"])
    assert any(f"{SYNTHETIC_ROWS:,}" in text or f"{SYNTHETIC_ROWS}" in text for text in shown["pages/map.py"][:1])
    expected = summarise_projects(atlas, atlas.projects, by="cluster-type")
    table = pd.DataFrame(expected[["name_en", "projects", "operating"]])
    assert all(f" {n} " in " ".join(shown["pages/clusters.py"]) for n in table["projects"])
