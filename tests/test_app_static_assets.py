"""The app's map loads the vendored Leaflet as a static file the browser caches, not inlined per map message."""

from __future__ import annotations

import tomllib

import pytest

import ui.map_view
from atlas.core import settings
from atlas.maps.offline import LEAFLET_CSS, LEAFLET_JS
from tests.test_app_pages import navigation_not_pages_folder, run_app, tiny_data  # noqa: F401  (autouse fixtures)


def test_the_server_serves_the_vendored_leaflet_beside_the_app():
    config = tomllib.loads((settings.REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    served = settings.REPO_ROOT / "static"  # Streamlit serves the folder beside app.py at /app/static/
    for asset in (LEAFLET_JS, LEAFLET_CSS):
        assert (served / asset).read_bytes() == (settings.STATIC_DIR / asset).read_bytes()


def test_the_map_page_sends_leaflet_as_a_link_to_the_static_file_not_as_a_data_uri(monkeypatch: pytest.MonkeyPatch):
    sent = []
    original = ui.map_view.show_rendered

    def recording(base, groups, **kwargs):  # type: ignore[no-untyped-def]
        sent.append((base, groups))
        return original(base, groups, **kwargs)

    monkeypatch.setattr(ui.map_view, "show_rendered", recording)
    at = run_app(lang="en")
    assert not at.exception
    assert sent, "the map page drew no map"
    for base, groups in sent:
        assert base.js_links == (f"{ui.map_view.APP_STATIC_URL}/{LEAFLET_JS}",)
        assert base.css_links == (f"{ui.map_view.APP_STATIC_URL}/{LEAFLET_CSS}",)
        texts = [base.script, base.header, base.html, *(g.script for g in groups)]
        assert not any("data:text/javascript" in text or "data:text/css" in text for text in texts)
