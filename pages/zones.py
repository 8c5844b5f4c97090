"""Zone profiles: roles, chain coverage, projects, nearby resources, a small map and every download."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.profile import zone_profile
from atlas.analysis.query import Filters
from atlas.core.i18n import names_by_id, t
from atlas.core.schema import Layer, label
from atlas.reports.export import profile_tables, profile_to_bytes
from ui.downloads import Download, download_row, report_downloads
from ui.map_view import show_map
from ui.projects import shown_projects, zone_atlas
from ui.state import derived, page_context
from ui.widgets import first_or, seeded

atlas, filters, lang = page_context()
st.title(t("page_zones", lang))
zone_names = names_by_id(atlas.zones, lang)
zone_id = seeded(st.selectbox, t("zone", lang), list(zone_names), key="profile_zone",
                 start=first_or(filters.zones, list(zone_names)), format_func=zone_names.__getitem__)
km = st.slider(t("nearby_radius", lang), 10, 150, 50, step=10, key="profile_km")
profile = derived("zone-profile", (zone_id, km),
                  lambda: zone_profile(zone_atlas(atlas, zone_id), zone_id, nearby_km=float(km)))
zone = profile.zone

st.header(zone[f"name_{lang}"])
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

tables = derived("zone-profile-tables", (zone_id, km, lang), lambda: profile_tables(profile, lang))
left, right = st.columns([3, 2])
with left:
    for name, table in list(tables.items())[2:]:
        st.subheader(name)
        if name == t("county_unstated_title", lang):
            st.caption(t("county_unstated_note", lang))
        if len(table):
            st.dataframe(table, hide_index=True, width="stretch")
        else:
            st.caption(t("no_data", lang))
with right:
    everything = shown_projects(atlas, Filters())
    show_map(
        everything.view,
        view_key=None,
        lang=lang,
        layers={Layer.PREFECTURES, Layer.COUNTIES, Layer.ZONES, Layer.DEPOSITS, Layer.RECYCLING_BASES, Layer.PROJECTS},
        key="zone-map",
        height=460,
        highlight_zone=zone_id,
        projects_layer=everything.layer,
    )

st.subheader(t("downloads", lang))
download_row(
    [
        Download(fmt, lambda fmt=fmt: profile_to_bytes(profile, fmt, lang=lang))
        for fmt in ("xlsx", "csv", "geojson", "gpkg")
    ]
    + report_downloads(zone_atlas(atlas, zone_id), profile, lang),
    basename=f"{zone_id}-profile-{lang}",
    key="zone-dl",
)
