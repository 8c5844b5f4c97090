"""The one place the app draws a map: a stable base map plus layer groups swapped in without a full re-render."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from typing import Any

import folium
import streamlit as st
from streamlit_folium import st_folium

from atlas.core.i18n import t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, Layer
from atlas.core.settings import MAP_LARGE_POINTS
from atlas.maps.atlas_map import build_base_map, build_layer_groups
from atlas.maps.scale import project_group_for_view, view_from_map_state
from ui.state import get_atlas


@st.cache_resource(show_spinner=False, max_entries=32)
def _base_map(lang: Lang, basemap: str, highlight_zone: str | None, tianditu_key: str | None) -> folium.Map:
    """Built once per (language, basemap, zone): st_folium re-renders the map only when this changes."""
    return build_base_map(
        get_atlas(),
        lang=lang,
        basemap=basemap,
        highlight_zone=highlight_zone,
        tianditu_key=tianditu_key,
        legend_counts=False,  # counts follow the filters in the legend pills above the map
    )


def show_map(
    view: Atlas,
    *,
    lang: Lang,
    layers: Collection[Layer],
    key: str,
    height: int = 600,
    highlight_zone: str | None = None,
    basemap: str = "none",
    extra_groups: Sequence[folium.FeatureGroup] = (),
) -> dict[str, Any]:
    """Draw `view`'s layers; filter changes only re-send the layer groups (`feature_group_to_add`).

    With more than `MAP_LARGE_POINTS` projects the project layer holds only what the current view
    needs (`atlas.maps.scale`), and the map reports its bounds and zoom so that a pan or zoom reruns the
    page with the new view; smaller registries do not rerun on pan.
    `extra_groups` (e.g. `atlas.maps.planning` overlays) are drawn above the atlas layers.
    """
    tianditu_key = st.secrets.get("tianditu_key") if basemap == "tianditu" and _has_secrets() else None
    base = _base_map(lang, basemap, highlight_zone, tianditu_key)
    large = Layer.PROJECTS in layers and len(view.projects) > MAP_LARGE_POINTS
    drawn = set(layers) - {Layer.PROJECTS} if large else layers
    groups = build_layer_groups(view, lang=lang, basemap=basemap, layers=drawn, highlight_zone=highlight_zone)
    returned = ["last_object_clicked"]
    if large:
        shown = project_group_for_view(view.projects, view_from_map_state(st.session_state.get(key)), lang=lang,
                                       basemap=basemap)
        groups[Layer.PROJECTS] = shown.group
        returned += ["bounds", "zoom"]
        st.caption(t(f"map_mode_{shown.mode}", lang, count=shown.in_view))
    # st_folium adds the groups to the map it is given: hand it a copy so the cached base stays clean.
    result = st_folium(
        copy.deepcopy(base),
        feature_group_to_add=[*groups.values(), *extra_groups],
        key=key,
        height=height,
        width="stretch",
        returned_objects=returned,
    )
    return result or {}


def _has_secrets() -> bool:
    try:
        return "tianditu_key" in st.secrets
    except FileNotFoundError:
        return False
