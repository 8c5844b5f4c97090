"""The map page in large mode: the map reports its view, the table is cut, the layer says what it holds."""

from __future__ import annotations

import pytest

import ui.map_view
from atlas.core import settings
from atlas.maps import scale as map_scale
from tests.test_app_pages import navigation_not_pages_folder, run_app, tiny_data  # noqa: F401  (autouse fixtures)


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tiny data's three projects count as a "large" registry of at most one point per view."""
    monkeypatch.setattr(ui.map_view, "MAP_LARGE_POINTS", 1)
    monkeypatch.setattr(map_scale, "MAP_LARGE_POINTS", 1)
    monkeypatch.setattr(map_scale, "choose_mode", lambda total, n: "points" if n <= 1 else "bins")


def test_a_large_registry_shows_counts_per_cell_at_first(large):
    at = run_app(lang="en")
    captions = " ".join(c.value for c in at.caption)
    assert "counts per grid cell" in captions


def test_a_small_registry_draws_every_project_without_a_large_mode_caption():
    at = run_app(lang="en")
    captions = " ".join(c.value for c in at.caption)
    assert "grid cell" not in captions and "in view are drawn" not in captions


def test_a_zoomed_in_view_reported_by_the_map_gets_the_views_points(large):
    at = run_app(lang="en")
    at.session_state["atlas-map"] = {
        "bounds": {"_southWest": {"lat": 26.59, "lng": 106.39}, "_northEast": {"lat": 26.61, "lng": 106.41}},
        "zoom": 15, "last_object_clicked": None}
    at.run()
    assert not at.exception
    assert "only the 1 in view are drawn" in " ".join(c.value for c in at.caption)


def test_the_table_under_the_map_lists_at_most_its_limit_and_says_so(monkeypatch):
    monkeypatch.setattr(settings, "MAP_TABLE_MAX_ROWS", 2)
    at = run_app(lang="en")
    listed = at.dataframe[0].value
    assert (listed["Layer"] == "projects and enterprises").sum() == 2
    assert "first 2 of 3 records" in " ".join(c.value for c in at.caption)
