"""A 20 000-project synthetic registry in the real app: the canvas layer draws them, and a filter redraws it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, Page

from atlas.core import settings

from .conftest import PageLog, map_frame, open_app, run_streamlit, snap, wait_for_app

N = 20_000
DRAWS = "() => +document.querySelector('#map_div').dataset.atlasDraws || 0"
LAST = "() => document.querySelector('#map_div').dataset.atlasLastDraw || ''"


@pytest.fixture(scope="module")
def scale_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("scale") / "data"
    shutil.copytree(settings.REPO_ROOT / "data", data)
    subprocess.run([sys.executable, str(settings.REPO_ROOT / "scripts" / "make_synthetic_registry.py"),
                    "--n", str(N), "--seed", "3", "-o", str(data / settings.DATA_FILES["projects"])],
                   check=True, capture_output=True, timeout=300)
    with run_streamlit(env={"ATLAS_DATA_DIR": str(data)}, log_name="streamlit-scale") as server:
        yield server.url


def drawn(frame: Frame, *, more_than: int) -> tuple[int, str]:
    frame.wait_for_function(f"() => ({DRAWS})() > {more_than}", timeout=90_000)
    return int(frame.evaluate(DRAWS)), str(frame.evaluate(LAST))


def test_twenty_thousand_projects_draw_on_the_canvas_and_a_filter_redraws_them(
        page: Page, scale_url: str, page_log: PageLog):
    open_app(page, f"{scale_url}/?lang=en", timeout_ms=120_000)
    frame = map_frame(page, timeout_ms=120_000)
    draws, last = drawn(frame, more_than=0)
    assert last == f"points:{N}"
    snap(page, "scale-20k-all")

    page.get_by_role("button", name=re.compile("alloy products", re.IGNORECASE)).first.click()
    _after, last = drawn(frame, more_than=draws)
    wait_for_app(page, timeout_ms=120_000)
    kind, count = last.split(":")
    assert kind == "points" and 0 < int(count) < N, last
    assert page_log.blocked_assets == [] and page_log.page_errors == [], page_log.summary()
    snap(page, "scale-20k-alloy")
