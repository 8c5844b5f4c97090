"""Tables as a reader sees them: an unknown figure is a dash, never `None`/`nan`, and the name column stays in view."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from atlas.core.i18n import MISSING_MARK


def show_table(frame: pd.DataFrame, *, pinned: int = 1, **kwargs: Any) -> Any:
    """`st.dataframe` with missing cells drawn as `MISSING_MARK` and the first `pinned` columns kept on scroll.

    Keyword arguments go to `st.dataframe` (``hide_index`` defaults to True, ``width`` to "stretch").
    """
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", MISSING_MARK)
    config = dict(kwargs.pop("column_config", None) or {})
    for column in list(frame.columns)[:pinned]:
        config.setdefault(column, st.column_config.Column(pinned=True))
    return st.dataframe(frame, column_config=config, **kwargs)
