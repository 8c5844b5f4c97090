"""Zone profiles: roles, chain coverage, projects, nearby resources, a small map and every download."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.profile import zone_profile
from atlas.analysis.query import Filters
from atlas.core.i18n import names_by_id, t
from atlas.core.safe import escape_markdown
from atlas.core.schema import Layer, label
from atlas.reports.export import profile_tables, profile_to_bytes
from ui.downloads import Download, download_row, report_downloads
from ui.layout import SMALL_MAP_HEIGHT_PX, page_title
from ui.map_view import show_map
from ui.projects import shown_projects, zone_atlas
from ui.state import derived, page_context
from ui.tables import show_table
from ui.widgets import first_or, seeded

atlas, filters, lang = page_context()
page_title(t("page_zones", lang))
zone_names = names_by_id(atlas.zones, lang)
pick, radius = st.columns([3, 2])
with pick:
    zone_id = seeded(st.selectbox, t("zone", lang), list(zone_names), key="profile_zone",
                     start=first_or(filters.zones, list(zone_names)), format_func=zone_names.__getitem__)
with radius:
    km = st.slider(t("nearby_radius", lang), 10, 150, 50, step=10, key="profile_km")
profile = derived("zone-profile", (zone_id, km),
                  lambda: zone_profile(zone_atlas(atlas, zone_id), zone_id, nearby_km=float(km)))
zone = profile.zone
tables = derived("zone-profile-tables", (zone_id, km, lang), lambda: profile_tables(profile, lang))

left, right = st.columns([3, 2])  # the map and the downloads in the first view, the profile beside them
with right:
    everything = shown_projects(atlas, Filters())
    show_map(
        everything.view,
        view_key=None,
        lang=lang,
        layers={Layer.PREFECTURES, Layer.COUNTIES, Layer.ZONES, Layer.DEPOSITS, Layer.RECYCLING_BASES, Layer.PROJECTS},
        key="zone-map",
        height=SMALL_MAP_HEIGHT_PX,
        highlight_zone=zone_id,
        projects_layer=everything.layer,
    )
    st.markdown(f"**{escape_markdown(t('downloads', lang))}**")
    download_row(
        [
            Download(fmt, lambda fmt=fmt: profile_to_bytes(profile, fmt, lang=lang))
            for fmt in ("xlsx", "csv", "geojson", "gpkg")
        ]
        + report_downloads(zone_atlas(atlas, zone_id), profile, lang),
        basename=f"{zone_id}-profile-{lang}",
        key="zone-dl",
        per_row=3,
    )
with left:
    st.header(zone[f"name_{lang}"], anchor=False)
    st.caption(zone["name_en" if lang == "zh" else "name_zh"])
    st.info(
        t(
            "position_honesty",
            lang,
            precision=label(zone["position_precision"], lang),
            km=zone["uncertainty_km"],
            note=zone.get(f"position_note_{lang}", ""),
        )
    )
    figures = profile.key_figures
    shown = ["roles", "projects_in_zone", "projects_county_unstated", "operating", "nearby_deposits"]
    for column, key in zip(st.columns(len(shown)), shown, strict=True):
        column.metric(t(key, lang), f"{figures[key]:g}")
    for name, table in list(tables.items())[2:]:
        st.subheader(name)
        if name == t("county_unstated_title", lang):
            st.caption(t("county_unstated_note", lang))
        if len(table):
            show_table(table)
        else:
            st.caption(t("no_data", lang))
