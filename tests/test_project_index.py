"""Filtering and summarising from precomputed codes gives exactly what the row-wise pandas path gives."""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from atlas.analysis import project_index
from atlas.analysis.aggregate import GROUP_BYS, summarise_matching, summarise_projects
from atlas.analysis.project_index import build_index, cached_index, index_of
from atlas.analysis.query import Filters, filter_projects
from atlas.core.model import Atlas

CLUSTER_CELLS = [
    ["lightweight-materials"], ["alloy-products"], ["non-metallic-materials"],
    ["lightweight-materials", "alloy-products"], [], ["alloy-products", "alloy-products"], ["unknown-cluster"],
]
FILTERS = [
    Filters(),
    Filters(cluster_types=("alloy-products",), statuses=("operating", "under-construction")),
    Filters(cluster_types=("lightweight-materials", "non-metallic-materials")),
    Filters(zones=("qingzhen",), stages=("primary-aluminium", "end-products")),
    Filters(prefectures=("520100",)),
    Filters(statuses=("no-such-status",)),
    Filters(text="smelter"),
]


def random_projects(n: int, seed: int) -> pd.DataFrame:
    """Projects with every awkward case: empty and repeated cluster lists, unknown values, NaN figures."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(CLUSTER_CELLS), n)
    frame = pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "name_zh": "项目", "name_en": rng.choice(["smelter", "foil mill", "wheel plant"], n),
        "cluster_types": pd.Series([list(CLUSTER_CELLS[k]) for k in pick], dtype=object),
        "stage": rng.choice(["primary-aluminium", "end-products", "alloys-and-products", "odd-stage"], n),
        "status": rng.choice(["operating", "under-construction", "planned", "unknown", "oddity"], n),
        "zone_id": rng.choice(["qingzhen", "", "zunyi-heping", "elsewhere"], n),
        "county_adcode": rng.choice(["520181", "520102", "520304", "529999"], n),
        "investment_cny_m": np.where(rng.random(n) < 0.4, np.nan, rng.lognormal(3, 2, n)),
        "capacity": np.where(rng.random(n) < 0.3, np.nan, rng.lognormal(2, 2, n)),
        "capacity_unit": rng.choice(["kt/a", "sets/a", "", "t/a"], n),
    })
    frame["search_text"] = frame["name_en"]
    return frame


@pytest.fixture
def big(tiny_atlas: Atlas) -> Atlas:
    return replace(tiny_atlas, projects=random_projects(3_000, seed=11))


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index every frame, however small."""
    monkeypatch.setattr(project_index, "INDEX_MIN_ROWS", 0)


def reference(atlas: Atlas, filters: Filters, by: str, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(project_index, "INDEX_MIN_ROWS", 10**12)
        return summarise_projects(atlas, filter_projects(atlas, filters), by=by)  # type: ignore[arg-type]


@pytest.mark.parametrize("filters", FILTERS)
def test_indexed_filter_keeps_exactly_the_rows_the_row_wise_filter_keeps(big, monkeypatch, filters):
    with monkeypatch.context() as patch:
        patch.setattr(project_index, "INDEX_MIN_ROWS", 10**12)
        expected = filter_projects(big, filters)
    monkeypatch.setattr(project_index, "INDEX_MIN_ROWS", 0)
    got = filter_projects(big, filters)
    assert_frame_equal(got, expected)
    assert cached_index(got) is not None  # remembered for the summary that usually follows


@pytest.mark.parametrize("by", GROUP_BYS)
@pytest.mark.parametrize("filters", FILTERS)
def test_indexed_summaries_are_bit_identical_to_the_row_wise_ones(big, monkeypatch, indexed, filters, by):
    expected = reference(big, filters, by, monkeypatch)
    assert_frame_equal(summarise_projects(big, filter_projects(big, filters), by=by), expected, check_exact=True)
    assert_frame_equal(summarise_matching(big, filters, by=by), expected, check_exact=True)


def test_a_list_naming_a_cluster_twice_counts_twice_as_explode_does(tiny_atlas, monkeypatch, indexed):
    projects = random_projects(50, seed=3)
    projects["cluster_types"] = pd.Series([["alloy-products", "alloy-products"]] * 50, dtype=object)
    atlas = replace(tiny_atlas, projects=projects)
    table = summarise_projects(atlas, projects, by="cluster-type").set_index("key")
    assert table.loc["alloy-products", "projects"] == 100
    assert_frame_equal(table.reset_index(), reference(atlas, Filters(), "cluster-type", monkeypatch))


def test_equal_lists_in_different_objects_share_one_code() -> None:
    frame = random_projects(200, seed=5)
    index = build_index(frame)
    assert len(index.clusters.values) == len(CLUSTER_CELLS)


def test_small_frames_are_not_indexed_and_big_ones_are_indexed_once(monkeypatch) -> None:
    monkeypatch.setattr(project_index, "INDEX_MIN_ROWS", 100)
    assert index_of(random_projects(99, seed=1)) is None
    frame = random_projects(100, seed=1)
    first = index_of(frame)
    assert first is not None and index_of(frame) is first


def test_the_cache_forgets_a_frame_once_it_is_gone(monkeypatch, indexed) -> None:
    frame = random_projects(10, seed=2)
    index_of(frame)
    key = id(frame)
    assert key in project_index._CACHE
    del frame
    gc.collect()
    assert key not in project_index._CACHE


def test_an_empty_filtered_view_summarises_to_zero_rows_of_counts(big, monkeypatch, indexed) -> None:
    table = summarise_matching(big, Filters(statuses=("no-such-status",)), by="zone")
    assert table["projects"].sum() == 0
    assert_frame_equal(table, reference(big, Filters(statuses=("no-such-status",)), "zone", monkeypatch))
