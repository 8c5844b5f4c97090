"""Comparing zones on the tiny fixture: roles, chain, projects by status, capacity per unit, nearby resources."""

from __future__ import annotations

import json

import pytest

from atlas.analysis.compare import (
    check_zone_ids,
    compare_zones,
    comparison_records,
    comparison_table,
    default_comparison,
)
from atlas.core.errors import AtlasError

PAIR = ["qingzhen", "zunyi-heping"]


def test_roles_show_each_zones_policy_section_and_a_blank_where_none(tiny_atlas):
    roles = compare_zones(tiny_atlas, PAIR).roles
    by_key = {(r["kind"], r["cluster_type"]): (r["qingzhen"], r["zunyi-heping"]) for r in roles.to_dict("records")}
    assert by_key == {
        ("cluster", "lightweight-materials"): ("II.(1)", ""),
        ("cluster", "alloy-products"): ("", "II.(2)"),
        ("recycling-base", ""): ("III.(4)", ""),
    }


def test_a_zone_with_no_projects_counts_zero_and_shows_all_gaps(tiny_atlas):
    cmp = compare_zones(tiny_atlas, PAIR)
    counts = cmp.status_counts.set_index("status")
    assert counts.loc["total", "zunyi-heping"] == 0
    assert (counts.loc["operating", "qingzhen"], counts.loc["planned", "qingzhen"]) == (1, 1)
    assert counts.loc["total", "qingzhen"] == 2  # foil has no zone and is in neither column
    alloy = cmp.chain[cmp.chain["cluster_type"] == "alloy-products"]
    assert set(alloy["zunyi-heping"]) == {"assigned-empty"}
    assert list(alloy["stage"]) == tiny_atlas.chain_of("alloy-products")


def test_capacity_is_listed_per_project_and_unit_never_summed(tiny_atlas):
    capacity = compare_zones(tiny_atlas, PAIR).capacity
    assert sorted(zip(capacity["project_id"], capacity["unit"], capacity["capacity"], strict=True)) == [
        ("smelter", "kt/a", 500.0),
        ("wheels", "Mt/a", 2.0),
    ]
    table = comparison_table(compare_zones(tiny_atlas, PAIR), tiny_atlas, "en")
    capacity_rows = table[table["Section"].str.startswith("Capacity")]
    assert set(capacity_rows["Item"]) == {"primary-aluminium [kt/a]", "lightweight-materials [Mt/a]"}
    assert "500 (smelter)" in set(capacity_rows["Qingzhen ED Zone"])


def test_nearby_resources_use_the_geodesic_radius_and_keep_possible_ones_apart(tiny_atlas):
    near = compare_zones(tiny_atlas, PAIR, km=20).nearby.set_index(["zone", "layer", "match"])
    assert near.loc[("qingzhen", "deposits", "within"), "count"] == 1
    assert near.loc[("qingzhen", "deposits", "within"), "nearest_id"] == "maochang"
    assert near.loc[("zunyi-heping", "deposits", "within"), "count"] == 0


def test_the_side_by_side_table_has_one_column_per_zone_name_in_the_chosen_language(tiny_atlas):
    table = comparison_table(compare_zones(tiny_atlas, PAIR), tiny_atlas, "zh")
    assert list(table.columns) == ["部分", "项目", "清镇经济开发区", "和平（苟江）经济开发区"]
    assert "缺口" in set(table["和平（苟江）经济开发区"])


def test_records_are_plain_json(tiny_atlas):
    records = comparison_records(compare_zones(tiny_atlas, PAIR))
    text = json.dumps(records, allow_nan=False)
    assert json.loads(text)["zones"] == PAIR
    assert records["projects_by_status"][-1] == {"status": "total", "qingzhen": 2, "zunyi-heping": 0}


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["qingzhen"], "compare needs 2 to 5 different zone ids, got 1"),
        (["qingzhen", "qingzhen"], "got 1"),
        (["a", "b", "c", "d", "e", "f"], "got 6"),
        (["qingzhen", "atlantis"], "unknown zone 'atlantis'; valid: qingzhen, zunyi-heping"),
    ],
)
def test_too_few_too_many_or_unknown_zones_are_refused_in_one_line(tiny_atlas, ids, message):
    with pytest.raises(AtlasError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_zone_ids(tiny_atlas, ids)


ZONE_IDS = ["a", "b", "c", "d", "e", "f", "g"]


@pytest.mark.parametrize(
    ("linked", "filtered", "expected"),
    [
        (["c", "x", "c", "d"], ["e", "f"], ["c", "d"]),  # a permalink's valid zones win, once each
        ([""], ["e", "f"], ["e", "f"]),  # else the sidebar's zones, when they are enough to compare
        ([""], ["e"], ["a", "b"]),  # else the first two zones
        (ZONE_IDS, [], ["a", "b", "c", "d", "e"]),  # never more than five
    ],
)
def test_a_comparison_starts_from_the_permalink_then_the_sidebar_then_the_first_zones(linked, filtered, expected):
    assert default_comparison(ZONE_IDS, linked=linked, filtered=filtered) == expected
