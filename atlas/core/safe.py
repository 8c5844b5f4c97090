"""Output safety: HTML-escape data, neutralise spreadsheet formulas, sanitise file names."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from typing import Any, Final

import pandas as pd

FORMULA_TRIGGERS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣")
"""A cell starting with these (after leading blanks) may run as a formula in Excel/LibreOffice/WPS; the
full-width forms are included because some spreadsheet and IME set-ups fold them to ASCII on entry."""
LEADING_BLANKS: Final[str] = " \t\r\n\u3000\xa0\ufeff"
"""Skipped before looking for a trigger: spreadsheets trim them, so " \n=1" can still be a formula."""


def escape(value: Any) -> str:
    """HTML-escape any value for a popup, tooltip or page; None/NaN become an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would evaluate with an apostrophe (OWASP CSV injection).

    Numbers stay numbers; only strings whose first non-blank character starts a formula change.
    """
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(LEADING_BLANKS)
    if stripped and (stripped[0] in FORMULA_TRIGGERS or value[0] in FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_series(values: pd.Series) -> pd.Series:
    """`neutralise_formula` over a column, each distinct text tested once (a 15,000-row sheet in milliseconds).

    Non-text cells (numbers, None, NaN) stay as they are; the result is an object column.
    """
    seen: dict[str, str] = {}
    cells = [
        (seen[v] if v in seen else seen.setdefault(v, neutralise_formula(v))) if type(v) is str else v
        for v in values.astype(object).tolist()
    ]
    return pd.Series(cells, index=values.index, dtype=object, name=values.name)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of `frame` with every text cell (and header) neutralised for CSV/XLSX export."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = neutralise_series(out[column])
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


_UNSAFE_FILENAME = re.compile(r"[^\w\-.]+", re.UNICODE)


def safe_filename(name: str, *, default: str = "export") -> str:
    """A file name without path separators, control characters or leading dots (keeps CJK letters)."""
    folded = unicodedata.normalize("NFKC", name)
    cleaned = _UNSAFE_FILENAME.sub("_", folded).strip("._")
    return cleaned[:120] or default


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(value: Any) -> str:
    """Text from data made inert for Streamlit markdown: no links, emphasis, HTML or LaTeX from data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
