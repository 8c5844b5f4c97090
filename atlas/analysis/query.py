"""Filtering the atlas's layers by cluster type, zone, prefecture, chain stage, status and free text."""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.analysis.project_index import ProjectIndex, index_of, remember_subset
from atlas.core import schema
from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.data.search_keys import key_contains, normalise_query


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the atlas to; an empty tuple means "all".

    The same ids appear in the CLI flags and the app's permalink (`cluster`, `zone`, `prefecture`,
    `stage`, `status`, `q`).
    """

    cluster_types: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    prefectures: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.cluster_types or self.zones or self.prefectures or self.stages or self.statuses or self.text.strip()
        )


def check_filters(atlas: Atlas, filters: Filters) -> None:
    """Raise `AtlasError` naming the first unknown id and the valid ones (CLI and permalinks)."""
    vocabularies = {
        "cluster type": (filters.cluster_types, list(atlas.cluster_types["id"])),
        "zone": (filters.zones, list(atlas.zones["id"])),
        "prefecture": (filters.prefectures, list(atlas.prefectures["adcode"])),
        "stage": (filters.stages, list(atlas.stages["id"])),
        "status": (filters.statuses, [str(s) for s in schema.ProjectStatus]),
    }
    for what, (chosen, valid) in vocabularies.items():
        for value in chosen:
            if value not in valid:
                raise AtlasError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")


def filter_projects(atlas: Atlas, filters: Filters, projects: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Projects matching every filter (vectorised: one boolean mask per criterion)."""
    frame = atlas.projects if projects is None else projects
    index = index_of(frame)
    if index is not None:  # a big registry: the same masks from precomputed codes (atlas.analysis.project_index)
        rows = np.flatnonzero(indexed_mask(index, filters, frame))
        subset = frame.iloc[rows]
        remember_subset(subset, index, rows)
        return subset
    mask = np.ones(len(frame), dtype=bool)
    if filters.cluster_types:
        wanted = set(filters.cluster_types)
        mask &= frame["cluster_types"].map(lambda cs: bool(wanted.intersection(cs))).to_numpy(dtype=bool)
    if filters.zones:
        mask &= frame["zone_id"].isin(filters.zones).to_numpy()
    if filters.prefectures:
        mask &= prefecture_of(frame["county_adcode"]).isin(filters.prefectures).to_numpy()
    if filters.stages:
        mask &= frame["stage"].isin(filters.stages).to_numpy()
    if filters.statuses:
        mask &= frame["status"].isin(filters.statuses).to_numpy()
    mask &= text_mask(frame, filters.text)
    return frame[mask]


def indexed_mask(index: ProjectIndex, filters: Filters, frame: pd.DataFrame) -> np.ndarray:
    """`filter_projects`'s mask from a `ProjectIndex` of `frame`: each criterion decided once per distinct value."""
    mask = np.ones(len(index), dtype=bool)
    if filters.cluster_types:
        mask &= index.cluster_rows(filters.cluster_types)
    if filters.zones:
        mask &= index.columns["zone_id"].matches(filters.zones)
    if filters.prefectures:
        mask &= index.columns["county_adcode"].mapped(prefecture_of).matches(filters.prefectures)
    if filters.stages:
        mask &= index.columns["stage"].matches(filters.stages)
    if filters.statuses:
        mask &= index.columns["status"].matches(filters.statuses)
    if filters.text.strip():
        mask &= text_mask(frame, filters.text)
    return mask


def filter_zones(atlas: Atlas, filters: Filters) -> gpd.GeoDataFrame:
    """Zones that hold a role in a chosen cluster type (and match zone, prefecture and text).

    Stage and status describe projects, not zones, so they do not hide zones. A text query keeps a
    zone whose own names match or that hosts a matching project ("foil" shows where foil is made).
    """
    zones = atlas.zones
    mask = np.ones(len(zones), dtype=bool)
    if filters.cluster_types:
        roles = atlas.zone_roles
        holders = set(roles.loc[roles["cluster_type"].isin(filters.cluster_types), "zone_id"])
        mask &= zones["id"].isin(holders).to_numpy()
    if filters.zones:
        mask &= zones["id"].isin(filters.zones).to_numpy()
    if filters.prefectures:
        mask &= zones["prefecture_adcode"].isin(filters.prefectures).to_numpy()
    if filters.text.strip():
        with_matching_projects = set(atlas.projects.loc[text_mask(atlas.projects, filters.text), "zone_id"])
        mask &= text_mask(zones, filters.text) | zones["id"].isin(with_matching_projects).to_numpy()
    return zones[mask]


def filter_recycling_bases(atlas: Atlas, filters: Filters) -> gpd.GeoDataFrame:
    """Recycling bases in the chosen zones/prefectures/statuses (cluster type: the recycling stage's chains)."""
    bases = atlas.recycling_bases
    mask = np.ones(len(bases), dtype=bool)
    if filters.cluster_types:
        chains = atlas.chains
        recycling_clusters = set(chains.loc[chains["stage"] == "scrap-recycling", "cluster_type"])
        mask &= bool(recycling_clusters.intersection(filters.cluster_types))
    if filters.stages:
        mask &= "scrap-recycling" in filters.stages
    if filters.zones:
        mask &= bases["zone_id"].isin(filters.zones).to_numpy()
    if filters.prefectures:
        mask &= prefecture_of(bases["county_adcode"]).isin(filters.prefectures).to_numpy()
    if filters.statuses:
        mask &= bases["status"].isin(filters.statuses).to_numpy()
    mask &= text_mask(bases, filters.text)
    return bases[mask]


def filter_deposits(atlas: Atlas, filters: Filters) -> gpd.GeoDataFrame:
    """Deposits in the chosen prefectures or in the counties of the chosen zones (and matching text)."""
    deposits = atlas.deposits
    mask = np.ones(len(deposits), dtype=bool)
    if filters.zones:
        zone_counties = {
            c for cs in atlas.zones.loc[atlas.zones["id"].isin(filters.zones), "county_adcodes"] for c in cs
        }
        mask &= deposits["county_adcodes"].map(lambda cs: bool(zone_counties.intersection(cs))).to_numpy(dtype=bool)
    if filters.prefectures:
        wanted = set(filters.prefectures)
        mask &= (
            deposits["county_adcodes"]
            .map(lambda cs: any(prefecture_code(c) in wanted for c in cs))
            .to_numpy(dtype=bool)
        )
    mask &= text_mask(deposits, filters.text)
    return deposits[mask]


def text_mask(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Rows whose search key (names, companies, pinyin, initials) contains every word of `text`."""
    words = normalise_query(text).split()
    mask = np.ones(len(frame), dtype=bool)
    if not words or "search_text" not in frame.columns:
        return mask
    for word in words:
        mask &= key_contains(frame, word)
    return mask


def prefecture_code(county_adcode: str) -> str:
    """The prefecture of a county adcode (first four digits + "00")."""
    return county_adcode[:4] + "00"


def prefecture_of(county_adcodes: pd.Series) -> pd.Series:
    """Vectorised `prefecture_code`."""
    return county_adcodes.astype(str).str.slice(0, 4) + "00"


def filtered_atlas(atlas: Atlas, filters: Filters) -> Atlas:
    """The atlas with its point layers and roles narrowed to `filters` (boundaries and policy kept whole).

    Handing a filtered `Atlas` to the map builder or an export keeps "what is shown" and "what is
    exported" the same thing by construction.
    """
    if filters.is_empty:
        return atlas
    zones = filter_zones(atlas, filters)
    roles = atlas.zone_roles[atlas.zone_roles["zone_id"].isin(zones["id"])]
    if filters.cluster_types:
        roles = roles[(roles["kind"] != schema.RoleKind.CLUSTER) | roles["cluster_type"].isin(filters.cluster_types)]
    return replace(
        atlas,
        zones=zones,
        zone_roles=roles,
        projects=filter_projects(atlas, filters),
        recycling_bases=filter_recycling_bases(atlas, filters),
        deposits=filter_deposits(atlas, filters),
    )
