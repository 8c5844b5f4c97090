"""The planning subcommands as a user runs them (in-process, `tests.cli_runner`): gaps, nearby, compare, quality."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod

from tests.test_cli import assert_one_clean_error_line, atlas


def test_gaps_json_has_one_object_per_cell_with_the_documented_keys(tiny_data_dir):
    result = atlas("gaps", "--cluster", "alloy-products", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    cells = json.loads(result.stdout)
    assert len(cells) == 2 * 4
    assert all(set(c) == {"zone", "cluster_type", "stage", "assigned", "state", "project_ids"} for c in cells)
    heping = [c for c in cells if c["zone"] == "zunyi-heping"]
    assert {c["state"] for c in heping} == {"assigned-empty"}
    smelter = next(c for c in cells if c["zone"] == "qingzhen" and c["stage"] == "primary-aluminium")
    assert smelter["project_ids"] == ["smelter"]


def test_gaps_table_prints_the_matrix_and_csv_one_row_per_cell(tiny_data_dir):
    table = atlas("gaps", "--cluster", "lightweight-materials", data_dir=tiny_data_dir)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("Lightweight aluminium materials for equipment (lightweight-materials)")
    assert "GAP" in table.stdout
    csv_out = atlas("gaps", "--format", "csv", data_dir=tiny_data_dir)
    assert csv_out.returncode == 0, csv_out.stderr
    assert len(csv_out.stdout.strip().splitlines()) == 1 + 2 * (4 + 4 + 3)


def test_gaps_with_an_unknown_cluster_is_one_clear_line_and_exit_2(tiny_data_dir):
    result = atlas("gaps", "--cluster", "steel", data_dir=tiny_data_dir)
    assert result.returncode == 2
    assert "unknown cluster type 'steel'" in assert_one_clean_error_line(result)


def test_nearby_json_lists_items_with_geodesic_distance_and_combined_uncertainty(tiny_data_dir):
    result = atlas("nearby", "qingzhen", "--km", "20", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["zone"] == "qingzhen" and report["km"] == 20
    items = {i["id"]: i for i in report["items"]}
    assert {"maochang", "smelter", "wheels", "qingzhen-pretreatment"} <= set(items)
    assert set(items["maochang"]) == {"id", "layer", "distance_km", "uncertainty_km", "match"}
    assert items["maochang"]["layer"] == "deposits" and items["maochang"]["uncertainty_km"] == 35
    expected_m = Geod(ellps="WGS84").inv(106.5, 26.5, 106.6, 26.6)[2]
    assert abs(items["maochang"]["distance_km"] * 1000 - expected_m) < 1.0


def test_nearby_a_deposit_lists_the_zones_around_it(tiny_data_dir):
    result = atlas("nearby", "--deposit", "maochang", "--km", "20", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert [i["id"] for i in json.loads(result.stdout)["items"]] == ["qingzhen"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nearby",), "nearby needs a ZONE_ID or --deposit ID"),
        (("nearby", "atlantis"), "unknown zone 'atlantis'"),
        (("nearby", "qingzhen", "--km", "-5"), "radius must be a finite number"),
        (("compare", "qingzhen"), "compare needs 2 to 5 different zone ids, got 1"),
        (("compare", "a", "b", "c", "d", "e", "f"), "got 6"),
    ],
)
def test_bad_planning_arguments_give_one_clear_line_and_exit_2(tiny_data_dir, args, message):
    result = atlas(*args, data_dir=tiny_data_dir)
    assert result.returncode == 2
    assert message in assert_one_clean_error_line(result)


def test_compare_json_and_csv_put_the_zones_side_by_side(tiny_data_dir):
    result = atlas("compare", "qingzhen", "zunyi-heping", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["zones"] == ["qingzhen", "zunyi-heping"]
    assert {"roles", "chain", "projects_by_status", "capacity", "nearby"} <= set(report)
    csv_out = atlas("compare", "qingzhen", "zunyi-heping", "--format", "csv", data_dir=tiny_data_dir)
    assert csv_out.returncode == 0, csv_out.stderr
    assert csv_out.stdout.splitlines()[0] == "Section,Item,Qingzhen ED Zone,Zunyi Heping (Goujiang) ED Zone"


def test_quality_json_lists_each_flag_with_layer_id_and_both_languages(tiny_data_dir):
    result = atlas("quality", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout)
    assert all(set(f) == {"layer", "id", "flag", "detail_zh", "detail_en"} for f in flags)
    assert {"layer": "zone-roles", "id": "zunyi-heping/cluster/alloy-products"}.items() <= next(
        f for f in flags if f["flag"] == "role-without-project"
    ).items()
    table = atlas("quality", "--flag", "missing-year", data_dir=tiny_data_dir)
    assert table.returncode == 0, table.stderr
    assert "year missing: 3" in table.stdout and "wheels" in table.stdout


def test_responsibilities_filter_by_department_and_refuse_an_unknown_one(tiny_data_dir):
    result = atlas("responsibilities", "--department", "miit", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert [(r["policy_section"], r["lead"]) for r in json.loads(result.stdout)] == [("II.(1)", True)]
    bad = atlas("responsibilities", "--department", "police", data_dir=tiny_data_dir)
    assert bad.returncode == 2
    assert "unknown department 'police'" in assert_one_clean_error_line(bad)
