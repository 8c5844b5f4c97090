"""Project counts and investment grouped in PostGIS equal the clusters page's in-memory summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
import pytest

from atlas.analysis.aggregate import GROUP_BYS, STATES, summarise_projects
from atlas.analysis.query import Filters, filter_projects
from atlas.core.model import Atlas
from atlas.maps.postgis_summary import SUMMARY_COLUMNS, summarise_in_database
from atlas.registry.postgis import PostgisStore
from atlas.registry.startup import open_atlas
from tests.storage.conftest import edited, tiny_projects
from tests.storage.test_postgis_view import synthetic_filters

COUNTS = ["projects", *STATES, "investment_known"]


def in_memory(atlas: Atlas, filters: Filters, by: str) -> pd.DataFrame:
    """The clusters page's table, narrowed to the groups that hold a project and to the columns compared."""
    summary = summarise_projects(atlas, filter_projects(atlas, filters), by=by)  # type: ignore[arg-type]
    summary = summary.loc[summary["projects"] > 0, list(SUMMARY_COLUMNS)]
    return summary.sort_values("key", ignore_index=True)


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(SUMMARY_COLUMNS)
    assert list(got["key"]) == list(expected["key"])
    assert got[COUNTS].to_numpy().tolist() == expected[COUNTS].to_numpy().tolist()
    got_sums, expected_sums = (f["investment_cny_m"].to_numpy(dtype=float) for f in (got, expected))
    assert np.allclose(got_sums, expected_sums, rtol=1e-9, atol=0, equal_nan=True)  # added in another order


@pytest.mark.parametrize("by", GROUP_BYS)
def test_the_tiny_registry_summarised_in_the_database_is_the_in_memory_summary(
    monkeypatch, registry_url, tiny_data_dir, by
):
    """Two cluster types in one project (counted in both), no cluster, no zone, odd investment text."""
    frame = edited(tiny_projects(), "wheels", cluster_types="", zone_id="", investment_cny_m="1_250.5")
    frame = edited(frame, "foil", investment_cny_m=" ３０ ", status="signed")
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    store.save(frame, base_version="0", author="test", message="edge cases")
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    atlas = open_atlas(tiny_data_dir)
    with psycopg.connect(registry_url) as conn:
        for filters in (Filters(), Filters(cluster_types=("alloy-products",)), Filters(statuses=("signed",))):
            expected = in_memory(atlas, filters, by)
            got = summarise_in_database(conn, filters, by=by)
            assert_same(got, expected)
    assert expected["investment_known"].sum() == 1  # `foil`'s " ３０ ", parsed as Python's float parses it


@pytest.mark.parametrize("by", GROUP_BYS)
def test_a_synthetic_registry_summarised_in_the_database_is_the_in_memory_summary(synthetic_registry, by):
    checked = 0
    with psycopg.connect(synthetic_registry.url) as conn:
        for filters in synthetic_filters(synthetic_registry):
            expected = in_memory(synthetic_registry.atlas, filters, by)
            assert_same(summarise_in_database(conn, filters, by=by), expected)
            checked += int(expected["projects"].sum())
    if by == "cluster-type":
        assert checked > len(synthetic_registry.projects)  # projects in two cluster types count in both


def test_free_text_and_unknown_groupings_are_refused(synthetic_registry):
    with psycopg.connect(synthetic_registry.url) as conn:
        with pytest.raises(ValueError, match="free-text"):
            summarise_in_database(conn, Filters(text="foil"), by="zone")
        with pytest.raises(ValueError, match="unknown grouping"):
            summarise_in_database(conn, Filters(), by="status")  # type: ignore[arg-type]
