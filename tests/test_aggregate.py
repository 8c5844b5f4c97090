"""Aggregation: counts, capacity per unit and investment per cluster type, zone, prefecture and stage."""

from __future__ import annotations

import math

import pytest

from atlas.analysis.aggregate import summarise_projects


def row(table, key):
    return table[table["key"] == key].iloc[0]


def test_a_project_in_two_clusters_counts_in_both(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="cluster-type")
    assert row(table, "lightweight-materials")["projects"] == 2
    assert row(table, "alloy-products")["projects"] == 2
    assert row(table, "non-metallic-materials")["projects"] == 0


def test_capacities_are_summed_per_unit_never_across_units(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="zone")
    qingzhen = row(table, "qingzhen")
    assert qingzhen["capacity [kt/a]"] == 500
    assert qingzhen["capacity [Mt/a]"] == 2


def test_unknown_investment_is_not_counted_as_zero(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="zone")
    unzoned = row(table, "(none)")
    assert math.isnan(unzoned["investment_cny_m"])
    assert unzoned["investment_known"] == 0
    assert row(table, "qingzhen")["investment_known"] == 1


def test_projects_without_a_zone_are_shown_as_their_own_group(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="zone")
    assert row(table, "(none)")["projects"] == 1
    assert table["projects"].sum() == len(tiny_atlas.projects)


@pytest.mark.parametrize("by", ["zone", "prefecture", "stage"])
def test_every_project_is_counted_exactly_once_for_single_valued_groupings(tiny_atlas, by):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by=by)
    assert table["projects"].sum() == len(tiny_atlas.projects)
    assert (table[["operating", "building", "planned", "other"]].sum(axis=1) == table["projects"]).all()


def test_cluster_summary_says_how_many_zones_the_policy_assigns(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="cluster-type")
    assert row(table, "lightweight-materials")["zones_assigned"] == 1
    assert row(table, "non-metallic-materials")["zones_assigned"] == 0


def test_stage_summary_follows_chain_order(tiny_atlas):
    table = summarise_projects(tiny_atlas, tiny_atlas.projects, by="stage")
    keys = list(table["key"])
    assert keys.index("primary-aluminium") < keys.index("alloys-and-products") < keys.index("end-products")
