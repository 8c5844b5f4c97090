"""streamlit-folium's map component, fed with scripts rendered once and reused by every run and session.

``st_folium`` renders the whole folium tree to JavaScript on every script run: the base map, and every
layer group with a Jinja template compiled per element. For the atlas that was most of a page view's
server time, for output that only changes when the data, the language or the filters do. Here the same
strings are produced by streamlit-folium's own helpers (so the browser side is unchanged), but once per
content: `render_base` and `render_group` are pure functions of a folium object, the callers cache their
results (`ui.map_view`), and `show_rendered` only hands the cached strings to the component.

This is the one module that uses streamlit-folium's private helpers (written for streamlit-folium 0.27;
tests/test_pinned_versions.py fails loudly when another version is installed).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

DEFAULT_RETURNS: dict[str, Any] = {
    "last_clicked": None,
    "last_object_clicked": None,
    "last_object_clicked_count": None,
    "last_object_clicked_tooltip": None,
    "last_object_clicked_popup": None,
    "all_drawings": None,
    "last_active_drawing": None,
    "last_circle_radius": None,
    "last_circle_polygon": None,
    "selected_layers": None,
    "selected_tags": None,
    "last_geocoder_result": None,
}
"""What `st_folium` returns before the first interaction (bounds and zoom come from the map)."""


@dataclass(frozen=True)
class RenderedMap:
    """A base map as the component receives it (see `st_folium`)."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict[str, dict[str, float | None]]
    zoom: Any
    script_hash: str
    """streamlit-folium's key for the component: the same base map keeps the browser's map mounted."""


@dataclass(frozen=True)
class RenderedGroup:
    """A layer group's script, for position `index` in the list of groups added to the map."""

    script: str
    index: int
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def render_base(m: folium.Map) -> RenderedMap:
    """The strings `st_folium` would send for `m` (rendered from a copy: rendering renames elements)."""
    m = copy.deepcopy(m)
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    css, js = _links(m)
    try:
        (south, west), (north, east) = m.get_bounds()
    except (AttributeError, ValueError):
        south = west = north = east = None
    return RenderedMap(
        script=script,
        header=header,
        html=html,
        map_id=sf.get_full_id(m),
        css_links=css,
        js_links=js,
        bounds={"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
        zoom=m.options.get("zoom"),
        script_hash=sf.generate_js_hash(script, None, False),
    )


def render_group(group: folium.FeatureGroup, index: int) -> RenderedGroup:
    """The script `st_folium` would send for `group` as its `index`-th ``feature_group_to_add``."""
    host = folium.Map(tiles=None)  # any map: its id is replaced by the component's ``map_div``
    group = copy.deepcopy(group)
    script = sf._get_feature_group_string(group, map=host, idx=index)
    css, js = _links(group)
    return RenderedGroup(script=script, index=index, css_links=css, js_links=js)


def show_rendered(
    base: RenderedMap,
    groups: Sequence[RenderedGroup],
    *,
    key: str,
    height: int,
    width: str | int = "stretch",
    returned_objects: Iterable[str] = ("last_object_clicked",),
    center: Sequence[float] | None = None,
    zoom: int | None = None,
) -> dict[str, Any]:
    """Draw `base` with `groups` (their indexes must be 0, 1, …) and return what the browser reported.

    Same arguments and results as ``st_folium(m, feature_group_to_add=groups, key=key, ...)`` for the
    maps the strings were rendered from; a change of `groups` only swaps the layers in the browser.
    """
    if [g.index for g in groups] != list(range(len(groups))):
        raise ValueError("rendered groups must be numbered 0, 1, … in the order they are drawn")
    returned = list(returned_objects)
    defaults = {name: value for name, value in _defaults(base).items() if name in returned}
    hash_key = _component_key(base, key)

    def keep_in_session_state() -> None:  # what st_folium's on_change does: the state under our own key
        st.session_state[key] = st.session_state.get(hash_key, {})

    result = sf._component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id=base.map_id,
        key=hash_key,
        height=height,
        width=width,
        returned_objects=returned,
        default=defaults,
        zoom=zoom,
        center=list(center) if center is not None else None,
        feature_group="".join(g.script for g in groups) if groups else None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(dict.fromkeys([*base.css_links, *(c for g in groups for c in g.css_links)])),
        js_links=list(dict.fromkeys([*base.js_links, *(j for g in groups for j in g.js_links)])),
        on_change=keep_in_session_state,
        wrap_longitude=False,
    )
    return dict(result or {})


def _component_key(base: RenderedMap, key: str) -> str:
    """`generate_js_hash(script, key)` without re-reading the script: the key is mixed into the cached hash."""
    return hashlib.sha256(f"{base.script_hash}|{key}".encode()).hexdigest()


def _defaults(base: RenderedMap) -> dict[str, Any]:
    return {**DEFAULT_RETURNS, "bounds": base.bounds, "zoom": base.zoom}


def _links(root: branca.element.Element) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The CSS and JS links `st_folium` collects from the elements under `root`, de-duplicated, in order."""
    css: list[str] = []
    js: list[str] = []
    for element in _walk(root):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)
