"""Every page, in both languages, on the shipped data: no `None`/`nan` in a cell and no raw id where a label exists.

Issue 18: a Chinese zone workbook showed stages as ids (`bauxite-alumina`) and a table showed the word
`None`. Pages are read as a user would see them: dataframes (a missing cell must show as the placeholder,
never as Streamlit's "None"), static tables, and the page's text.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from atlas.core import schema, settings
from atlas.core.i18n import MISSING_MARK, column_label
from atlas.core.model import Atlas
from atlas.core.schema import Lang, label
from tests.apptest import navigation_not_pages_folder  # noqa: F401  (fixture)
from tests.test_app_pages import APP, PAGES

MISSING_WORDS = frozenset({"None", "nan", "NaN", "<NA>", "NaT", "null"})
IDENTIFIER_COLUMNS = ("id", "cited_by")
"""Columns that hold record ids on purpose (a record's own id, the records citing a source), next to names."""
PARAMS = {"pages/compare.py": {"zones": "qingzhen,xingren,shuicheng"}}
"""Query parameters that make a page show all of its tables."""


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped data (a page may write its registry folder; the source tree is never written)."""
    root = tmp_path_factory.mktemp("shipped") / "data"
    shutil.copytree(settings.REPO_ROOT / "data", root)
    return root


@pytest.fixture(autouse=True)
def shipped_data(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, shipped_copy: Path) -> Iterator[None]:
    request.getfixturevalue("navigation_not_pages_folder")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(shipped_copy))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def raw_ids(atlas: Atlas, lang: Lang) -> set[str]:
    """Every id a page must show by its label: stages, zones, departments and the controlled values."""
    ids = {str(v) for frame in (atlas.stages, atlas.zones, atlas.departments, atlas.cluster_types)
           for v in frame["id"]}
    return ids | {str(v) for v in schema.LABELS if label(str(v), lang) != str(v)}


def cell_problems(frame: pd.DataFrame, ids: set[str], lang: Lang, *, placeholder: str | None) -> list[str]:
    """What is wrong in a shown table: missing cells without a placeholder, "None" text, raw ids."""
    skip = {column_label(c, lang) for c in IDENTIFIER_COLUMNS}
    problems = []
    for column in frame.columns:
        for value in frame[column].tolist():
            text = str(value)
            if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
                if placeholder not in ("", MISSING_MARK):
                    problems.append(f"{column}: a missing cell shows as {placeholder or 'None'}")
            elif text.strip() in MISSING_WORDS:
                problems.append(f"{column}: {text!r}")
            elif str(column) not in skip and text in ids:
                problems.append(f"{column}: raw id {text!r}")
    return sorted(set(problems))


def text_problems(text: str, ids: set[str]) -> list[str]:
    words = [w for w in re.findall(r"(?<![\w./-])[\w-]+(?![\w/-])", text) if w in MISSING_WORDS]
    hyphenated = [i for i in ids if "-" in i and re.search(rf"(?<![\w./#=-]){re.escape(i)}(?![\w/-])", text)]
    return [*words, *hyphenated]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_none_nan_or_a_raw_id_where_a_label_exists(page, lang, shipped_atlas):
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"lang": lang, **PARAMS.get(page, {})}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    ids = raw_ids(shipped_atlas, lang)
    found = []
    for frame in at.dataframe:
        shown = frame.proto.placeholder if frame.proto.HasField("placeholder") else None
        found += cell_problems(frame.value, ids, lang, placeholder=shown)
    for table in at.table:
        found += cell_problems(table.value, ids, lang, placeholder=None)
    texts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.subheader, *at.header, *at.title]
    for element in texts:
        found += [f"text: {p} in {element.value[:80]!r}" for p in text_problems(element.value, ids)]
    assert not found, "\n".join(found)
    assert at.dataframe or at.table or page in {"pages/registry.py", "pages/accounts.py"}  # the check saw tables
    # (a signed-out visitor sees the sign-in form on those two)
