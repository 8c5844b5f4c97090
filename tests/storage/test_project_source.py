"""The database's project source answers as the loaded atlas does: counts, legend, pages of rows, zones, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from atlas.analysis.aggregate import GROUP_BYS
from atlas.analysis.profile import zone_profile
from atlas.analysis.query import Filters
from atlas.geo.geodesy import distances_km
from atlas.maps.project_source import MemorySource, PostgisSource, with_projects
from atlas.maps.scale import DEFAULT_VIEW, MapView, in_view
from tests.storage.conftest import SyntheticRegistry

FILTERS = [
    Filters(),
    Filters(cluster_types=("alloy-products",)),
    Filters(statuses=("operating", "planned"), stages=("alloy-products",)),
    Filters(prefectures=("520100",), cluster_types=("lightweight-materials", "non-metallic-materials")),
]


@pytest.fixture(scope="module")
def sources(synthetic_registry: SyntheticRegistry) -> tuple[MemorySource, PostgisSource]:
    return MemorySource(synthetic_registry.atlas), PostgisSource(synthetic_registry.url)


@pytest.mark.parametrize("filters", FILTERS)
def test_counts_and_the_legend_agree_with_the_loaded_atlas(sources, filters):
    memory, database = sources
    clusters = ["lightweight-materials", "alloy-products", "non-metallic-materials"]
    assert database.count(filters) == memory.count(filters)
    assert database.cluster_counts(filters, clusters) == memory.cluster_counts(filters, clusters)


@pytest.mark.parametrize("filters", FILTERS)
def test_a_page_of_rows_is_the_same_rows_in_the_same_order_typed_the_same_way(sources, filters):
    memory, database = sources
    fetched, loaded = database.rows(filters, limit=50, offset=20), memory.rows(filters, limit=50, offset=20)
    assert list(fetched["id"]) == list(loaded["id"])
    for column in ("lon", "lat", "capacity", "investment_cny_m", "year"):
        np.testing.assert_array_equal(fetched[column].to_numpy(), loaded[column].to_numpy())
    assert list(fetched["cluster_types"]) == list(loaded["cluster_types"])
    assert fetched.crs == loaded.crs


@pytest.mark.parametrize("by", GROUP_BYS)
@pytest.mark.parametrize("filters", FILTERS[:2])
def test_the_clusters_page_summary_matches_the_in_memory_one(sources, synthetic_registry, filters, by):
    memory, database = sources
    atlas = synthetic_registry.atlas
    pd.testing.assert_frame_equal(database.summary(atlas, filters, by=by), memory.summary(atlas, filters, by=by),
                                  check_exact=False, rtol=1e-9)


def test_free_text_is_matched_in_the_database_by_name(sources, synthetic_registry):
    memory, database = sources
    word = str(synthetic_registry.atlas.projects["name_en"].iloc[7]).split()[0]
    filters = Filters(text=word)
    assert database.count(filters) == memory.count(filters) > 0
    assert list(database.rows(filters, limit=10)["id"]) == list(memory.rows(filters, limit=10)["id"])


def test_a_zone_profile_from_the_fetched_rows_is_the_profile_of_the_whole_atlas(sources, synthetic_registry):
    _, database = sources
    atlas = synthetic_registry.atlas
    zone = atlas.zones.iloc[0]
    fetched = database.zone_rows(str(zone["id"]), list(zone["county_adcodes"]), limit=10_000)
    lean, full = zone_profile(with_projects(atlas, fetched), str(zone["id"])), zone_profile(atlas, str(zone["id"]))
    assert list(lean.projects["id"]) == list(full.projects["id"])
    assert list(lean.county_unstated["id"]) == list(full.county_unstated["id"])
    assert lean.key_figures == full.key_figures


@pytest.mark.parametrize("view", [DEFAULT_VIEW, MapView(106.55, 26.45, 106.85, 26.65, 11.0)])
def test_the_maps_view_layer_holds_the_projects_in_the_padded_view(sources, synthetic_registry, view):
    _, database = sources
    projects = synthetic_registry.atlas.projects
    drawn = database.view_layer(view, Filters(), lang="en", basemap="none")
    inside = in_view(projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float), view.padded())
    assert drawn.in_view == int(inside.sum()) > 0
    assert drawn.mode == "points"  # 3,000 projects: never more than MAP_VIEW_POINTS_MAX in a view


def test_projects_near_a_point_include_every_one_within_reach(sources, synthetic_registry):
    projects = synthetic_registry.atlas.projects
    within = set(projects["id"][(distances_km(projects, lon=106.7, lat=26.5) <= 20.0).to_numpy()])
    assert within
    for source in sources:
        assert within <= set(source.near_rows(Filters(), lon=106.7, lat=26.5, km=20.0, limit=10_000)["id"])
