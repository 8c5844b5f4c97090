"""The planning subcommands run as a user would (subprocess): gaps, nearby, compare, quality."""

from __future__ import annotations

import json

from tests.test_cli import assert_one_clean_error_line, atlas


def test_gaps_json_has_one_object_per_cell_with_the_documented_keys(tiny_data_dir):
    result = atlas("gaps", "--cluster", "alloy-products", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    cells = json.loads(result.stdout)
    assert len(cells) == 2 * 4
    assert all(set(c) == {"zone", "cluster_type", "stage", "state", "project_ids"} for c in cells)
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
