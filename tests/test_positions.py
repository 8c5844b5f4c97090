"""Position edits with provenance, undo through the store's history, and what changed since a version."""

from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
import pytest

from atlas.core.errors import AtlasError, DataValidationError
from atlas.data.load import load_atlas
from atlas.maps.atlas_map import map_to_html
from atlas.maps.registry_view import changes_since, diff_layer, position_layer, registry_diff, versions_frame
from atlas.registry.positions import move_record, save_moved_position, undo_last_save
from atlas.registry.startup import open_store
from atlas.registry.store import RegistryConflict
from tests.payloads import XSS_PAYLOADS

TODAY = dt.date(2026, 5, 4)


@pytest.fixture
def store(tiny_data_dir):
    return open_store(tiny_data_dir)


def test_a_moved_record_becomes_exact_with_its_provenance_and_nothing_else_changes(store, tiny_atlas):
    projects, _ = store.read()
    moved = move_record(projects, "wheels", lon=106.123456789, lat=26.987654321, today=TODAY, author="王敏",
                        counties=tiny_atlas.counties)
    row = moved.set_index("id").loc["wheels"]
    assert (row["lon"], row["lat"]) == ("106.123457", "26.987654")
    assert (row["position_precision"], row["uncertainty_km"]) == ("exact", "0.5")
    assert (row["position_source"], row["position_as_of"]) == ("digitised: 王敏", "2026-05-04")
    others = moved["id"] != "wheels"
    assert moved[others].equals(projects[others])
    assert projects.set_index("id").loc["wheels", "position_precision"] == "town"  # the input is untouched


def test_the_county_follows_the_clicked_point(store, tiny_atlas):
    projects, _ = store.read()
    moved = move_record(projects, "wheels", lon=107.5, lat=27.5, today=TODAY, author="", counties=tiny_atlas.counties)
    row = moved.set_index("id").loc["wheels"]
    assert (row["county_adcode"], row["position_source"]) == ("520304", "digitised")


@pytest.mark.parametrize(
    ("record_id", "lon", "lat", "fragment"),
    [("atlantis", 106.5, 26.5, "no project with id 'atlantis'"), ("wheels", float("nan"), 26.5, "not a number"),
     ("wheels", 113.2, 23.1, "outside Guizhou"), ("wheels", 105.0, 25.0, "lies in no Guizhou county")],
)
def test_impossible_moves_are_refused_with_one_clear_message(store, tiny_atlas, record_id, lon, lat, fragment):
    projects, _ = store.read()
    with pytest.raises(AtlasError, match=fragment):
        move_record(projects, record_id, lon=lon, lat=lat, today=TODAY, author="x", counties=tiny_atlas.counties)


def test_a_saved_move_loads_and_undo_brings_the_old_position_back_as_a_new_version(store, tiny_data_dir, tiny_atlas):
    projects, version = store.read()
    moved = move_record(projects, "wheels", lon=106.2, lat=26.3, today=TODAY, author="王敏",
                        counties=tiny_atlas.counties)
    store.save(moved, base_version=version, author="王敏", message="move wheels")
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.2
    undone = undo_last_save(store, author="李雷")
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.45
    newest = store.history()[0]
    assert newest.version == undone and newest.author == "李雷" and "undo 'move wheels' by 王敏" in newest.message
    assert len(store.history()) >= 3  # the move is kept in history, not erased


def test_undo_with_no_earlier_version_says_so(store):
    assert len(store.history()) <= 1  # a fresh data folder: only the file as shipped
    with pytest.raises(AtlasError, match="nothing to undo"):
        undo_last_save(store, author="x")


def test_a_bad_position_source_does_not_validate(store):
    projects, version = store.read()
    projects.loc[projects["id"] == "wheels", "position_source"] = "guessed"
    with pytest.raises(DataValidationError, match="unknown position source"):
        store.save(projects, base_version=version, author="x", message="bad")


def test_changes_since_a_version_list_added_changed_and_removed_records_with_points(store, tiny_atlas):
    projects, first = store.read()
    moved = move_record(projects, "wheels", lon=106.2, lat=26.3, today=TODAY, author="", counties=tiny_atlas.counties)
    extra = moved[moved["id"] == "smelter"].assign(id="smelter-2", name_zh="二期", name_en="Phase II", lon="106.3")
    edited = moved[moved["id"] != "foil"]
    store.save(pd.concat([edited, extra], ignore_index=True), base_version=first, author="x", message="edit")
    diff = changes_since(store, first)
    by_id = diff.records.set_index("id")
    assert by_id.loc["wheels", "change"] == "changed" and "lon" in by_id.loc["wheels", "columns"]
    assert (by_id.loc["smelter-2", "change"], by_id.loc["smelter-2", "lon"]) == ("added", "106.3")
    assert (by_id.loc["foil", "change"], by_id.loc["foil", "name_en"]) == ("removed", '=HYPERLINK("http://x")')
    assert versions_frame(store.history())["message"].iloc[0] == "edit"


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:3])
def test_change_and_position_layers_escape_names(store, tiny_atlas, payload):
    projects, _ = store.read()
    hostile = projects.assign(name_zh=payload)
    diff = registry_diff(projects.iloc[:0], hostile)
    m = folium.Map()
    m.add_child(diff_layer(diff, lang="zh"))
    m.add_child(position_layer(hostile.iloc[0].to_dict(), lang="zh", new=(106.5, 26.5)))
    html = map_to_html(m)
    assert payload not in html and "alert(1)" in html
    assert html.count("new position") == 0 and "新位置" in html


def test_a_clicked_position_saves_against_the_version_it_was_clicked_on(store, tiny_data_dir, tiny_atlas):
    _, clicked_on = store.read()
    saved = save_moved_position(store, "wheels", lon=106.2, lat=26.3, base_version=clicked_on, author="王敏",
                                today=TODAY, counties=tiny_atlas.counties)
    assert store.history()[0].version == saved and store.history()[0].message == "move wheels"
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.2


def test_a_click_made_before_someone_elses_save_is_a_conflict_and_writes_nothing(store, tiny_data_dir, tiny_atlas):
    projects, clicked_on = store.read()
    other = move_record(projects, "wheels", lon=106.3, lat=26.4, today=TODAY, author="李雷",
                        counties=tiny_atlas.counties)
    store.save(other, base_version=clicked_on, author="李雷", message="move wheels")
    with pytest.raises(RegistryConflict):
        save_moved_position(store, "wheels", lon=106.2, lat=26.3, base_version=clicked_on, author="王敏",
                            today=TODAY, counties=tiny_atlas.counties)
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.3
