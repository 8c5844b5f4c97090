"""`registry_changes`: what changed between two registry tables, as a list a page can show and map."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from atlas.registry.store import normalise_projects, registry_changes

OLD = pd.DataFrame(
    [
        {"id": "a", "name_en": "A", "lat": "26.5", "notes": ""},
        {"id": "b", "name_en": "B", "lat": "26.6", "notes": ""},
        {"id": "c", "name_en": "C", "lat": "26.7", "notes": ""},
    ]
)


def test_identical_tables_have_no_changes():
    changes = registry_changes(OLD, OLD.copy())
    assert changes.empty and list(changes.columns) == ["id", "change", "columns"]


def test_added_removed_and_changed_ids_are_listed_with_the_changed_columns():
    new = pd.DataFrame(
        [
            {"id": "d", "name_en": "D", "lat": "26.8", "notes": ""},
            {"id": "a", "name_en": "A2", "lat": "26.55", "notes": ""},
            {"id": "b", "name_en": "B", "lat": "26.6", "notes": ""},
        ]
    )
    assert registry_changes(OLD, new).to_dict(orient="records") == [
        {"id": "d", "change": "added", "columns": ""},
        {"id": "a", "change": "changed", "columns": "name_en,lat"},
        {"id": "c", "change": "removed", "columns": ""},
    ]


@pytest.mark.parametrize("unknown", ["", None, math.nan])
def test_empty_text_and_missing_values_are_the_same_unknown(unknown):
    new = OLD.copy()
    new.loc[0, "notes"] = unknown
    assert registry_changes(OLD, new).empty


def test_a_column_only_one_table_has_counts_as_a_change_where_it_holds_text():
    new = OLD.assign(colour=["", "red", ""])
    assert registry_changes(OLD, new).to_dict(orient="records") == [
        {"id": "b", "change": "changed", "columns": "colour"}
    ]


def test_a_reordered_table_has_no_changes():
    assert registry_changes(OLD, OLD.iloc[::-1].reset_index(drop=True)).empty


def test_normalising_turns_cells_into_stripped_text_and_names_missing_and_unknown_columns():
    frame, problems = normalise_projects(
        pd.DataFrame({"id": [" x ", None], "capacity": [500, math.nan], "zzz": [1, 2]})
    )
    assert frame.loc[0, "id"] == "x" and frame.loc[1, "id"] == "" and frame.loc[0, "capacity"] == "500"
    assert frame.loc[1, "capacity"] == "" and frame.loc[0, "lat"] == ""
    messages = {(p.column, p.message.split(" (")[0]) for p in problems}
    assert ("lat", "required column is missing") in messages
    assert ("zzz", "unknown column would not be saved") in messages
