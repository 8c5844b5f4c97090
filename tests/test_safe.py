"""Output safety: escaping, spreadsheet-formula neutralisation and file names."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas.core.safe import escape, neutralise_formula, neutralise_frame, neutralise_series, safe_filename

FORMULA_PAYLOADS = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "  =cmd|' /C calc'!A0",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://evil","x")',
]
XSS_PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)'"]


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_formula_payloads_become_inert_text(payload):
    assert neutralise_formula(payload).startswith("'")


@pytest.mark.parametrize("value", ["清镇", "Qingzhen", "", "a=b", 3, -2.5, None])
def test_ordinary_values_and_numbers_are_untouched(value):
    assert neutralise_formula(value) == value


def test_neutralise_frame_covers_cells_and_headers():
    frame = pd.DataFrame({"=bad": ["=1", "ok"], "n": [-1, 2]})
    safe = neutralise_frame(frame)
    assert list(safe.columns) == ["'=bad", "n"]
    assert list(safe["'=bad"]) == ["'=1", "ok"]
    assert list(safe["n"]) == [-1, 2]


@given(st.lists(st.one_of(st.text(), st.none(), st.integers(), st.floats(allow_nan=True)), max_size=30))
def test_a_column_is_neutralised_exactly_as_cell_by_cell(cells):
    column = pd.Series(cells + FORMULA_PAYLOADS + ["\u3000＝1", " \t ", "－2", "a=b"], dtype=object)
    expected = [neutralise_formula(v) for v in column]
    got = neutralise_series(column).tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == e or (g != g and e != e)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_escape_leaves_no_markup(payload):
    escaped = escape(payload)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped


@given(st.text())
def test_escaped_text_never_contains_raw_angle_brackets_or_quotes(text):
    escaped = escape(text)
    assert not set("<>\"'") & set(escaped)


@given(st.text())
def test_a_safe_filename_has_no_path_parts(text):
    name = safe_filename(text)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")


def test_safe_filename_keeps_chinese():
    assert safe_filename("清镇经开区 profile.xlsx") == "清镇经开区_profile.xlsx"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
