"""Tables as a reader sees them: no `None`/`nan` in a cell, numbers with separators, the name column pinned."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd
import streamlit as st

EMPTY_CELL: Final[str] = "—"
"""What an unknown figure shows: a dash, never the words None or nan."""
STYLED_MAX_ROWS: Final[int] = 5_000
"""Above this a table is shown plain (a Styler renders every cell in Python; 10⁵ rows would cost seconds)."""


def number_text(value: Any) -> str:
    """``8000`` / ``2.5`` / ``—``: whole numbers without decimals, others with up to two (no separators: a year
    column is numeric too)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return EMPTY_CELL
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}".rstrip("0").rstrip(".")


def show_table(frame: pd.DataFrame, *, pinned: int = 1, **kwargs: Any) -> Any:
    """`st.dataframe` with empty cells shown as a dash and the first `pinned` columns kept in view on scroll.

    Keyword arguments go to `st.dataframe` (``hide_index`` defaults to True, ``width`` to "stretch").
    """
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    config = dict(kwargs.pop("column_config", None) or {})
    for column in list(frame.columns)[:pinned]:
        config.setdefault(column, st.column_config.Column(pinned=True))
    shown: Any = frame
    if len(frame) <= STYLED_MAX_ROWS and frame.columns.is_unique:
        decimals = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
        others = [c for c in frame.columns if c not in decimals]
        styler = frame.style
        if decimals:
            styler = styler.format(number_text, subset=decimals)
        if others:
            styler = styler.format(na_rep=EMPTY_CELL, subset=others)
        shown = styler
    return st.dataframe(shown, column_config=config, **kwargs)
