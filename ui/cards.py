"""Small shared widgets: the legend-as-filter and the detail card of a clicked record."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from atlas.analysis.pick import Picked
from atlas.analysis.project_index import count_by_cluster
from atlas.core.i18n import names_by_id, t
from atlas.core.model import Atlas
from atlas.core.safe import escape_markdown
from atlas.core.schema import Lang, Layer
from ui.state import VIEW_PREFIX

CLUSTER_SWATCH = {
    "lightweight-materials": ":blue[●]",
    "alloy-products": ":red[●]",
    "non-metallic-materials": ":green[●]",
}
"""Same hues as the map's cluster colours (schema.CLUSTER_COLOURS); markdown colours, no emoji font needed."""


def _legend_changed() -> None:
    st.session_state[VIEW_PREFIX + "cluster_types"] = list(st.session_state["legend_clusters"])


def legend_filter(atlas: Atlas, view: Atlas, lang: Lang, *, projects: Mapping[str, int] | None = None) -> None:
    """Cluster colours with counts (zones · projects); choosing one filters every page.

    `projects`: the projects per cluster type when `view` does not hold them all (database mode).
    """
    names = names_by_id(atlas.cluster_types, lang)
    roles = view.zone_roles[view.zone_roles["kind"] == "cluster"]
    if projects is None:
        projects = count_by_cluster(view.projects, names)  # per distinct cluster list: a million rows stay cheap
    counts = {c: (roles.loc[roles["cluster_type"] == c, "zone_id"].nunique(), projects[c]) for c in names}
    st.session_state["legend_clusters"] = list(st.session_state.get(VIEW_PREFIX + "cluster_types", []))
    st.pills(
        t("legend", lang),
        list(names),
        selection_mode="multi",
        key="legend_clusters",
        on_change=_legend_changed,
        format_func=lambda c: (
            f"{CLUSTER_SWATCH.get(c, '●')} {names[c]} · "
            f"{t('legend_counts', lang, zones=counts[c][0], projects=counts[c][1])}"
        ),
    )


def render_card(rows: list[tuple[str, str]], picked: Picked, lang: Lang) -> None:
    """The clicked record's card; a zone's card opens its profile."""
    with st.container(border=True):
        for key, value in rows:
            st.markdown(f"**{escape_markdown(key)}**: {escape_markdown(value)}")
        if picked.layer == Layer.ZONES and st.button(t("open_profile", lang), key="open-profile"):
            st.session_state["profile_zone"] = picked.record["id"]
            st.switch_page("pages/zones.py")
