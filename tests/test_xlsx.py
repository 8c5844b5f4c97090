"""The workbook a user downloads opens in Excel-compatible readers with the cells they expect."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.core.cells import column_letter
from atlas.core.safe import neutralise_frame
from atlas.reports.xlsx import MAX_TEXT, tables_to_xlsx


def read_back(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_text_numbers_booleans_and_dates_come_back_as_such():
    table = pd.DataFrame(
        {
            "name": ["清镇经开区", "Xingren", None],
            "capacity": [1.5, float("nan"), 300.0],
            "count": [1, 2, 3],
            "mixed": [True, datetime.date(2026, 1, 31), float("inf")],
        }
    )
    sheet = read_back(tables_to_xlsx([("zones", table)]))["zones"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["name", "capacity", "count", "mixed"]
    assert rows[1] == ["清镇经开区", 1.5, 1, True]
    assert rows[2][:3] == ["Xingren", None, 2]
    assert rows[2][3] == datetime.datetime(2026, 1, 31)
    assert sheet["D3"].number_format == "yyyy\\-mm\\-dd"
    assert rows[3] == [None, 300.0, 3, "inf"]


def test_each_sheet_has_a_bold_frozen_header_and_readable_widths():
    book = read_back(tables_to_xlsx([("a", pd.DataFrame({"id": ["x"] * 3})), ("b", pd.DataFrame({"n": [1]}))]))
    assert book.sheetnames == ["a", "b"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b
        assert not sheet["A2"].font.b
        assert 8 <= sheet.column_dimensions["A"].width <= 62


def test_pandas_reads_the_same_table_back():
    table = pd.DataFrame({"id": [f"p{i}" for i in range(1000)], "lon": np.linspace(103.6, 109.6, 1000)})
    back = pd.read_excel(io.BytesIO(tables_to_xlsx([("projects", table)])), sheet_name="projects")
    pd.testing.assert_frame_equal(back, table)


def test_a_sheet_written_in_chunks_keeps_every_row_in_order(monkeypatch):
    monkeypatch.setattr("atlas.reports.xlsx.CHUNK_ROWS", 7)
    table = pd.DataFrame({"id": [f"p{i}" for i in range(50)], "n": [i + 0.5 for i in range(50)]})
    back = pd.read_excel(io.BytesIO(tables_to_xlsx([("p", table)])), sheet_name="p")
    pd.testing.assert_frame_equal(back, table)


def test_text_that_looks_like_markup_or_an_escape_stays_literal():
    texts = ["<b>&amp;</b>", "_x0041_", 'quote " and \' ', "  leading blanks", "line\r\nbreak", "bell\x07 gone"]
    sheet = read_back(tables_to_xlsx([("t", pd.DataFrame({"text": texts}))]))["t"]
    assert [c.value for c in sheet["A"]][1:] == [
        "<b>&amp;</b>",
        "_x005F_x0041_",  # the escaped underscore: Excel shows "_x0041_", openpyxl the raw escape
        'quote " and \' ',
        "  leading blanks",
        "line\nbreak",
        "bell gone",
    ]


def test_sheet_names_with_xml_characters_survive():
    book = read_back(tables_to_xlsx([('A&B "x" <y>', pd.DataFrame({"a": [1]}))]))
    assert book.sheetnames == ['A&B "x" <y>']


def test_overlong_text_is_cut_to_excels_cell_limit():
    sheet = read_back(tables_to_xlsx([("t", pd.DataFrame({"notes": ["字" * (MAX_TEXT + 10)]}))]))["t"]
    assert len(sheet["A2"].value) == MAX_TEXT


def test_an_empty_table_still_has_its_header():
    sheet = read_back(tables_to_xlsx([("empty", pd.DataFrame(columns=["id", "name"]))]))["empty"]
    assert [c.value for c in sheet[1]] == ["id", "name"]
    assert sheet.max_row == 1


def test_every_part_is_well_formed_xml():
    data = tables_to_xlsx([("t", pd.DataFrame({"a": ["x<y"], "b": [2.5]}))])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "[Content_Types].xml" in package.namelist()
        for name in package.namelist():
            ElementTree.fromstring(package.read(name))


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index, letters):
    assert column_letter(index) == letters


def test_a_workbook_needs_a_sheet():
    with pytest.raises(ValueError, match="at least one sheet"):
        tables_to_xlsx([])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.none()), min_size=1, max_size=20))
def test_any_text_comes_back_as_written_minus_what_xml_cannot_hold(texts):
    sheet = read_back(tables_to_xlsx([("t", pd.DataFrame({"text": texts}, dtype=object))]))["t"]
    back = [sheet.cell(row=i + 2, column=1).value for i in range(len(texts))]
    for original, got in zip(texts, back, strict=True):
        if original is None:
            assert got is None
            continue
        expected = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", original)
        expected = "".join(
            ch
            for ch in expected.replace("\r\n", "\n").replace("\r", "\n")
            if ch in "\t\n" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff")
        )
        assert (got or "") == expected


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name).decode("utf-8") for name in package.namelist()}


def test_repeated_texts_are_written_once_in_the_shared_string_table_and_unique_ones_inline():
    table = pd.DataFrame({"id": [f"p{i}" for i in range(6)], "status": ["在建", "已投产"] * 3})
    parts = _parts(tables_to_xlsx([("t", table), ("u", table.iloc[:2])]))
    shared = parts["xl/sharedStrings.xml"]
    assert shared.count(">在建<") == 1 and shared.count(">已投产<") == 1  # once for both sheets
    assert "p3" not in shared and 'inlineStr"><is><t xml:space="preserve">p3<' in parts["xl/worksheets/sheet1.xml"]
    assert "sharedStrings" in parts["[Content_Types].xml"] and "sharedStrings" in parts["xl/_rels/workbook.xml.rels"]
    sheet = read_back(tables_to_xlsx([("t", table)]))["t"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=3)] == [
        ["p0", "在建"], ["p1", "已投产"]]


def test_a_workbook_without_repeated_texts_has_no_shared_string_table():
    parts = _parts(tables_to_xlsx([("t", pd.DataFrame({"id": ["a", "b"], "n": [1.0, 2.0]}))]))
    assert "xl/sharedStrings.xml" not in parts and "sharedStrings" not in parts["[Content_Types].xml"]


def test_shared_text_that_looks_like_a_formula_stays_text():
    table = neutralise_frame(pd.DataFrame({"note": ["=HYPERLINK(\"http://x\")", "@SUM(A1)"] * 4}))
    sheet = read_back(tables_to_xlsx([("t", table)]))["t"]
    cells = [c for (c,) in sheet.iter_rows(min_row=2)]
    assert {c.data_type for c in cells} == {"s"}
    assert [c.value for c in cells[:2]] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]


def test_every_cell_names_its_place_for_readers_that_need_it():
    """The reference is optional in the format, but calamine, exceljs, EPPlus and others refuse cells without it."""
    table = pd.DataFrame({"a": ["x", None], "b": ["y", "y"], "c": [None, "z"], "d": ["w", "w"]})
    sheet = _parts(tables_to_xlsx([("t", table)]))["xl/worksheets/sheet1.xml"]
    rows = re.findall(r'<row r="(\d+)">(.*?)</row>', sheet)
    assert [re.findall(r'<c(?: r="([A-Z]+\d+)")?[ >]', cells) for _, cells in rows] == [
        ["A1", "B1", "C1", "D1"],
        ["A2", "B2", "D2"],  # c2 is empty: no cell
        ["B3", "C3", "D3"],  # a3 is empty: no cell
    ]


_CELL = st.one_of(st.none(), st.sampled_from(["a", "b", "'=1+1"]), st.text(max_size=5),
                  st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=4, max_size=4), min_size=1, max_size=12))
def test_every_cell_is_read_back_in_its_place_by_openpyxl_in_both_modes_and_by_pandas(rows):
    table = pd.DataFrame(rows, columns=["w", "x", "y", "z"], dtype=object)
    data = tables_to_xlsx([("t", table)])
    expected = [[_read_as(v) for v in row] for row in rows]
    for read_only in (False, True):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)
        got = [[_read_as(c.value) for c in row] for row in book["t"].iter_rows(min_row=2, max_col=4)]
        got = [row + [None] * (4 - len(row)) for row in got]
        got += [[None] * 4] * (len(expected) - len(got))  # read-only mode stops after the last row with a cell
        assert got == expected
        book.close()
    back = pd.read_excel(io.BytesIO(data), sheet_name="t", dtype=object, keep_default_na=False, na_values=[])
    assert back.shape[1] == 4


def _read_as(value: object) -> object:
    """What a reader gives back for a written value: texts cleaned as XML requires, "" as an empty cell."""
    if isinstance(value, str):
        cleaned = "".join(ch for ch in value.replace("\r\n", "\n").replace("\r", "\n")
                          if ch in "\t\n" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))
        return re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", cleaned) or None
    if isinstance(value, float):
        return float(value)
    return value
