"""The app on the database backend: pages show the database's registry, and an unreachable server is a message."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from atlas.registry.postgis import PostgisStore
from tests.storage.conftest import edited, tiny_projects
from tests.storage.test_store_postgis import CLOSED_PORT_URL
from tests.test_app_pages import APP, navigation, navigation_not_pages_folder, run_app, tiny_data  # noqa: F401  (fixtures)


def test_the_projects_page_shows_the_registry_from_the_database(monkeypatch, registry_url, tiny_data_dir):
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    renamed = edited(tiny_projects(), "wheels", name_en="Wheels saved in PostGIS")
    store.save(renamed, base_version="0", author="t", message="m")
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    at = run_app("pages/projects.py", lang="en")
    shown = " ".join(str(frame.value.to_string()) for frame in at.dataframe)
    assert "Wheels saved in PostGIS" in shown


def test_an_unreachable_database_is_a_message_on_the_page_not_a_traceback(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ATLAS_DATABASE_URL", CLOSED_PORT_URL)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "cannot reach the registry database 127.0.0.1:9/nowhere" in errors and "s3cret" not in errors
