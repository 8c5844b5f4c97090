"""The shared sidebar: language switch and the filters every page applies (kept in the URL)."""

from __future__ import annotations

import streamlit as st

from atlas.i18n import names_by_id, t
from atlas.model import Atlas
from atlas.query import Filters
from atlas.schema import Lang, label
from ui.state import FILTER_PARAMS, WIDGET_PREFIX, current_filters, current_lang, restore_from_url, write_url


def _clear_filters() -> None:
    for field in FILTER_PARAMS.values():
        st.session_state[WIDGET_PREFIX + field] = []
    st.session_state[WIDGET_PREFIX + "text"] = ""


def render_sidebar(atlas: Atlas) -> tuple[Filters, Lang]:
    """Draw the sidebar and return what the user chose; the URL follows every change."""
    ignored = restore_from_url(atlas)
    with st.sidebar:
        st.radio(
            t("language", "zh"),
            ["zh", "en"],
            key="lang",
            horizontal=True,
            format_func=lambda v: "中文" if v == "zh" else "English",
        )
        lang = current_lang()
        st.subheader(t("filters", lang))
        names = {
            "cluster_types": names_by_id(atlas.cluster_types, lang),
            "zones": names_by_id(atlas.zones, lang),
            "prefectures": names_by_id(atlas.prefectures, lang, id_column="adcode"),
            "stages": names_by_id(atlas.stages, lang),
        }
        for field in FILTER_PARAMS.values():
            options = (
                list(names[field])
                if field in names
                else ["operating", "commissioning", "under-construction", "signed", "planned", "suspended", "unknown"]
            )
            st.multiselect(
                t(f"filter_{field}", lang),
                options,
                key=WIDGET_PREFIX + field,
                format_func=lambda v, f=field: names[f].get(v, v) if f in names else label(v, lang),
            )
        st.text_input(t("filter_text", lang), key=WIDGET_PREFIX + "text")
        st.button(t("reset_filters", lang), on_click=_clear_filters)
        if ignored:
            st.warning(t("ignored_params", lang, values=", ".join(ignored)))
    filters = current_filters()
    write_url(filters, lang)
    return filters, lang
