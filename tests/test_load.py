"""Loading and validating the data: every planted problem is reported at once, with file, row and column."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from atlas.core.errors import DataValidationError
from atlas.data.load import load_atlas, load_atlas_with_problems
from tests.conftest import TINY_TABLES, write_table


def _rows(name: str) -> list[dict[str, str]]:
    return [dict(r) for r in TINY_TABLES[name]]


def test_tiny_data_loads_into_typed_layers(tiny_atlas):
    projects = tiny_atlas.projects
    assert projects.crs.to_epsg() == 4326
    assert projects.loc[projects["id"] == "smelter", "cluster_types"].iloc[0] == [
        "lightweight-materials",
        "alloy-products",
    ]
    assert projects.loc[projects["id"] == "smelter", "capacity"].iloc[0] == 500.0
    assert projects.geometry.iloc[0].x == pytest.approx(106.4)  # x is longitude
    assert tiny_atlas.zones.loc[0, "county_adcodes"] == ["520181"]


def test_an_unknown_figure_stays_unknown_not_zero(tiny_atlas):
    foil = tiny_atlas.projects[tiny_atlas.projects["id"] == "foil"].iloc[0]
    assert math.isnan(foil["investment_cny_m"])


def test_chain_of_returns_stages_in_policy_order(tiny_atlas):
    assert tiny_atlas.chain_of("non-metallic-materials") == [
        "bauxite-alumina",
        "aluminium-based-materials",
        "deep-processing-products",
    ]


def test_a_broken_copy_reports_every_planted_problem_with_row_and_column(tiny_data_dir: Path):
    projects = _rows("projects")
    projects[0]["capacity"] = "lots"  # not a number
    projects[1]["stage"] = "smelting"  # unknown stage
    projects[2]["zone_id"] = "atlantis"  # unknown zone
    projects[2]["source"] = ""  # unsourced
    write_table(tiny_data_dir, "projects", projects)
    zones = _rows("zones")
    zones[1]["lon"], zones[1]["lat"] = zones[1]["lat"], zones[1]["lon"]  # swapped
    write_table(tiny_data_dir, "zones", zones)
    roles = _rows("zone_roles")
    roles[0]["policy_section"] = "IX.(9)"
    write_table(tiny_data_dir, "zone_roles", roles)

    with pytest.raises(DataValidationError) as caught:
        load_atlas(tiny_data_dir)
    found = {(p.file, p.row, p.column, p.value) for p in caught.value.problems}
    assert ("projects/projects.csv", 2, "capacity", "lots") in found
    assert ("projects/projects.csv", 3, "stage", "smelting") in found
    assert ("projects/projects.csv", 4, "zone_id", "atlantis") in found
    assert ("projects/projects.csv", 4, "source", "") in found
    assert any(p.file == "geo/zones.csv" and p.row == 3 and "swapped" in p.message for p in caught.value.problems)
    assert ("policy/zone_roles.csv", 2, "policy_section", "IX.(9)") in found


def test_an_unknown_value_message_lists_the_valid_values(tiny_data_dir: Path):
    projects = _rows("projects")
    projects[0]["status"] = "done"
    write_table(tiny_data_dir, "projects", projects)
    _, problems = load_atlas_with_problems(tiny_data_dir)
    (problem,) = [p for p in problems if p.column == "status"]
    assert "operating" in problem.message and "under-construction" in problem.message
    assert str(problem).startswith("projects/projects.csv, row 2, column 'status'")


def test_a_point_far_outside_its_county_is_reported(tiny_data_dir: Path):
    deposits = _rows("deposits")
    deposits[0]["lon"], deposits[0]["lat"] = "107.9", "27.9"  # in Bozhou, stated Qingzhen, ±10 km
    write_table(tiny_data_dir, "deposits", deposits)
    _, problems = load_atlas_with_problems(tiny_data_dir)
    assert any(p.file == "geo/deposits.csv" and "outside its county" in p.message for p in problems)


def test_a_point_outside_its_county_but_within_its_uncertainty_is_accepted(tiny_data_dir: Path):
    deposits = _rows("deposits")
    deposits[0]["lon"] = "107.05"  # ~5 km east of Qingzhen's edge, uncertainty 10 km
    write_table(tiny_data_dir, "deposits", deposits)
    _, problems = load_atlas_with_problems(tiny_data_dir)
    assert not problems


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("projects", "as_of", "last year", "YYYY"),
        ("projects", "source", "a friend told me", "URL or a policy section"),
        ("projects", "position_precision", "roughly", "unknown value"),
        ("projects", "uncertainty_km", "-3", "≥ 0"),
        ("projects", "capacity_unit", "", "needs its unit"),
        ("deposits", "quantity_definition", "", "needs its definition"),
        ("zones", "county_adcodes", "529999", "unknown value"),
        ("projects", "lon", "121.5", "outside Guizhou"),
    ],
)
def test_each_kind_of_bad_cell_is_named(tiny_data_dir: Path, table, column, value, message):
    rows = _rows(table)
    rows[0][column] = value
    write_table(tiny_data_dir, table, rows)
    _, problems = load_atlas_with_problems(tiny_data_dir)
    assert any(p.column == column and message in p.message for p in problems), [str(p) for p in problems]


def test_a_missing_file_and_a_missing_column_are_reported_not_raised(tiny_data_dir: Path):
    (tiny_data_dir / "policy" / "targets.csv").unlink()
    path = tiny_data_dir / "policy" / "departments.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([r[1:] for r in rows])  # drop the id column
    _, problems = load_atlas_with_problems(tiny_data_dir)
    assert any(p.file == "policy/targets.csv" and "missing" in p.message for p in problems)
    assert any(p.file == "policy/departments.csv" and p.column == "id" for p in problems)


def test_a_file_that_is_not_utf8_is_reported(tiny_data_dir: Path):
    path = tiny_data_dir / "geo" / "deposits.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _, problems = load_atlas_with_problems(tiny_data_dir)
    assert any(p.file == "geo/deposits.csv" and "UTF-8" in p.message for p in problems)
