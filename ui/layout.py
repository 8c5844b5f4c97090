"""Page geometry for a 1366×768 office screen: little space above the content, maps sized to fit the window."""

from __future__ import annotations

from typing import Final

import streamlit as st

MAP_HEIGHT_PX: Final[int] = 500
"""The main map: 65 % of a 768-px-high window, and its bottom edge stays in the first view under a one-line
header and the legend (tests/browser/test_office_screen.py measures it)."""

SMALL_MAP_HEIGHT_PX: Final[int] = 420
"""Maps that share their page with a profile or a table (zone page, registry positions)."""

_COMPACT_CSS: Final[str] = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.6rem; padding: 0 0 0.2rem 0; }
[data-testid="stSkeleton"] { animation: none !important; }
</style>"""
"""Streamlit's default top padding (6 rem) and 2.75-rem titles push a map half off a laptop screen; 4 rem just clears
the toolbar, and a 1.6-rem title is one line."""


def compact_page() -> None:
    """Tighten the page's top padding (a style-only `st.html` takes no space on the page)."""
    st.html(_COMPACT_CSS)


def page_title(text: str) -> None:
    """The page's heading (an h1, as screen readers expect), set one line high by `compact_page`'s style."""
    st.title(text, anchor=False)
