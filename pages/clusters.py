"""Clusters: projects aggregated by cluster type, zone, prefecture or chain stage, as charts and tables."""

from __future__ import annotations

import altair as alt
import streamlit as st

from atlas.analysis.aggregate import GROUP_BYS, status_breakdown
from atlas.core.i18n import localise_frame, t
from atlas.reports.export import layer_to_bytes, tables_to_xlsx_bytes
from ui.downloads import Download, download_row
from ui.layout import page_title
from ui.projects import project_summary
from ui.state import page_context
from ui.tables import show_table

atlas, filters, lang = page_context()
page_title(t("page_clusters", lang))
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
legend = chart_data.drop_duplicates("state").sort_values("order")
chart = (
    alt.Chart(chart_data)
    .mark_bar()
    .encode(
        x=alt.X("count:Q", title=t("projects", lang)),
        y=alt.Y("group:N", sort=list(chart_data["group"].unique()), title=None, axis=alt.Axis(labelLimit=0)),
        color=alt.Color(
            "state:N",
            title=t("filter_statuses", lang),
            scale=alt.Scale(domain=list(legend["state"]), range=list(legend["colour"])),
            sort=list(legend["state"]),
        ),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("group:N", title=t("group_by", lang)),
                 alt.Tooltip("state:N", title=t("filter_statuses", lang)),
                 alt.Tooltip("count:Q", title=t("projects", lang))],
    )
)
st.altair_chart(chart, width="stretch")

table = localise_frame(summary, lang)
show_table(localise_frame(summary.drop(columns=["key"]), lang))  # the name says it; the id stays in the files
st.caption(t("aggregate_notes", lang))
download_row(
    [
        Download("csv", lambda: layer_to_bytes(table, "csv")),
        Download("xlsx", lambda: tables_to_xlsx_bytes({t("page_clusters", lang): table})),
    ],
    basename=f"aggregate-{by}",
    key="clusters-dl",
)
