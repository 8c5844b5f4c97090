"""Summaries of projects by cluster type, zone, prefecture or chain stage."""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from atlas import schema
from atlas.model import Atlas
from atlas.query import prefecture_of
from atlas.schema import Lang

GroupBy = Literal["cluster-type", "zone", "prefecture", "stage"]
GROUP_BYS: Final[tuple[GroupBy, ...]] = ("cluster-type", "zone", "prefecture", "stage")
STATES: Final[tuple[str, ...]] = ("operating", "building", "planned", "other")
NO_GROUP: Final[str] = "(none)"
"""Key of projects without a cluster type or zone: shown, never silently dropped."""


def summarise_projects(atlas: Atlas, projects: pd.DataFrame, *, by: GroupBy) -> pd.DataFrame:
    """Counts by status, investment and capacity per unit for each group.

    A project in two cluster types counts in both (totals over cluster types can exceed the number of
    projects). Capacities are summed per unit only — kt/a and sets/a are never added together — and the
    investment total says from how many projects it comes (`investment_known`).

    Returns
    -------
    pandas.DataFrame
        One row per group in a stable order: `key`, `name_zh`, `name_en`, `projects`, `operating`,
        `building`, `planned`, `other`, `investment_cny_m`, `investment_known`, then one
        `capacity [unit]` column per unit present; for `cluster-type`, also `zones_assigned`.
    """
    keyed = _with_group_key(atlas, projects, by=by)
    names = group_names(atlas, by=by)
    keys = list(names.index)
    extra = sorted(set(keyed["key"]) - set(keys))
    keys += extra
    groups = keyed.groupby("key", sort=False)
    states = list(STATES)
    counts = pd.crosstab(keyed["key"], keyed["status"].map(schema.status_group)).reindex(
        index=keys, columns=states, fill_value=0
    )
    out = pd.DataFrame({"key": keys})
    out["name_zh"] = [names.loc[k, "name_zh"] if k in names.index else k for k in keys]
    out["name_en"] = [names.loc[k, "name_en"] if k in names.index else k for k in keys]
    out["projects"] = [int(groups.size().get(k, 0)) for k in keys]
    for state in states:
        out[state] = counts[state].to_numpy(dtype=int)
    investment = groups["investment_cny_m"].sum(min_count=1)
    out["investment_cny_m"] = [investment.get(k, float("nan")) for k in keys]
    out["investment_known"] = [int(groups["investment_cny_m"].count().get(k, 0)) for k in keys]
    capacity = keyed.dropna(subset=["capacity"]).groupby(["key", "capacity_unit"])["capacity"].sum()
    for unit in sorted({u for _, u in capacity.index}):
        out[f"capacity [{unit}]"] = [capacity.get((k, unit), float("nan")) for k in keys]
    if by == "cluster-type":
        roles = atlas.zone_roles[atlas.zone_roles["kind"] == schema.RoleKind.CLUSTER]
        assigned = roles.groupby("cluster_type")["zone_id"].nunique()
        out["zones_assigned"] = [int(assigned.get(k, 0)) for k in keys]
    return out.reset_index(drop=True)


def status_breakdown(summary: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Long table (group, state, count) of a summary, for a stacked bar chart in `lang`."""
    name = f"name_{lang}"
    long = summary.melt(id_vars=[name], value_vars=list(STATES), var_name="state", value_name="count")
    labels = {
        "operating": ("已投产", "operating"),
        "building": ("在建/试产", "building"),
        "planned": ("规划/签约", "planned"),
        "other": ("其他", "other"),
    }
    long["state"] = long["state"].map(lambda s: labels[s][0 if lang == "zh" else 1])
    return long.rename(columns={name: "group"})


def group_names(atlas: Atlas, *, by: GroupBy) -> pd.DataFrame:
    """zh/en names of every possible group, indexed by key, in the atlas's natural order."""
    if by == "cluster-type":
        frame = atlas.cluster_types[["id", "name_zh", "name_en"]]
    elif by == "zone":
        frame = atlas.zones[["id", "name_zh", "name_en"]]
    elif by == "prefecture":
        frame = atlas.prefectures.rename(columns={"adcode": "id"})[["id", "name_zh", "name_en"]]
    elif by == "stage":
        chain_order = [s for c in atlas.cluster_types["id"] for s in atlas.chain_of(str(c))]
        order = {s: i for i, s in reversed(list(enumerate(chain_order)))}
        frame = atlas.stages[["id", "name_zh", "name_en"]].copy()
        frame = frame.assign(_order=frame["id"].map(order).fillna(len(order))).sort_values("_order")
    else:
        raise ValueError(f"unknown grouping {by!r}; valid: {', '.join(GROUP_BYS)}")
    return pd.DataFrame(frame[["id", "name_zh", "name_en"]]).set_index("id")


def _with_group_key(atlas: Atlas, projects: pd.DataFrame, *, by: GroupBy) -> pd.DataFrame:
    frame = pd.DataFrame(projects.drop(columns="geometry", errors="ignore"))
    if by == "cluster-type":
        exploded = frame.assign(key=frame["cluster_types"].map(lambda cs: list(cs) or [NO_GROUP]))
        return exploded.explode("key").reset_index(drop=True)
    if by == "zone":
        return frame.assign(key=frame["zone_id"].replace("", NO_GROUP))
    if by == "prefecture":
        return frame.assign(key=prefecture_of(frame["county_adcode"]))
    if by == "stage":
        return frame.assign(key=frame["stage"])
    raise ValueError(f"unknown grouping {by!r}; valid: {', '.join(GROUP_BYS)}")
