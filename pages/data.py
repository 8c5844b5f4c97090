"""Data & sources: every layer's file, sources, dates, licence, precision counts and validation status."""

from __future__ import annotations

import streamlit as st

from atlas.analysis.inventory import data_inventory, problems_table
from atlas.analysis.quality import flags_for_display, quality_counts_for_display
from atlas.core.i18n import localise_frame, t
from ui.layout import page_title
from ui.planning import cached_quality_flags
from ui.projects import registry_atlas
from ui.state import page_context, validation_problems
from ui.tables import show_table

atlas, _, lang = page_context()
page_title(t("page_data", lang))
st.caption(t("data_intro", lang))

registry, total = registry_atlas(atlas)
st.subheader(t("layers", lang))
if len(registry.projects) < total:
    st.caption(t("registry_scope_note", lang, shown=len(registry.projects), total=total))
show_table(localise_frame(data_inventory(registry), lang, value_columns=("layer",)))

st.subheader(t("validation", lang))
problems = validation_problems()
errors = [p for p in problems if p.severity == "error"]
if errors:
    st.error(t("validation_failed", lang, n=len(errors)))
else:
    st.success(t("validation_ok", lang, warnings=len(problems)))
if problems:
    show_table(localise_frame(problems_table(problems), lang))

st.subheader(t("policy_sections", lang))
show_table(localise_frame(atlas.sections, lang))
st.caption(t("precision_explained", lang))

st.subheader(t("quality_flags", lang))
st.caption(t("quality_intro", lang))
flags = cached_quality_flags()
show_table(quality_counts_for_display(flags, lang))
show_table(flags_for_display(flags, lang))
