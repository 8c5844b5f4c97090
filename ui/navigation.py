"""The app's pages and its menu, drawn with public Streamlit API only.

The project keeps its page scripts in `pages/` beside `app.py`, so Streamlit starts every server in its
legacy multipage mode: until the first `st.navigation` call it lists the files of `pages/` by name
("app, clusters, compare, …") and runs a deep link's file alone, without the frame. Two public means keep a
visitor from ever seeing that:

* `.streamlit/config.toml` sets ``client.showSidebarNavigation = false``: the legacy list is never shown.
  That setting also hides `st.navigation`'s own sidebar menu, so the app draws its menu itself with
  `st.page_link` (`render_menu`) over ``st.navigation(..., position="hidden")``.
* The first run in a server process, and a page run without the frame (a deep link as the very first
  request), call `st.navigation` (which ends the legacy mode for the process) and rerun at once, before any
  widget exists: the frame's widgets then get the same ids in every run, so a first visitor's first filter
  change is not dropped and a deep link lands on its page with the frame.

Written for Streamlit 1.67 (see tests/test_pinned_versions.py); it uses no Streamlit internals.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import streamlit as st

from atlas.core.i18n import t
from atlas.core.schema import Lang

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage  # the type `st.Page` returns

PAGE_SPECS: tuple[tuple[str, str, str], ...] = (
    ("map", "page_map", ":material/map:"),
    ("zones", "page_zones", ":material/factory:"),
    ("clusters", "page_clusters", ":material/bar_chart:"),
    ("projects", "page_projects", ":material/table:"),
    ("gaps", "page_gaps", ":material/grid_on:"),
    ("compare", "page_compare", ":material/compare:"),
    ("targets", "page_targets", ":material/flag:"),
    ("data", "page_data", ":material/menu_book:"),
    ("registry", "page_registry", ":material/edit_note:"),
    ("accounts", "page_accounts", ":material/manage_accounts:"),
)
"""(url path = file name in pages/, title label key, icon) in menu order; the first is the default page."""

_FRAME_KEY = "_frame_rendered"
_navigation_started = threading.Event()
"""Set once this process has called `st.navigation`: from then on no run is in the legacy mode."""


def app_pages(lang: Lang, *, icons: bool = True) -> list[StreamlitPage]:
    """The pages in menu order, titled in `lang`.

    Without `icons` for a navigation that only ends the legacy mode: in a run that has not set the page
    config, Streamlit makes the current page's material icon the favicon, fetched from Google's font CDN.
    """
    return [
        st.Page(f"pages/{path}.py", title=t(title, lang), icon=icon if icons else None, url_path=path, default=i == 0)
        for i, (path, title, icon) in enumerate(PAGE_SPECS)
    ]


def start_navigation(lang: Lang) -> tuple[list[StreamlitPage], StreamlitPage]:
    """`st.navigation` over the app's pages (menu hidden: `render_menu` draws it): the pages and the one to run.

    Reruns at once when this is the first navigation of the server process: that run may have started in
    the legacy mode, whose widget ids differ from every later run's. Call it before drawing any widget.
    """
    first_in_process = not _navigation_started.is_set()
    pages = app_pages(lang)
    page = st.navigation(pages, position="hidden")
    _navigation_started.set()
    if first_in_process:
        st.rerun()
    return pages, page


ADMIN_PAGES: frozenset[str] = frozenset({"accounts"})
"""Pages the menu lists for a signed-in admin only (the page itself also checks)."""


def render_menu(pages: list[StreamlitPage], *, admin: bool = False) -> None:
    """The page menu at the top of the sidebar (the current page is highlighted by Streamlit)."""
    with st.sidebar:
        for page in pages:
            if admin or page.url_path not in ADMIN_PAGES:
                st.page_link(page, label=page.title, icon=page.icon or None)


def mark_frame_rendered() -> None:
    """Called by app.py just before it runs a page: this run went through the frame (sidebar, menu)."""
    st.session_state[_FRAME_KEY] = True


def ensure_frame(lang: Lang) -> None:
    """At the top of every page: a page run without the frame (a deep link that Streamlit's legacy mode ran
    alone) ends the legacy mode and reruns, so app.py's frame runs and routes the link to this page."""
    if not st.session_state.pop(_FRAME_KEY, False):
        st.navigation(app_pages(lang, icons=False), position="hidden")
        _navigation_started.set()
        st.rerun()
