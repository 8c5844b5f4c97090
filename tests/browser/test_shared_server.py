"""One server, many people: a save made elsewhere shows without a restart; sessions never share filters."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from atlas.analysis.query import Filters, filtered_atlas
from atlas.data.load import load_atlas

from .conftest import REPO_ROOT, AppServer, open_app, run_streamlit, wait_for_app

MESSY = REPO_ROOT / "tests" / "fixtures" / "registry_messy_gbk.csv"
SHOWING = re.compile(r"Showing (\d+) zones, (\d+) projects, (\d+) recycling bases, (\d+) deposits")
NOTICED_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COPY of data/: the CLI saves into it while the app runs."""
    return Path(shutil.copytree(REPO_ROOT / "data", tmp_path_factory.mktemp("shared") / "data"))


@pytest.fixture(scope="module")
def server(data_copy: Path) -> Iterator[AppServer]:
    with run_streamlit("app.py", env={"ATLAS_DATA_DIR": str(data_copy)}, log_name="streamlit-shared") as running:
        yield running


def shown_counts(page: Page) -> tuple[int, ...]:
    caption = page.get_by_text(SHOWING).first
    caption.wait_for()
    found = SHOWING.search(caption.inner_text())
    assert found, caption.inner_text()
    return tuple(int(n) for n in found.groups())


def test_a_cli_import_while_the_app_runs_shows_in_a_new_session_without_restart(
    browser: Browser, server: AppServer, data_copy: Path
):
    first = browser.new_page()
    open_app(first, f"{server.url}/?lang=en")
    before = shown_counts(first)
    assert before[1] == len(load_atlas(data_copy).projects)

    done = subprocess.run(
        [str(Path(sys.executable).with_name("atlas")), "import", str(MESSY), "--author", "cli-test"],
        env={**os.environ, "ATLAS_DATA_DIR": str(data_copy)}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = len(load_atlas(data_copy).projects)
    assert expected == before[1] + 4

    deadline = time.monotonic() + NOTICED_WITHIN_S
    seen: list[int] = []
    while True:
        fresh = browser.new_page()
        open_app(fresh, f"{server.url}/?lang=en")
        seen.append(shown_counts(fresh)[1])
        fresh.context.close()
        if seen[-1] == expected or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert seen[-1] == expected, f"new sessions showed {seen} projects; the registry has {expected}"
    assert server.process.poll() is None, "the server was not restarted"
    first.context.close()


def test_sessions_open_at_once_with_different_filters_each_see_their_own_counts(
    browser: Browser, server: AppServer, data_copy: Path
):
    atlas = load_atlas(data_copy)
    clusters = [str(c) for c in atlas.cluster_types["id"]]
    pages = []
    for cluster in clusters:
        page = browser.new_page()
        page.goto(f"{server.url}/?lang=en&cluster={cluster}", wait_until="commit")
        pages.append((cluster, page))
    for cluster, page in pages:
        wait_for_app(page)
        view = filtered_atlas(atlas, Filters(cluster_types=(cluster,)))
        want = (len(view.zones), len(view.projects), len(view.recycling_bases), len(view.deposits))
        assert shown_counts(page) == want, f"session filtered to {cluster} shows another session's counts"
    assert len({shown_counts(page) for _, page in pages}) > 1, "the clusters' views must differ for this test to bite"
    for _, page in pages:
        page.context.close()
