"""Zone profiles: roles, chain coverage, projects and nearby resources with geodesic distances."""

from __future__ import annotations

import pytest
from pyproj import Geod

from atlas.analysis.profile import zone_profile
from atlas.core.errors import AtlasError


def test_profile_lists_the_zones_roles_and_projects(tiny_atlas):
    profile = zone_profile(tiny_atlas, "qingzhen")
    assert set(profile.roles["kind"]) == {"cluster", "recycling-base"}
    assert sorted(profile.projects["id"]) == ["smelter", "wheels"]
    assert profile.key_figures["operating"] == 1 and profile.key_figures["planned"] == 1


def test_nearby_distances_are_geodesic_and_carry_both_uncertainties(tiny_atlas):
    profile = zone_profile(tiny_atlas, "qingzhen", nearby_km=50)
    deposit = profile.nearby_deposits.iloc[0]
    _, _, metres = Geod(ellps="WGS84").inv(106.5, 26.5, 106.6, 26.6)
    assert deposit["distance_km"] == pytest.approx(metres / 1000, abs=1e-3)
    assert deposit["distance_uncertainty_km"] == 25 + 10


def test_chain_coverage_marks_assigned_stages_without_projects(tiny_atlas):
    chain = zone_profile(tiny_atlas, "qingzhen").chain.set_index("stage")
    assert chain.loc["primary-aluminium", "state"] == "operating"
    assert chain.loc["lightweight-materials", "state"] == "planned"
    assert chain.loc["equipment-manufacturing", "state"] == "assigned-empty"
    assert chain.loc["scrap-recycling", "state"] == "planned"  # the planned pre-treatment base
    assert chain.loc["scrap-recycling", "item_ids"] == ["qingzhen-pretreatment"]


def test_a_zone_with_no_projects_still_has_a_profile(tiny_atlas):
    profile = zone_profile(tiny_atlas, "zunyi-heping")
    assert profile.projects.empty
    assert set(profile.chain["state"]) == {"assigned-empty"}


def test_every_source_in_the_profile_is_listed_once(tiny_atlas):
    sources = zone_profile(tiny_atlas, "qingzhen").sources
    assert sources["source"].is_unique
    assert {"II.(1)", "III.(4)", "https://example.org/source"} <= set(sources["source"])


def test_an_unknown_zone_names_the_valid_ones(tiny_atlas):
    with pytest.raises(AtlasError, match="unknown zone 'nowhere'; valid: qingzhen, zunyi-heping"):
        zone_profile(tiny_atlas, "nowhere")
