"""The shared sidebar: language switch and the filters every page applies (kept in the URL)."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.query import Filters
from atlas.core.i18n import names_by_id, t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, label
from ui.state import (
    FILTER_PARAMS,
    LANG_KEY,
    VIEW_PREFIX,
    WIDGET_PREFIX,
    bind_widget,
    current_filters,
    current_lang,
    restore_from_url,
    store_widget,
    write_url,
)


def _clear_filters() -> None:
    for field in FILTER_PARAMS.values():
        st.session_state[VIEW_PREFIX + field] = []
    st.session_state[VIEW_PREFIX + "text"] = ""


def render_sidebar(atlas: Atlas) -> tuple[Filters, Lang]:
    """Draw the sidebar and return what the user chose; the URL follows every change."""
    ignored = restore_from_url(atlas)
    for key in [*FILTER_PARAMS.values(), "text"]:
        bind_widget(WIDGET_PREFIX + key, VIEW_PREFIX + key)
    bind_widget("lang", LANG_KEY)
    with st.sidebar:
        st.radio(
            t("language", "zh"),
            ["zh", "en"],
            key="lang",
            on_change=store_widget,
            args=("lang", LANG_KEY),
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
                on_change=store_widget,
                args=(WIDGET_PREFIX + field, VIEW_PREFIX + field),
                placeholder=t("choose", lang),
                format_func=lambda v, f=field: names[f].get(v, v) if f in names else label(v, lang),
            )
        st.text_input(
            t("filter_text", lang),
            key=WIDGET_PREFIX + "text",
            on_change=store_widget,
            args=(WIDGET_PREFIX + "text", VIEW_PREFIX + "text"),
        )
        st.button(t("reset_filters", lang), on_click=_clear_filters)
        if ignored:
            st.warning(t("ignored_params", lang, values=", ".join(ignored)))
    filters = current_filters()
    write_url(filters, lang)
    return filters, lang
