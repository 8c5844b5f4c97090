"""Target progress never invents a figure; responsibilities filter by department; the national context table."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from atlas.analysis.national import national_context_table
from atlas.analysis.targets import (
    department_load,
    responsibilities_for_display,
    responsibilities_table,
    target_progress,
)
from atlas.core.errors import AtlasError


def _with_targets(atlas, rows):
    base = {c: "" for c in atlas.targets.columns}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for column in ("value", "latest_value", "latest_year", "target_year"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return dataclasses.replace(atlas, targets=frame)


@pytest.mark.parametrize(
    ("operator", "value", "latest", "status", "progress", "met"),
    [
        (">", 100, None, "no-data", None, None),  # no latest value: no progress, no guess
        (">", 100, 40, "progress", 0.4, False),
        (">=", 70, 70, "met", 1.0, True),
        (">", 95, 100, "met", 100 / 95, True),
        ("=", 0, 0, "met", None, True),  # "zero capacity below the baseline": met or not, no fraction
        ("=", 0, 3, "not-met", None, False),
        ("<", 10, 12, "not-met", None, False),
        (">", 0, 5, "met", None, True),  # "more than zero" has no meaningful fraction
    ],
)
def test_progress_exists_only_for_a_quantity_with_a_latest_value(
    tiny_atlas, operator, value, latest, status, progress, met
):
    atlas = _with_targets(
        tiny_atlas,
        [{"id": "t", "operator": operator, "value": value, "latest_value": latest, "latest_year": 2025, "unit": "%"}],
    )
    row = target_progress(atlas).iloc[0]
    assert row["status"] == status
    assert math.isnan(row["progress"]) if progress is None else row["progress"] == pytest.approx(progress)
    assert row["met"] is met


def test_the_tiny_target_without_a_latest_value_says_no_data(tiny_atlas):
    row = target_progress(tiny_atlas).iloc[0]
    assert (row["id"], row["status"], row["met"]) == ("output-value", "no-data", None)


def test_no_shipped_target_claims_progress_without_a_provincial_value(shipped_atlas):
    table = target_progress(shipped_atlas)
    assert len(table) == 13
    assert (table["status"] == "no-data").sum() == table["latest_value"].isna().sum()


def test_responsibilities_mark_the_first_listed_department_as_lead(shipped_atlas):
    table = responsibilities_table(shipped_atlas)
    first = table[table["policy_section"] == "IV.(2)"]
    assert list(first["department_id"]) == ["investment", "miit", "drc"]
    assert list(first["lead"]) == [True, False, False]


def test_filtering_by_department_answers_what_is_my_bureau_responsible_for(shipped_atlas):
    mine = responsibilities_table(shipped_atlas, department="investment")
    assert set(mine["department_id"]) == {"investment"}
    assert list(mine["policy_section"]) == ["II.(1)", "II.(2)", "II.(3)", "III.(3)", "III.(4)", "IV.(2)", "VI.(1)"]
    assert mine.loc[mine["policy_section"] == "IV.(2)", "lead"].item() is True
    assert mine["section_title_en"].notna().all()
    load = department_load(shipped_atlas).set_index("department_id")
    assert (load.loc["investment", "leads"], load.loc["investment", "sections"]) == (1, 7)


def test_an_unknown_department_is_one_clear_error(tiny_atlas):
    with pytest.raises(AtlasError, match="unknown department 'police'; valid: miit"):
        responsibilities_table(tiny_atlas, department="police")


def test_national_context_puts_each_task_next_to_its_provincial_sections(tiny_atlas, shipped_atlas):
    tiny = national_context_table(tiny_atlas)
    assert tiny.iloc[0][["national_task_id", "policy_section", "section_title_en", "why_en"]].tolist() == [
        "n4",
        "II.(1)",
        "II.(1)",
        "High-end alloys",
    ]
    shipped = national_context_table(shipped_atlas)
    assert list(dict.fromkeys(shipped["national_section"])) == ["1", "2", "3", "4", "5", "6"]
    assert (shipped["section_title_zh"] != "").all()


def test_a_national_task_without_links_still_shows(tiny_atlas):
    tasks = pd.concat([tiny_atlas.national_tasks, tiny_atlas.national_tasks.assign(id="n6", section="6")])
    table = national_context_table(dataclasses.replace(tiny_atlas, national_tasks=tasks))
    lonely = table[table["national_task_id"] == "n6"]
    assert len(lonely) == 1 and lonely.iloc[0]["policy_section"] == ""


def test_one_departments_responsibilities_show_each_sections_task_with_chinese_headers(shipped_atlas):
    everyone = responsibilities_for_display(shipped_atlas, department=None, lang="zh")
    department = str(shipped_atlas.responsibilities["department_id"].iloc[0])
    mine = responsibilities_for_display(shipped_atlas, department=department, lang="zh")
    assert len(mine.columns) == len(everyone.columns) + 1  # the paraphrased task, in full
    assert 0 < len(mine) < len(everyone)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(c)) for c in mine.columns), list(mine.columns)
