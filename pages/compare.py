"""Compare zones: 2–5 zones side by side (permalink `zones=`), and what lies within N km of one of them."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.compare import (
    MAX_ZONES,
    MIN_ZONES,
    compare_zones,
    comparison_sections,
    comparison_table,
    default_comparison,
)
from atlas.analysis.proximity import nearby_zone, proximity_for_display
from atlas.core.i18n import names_by_id, t
from atlas.core.schema import Layer
from atlas.maps.planning import proximity_group
from atlas.reports.export import layer_to_bytes, tables_to_xlsx_bytes
from ui.downloads import Download, download_row
from ui.layout import page_title
from ui.map_view import Overlay, show_map
from ui.planning import page_param, set_page_param
from ui.projects import near_zone_atlas, zones_atlas
from ui.state import page_context
from ui.tables import show_table
from ui.widgets import seeded

atlas, filters, lang = page_context()
page_title(t("page_compare", lang))
zone_names = names_by_id(atlas.zones, lang)
chosen = seeded(
    st.multiselect,
    t("compare_zones", lang),
    list(zone_names),
    key="compare_zones",
    start=default_comparison(list(zone_names), linked=page_param("zones").split(","), filtered=filters.zones),
    max_selections=MAX_ZONES,
    format_func=zone_names.__getitem__,
)
set_page_param("zones", ",".join(chosen))
km = st.slider(t("proximity_km", lang), 5, 150, 50, step=5, key="compare_km")

if len(chosen) < MIN_ZONES:
    st.warning(t("compare_need_two", lang))
else:
    comparison = compare_zones(zones_atlas(atlas, chosen), chosen, km=float(km))
    sections = comparison_sections(comparison, atlas, lang)
    for title, part in sections.items():  # static tables: long cells wrap instead of being cut off
        st.subheader(title)
        st.table(part, hide_index=True)
    download_row(
        [
            Download("csv", lambda: layer_to_bytes(comparison_table(comparison, atlas, lang), "csv")),
            Download("xlsx", lambda: tables_to_xlsx_bytes(sections)),
        ],
        basename=f"compare-{'-'.join(chosen)}-{lang}",
        key="compare-dl",
    )

    st.header(t("proximity", lang))
    centre = st.selectbox(t("proximity_zone", lang), chosen, key="proximity_zone", format_func=zone_names.__getitem__)
    found = nearby_zone(near_zone_atlas(atlas, centre, km=float(km)), centre, km=float(km))
    st.caption(t("proximity_note", lang))
    show_map(
        atlas,
        view_key=None,
        lang=lang,
        layers={Layer.PREFECTURES, Layer.COUNTIES, Layer.ZONES},
        key="compare-map",
        height=560,
        overlays=[Overlay(("proximity", centre, float(km)),
                          lambda: proximity_group(atlas, centre, found, km=float(km), lang=lang))],
    )
    show_table(proximity_for_display(found, lang))
