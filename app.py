"""The app's frame: page config, navigation over `pages/`, the menu and the shared sidebar. Nothing else."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.auth import account_box, current_account, require_sign_in
from ui.layout import compact_page
from ui.navigation import mark_frame_rendered, render_menu, start_navigation
from ui.sidebar import render_sidebar
from ui.state import current_lang, get_atlas, pinned_snapshot

FAVICON = str(Path(__file__).parent / "ui" / "favicon.png")  # local: a material icon would load from a CDN
st.set_page_config(page_title="贵州铝产业集群地图 · Guizhou Aluminium Cluster Atlas", page_icon=FAVICON, layout="wide")
compact_page()

with pinned_snapshot():  # one atlas version for the whole run, even if a reload finishes meanwhile
    pages, page = start_navigation(current_lang())  # before any widget: see ui/navigation.py
    account = current_account()
    require_sign_in(account, current_lang())  # a sign-in-only atlas shows nothing else to a signed-out visitor
    render_menu(pages, admin=account is not None and account.is_admin)
    filters, lang = render_sidebar(get_atlas())
    account_box(account, lang)
    st.session_state["atlas_filters"] = filters
    mark_frame_rendered()
    page.run()
