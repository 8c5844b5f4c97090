"""Clusters: projects aggregated by cluster type, zone, prefecture or chain stage, as charts and tables."""

from __future__ import annotations

import altair as alt
import streamlit as st

from atlas.analysis.aggregate import GROUP_BYS, status_breakdown
from atlas.core.i18n import localise_frame, t
from atlas.reports.export import layer_to_bytes, tables_to_xlsx_bytes
from ui.downloads import Download, download_row
from ui.projects import project_summary
from ui.state import page_context

atlas, filters, lang = page_context()
st.title(t("page_clusters", lang))
by = (
    st.segmented_control(
        t("group_by", lang),
        GROUP_BYS,
        default="cluster-type",
        key="clusters_by",
        format_func=lambda g: t(f"by_{g}", lang),
    )
    or "cluster-type"
)
summary = project_summary(atlas, filters, by=by)

chart_data = status_breakdown(summary, lang)
chart = (
    alt.Chart(chart_data)
    .mark_bar()
    .encode(
        x=alt.X("count:Q", title=t("projects", lang)),
        y=alt.Y("group:N", sort=list(chart_data["group"].unique()), title=None),
        color=alt.Color("state:N", title=t("filter_statuses", lang)),
        tooltip=["group", "state", "count"],
    )
)
st.altair_chart(chart, width="stretch")

table = localise_frame(summary, lang)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(t("aggregate_notes", lang))
download_row(
    [
        Download("csv", lambda: layer_to_bytes(table, "csv")),
        Download("xlsx", lambda: tables_to_xlsx_bytes({t("page_clusters", lang): table})),
    ],
    basename=f"aggregate-{by}",
    key="clusters-dl",
)
