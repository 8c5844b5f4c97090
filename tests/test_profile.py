"""Zone profiles: roles, chain coverage, projects and nearby resources with geodesic distances."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod

from atlas.analysis.profile import county_projects_zone_unstated, zone_profile
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


def _with_county_only_projects(atlas):
    """The fixture with foil (no zone) moved into Qingzhen's county and at a stage of Qingzhen's chain, and a
    second zone-less project placed in the county too; a third names Zunyi Heping as its zone though it sits
    in Qingzhen's county (stated membership wins)."""
    projects = atlas.projects
    foil = projects[projects["id"] == "foil"].assign(
        county_adcode="520181", stage="lightweight-materials", status="operating", source="https://example.org/county"
    )
    plate = foil.assign(id="plate", name_en="Plate mill", zone_id=float("nan"), status="planned")
    elsewhere = foil.assign(id="elsewhere", name_en="Stated elsewhere", zone_id="zunyi-heping")
    rows = pd.concat([projects[projects["id"] != "foil"], foil, plate, elsewhere], ignore_index=True)
    return dataclasses.replace(atlas, projects=gpd.GeoDataFrame(rows, geometry="geometry", crs=projects.crs))


def test_host_county_projects_of_unstated_zone_are_listed_apart_from_the_zones_own(tiny_atlas):
    profile = zone_profile(_with_county_only_projects(tiny_atlas), "qingzhen")
    assert sorted(profile.projects["id"]) == ["smelter", "wheels"]
    assert list(profile.county_unstated["id"]) == ["foil", "plate"]


def test_key_figures_count_the_zones_own_projects_and_the_county_ones_separately(tiny_atlas):
    figures = zone_profile(_with_county_only_projects(tiny_atlas), "qingzhen").key_figures
    assert figures["projects_in_zone"] == 2 and figures["projects_county_unstated"] == 2
    assert (figures["operating"], figures["planned"]) == (1, 1)  # foil (operating) and plate (planned) not in them
    assert figures["investment_cny_m"] == 1000  # the smelter's only
    keys = list(figures)
    assert keys.index("projects_in_zone") < keys.index("operating") < keys.index("projects_county_unstated")
    assert "projects" not in figures  # no bare number mixing the two


def test_host_county_projects_of_unstated_zone_fill_no_chain_stage_but_are_cited(tiny_atlas):
    profile = zone_profile(_with_county_only_projects(tiny_atlas), "qingzhen")
    stage = profile.chain.set_index("stage").loc["lightweight-materials"]
    assert (stage["state"], stage["item_ids"]) == ("planned", ["wheels"])  # the operating foil does not count
    cited = profile.sources.set_index("source").loc["https://example.org/county", "cited_by"]
    assert cited == "foil, plate"


def test_a_zone_of_another_county_has_no_host_county_projects(tiny_atlas):
    profile = zone_profile(_with_county_only_projects(tiny_atlas), "zunyi-heping")
    assert profile.county_unstated.empty and profile.key_figures["projects_county_unstated"] == 0
    assert list(profile.projects["id"]) == ["elsewhere"]
    assert zone_profile(tiny_atlas, "qingzhen").county_unstated.empty  # foil's own county hosts no zone


@pytest.mark.parametrize("counties", [["520181"], "520181", "520103;520181", ("520181",)])
def test_host_counties_may_be_a_list_or_semicolon_text(tiny_atlas, counties):
    projects = _with_county_only_projects(tiny_atlas).projects
    assert list(county_projects_zone_unstated(projects, counties)["id"]) == ["foil", "plate"]
    assert county_projects_zone_unstated(projects, float("nan")).empty


def test_shipped_qingzhen_shows_its_one_project_apart_from_the_county_ones_of_unstated_zone(shipped_atlas):
    profile = zone_profile(shipped_atlas, "qingzhen")
    figures = profile.key_figures
    assert figures["projects_in_zone"] == len(profile.projects) and (profile.projects["zone_id"] == "qingzhen").all()
    assert figures["projects_county_unstated"] == len(profile.county_unstated) > 0
    assert (profile.county_unstated["zone_id"].fillna("") == "").all()
    assert set(profile.county_unstated["county_adcode"]) <= set(profile.zone["county_adcodes"])
