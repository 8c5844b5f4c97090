"""Chain gaps: per cluster type, zones x chain stages coloured by coverage; a cell lists its projects; gap map."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.gaps import gap_cell_at, items_behind, state_label, styled_gap_matrix
from atlas.core.i18n import MISSING_MARK, localise_frame, names_by_id, t
from atlas.core.safe import escape_markdown
from atlas.core.schema import Layer
from atlas.maps.planning import gap_zone_group
from atlas.reports.export import gap_matrix_to_bytes
from ui.downloads import Download, download_row
from ui.layout import page_title
from ui.map_view import Overlay, show_map
from ui.planning import cached_gap_matrix
from ui.projects import registry_atlas
from ui.state import page_context
from ui.tables import show_table
from ui.widgets import first_or, seeded

atlas, filters, lang = page_context()
page_title(t("page_gaps", lang))
st.caption(t("gaps_intro", lang))

clusters = names_by_id(atlas.cluster_types, lang)
cluster = seeded(st.radio, t("gaps_cluster", lang), list(clusters), key="gaps_cluster",
                 start=first_or(filters.cluster_types, list(clusters)), format_func=clusters.__getitem__)
long = cached_gap_matrix()
registry, total = registry_atlas(atlas)
if len(registry.projects) < total:
    st.caption(t("registry_scope_note", lang, shown=len(registry.projects), total=total))

styled = styled_gap_matrix(long, cluster, lang)
name, assigned, *stages, gaps = styled.data.columns  # fixed widths: every stage fits beside the zone names
widths = {name: 220, assigned: 90, gaps: 55} | {stage: 110 for stage in stages}
event = st.dataframe(
    styled,
    column_config={c: st.column_config.Column(width=w) for c, w in widths.items()},
    key=f"gaps-matrix-{cluster}",
    on_select="rerun",
    selection_mode="single-cell",
    hide_index=True, placeholder=MISSING_MARK,
    width="stretch",
)
st.caption(t("gaps_legend", lang))
cells = event.selection.cells
cell = gap_cell_at(long, cluster, row=cells[0][0], column=cells[0][1], lang=lang) if cells else None
if cell is None:
    st.info(t("gaps_pick_cell", lang))
else:
    state = state_label(str(cell["state"]), lang)
    st.subheader(
        t(
            "gaps_cell_title",
            lang,
            zone=escape_markdown(cell[f"zone_name_{lang}"]),
            stage=escape_markdown(cell[f"stage_name_{lang}"]),
            state=state,
        )
    )
    items = items_behind(registry, cell["project_ids"])
    if not cell["assigned"] and len(items):
        st.caption(t("gaps_cell_not_assigned", lang))
    if len(items):
        show_table(localise_frame(items, lang, value_columns=("layer",)))
    else:
        st.caption(t("gaps_cell_empty", lang))

st.subheader(t("gaps_map", lang))
show_map(
    atlas,
    view_key=None,
    lang=lang,
    layers={Layer.PREFECTURES, Layer.COUNTIES},
    key="gaps-map",
    height=600,
    overlays=[Overlay(("gap-zones", cluster), lambda: gap_zone_group(atlas, long, cluster, lang=lang))],
)
download_row(
    [Download(fmt, lambda fmt=fmt: gap_matrix_to_bytes(long, fmt, lang=lang)) for fmt in ("xlsx", "csv")],
    basename=f"chain-gaps-{lang}",
    key="gaps-dl",
)
