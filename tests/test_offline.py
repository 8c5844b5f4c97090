"""Offline assets: the vendored Leaflet replaces every CDN link, inline or as data: URIs."""

from __future__ import annotations

import base64
import hashlib
import re

import folium
import folium.plugins
import pytest

from atlas.core.settings import STATIC_DIR
from atlas.maps import offline


def _cdn_map() -> folium.Map:
    """folium at its worst: default CDN links on the map and a plugin with its own CDN JS/CSS."""
    m = folium.Map(location=[26.6, 106.7], zoom_start=7, tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    folium.CircleMarker([26.6, 106.7], radius=5).add_to(m)
    return m


def _asset_links(m: folium.Map) -> list[str]:
    """The URLs streamlit-folium would send as js_links/css_links (its `walk` over the tree)."""
    links: list[str] = []
    stack: list[object] = [m]
    while stack:
        element = stack.pop()
        if isinstance(element, folium.elements.JSCSSMixin):
            links += [url for _, url in element.default_js] + [url for _, url in element.default_css]
        stack.extend(getattr(element, "_children", {}).values())
    return links


def test_folium_defaults_would_fetch_from_cdns() -> None:
    """The problem this module solves (a guard that the test below is not vacuous)."""
    assert len(offline.remote_asset_urls(_cdn_map().get_root().render())) >= 10


def test_vendored_assets_replace_every_cdn_link_on_map_and_plugins() -> None:
    m = offline.use_vendored_assets(_cdn_map())
    links = _asset_links(m)
    assert links == [m.default_js[0][1], m.default_css[0][1]]
    assert links[0].startswith("data:text/javascript;base64,")
    assert links[1].startswith("data:text/css;base64,")
    assert offline.remote_asset_urls(m.get_root().render()) == []


def test_data_uri_holds_the_vendored_leaflet() -> None:
    m = offline.use_vendored_assets(_cdn_map())
    code = base64.b64decode(m.default_js[0][1].split(",", 1)[1]).decode("utf-8")
    assert code == offline.leaflet_js()
    assert "Leaflet 1.9.4" in code


def test_other_maps_keep_folium_class_defaults() -> None:
    offline.use_vendored_assets(_cdn_map())
    assert any("cdn.jsdelivr.net" in url for _, url in folium.Map.default_js)
    assert any("cdn.jsdelivr.net" in url for _, url in folium.Map().default_js)


def test_static_serving_mode_points_at_the_app_static_copy() -> None:
    m = offline.use_vendored_assets(_cdn_map(), base_url="../../app/static/")
    assert _asset_links(m) == ["../../app/static/leaflet/leaflet.js", "../../app/static/leaflet/leaflet.css"]


def test_standalone_html_inlines_leaflet_and_has_no_script_src_at_all() -> None:
    m = offline.use_vendored_assets(_cdn_map())
    html = offline.standalone_html(m, title="<贵州> & map")
    assert offline.remote_asset_urls(html) == []
    assert not re.search(r"<script[^>]*\bsrc=", html) and "<link" not in html
    assert html.index("Leaflet 1.9.4") < html.index("L.map(")
    assert "url(images/" not in html and "url(data:image/png;base64," in html
    assert "<title>&lt;贵州&gt; &amp; map</title>" in html


def test_standalone_html_restores_the_map_for_later_streamlit_use() -> None:
    m = offline.use_vendored_assets(_cdn_map())
    before = _asset_links(m)
    first = offline.standalone_html(m)
    assert _asset_links(m) == before
    assert offline.standalone_html(m) == first  # no link left behind in the header by a render
    assert "data:text/javascript;base64," in m.get_root().render()


def test_leaflet_css_images_are_inlined() -> None:
    css = offline.leaflet_css()
    assert "url(images/" not in css
    assert css.count("url(data:image/png;base64,") == 3


@pytest.mark.parametrize(("html", "expected"), [
    ('<script src="https://cdn.example/x.js"></script>', ["https://cdn.example/x.js"]),
    ("<link rel='stylesheet' href='//cdn.example/x.css'/>", ["//cdn.example/x.css"]),
    ('<style>@import url("http://fonts.example/f.css");</style>', ["http://fonts.example/f.css"]),
    ("<style>@font-face{src:url(https://fonts.example/f.woff2)}</style>", ["https://fonts.example/f.woff2"]),
    ('<img src="http://tracker.example/p.gif">', ["http://tracker.example/p.gif"]),
    ('<a href="https://example.org/policy">source</a>', []),
    ('<script>L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png")</script>', []),
    ('<script src="data:text/javascript;base64,AAAA"></script>', []),
])
def test_remote_asset_urls_finds_fetches_but_not_links(html: str, expected: list[str]) -> None:
    assert offline.remote_asset_urls(html) == expected


def test_streamlit_folium_header_and_links_stay_local() -> None:
    """What streamlit-folium 0.27 actually sends: header with src/href tags removed, plus links."""
    st_folium = pytest.importorskip("streamlit_folium")
    m = offline.use_vendored_assets(_cdn_map())
    m.get_root().render()
    header = st_folium._get_header(m)
    assert offline.remote_asset_urls(header) == []
    assert all(link.startswith("data:") for link in _asset_links(m))


def test_vendored_files_match_the_checksums_in_the_static_readme() -> None:
    readme = (STATIC_DIR / "README.md").read_text(encoding="utf-8")
    sums = re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)
    assert {path for _, path in sums} >= {"leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/LICENSE"}
    for digest, path in sums:
        assert hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest() == digest, path
