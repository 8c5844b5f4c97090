"""The one place the app draws a map: rendered once per content, reused by every run and session.

A page view used to rebuild and re-render every folium layer (a Jinja template compiled per element) on
every run. Now each layer's script is rendered once per (atlas version, layer, filters, language, basemap)
and kept with the atlas snapshot (`ui.state.derived`), and the map component gets the cached strings
(`ui.folium_component`). Filter changes still only swap the layer groups in the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
import streamlit as st

from atlas.core.i18n import t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, Layer
from atlas.core.settings import MAP_LARGE_POINTS
from atlas.maps.atlas_map import DRAW_ORDER, build_base_map, build_layer_groups
from atlas.maps.offline import use_vendored_assets
from atlas.maps.scale import MapView, ViewLayer, project_group_for_view, view_from_map_state
from ui.folium_component import RenderedGroup, RenderedMap, render_base, render_group, show_rendered
from ui.state import derived, get_atlas

BOUNDARY_LAYERS: Final[frozenset[Layer]] = frozenset({Layer.PROVINCE, Layer.PREFECTURES, Layer.COUNTIES})
"""Layers no filter changes: one rendering serves every view."""
APP_STATIC_URL: Final[str] = "../../app/static"
"""The vendored Leaflet as the map's iframe sees it: Streamlit serves ./static (a link to atlas/maps/static,
``enableStaticServing`` in .streamlit/config.toml) at <root>/app/static; the iframe is at
<root>/component/streamlit_folium.st_folium/. Relative, so a ``baseUrlPath`` still works."""
RENDERED_LAYERS_MAX: Final[int] = 256
"""Rendered layer scripts kept per atlas version (a few kB to ~2 MB each; boundaries are shared)."""


@dataclass(frozen=True)
class Overlay:
    """A page's own layer above the atlas layers, built only when `key` (with language and basemap) is new."""

    key: Hashable
    build: Callable[[], folium.FeatureGroup]


def rendered_base_map(lang: Lang, basemap: str, highlight_zone: str | None = None) -> RenderedMap:
    """The base map (tiles, legend, scale, view), rendered once per atlas version, language, basemap and zone."""
    tianditu_key = st.secrets.get("tianditu_key") if basemap == "tianditu" and _has_secrets() else None

    def build() -> RenderedMap:
        m = build_base_map(get_atlas(), lang=lang, basemap=basemap, highlight_zone=highlight_zone,
                           tianditu_key=tianditu_key, legend_counts=False)  # live counts sit beside the map instead
        # A browser-cached file, not the data: URIs a standalone map carries (~200 kB per map message).
        return render_base(use_vendored_assets(m, base_url=APP_STATIC_URL))

    return derived("base-map", (lang, basemap, highlight_zone, tianditu_key), build)


def rendered_layer(view: Atlas, view_key: Hashable, layer: Layer, index: int, *, lang: Lang, basemap: str,
                   highlight_zone: str | None = None) -> RenderedGroup:
    """One atlas layer of `view` (described by `view_key`) as the `index`-th group of a map, rendered once."""
    if layer in BOUNDARY_LAYERS:
        view_key, highlight_zone = None, None
    elif layer is not Layer.ZONES:
        highlight_zone = None

    def build() -> RenderedGroup:
        groups = build_layer_groups(view, lang=lang, basemap=basemap, layers={layer}, highlight_zone=highlight_zone)
        return render_group(groups[layer], index)

    key = (layer, view_key, lang, basemap, highlight_zone, index)
    return derived("map-layer", key, build, max_entries=RENDERED_LAYERS_MAX)


def rendered_overlay(overlay: Overlay, index: int, *, lang: Lang, basemap: str) -> RenderedGroup:
    return derived("map-overlay", (overlay.key, lang, basemap, index), lambda: render_group(overlay.build(), index),
                   max_entries=RENDERED_LAYERS_MAX)


def show_map(
    view: Atlas,
    *,
    view_key: Hashable,
    lang: Lang,
    layers: Collection[Layer],
    key: str,
    height: int = 600,
    highlight_zone: str | None = None,
    basemap: str = "none",
    overlays: Sequence[Overlay] = (),
    projects_layer: Callable[[MapView, Lang, str], ViewLayer] | None = None,
) -> dict[str, Any]:
    """Draw `view`'s layers; filter changes only re-send the layer groups.

    `view_key` says what `view` is, for the caches: the `Filters` it was filtered with, or None for the
    whole atlas. With more than `MAP_LARGE_POINTS` projects the project layer holds only what the current
    view needs (`atlas.maps.scale`, rendered on each run), and the map reports its bounds and zoom so that
    a pan or zoom reruns the page with the new view; smaller registries do not rerun on pan.
    `overlays` (e.g. `atlas.maps.planning` layers) are drawn above the atlas layers.
    `projects_layer`, when given, builds the project layer per view instead (`view` then holds only some of
    the projects: database mode, `ui.projects.shown_projects`).
    """
    base = rendered_base_map(lang, basemap, highlight_zone)
    large = Layer.PROJECTS in layers and (projects_layer is not None or len(view.projects) > MAP_LARGE_POINTS)
    wanted = set(layers)
    order = [layer for layer in DRAW_ORDER if layer in wanted]
    groups: list[RenderedGroup] = []
    returned = ["last_object_clicked"]
    for layer in order:
        if layer is Layer.PROJECTS and large:
            map_view = view_from_map_state(st.session_state.get(key))
            shown = (projects_layer(map_view, lang, basemap) if projects_layer is not None else
                     project_group_for_view(view.projects, map_view, lang=lang, basemap=basemap))
            groups.append(render_group(shown.group, len(groups)))
            returned += ["bounds", "zoom"]
            st.caption(t(f"map_mode_{shown.mode}", lang, count=shown.in_view))
        else:
            groups.append(rendered_layer(view, view_key, layer, len(groups), lang=lang, basemap=basemap,
                                         highlight_zone=highlight_zone))
    for overlay in overlays:
        groups.append(rendered_overlay(overlay, len(groups), lang=lang, basemap=basemap))
    return show_rendered(base, groups, key=key, height=height, returned_objects=returned)


def _has_secrets() -> bool:
    try:
        return "tianditu_key" in st.secrets
    except FileNotFoundError:
        return False
