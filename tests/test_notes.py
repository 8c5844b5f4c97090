"""Notes in Chinese and English: curated records carry both, imports keep what they bring, old files load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from atlas.core import schema, settings
from atlas.core.errors import DataValidationError
from atlas.core.i18n import localise_frame, localised_text
from atlas.data.load import TABLE_COLUMNS, load_atlas, load_atlas_with_problems
from atlas.data.tables import read_csv_table
from atlas.data.validate import note_pair_problems
from atlas.registry.files import FileStore
from tests.conftest import TINY_TABLES, write_table
from tests.test_importer import GOOD, HEADER, csv_bytes, run


def _rows(name: str) -> list[dict[str, str]]:
    return [dict(r) for r in TINY_TABLES[name]]


# --- curated data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(schema.NOTE_PAIRS))
def test_every_shipped_record_with_a_note_has_it_in_chinese_and_in_english(table):
    relative = settings.DATA_FILES[table]
    frame, problems = read_csv_table(settings.REPO_ROOT / "data" / relative, TABLE_COLUMNS[table],
                                     label=relative)
    assert not problems
    en = schema.NOTE_PAIRS[table][1]
    assert (frame[en] != "").all(), "every shipped record is noted"
    assert not note_pair_problems(frame, table)  # the projects too, though the registry itself is lenient


@pytest.mark.parametrize(
    ("table", "present", "missing"),
    [("zones", "notes_zh", "notes_en"), ("deposits", "notes_en", "notes_zh"),
     ("recycling_bases", "notes_zh", "notes_en"), ("targets", "latest_note_en", "latest_note_zh")],
)
def test_a_curated_note_in_one_language_is_an_error_naming_file_row_and_column(
    tiny_data_dir: Path, table, present, missing
):
    rows = _rows(table)
    rows[0][present] = "一条备注 · a note"
    write_table(tiny_data_dir, table, rows)
    with pytest.raises(DataValidationError) as caught:
        load_atlas(tiny_data_dir)
    [problem] = [p for p in caught.value.problems if p.column == missing]
    assert (problem.file, problem.row, problem.value) == (settings.DATA_FILES[table], 2, "")
    assert "中英文齐全" in problem.text("zh") and f"“{present}”有内容" in problem.text("zh")
    assert f"{present} is filled but {missing} is empty" in problem.text("en")
    assert problem.describe("zh").startswith(f"{settings.DATA_FILES[table]}，第 2 行，列“{missing}”")


def test_a_registry_note_in_one_language_is_accepted(tiny_data_dir: Path):
    projects = _rows("projects")
    projects[0]["notes_zh"] = "只有中文备注"
    write_table(tiny_data_dir, "projects", projects)
    atlas, problems = load_atlas_with_problems(tiny_data_dir)
    assert atlas is not None and not [p for p in problems if "notes" in (p.column or "")]


def test_an_old_registry_with_one_notes_column_loads_its_notes_as_english(tiny_data_dir: Path):
    """A bureau's registry saved before notes were bilingual: `notes`, no `notes_zh`/`notes_en`."""
    path = tiny_data_dir / settings.DATA_FILES["projects"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["notes_zh"]).rename(columns={"notes_en": "notes"})
    frame.loc[0, "notes"] = "checked on site, 2024"
    frame.to_csv(path, index=False, lineterminator="\n")

    atlas, problems = load_atlas_with_problems(tiny_data_dir)
    assert atlas is not None and not [p for p in problems if p.severity == "error"]
    assert (atlas.projects.loc[0, "notes_en"], atlas.projects.loc[0, "notes_zh"]) == ("checked on site, 2024", "")
    read, _ = FileStore(tiny_data_dir).read()
    assert list(read.columns) == list(schema.PROJECT_COLUMNS)
    assert read.loc[0, "notes_en"] == "checked on site, 2024"


# --- showing a note --------------------------------------------------------------------------------


def test_a_table_shows_the_note_in_the_users_language_or_else_the_one_there_is():
    frame = pd.DataFrame({"notes_zh": ["中文", "", ""], "notes_en": ["English", "English only", ""]})
    assert localise_frame(frame, "zh")["备注"].tolist() == ["中文", "English only", ""]
    assert localise_frame(frame, "en")["Notes"].tolist() == ["English", "English only", ""]
    assert localised_text({"latest_note_zh": "", "latest_note_en": "only"}, "latest_note", "zh") == "only"


# --- importing -------------------------------------------------------------------------------------


def _notes_said(result) -> list[str]:
    return [p.text("en") for p in result.problems if "not translated" in p.text("en")]


def test_an_imported_chinese_note_goes_to_notes_zh_and_the_file_is_told_once(tiny_atlas):
    result = run(csv_bytes(GOOD + ",已现场核实", GOOD.replace("新轮毂厂", "新铝箔厂") + ",待核实",
                           header=HEADER + ",备注"), tiny_atlas)
    assert result.accepted[["notes_zh", "notes_en"]].values.tolist() == [["已现场核实", ""], ["待核实", ""]]
    [said] = _notes_said(result)  # an assumption, said once for the file, not made up in English
    assert "notes in one language only (notes_zh)" in said
    assert [p.severity for p in result.problems if "not translated" in p.text("en")] == ["info"]


def test_an_english_notes_header_goes_to_notes_en(tiny_atlas):
    result = run(csv_bytes(GOOD + ",checked on site", header=HEADER + ",Notes"), tiny_atlas)
    assert result.accepted[["notes_zh", "notes_en"]].values.tolist() == [["", "checked on site"]]
    assert "(notes_en)" in _notes_said(result)[0]


def test_a_file_with_both_note_columns_is_told_per_row_where_one_is_empty(tiny_atlas):
    result = run(csv_bytes(GOOD + ",已核实,checked", GOOD.replace("新轮毂厂", "新铝箔厂") + ",,only English",
                           header=HEADER + ",中文备注,英文备注"), tiny_atlas)
    assert result.accepted[["notes_zh", "notes_en"]].values.tolist() == [["已核实", "checked"], ["", "only English"]]
    [said] = [p for p in result.problems if "not translated" in p.text("en")]
    assert (said.row, said.severity) == (3, "info") and "note in notes_en only" in said.text("en")


def test_last_years_mapping_file_onto_notes_still_imports(tiny_atlas):
    result = run(csv_bytes(GOOD + ",checked", header=HEADER + ",remark column"), tiny_atlas,
                 column_map={"remark column": "notes"})
    assert result.accepted.loc[0, "notes_en"] == "checked"
