"""Vendored Leaflet for maps that must work with no internet: no JS, CSS or font from a CDN.

Government intranets cannot reach CDNs, yet folium's defaults load Leaflet, jQuery, Bootstrap,
Font-Awesome and Leaflet.awesome-markers from five remote hosts (`folium.Map.default_js` /
`default_css`, and every plugin's own `default_js`). This module replaces all of them with the
copy of Leaflet vendored in ``atlas/maps/static/leaflet`` (see ``atlas/maps/static/README.md`` and
``scripts/vendor_assets.sh``), in the two ways a map is shown:

Standalone HTML (``atlas map -o x.html``)
    `standalone_html` inlines Leaflet's JS as ``<script>`` text and its CSS as ``<style>`` text
    (the CSS images become ``data:`` URIs), so the file works opened from disk, network off.

Streamlit, through streamlit-folium's ``st_folium`` (read from streamlit-folium 0.27.4's Python
source and its frontend bundle ``frontend/build/static/js/main.*.js`` + source map)
    * The component does **not** bundle Leaflet. Its frontend only imports Leaflet *types*
      (``@types/leaflet``; ``import {Layer} from "leaflet"`` is erased by TypeScript); the
      bundle contains no Leaflet code.
    * Python walks the map tree and collects the ``default_js`` / ``default_css`` URLs of every
      `JSCSSMixin` element (a branca ``ColorMap`` adds two hard-coded d3 CDN URLs), de-duplicates
      them and sends them as ``js_links`` / ``css_links``. The frontend loads each JS link in
      order with ``<script src=...>`` appended to the iframe body, awaiting ``onload``; an
      ``onerror`` rejects the chain and **the map is never created** (blank component). So with
      folium's defaults an offline intranet gets an empty map, or waits for TCP time-outs first.
      CSS links become ``<link rel="stylesheet">`` (not awaited).
    * The folium *header* is sent too, after a regex removes every ``<script src=...>`` and
      ``<link rel="stylesheet" href=.../>``; the rest is appended with
      ``document.head.innerHTML += header``: inline ``<style>`` applies, inline ``<script>`` in
      the header is inert (innerHTML never runs scripts). The body HTML is also inserted with
      innerHTML. Only the concatenated ``script`` macros of the map and its descendants run
      (as one ``<script>`` element, after all ``js_links`` loaded), plus the scripts of the
      ``feature_group_to_add`` groups, which are ``eval``-ed on re-runs.
    * The links are loaded once, when the component first mounts; later re-runs that bring new
      ``js_links`` do not load them. Every library must therefore ride on the first map.
    * So: inline ``<script>`` text cannot carry Leaflet in the app, but a ``data:`` URI in
      ``default_js`` works (the component iframe sets no Content-Security-Policy), and so does a
      URL served by Streamlit itself. `use_vendored_assets` does either: by default it points
      the map's ``default_js`` / ``default_css`` at ``data:`` URIs (no server configuration,
      ~200 kB sent with each re-run), or, given ``base_url``, at Streamlit static files. For the
      latter set ``[server] enableStaticServing = true`` and expose ``atlas/maps/static`` as
      ``static/`` beside the app's main script; Streamlit 1.67 (Starlette server) serves it at
      ``<root>/app/static/...`` as ``application/javascript`` / ``text/css`` (with ``nosniff``,
      which those real types pass). The component iframe lives at
      ``<root>/component/streamlit_folium.st_folium/index.html``, so from inside it the base URL
      is ``"../../app/static"`` (relative, so a ``baseUrlPath`` still works). The app does this
      (``static`` beside app.py links to ``atlas/maps/static``; ui/map_view.py): the browser caches
      the file and compiles it once, where a ``data:`` URI was sent, decoded and compiled per session.
    * Both modes were checked in headless Chromium against a throw-away app with every
      non-localhost request aborted: Leaflet 1.9.4 loads, the layers draw, clicks return the
      point, tooltip and popup text, and swapping ``feature_group_to_add`` works.
    * st_folium *mutates* the map it is given: it adds the ``feature_group_to_add`` groups to it
      as children. A base map cached across re-runs (``st.cache_resource``) therefore carries
      the previous run's groups into the next run's main script, which then fails in the
      browser (``feature_group_feature_group_0 is not defined``) and the map stays blank. Cache
      the map if you like, but pass ``copy.deepcopy(cached_map)`` to ``st_folium``.

Every function here mutates the folium tree it is given (folium objects are mutable builders)
and returns it; `standalone_html` restores what it changed.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterator
from typing import Final

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

from atlas.core.settings import STATIC_DIR

LEAFLET_JS: Final[str] = "leaflet/leaflet.js"
LEAFLET_CSS: Final[str] = "leaflet/leaflet.css"
"""Paths below `STATIC_DIR` of the only library the map uses."""

_INLINE_ELEMENT_NAME: Final[str] = "atlas_inline_assets"
_CSS_URL = re.compile(r"url\((['\"]?)(images/[A-Za-z0-9_.-]+\.png)\1\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)"""
    r"""|@import\s+(?:url\()?\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)


@functools.cache
def _read_text(relative: str) -> str:
    return (STATIC_DIR / relative).read_text(encoding="utf-8")


@functools.cache
def leaflet_js() -> str:
    """Leaflet's JS, without the source-map comment (a browser's dev tools would fetch the map)."""
    code = _SOURCE_MAP.sub("", _read_text(LEAFLET_JS))
    if "</script" in code.lower():
        # Inlined into <script> text, this would end the element early; Leaflet 1.9 has none.
        raise ValueError(f"{STATIC_DIR / LEAFLET_JS} contains '</script' and cannot be inlined")
    return code


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/...)`` turned into ``data:`` URIs, so no file is fetched."""

    def inline(match: re.Match[str]) -> str:
        png = (STATIC_DIR / "leaflet" / match.group(2)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    return _CSS_URL.sub(inline, _read_text(LEAFLET_CSS))


def _data_uri(media_type: str, text: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


@functools.cache
def _data_uris() -> tuple[str, str]:
    return _data_uri("text/javascript", leaflet_js()), _data_uri("text/css", leaflet_css())


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def strip_remote_assets(root: Element) -> Element:
    """Empty ``default_js`` / ``default_css`` on every JS/CSS-loading element under `root`.

    Set as instance attributes, so folium's class-level CDN lists stay untouched for other maps.
    Also removes link elements an earlier render already left in the figure header.

    Parameters
    ----------
    root
        A map, a feature group, or any folium element.

    Returns
    -------
    Element
        `root`, changed in place.
    """
    for element in _walk(root):
        if isinstance(element, JSCSSMixin):
            element.default_js = []
            element.default_css = []
    figure = root.get_root()
    if isinstance(figure, Figure):
        for name, child in list(figure.header._children.items()):
            if isinstance(child, JavascriptLink | CssLink):
                del figure.header._children[name]
    return root


def use_vendored_assets(m: folium.Map, *, base_url: str | None = None) -> folium.Map:
    """Make `m` load the vendored Leaflet, and nothing from a remote host.

    This is what the Streamlit app calls before ``st_folium(m, ...)``; `build_atlas_map`
    calls it too, so a map saved or shown any other way is offline-safe as well.

    Parameters
    ----------
    m
        The map; every JS/CSS-loading element below it is stripped first.
    base_url
        None (default) for self-contained ``data:`` URIs. Otherwise the URL of a copy of
        ``atlas/maps/static``, e.g. ``"../../app/static"`` for Streamlit static serving as seen from
        streamlit-folium's component iframe (see the module docstring).

    Returns
    -------
    folium.Map
        `m`, changed in place.
    """
    strip_remote_assets(m)
    if base_url is None:
        js, css = _data_uris()
    else:
        root = base_url.rstrip("/")
        js, css = f"{root}/{LEAFLET_JS}", f"{root}/{LEAFLET_CSS}"
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    return m


def standalone_html(m: folium.Map, *, title: str | None = None) -> str:
    """One HTML file that draws `m` with the network off: Leaflet inlined as text.

    Parameters
    ----------
    m
        The map. Its asset settings are restored afterwards, so it can still be handed to
        streamlit-folium.
    title
        Plain text of the ``<title>`` element; HTML-escaped here.

    Returns
    -------
    str
        The complete document.
    """
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("the map is not inside a folium Figure; build it with folium.Map(...)")
    saved = {
        id(el): (el, el.__dict__.get("default_js"), el.__dict__.get("default_css"))
        for el in _walk(m)
        if isinstance(el, JSCSSMixin)
    }
    old_title = figure.title
    try:
        strip_remote_assets(m)
        inline = f"<style>\n{leaflet_css()}\n</style>\n<script>\n{leaflet_js()}\n</script>\n"
        figure.header.add_child(_Raw(inline), name=_INLINE_ELEMENT_NAME, index=1)
        if title is not None:
            figure.title = _escape_text(title)
        return figure.render()
    finally:
        figure.header._children.pop(_INLINE_ELEMENT_NAME, None)
        figure.title = old_title
        for element, js, css in saved.values():
            _restore(element, "default_js", js)
            _restore(element, "default_css", css)


class _Raw(Element):
    """Text emitted as is; a plain `Element` would compile Leaflet's source as a Jinja template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


def _restore(element: Element, attribute: str, value: object) -> None:
    if value is None:
        element.__dict__.pop(attribute, None)
    else:
        setattr(element, attribute, value)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def remote_asset_urls(html: str) -> list[str]:
    """Every remote URL an HTML document would *fetch*: ``src``/``href`` of script, link, img,
    iframe and source tags, CSS ``@import`` and ``url(...)``.

    Plain ``<a href>`` links and URL strings inside scripts (tile templates, attribution links)
    are not fetches and are not reported.

    Parameters
    ----------
    html
        A rendered document.

    Returns
    -------
    list of str
        The URLs, in document order; empty for an offline-safe document.
    """
    return [next(g for g in match.groups() if g) for match in _REMOTE_ASSET.finditer(html)]
