"""The map: layers, a legend that filters by cluster type, click-for-details, and the table of what is shown."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.listing import map_listing
from atlas.analysis.pick import card_rows, pick_record
from atlas.core.i18n import localise_frame, t
from atlas.core.schema import Layer, label
from atlas.core.settings import MAP_TABLE_MAX_ROWS
from atlas.maps.atlas_map import BASEMAPS
from ui.cards import legend_filter, render_card
from ui.layout import MAP_HEIGHT_PX, page_title
from ui.map_view import Overlay, show_map
from ui.planning import quality_overlay
from ui.projects import cluster_counts, near_click, shown_projects
from ui.state import derived, page_context
from ui.tables import show_table

atlas, filters, lang = page_context()
shown = shown_projects(atlas, filters)
view = shown.view
header, controls = st.columns([4, 1], vertical_alignment="bottom")
with header:
    page_title(t("app_title", lang))
header.caption(
    t(
        "showing",
        lang,
        zones=len(view.zones),
        projects=shown.count,
        bases=len(view.recycling_bases),
        deposits=len(view.deposits),
    )
)
with controls.popover(t("map_controls", lang), width="stretch"):  # compact: the map comes first on a small screen
    layers = st.pills(
        t("layers", lang),
        list(Layer),
        selection_mode="multi",
        default=list(Layer),
        key="map_layers",
        format_func=lambda v: label(v, lang),
    )
    basemap = st.selectbox(
        t("basemap", lang), BASEMAPS, key="map_basemap", format_func=lambda b: t(f"basemap_{b}", lang)
    )
    show_flags = st.toggle(t("quality_overlay", lang), key="map_quality_flags")
legend_filter(atlas, view, lang, projects=cluster_counts(atlas, filters, list(atlas.cluster_types["id"])))

overlays = [Overlay(("quality", filters), lambda: quality_overlay(view, lang))] if show_flags else []
clicked = show_map(
    view, view_key=filters, lang=lang, layers=set(layers or []), key="atlas-map", height=MAP_HEIGHT_PX,
    basemap=basemap, overlays=overlays, projects_layer=shown.layer,
)
point = clicked.get("last_object_clicked") or {}
clicked_view = near_click(shown, filters, lon=point["lng"], lat=point["lat"]) if "lng" in point else view
picked = pick_record(clicked_view, lon=point["lng"], lat=point["lat"]) if "lng" in point else None
if picked is not None:
    render_card(card_rows(atlas, picked, lang=lang), picked, lang)

st.subheader(t("map_table", lang))
shown_layers = frozenset(layers or [])
listing = derived("map-listing", (filters, shown_layers, lang),
                  lambda: localise_frame(map_listing(view, shown_layers, lang=lang, limit=MAP_TABLE_MAX_ROWS), lang))
if shown.count > MAP_TABLE_MAX_ROWS and Layer.PROJECTS in shown_layers:
    st.caption(t("map_table_truncated", lang, shown=MAP_TABLE_MAX_ROWS, total=shown.count))
show_table(listing, pinned=3)
