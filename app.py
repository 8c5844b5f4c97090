"""The app's frame: page config, the shared sidebar and navigation over `pages/`. Nothing else."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from atlas.i18n import t
from ui.sidebar import render_sidebar
from ui.state import get_atlas, leave_legacy_pages_mode, mark_frame_rendered

FAVICON = str(Path(__file__).parent / "ui" / "favicon.png")  # local: a material icon would load from a CDN
st.set_page_config(page_title="贵州铝产业集群地图 · Guizhou Aluminium Cluster Atlas", page_icon=FAVICON, layout="wide")

leave_legacy_pages_mode()
atlas = get_atlas()
filters, lang = render_sidebar(atlas)
st.session_state["atlas_filters"] = filters

PAGES = [
    st.Page("pages/map.py", title=t("page_map", lang), icon=":material/map:", url_path="map", default=True),
    st.Page("pages/zones.py", title=t("page_zones", lang), icon=":material/factory:", url_path="zones"),
    st.Page("pages/clusters.py", title=t("page_clusters", lang), icon=":material/bar_chart:", url_path="clusters"),
    st.Page("pages/projects.py", title=t("page_projects", lang), icon=":material/table:", url_path="projects"),
    st.Page("pages/gaps.py", title=t("page_gaps", lang), icon=":material/grid_on:", url_path="gaps"),
    st.Page("pages/compare.py", title=t("page_compare", lang), icon=":material/compare:", url_path="compare"),
    st.Page("pages/targets.py", title=t("page_targets", lang), icon=":material/flag:", url_path="targets"),
    st.Page("pages/data.py", title=t("page_data", lang), icon=":material/menu_book:", url_path="data"),
    st.Page("pages/registry.py", title=t("page_registry", lang), icon=":material/edit_note:", url_path="registry"),
]
mark_frame_rendered()
st.navigation(PAGES).run()
