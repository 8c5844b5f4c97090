"""Filtering: a planner narrows the atlas by cluster, zone, prefecture, stage, status and text."""

from __future__ import annotations

import pytest

from atlas.analysis.query import Filters, check_filters, filter_projects, filter_zones, filtered_atlas
from atlas.core.errors import AtlasError


def ids(frame) -> list[str]:
    return sorted(frame["id"])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["foil", "smelter", "wheels"]),
        (Filters(cluster_types=("lightweight-materials",)), ["smelter", "wheels"]),
        (Filters(cluster_types=("non-metallic-materials",)), []),
        (Filters(zones=("qingzhen",)), ["smelter", "wheels"]),
        (Filters(prefectures=("520100",)), ["foil", "smelter", "wheels"]),
        (Filters(prefectures=("520300",)), []),
        (Filters(stages=("primary-aluminium",)), ["smelter"]),
        (Filters(statuses=("planned", "under-construction")), ["foil", "wheels"]),
        (Filters(text="轮毂"), ["wheels"]),
        (Filters(text="WHEEL hub"), ["wheels"]),
        (Filters(text="qingzhen"), ["smelter"]),  # pinyin of 清镇电解铝
        (Filters(text="qzdjl"), ["smelter"]),  # pinyin initials
        (Filters(text="some aluminium"), ["smelter"]),  # company name
        (Filters(cluster_types=("alloy-products",), statuses=("operating",)), ["smelter"]),
    ],
)
def test_projects_are_filtered_by_every_criterion(tiny_atlas, filters, expected):
    assert ids(filter_projects(tiny_atlas, filters)) == expected


def test_a_zone_shows_when_it_holds_a_role_in_the_chosen_cluster(tiny_atlas):
    assert ids(filter_zones(tiny_atlas, Filters(cluster_types=("alloy-products",)))) == ["zunyi-heping"]
    assert ids(filter_zones(tiny_atlas, Filters(stages=("end-products",)))) == ["qingzhen", "zunyi-heping"]


def test_filtered_atlas_narrows_roles_to_the_chosen_clusters(tiny_atlas):
    view = filtered_atlas(tiny_atlas, Filters(cluster_types=("lightweight-materials",)))
    assert set(view.zone_roles["kind"]) == {"cluster", "recycling-base"}
    assert set(view.zone_roles["cluster_type"]) == {"lightweight-materials", ""}
    assert len(view.counties) == len(tiny_atlas.counties)  # boundaries are never filtered away


def test_an_unknown_filter_value_names_it_and_the_valid_ones(tiny_atlas):
    with pytest.raises(AtlasError, match=r"unknown cluster type 'steel'; valid: lightweight-materials"):
        check_filters(tiny_atlas, Filters(cluster_types=("steel",)))
    with pytest.raises(AtlasError, match="unknown zone 'atlantis'"):
        check_filters(tiny_atlas, Filters(zones=("atlantis",)))
