"""Projects: the filtered registry as a sortable table beside its map; downloads are exactly this set."""

from __future__ import annotations

import streamlit as st

from atlas.core.i18n import MISSING_MARK, localise_frame, project_columns, record_labels, t
from atlas.core.schema import Layer
from atlas.reports.export import layer_to_bytes, tables_to_xlsx_bytes
from ui.downloads import Download, download_row
from ui.layout import page_title
from ui.map_view import show_map
from ui.projects import shown_projects
from ui.state import page_context

atlas, filters, lang = page_context()
shown = shown_projects(atlas, filters)
view = shown.view
page_title(t("page_projects", lang))
st.caption(t("projects_count", lang, n=shown.count, total=shown.total))
if not shown.complete:
    st.caption(t("projects_first_rows", lang, shown=len(view.projects), total=shown.count))

table = localise_frame(view.projects[project_columns(lang)], lang, names=record_labels(atlas, lang))
left, right = st.columns([3, 2])
with left:
    st.dataframe(table, hide_index=True, placeholder=MISSING_MARK, width="stretch", height=520)
with right:
    show_map(
        view, view_key=filters, lang=lang, layers={Layer.COUNTIES, Layer.PREFECTURES, Layer.PROJECTS},
        key="projects-map", height=520, projects_layer=shown.layer,
    )
download_row(
    [
        Download("csv", lambda: layer_to_bytes(view.projects, "csv")),
        Download("xlsx", lambda: tables_to_xlsx_bytes({t("page_projects", lang): table})),
        Download("geojson", lambda: layer_to_bytes(view.projects, "geojson", layer_name="projects")),
    ],
    basename="projects",
    key="projects-dl",
)
