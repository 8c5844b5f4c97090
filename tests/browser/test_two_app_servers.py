"""Two app servers on one PostGIS database: a save on one shows on the other, without a restart."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, Page

from atlas.registry.postgis import PostgisStore
from tests.storage import conftest as storage
from tests.storage.conftest import tiny_projects

from .conftest import open_app, run_streamlit

pg_cluster = storage.pg_cluster  # the storage suite's throw-away PostgreSQL cluster and a migrated database
registry_url = storage.registry_url

SHOWING = re.compile(r"Showing \d+ zones, (\d+) projects")


def projects_shown(page: Page, url: str) -> int:
    open_app(page, f"{url}/?lang=en")
    caption = page.get_by_text(SHOWING).first
    found = SHOWING.search(caption.inner_text())
    assert found, caption.inner_text()
    return int(found.group(1))


def test_a_save_on_one_app_server_shows_on_the_other(registry_url: str, tiny_data_dir: Path, browser: Browser):
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    store.save(tiny_projects(), base_version="0", author="fixture", message="the tiny projects")
    env = {"ATLAS_DATABASE_URL": registry_url, "ATLAS_DATA_DIR": str(tiny_data_dir)}
    with (run_streamlit(env=env, log_name="streamlit-db-a") as one,
          run_streamlit(env=env, log_name="streamlit-db-b") as two):
        page = browser.new_page()
        before = projects_shown(page, one.url)
        assert projects_shown(page, two.url) == before == len(tiny_projects())

        projects, version = store.read()  # what the registry page of server one does when it saves
        store.save(projects.iloc[1:], base_version=version, author="editor on server one", message="drop one")
        for server in (two, one):
            deadline = time.monotonic() + 10
            while (seen := projects_shown(page, server.url)) != before - 1 and time.monotonic() < deadline:
                time.sleep(1)
            assert seen == before - 1, f"{server.url} still shows the registry as it was before the save"
        assert one.process.poll() is None and two.process.poll() is None
