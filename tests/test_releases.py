"""The three-way merge of a shipped release into the bureau's registry, record by record (`merge_release`)."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.data.release import UNVERSIONED, read_release
from atlas.registry.releases import bureau_changes, merge_release
from atlas.reports.release_report import conflicts_to_bytes


def table(**records: str) -> pd.DataFrame:
    """Projects by id with only `notes` set (every other cell empty): enough to tell versions apart."""
    return pd.DataFrame([{"id": key, "notes_en": notes} for key, notes in records.items()])


BASE = {"a": "shipped", "b": "shipped"}


@pytest.mark.parametrize(
    ("ours", "theirs", "expected", "conflicts"),
    [
        ({**BASE}, {**BASE, "a": "fixed"}, {"a": "fixed", "b": "shipped"}, []),  # untouched: the release's value
        ({**BASE, "a": "bureau"}, {**BASE}, {"a": "bureau", "b": "shipped"}, []),  # only the bureau: kept
        ({**BASE, "a": "same"}, {**BASE, "a": "same"}, {"a": "same", "b": "shipped"}, []),  # the same change twice
        ({**BASE, "a": "bureau"}, {**BASE, "a": "release"}, {"a": "bureau", "b": "shipped"}, [("a", "both-changed")]),
        ({"b": "shipped"}, {**BASE, "a": "release"}, {"b": "shipped"}, [("a", "bureau-removed")]),
        ({"b": "shipped"}, {**BASE}, {"b": "shipped"}, []),  # removed by the bureau, unchanged by the release
        ({**BASE}, {"b": "shipped"}, {"b": "shipped"}, []),  # retired by the release
        ({**BASE, "a": "bureau"}, {"b": "shipped"}, {"a": "bureau", "b": "shipped"}, [("a", "release-removed")]),
        ({**BASE, "c": "own"}, {**BASE, "d": "new"}, {**BASE, "c": "own", "d": "new"}, []),  # both add records
        ({**BASE, "c": "own"}, {**BASE, "c": "theirs"}, {**BASE, "c": "own"}, [("c", "both-added")]),
    ],
)
def test_each_record_takes_the_side_that_changed_it_and_a_clash_keeps_the_bureau_s(ours, theirs, expected, conflicts):
    result = merge_release(table(**BASE), table(**ours), table(**theirs))
    assert dict(zip(result.merged["id"], result.merged["notes_en"], strict=True)) == expected
    assert sorted(set(zip(result.conflicts["id"], result.conflicts["conflict"], strict=True))) == conflicts


def test_a_conflict_row_holds_the_base_the_bureau_s_and_the_release_s_value():
    result = merge_release(table(a="shipped"), table(a="=bureau"), table(a="release"))
    assert result.conflicts.to_dict("records") == [
        {"id": "a", "conflict": "both-changed", "column": "notes_en", "base": "shipped", "bureau": "=bureau",
         "release": "release"}]


def test_the_bureau_s_changes_are_counted_against_its_base_release():
    changes = bureau_changes(table(a="x", b="y"), table(a="x", b="changed", c="new"))
    assert (changes.added, changes.changed, changes.removed) == (["c"], ["b"], [])


def test_the_shipped_data_names_its_release_and_a_folder_without_a_manifest_is_unversioned(tmp_path):
    assert read_release(settings.REPO_ROOT / "data").release == "2026.1"
    assert read_release(tmp_path).release == UNVERSIONED


def test_a_broken_manifest_is_one_bilingual_error_naming_the_file(tmp_path):
    (tmp_path / "release.json").write_text('{"release": "2026 1"}', encoding="utf-8")
    with pytest.raises(AtlasError) as caught:
        read_release(tmp_path)
    assert str(tmp_path / "release.json") in caught.value.text("en") and "数据版本清单" in caught.value.text("zh")


def test_the_conflict_report_neutralises_formulas():
    result = merge_release(table(a="shipped"), table(a="=bureau"), table(a="release"))
    assert b"'=bureau" in conflicts_to_bytes(result.conflicts, "csv")
