"""The storage promises, checked identically on the file store and on PostgreSQL + PostGIS."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.core import schema
from atlas.core.errors import AtlasError, DataValidationError
from atlas.registry.startup import open_atlas
from atlas.registry.store import RegistryConflict, RegistryStore, registry_changes
from tests.storage.conftest import edited, tiny_projects, with_new_row


def test_read_gives_the_projects_as_text_cells_in_schema_order_with_a_version(store: RegistryStore):
    frame, version = store.read()
    assert list(frame.columns) == list(schema.PROJECT_COLUMNS)
    pd.testing.assert_frame_equal(frame, tiny_projects())
    assert version and version != "0"


def test_a_saved_edit_reads_back_exactly_under_a_new_version(store: RegistryStore):
    before, version = store.read()
    after = with_new_row(edited(before, "wheels", capacity="2.5", notes_en='tab\tand, comma "quoted"\nnew line'))
    new_version = store.save(after, base_version=version, author="王工", message="capacity from the 2025 report")
    frame, current = store.read()
    assert current == new_version != version
    pd.testing.assert_frame_equal(frame, after)


def test_the_opened_atlas_sees_what_was_saved(use_store: RegistryStore, tiny_data_dir):
    before, version = use_store.read()
    use_store.save(
        edited(before, "smelter", name_en="Qingzhen smelter (renamed)"),
        base_version=version,
        author="a",
        message="rename",
    )
    atlas = open_atlas(tiny_data_dir)
    assert atlas.projects.set_index("id").loc["smelter", "name_en"] == "Qingzhen smelter (renamed)"


def test_a_table_that_would_not_load_is_refused_naming_row_column_value_and_nothing_is_written(
    store: RegistryStore,
):
    before, version = store.read()
    history = store.history()
    bad = edited(before, "wheels", status="finished", zone_id="atlantis")
    with pytest.raises(DataValidationError) as caught:
        store.save(bad, base_version=version, author="a", message="bad")
    cells = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert {(3, "status", "finished"), (3, "zone_id", "atlantis")} <= cells
    assert "projects/projects.csv, row 3, column 'status'" in str(caught.value)
    frame, current = store.read()
    assert current == version
    pd.testing.assert_frame_equal(frame, before)
    assert store.history() == history


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["lat"]), "required column is missing"),
        (lambda f: f.assign(colour="red"), "unknown column would not be saved"),
        (lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True), "duplicate id"),
    ],
    ids=["missing-column", "unknown-column", "duplicate-id"],
)
def test_a_table_with_broken_columns_or_ids_is_refused(store: RegistryStore, change, message):
    before, version = store.read()
    with pytest.raises(DataValidationError, match=message):
        store.save(change(before), base_version=version, author="a", message="broken")
    assert store.read()[1] == version


def test_history_lists_every_version_newest_first_with_author_message_and_rows(store: RegistryStore):
    first, v1 = store.read()
    v2 = store.save(with_new_row(first), base_version=v1, author="李四", message="add gallium")
    v3 = store.save(edited(first, "foil", status="operating"), base_version=v2, author="张三", message="foil runs")
    history = store.history()
    assert [h.version for h in history] == [v3, v2, v1]
    assert (history[0].author, history[0].message, history[0].rows) == ("张三", "foil runs", 3)
    assert (history[1].author, history[1].message, history[1].rows) == ("李四", "add gallium", 4)
    assert all(h.saved_at.endswith("Z") and h.saved_at[:4].isdigit() for h in history)


def test_every_earlier_version_can_be_read_back(store: RegistryStore):
    first, v1 = store.read()
    second = with_new_row(first)
    v2 = store.save(second, base_version=v1, author="a", message="add")
    store.save(first, base_version=v2, author="a", message="undo")
    pd.testing.assert_frame_equal(store.read_version(v1), first)
    pd.testing.assert_frame_equal(store.read_version(v2), second)


def test_an_unknown_version_is_a_clear_error(store: RegistryStore):
    with pytest.raises(AtlasError, match="no version"):
        store.read_version("999999")


def test_what_changed_since_a_version_lists_added_removed_and_changed_ids(store: RegistryStore):
    first, v1 = store.read()
    changed = edited(first.drop(index=first.index[first["id"] == "foil"]), "wheels", lat="26.56", status="signed")
    store.save(with_new_row(changed), base_version=v1, author="a", message="several")
    changes = registry_changes(store.read_version(v1), store.read()[0])
    assert changes.to_dict(orient="records") == [
        {"id": "wheels", "change": "changed", "columns": "status,lat"},
        {"id": "gallium", "change": "added", "columns": ""},
        {"id": "foil", "change": "removed", "columns": ""},
    ]


def test_a_save_from_a_stale_version_is_a_conflict_naming_both_versions_and_who_saved(store: RegistryStore):
    frame, base = store.read()
    winner = store.save(edited(frame, "smelter", capacity="600"), base_version=base, author="alice", message="cap")
    with pytest.raises(RegistryConflict) as caught:
        store.save(edited(frame, "smelter", year="2021"), base_version=base, author="bob", message="year")
    text = str(caught.value)
    assert base in text and winner in text and "alice" in text and "Nothing was written" in text
    assert caught.value.current.version == winner and caught.value.base_version == base
    current, version = store.read()
    assert version == winner
    assert current.set_index("id").loc["smelter", ["capacity", "year"]].tolist() == ["600", "2020"]


def test_the_change_stamp_moves_with_every_save_and_only_then(store: RegistryStore):
    """What a running app asks every few seconds to notice a save made elsewhere, without reading the data."""
    stamp = store.stamp()
    assert store.stamp() == stamp
    before, version = store.read()
    store.save(edited(before, "wheels", capacity="3"), base_version=version, author="a", message="m")
    moved = store.stamp()
    assert moved != stamp
    assert store.stamp() == moved
