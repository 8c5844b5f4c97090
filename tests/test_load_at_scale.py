"""Column-wise loading gives what the cell-by-cell code gave: search keys, numbers, CSV reading, problems."""

from __future__ import annotations

import math
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from atlas.core import schema, settings
from atlas.data import search_keys as search_text
from atlas.data import tables
from atlas.data.load import load_atlas_with_problems
from atlas.data.search_keys import add_search_text
from atlas.data.tables import parse_numbers, read_csv_table
from tests.test_synthetic_registry import make

HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list("清镇铝业 合成·#'’ＡＱß Σς\t\u3000\u00a0é\u0301aZ0-()（）[]ﬁ")), max_size=12)


def reference_search_text(frame: pd.DataFrame) -> pd.Series:
    """The original row-by-row search key: the definition the column-wise builder must reproduce."""

    def pinyin(text: str) -> str:
        syllables = [s for s in lazy_pinyin(text, errors="ignore") if s.strip()]
        if not syllables:
            return ""
        initials = "".join(s[0] for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if s)
        return " ".join(["".join(syllables), " ".join(syllables), initials]).lower()

    def key(row: pd.Series) -> str:
        parts = [str(row[c]) for c in ("id", "name_zh", "name_en", "company_zh", "company_en")
                 if c in row.index and str(row[c])]
        parts += [pinyin(str(row[c])) for c in ("name_zh", "company_zh") if c in row.index and str(row[c])]
        folded = unicodedata.normalize("NFKC", " | ".join(parts)).casefold()
        return folded.replace("'", "").replace("’", "").strip()

    return frame.apply(key, axis=1).astype(str)


@pytest.mark.parametrize("name", ["projects", "zones", "deposits", "recycling_bases"])
def test_search_keys_of_the_shipped_tables_match_the_row_by_row_definition(name: str):
    columns = {"projects": schema.PROJECT_COLUMNS, "zones": schema.ZONE_COLUMNS,
               "deposits": schema.DEPOSIT_COLUMNS, "recycling_bases": schema.RECYCLING_BASE_COLUMNS}[name]
    frame, _ = read_csv_table(settings.REPO_ROOT / "data" / settings.DATA_FILES[name], columns, label=name)
    assert add_search_text(frame)["search_text"].tolist() == reference_search_text(frame).tolist()


@given(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=8))
def test_search_keys_of_hostile_text_match_the_row_by_row_definition(rows):
    frame = pd.DataFrame(rows, columns=["id", "name_zh", "name_en", "company_zh"], dtype=str)
    assert add_search_text(frame)["search_text"].tolist() == reference_search_text(frame).tolist()


@given(st.lists(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "1_000", " 2.5", "+5", ".5", "5.", "1e3", "inf", "-nan", "١٢", "abc", "0x10", "1,5"]),
), min_size=1, max_size=20))
def test_numbers_parse_as_pythons_float_decides(cells):
    frame = pd.DataFrame({"v": cells}, dtype=str)
    values, problems = parse_numbers(frame, "v", label="x.csv", minimum=0)

    def expected(text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            return math.nan
        return number if math.isfinite(number) else math.nan

    assert [(v, e) for v, e in zip(values, map(expected, cells), strict=True)
            if not (math.isnan(v) and math.isnan(e)) and v != e] == []
    wrong = {p.row - 2 for p in problems if "not a number" in p.message}
    assert wrong == {i for i, c in enumerate(cells) if c != "" and math.isnan(expected(c))}
    assert {p.row - 2 for p in problems if "≥" in p.message} == {
        i for i, c in enumerate(cells) if c != "" and expected(c) < 0}


def test_a_big_csv_read_by_arrow_equals_what_pandas_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    registry = make(tmp_path, 300, 3)
    small, _ = read_csv_table(registry, schema.PROJECT_COLUMNS, label="p.csv")
    monkeypatch.setattr(tables, "ARROW_CSV_MIN_BYTES", 0)
    big, problems = read_csv_table(registry, schema.PROJECT_COLUMNS, label="p.csv")
    assert problems == []
    pd.testing.assert_frame_equal(big, small)


def test_a_big_csv_arrow_refuses_is_read_and_reported_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    quoted_newline = tmp_path / "q.csv"
    quoted_newline.write_text('id,notes\na,"two\nlines"\nb, padded \n', encoding="utf-8")
    latin1 = tmp_path / "l.csv"
    latin1.write_bytes("id,notes\na,café\n".encode("latin-1"))
    expected = [read_csv_table(p, ("id", "notes"), label=p.name) for p in (quoted_newline, latin1)]
    monkeypatch.setattr(tables, "ARROW_CSV_MIN_BYTES", 0)
    got = [read_csv_table(p, ("id", "notes"), label=p.name) for p in (quoted_newline, latin1)]
    pd.testing.assert_frame_equal(got[0][0], expected[0][0])
    assert got[0][0]["notes"].tolist() == ["two\nlines", "padded"]
    assert [str(p) for p in got[1][1]] == [str(p) for p in expected[1][1]] and "not UTF-8" in str(got[1][1][0])


def test_problems_planted_in_a_big_registry_are_each_reported_on_their_row(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(settings.REPO_ROOT / "data", data)
    registry = pd.read_csv(make(tmp_path, 300, 5), dtype=str, keep_default_na=False)
    registry.loc[10, "status"] = "dreaming"
    registry.loc[20, "capacity"] = "lots"
    registry.loc[30, "id"] = registry.loc[29, "id"]
    registry.loc[40, ["lon", "lat"]] = registry.loc[40, ["lat", "lon"]].to_numpy()
    registry.loc[50, "county_adcode"] = "520102" if registry.loc[50, "county_adcode"] != "520102" else "522301"
    registry.loc[50, ["position_precision", "uncertainty_km"]] = ["exact", "0.5"]
    registry.loc[60, "year"] = "2030.5"
    registry.loc[70, "capacity_unit"] = ""
    registry.loc[70, "capacity"] = "5"
    registry.to_csv(data / settings.DATA_FILES["projects"], index=False)
    monkeypatch.setattr(tables, "ARROW_CSV_MIN_BYTES", 0)
    atlas, problems = load_atlas_with_problems(data)
    errors = sorted((p.row, p.column) for p in problems if p.severity == "error")
    assert atlas is None
    assert errors == [(12, "status"), (22, "capacity"), (32, "id"), (42, "lon"), (42, "lon"),  # swapped, far away
                      (52, "lon"), (62, "year"), (72, "capacity_unit")]


def test_search_keys_built_in_slices_match_the_row_by_row_definition(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(search_text, "_ROWS", 7)
    monkeypatch.setattr(search_text, "_SLICE", 3)
    frame, _ = read_csv_table(settings.REPO_ROOT / "data" / settings.DATA_FILES["projects"], schema.PROJECT_COLUMNS,
                              label="projects")
    assert len(frame) > 7
    assert add_search_text(frame)["search_text"].tolist() == reference_search_text(frame).tolist()
