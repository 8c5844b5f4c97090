"""The `Atlas`: every curated layer and policy table, loaded once and passed around as one value."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from atlas.core import schema


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class Atlas:
    """All layers of the atlas in WGS84 (EPSG:4326).

    Point layers (`zones`, `projects`, `recycling_bases`, `deposits`) carry `lon`/`lat` columns
    beside their point geometry; list-valued cells (`county_adcodes`, `cluster_types`) are
    Python lists of strings. Numeric cells that a source does not give are NaN, never 0.
    Each GeoDataFrame is indexed 0..n-1 and has an `id` column (boundaries: `adcode`).
    """

    province: gpd.GeoDataFrame
    prefectures: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    """Points (honest position + uncertainty); a zone's footprint is `zone_footprint(zone_id)`."""
    zone_roles: pd.DataFrame
    cluster_types: pd.DataFrame
    stages: pd.DataFrame
    chains: pd.DataFrame
    """(cluster_type, position, stage): each cluster's industry chain as ordered stages."""
    products: pd.DataFrame
    projects: gpd.GeoDataFrame
    recycling_bases: gpd.GeoDataFrame
    deposits: gpd.GeoDataFrame
    targets: pd.DataFrame
    sections: pd.DataFrame
    departments: pd.DataFrame
    responsibilities: pd.DataFrame
    national_tasks: pd.DataFrame = field(default_factory=lambda: _empty(schema.NATIONAL_TASK_COLUMNS))
    """The national policy's six tasks (paraphrased); empty only in hand-built atlases of tests."""
    national_links: pd.DataFrame = field(default_factory=lambda: _empty(schema.NATIONAL_LINK_COLUMNS))
    """(national_task_id, policy_section, why): the provincial sections that implement each national task."""

    def chain_of(self, cluster_type: str) -> list[str]:
        """The ordered stage ids of one cluster type's industry chain."""
        rows = self.chains[self.chains["cluster_type"] == cluster_type].sort_values("position")
        return [str(s) for s in rows["stage"]]

    def zone_footprint(self, zone_id: str) -> BaseGeometry:
        """Union of the county polygons a zone (or the Wuzhengdao resource area) lies in.

        No source gives zone boundaries, so the counties are the honest footprint to draw.
        """
        row = self.zones[self.zones["id"] == zone_id]
        if row.empty:
            raise KeyError(zone_id)
        adcodes = set(row.iloc[0]["county_adcodes"])
        counties = self.counties[self.counties["adcode"].isin(adcodes)]
        return shapely.union_all(counties.geometry.to_numpy())


@dataclass(frozen=True)
class RawData:
    """Text tables and boundary layers as read, before cross-checks and typing (`atlas.data.load`)."""

    boundaries: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
