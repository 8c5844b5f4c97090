"""2030 targets with progress only where a value exists, responsibilities by department (`dept=`), national context."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.national import national_context_table, national_tasks_table
from atlas.analysis.targets import responsibilities_for_display, target_progress
from atlas.core.i18n import MISSING_MARK, localise_frame, names_by_id, t
from atlas.maps.popups import records
from ui.planning import page_param, set_page_param, target_card
from ui.state import page_context
from ui.widgets import first_or, seeded

atlas, _, lang = page_context()
st.title(t("page_targets", lang))
st.caption(t("targets_intro", lang))
cards = st.columns(2)
for i, row in enumerate(records(target_progress(atlas))):
    with cards[i % 2]:
        target_card(row, lang)

st.header(t("responsibilities", lang))
departments = names_by_id(atlas.departments, lang)
dept = seeded(
    st.selectbox,
    t("department", lang),
    ["", *departments],
    key="targets_dept",
    start=first_or([page_param("dept")], ["", *departments]),
    format_func=lambda d: departments.get(d, t("all_departments", lang)),
)
set_page_param("dept", dept)
shown = responsibilities_for_display(atlas, department=dept or None, lang=lang)
if dept:  # a bureau's few sections, with the paraphrased task in full
    st.table(shown, hide_index=True)
else:
    st.dataframe(shown, hide_index=True, placeholder=MISSING_MARK, width="stretch")

st.header(t("national_context", lang))
st.caption(t("national_note", lang))
st.table(localise_frame(national_tasks_table(atlas).drop(columns="national_task_id"), lang), hide_index=True)
links = national_context_table(atlas).drop(columns=["national_task_id", "national_summary_zh", "national_summary_en"])
st.table(localise_frame(links, lang), hide_index=True)
