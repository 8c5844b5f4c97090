"""Tables as a reader sees them: no `None`/`nan` in a cell, numbers with separators, the name column pinned."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd
import streamlit as st

EMPTY_CELL: Final[str] = "—"
"""What an unknown figure shows: a dash, never the words None or nan."""
TEXT_GAPS_MAX_ROWS: Final[int] = 5_000
"""Above this a table is shown as it is (rewriting cells of 10⁵ rows per view would cost the server seconds)."""


def number_text(value: Any) -> str:
    """``8000`` / ``2.5`` / ``—``: whole numbers without decimals, others with up to two (no separators: a year
    column is numeric too)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return EMPTY_CELL
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}".rstrip("0").rstrip(".")


def show_table(frame: pd.DataFrame, *, pinned: int = 1, **kwargs: Any) -> Any:
    """`st.dataframe` with empty cells shown as a dash and the first `pinned` columns kept in view on scroll.

    Streamlit draws a missing number as the word "None", whatever a Styler says, so a numeric column with
    gaps is shown as right-aligned text ("8000", "—"); such a column then sorts as text, which the few-row
    tables this is for can live with. Columns without gaps stay numbers. Keyword arguments go to
    `st.dataframe` (``hide_index`` defaults to True, ``width`` to "stretch").
    """
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    config = dict(kwargs.pop("column_config", None) or {})
    for column in list(frame.columns)[:pinned]:
        config.setdefault(column, st.column_config.Column(pinned=True))
    shown = frame
    if len(frame) <= TEXT_GAPS_MAX_ROWS and frame.columns.is_unique:
        shown = frame.copy()
        for column in frame.columns:
            values = frame[column]
            if not values.isna().any():
                continue
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                shown[column] = values.map(number_text)
                config.setdefault(column, st.column_config.TextColumn(alignment="right"))
            else:
                shown[column] = values.astype(object).where(values.notna(), EMPTY_CELL)
    return st.dataframe(shown, column_config=config, **kwargs)
