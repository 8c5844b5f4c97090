"""Streamlit helpers of the planning pages: page-owned permalink params, cached analyses, target cards."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
import streamlit as st

from atlas.analysis.gaps import gap_matrix_long
from atlas.analysis.quality import flags_in_view, quality_flags
from atlas.core.i18n import localised_text, t
from atlas.core.model import Atlas
from atlas.core.safe import escape_markdown
from atlas.core.schema import Lang
from atlas.maps.planning import quality_group, record_names
from ui.projects import registry_atlas
from ui.state import derived, get_atlas


def page_param(name: str) -> str:
    """The value `name` had in the URL the session opened with ("" when absent).

    The shared sidebar rewrites the URL to its own filters on every run, so a page reads its own
    parameter (``zones=``, ``dept=``) from the copy `ui.state.restore_from_url` keeps.
    """
    return str(st.session_state.get("_url_params", {}).get(name, ""))


def set_page_param(name: str, value: str) -> None:
    """Mirror a page's own choice in the URL (after the sidebar wrote its filters), or drop it when empty."""
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def cached_gap_matrix() -> pd.DataFrame:
    """`gap_matrix_long` of the whole atlas, once per server and atlas version (read-only).

    In database mode, of the registry's first `SCOPE_ROWS` projects (`ui.projects.registry_atlas`).
    """
    return derived("gap-matrix", None, lambda: gap_matrix_long(registry_atlas(get_atlas())[0]))


def cached_quality_flags() -> pd.DataFrame:
    """`quality_flags` of the whole atlas, once per server and atlas version (read-only); see `cached_gap_matrix`."""
    return derived("quality-flags", None, lambda: quality_flags(registry_atlas(get_atlas())[0]))


def quality_overlay(view: Atlas, lang: Lang) -> folium.FeatureGroup:
    """The map's data-quality layer: flags of the whole atlas, narrowed to the records `view` shows."""
    flags = flags_in_view(cached_quality_flags(), view)
    return quality_group(flags, lang=lang, names=record_names(view, lang))


def target_card(row: dict[str, Any], lang: Lang) -> None:
    """One target: indicator, goal, section, then a progress bar, met / not met, or "no data" with the note."""
    with st.container(border=True):
        goal = f"{row['operator']} {row['value']:g} {row['unit']}"
        st.markdown(
            f"**{escape_markdown(row[f'indicator_{lang}'])}** · {escape_markdown(goal)} "
            f"({int(row['target_year'])}) · {escape_markdown(row['policy_section'])}"
        )
        values = {"latest": row["latest_value"], "value": row["value"], "unit": escape_markdown(row["unit"])}
        year = "" if pd.isna(row["latest_year"]) else f"{int(row['latest_year'])}"
        if row["status"] == "no-data":
            note = escape_markdown(localised_text(row, "latest_note", lang))
            st.caption(f"**{t('no_data', lang)}** · {note}" if note else f"**{t('no_data', lang)}**")
        elif row["status"] == "progress":
            st.progress(
                min(1.0, max(0.0, float(row["progress"]))), text=t("target_progress", lang, year=year, **values)
            )
        elif row["status"] == "met":
            st.success(t("target_met", lang, year=year, **values))
        else:
            st.warning(t("target_not_met", lang, year=year, **values))
