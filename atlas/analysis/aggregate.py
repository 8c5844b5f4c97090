"""Summaries of projects by cluster type, zone, prefecture or chain stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, cast

import numpy as np
import pandas as pd

from atlas.analysis.project_index import ProjectIndex, index_of
from atlas.analysis.query import Filters, filter_projects, indexed_mask, prefecture_of
from atlas.core import schema
from atlas.core.model import Atlas
from atlas.core.palette import STATE_COLOURS, STATE_ORDER
from atlas.core.schema import Lang

GroupBy = Literal["cluster-type", "zone", "prefecture", "stage"]
GROUP_BYS: Final[tuple[GroupBy, ...]] = ("cluster-type", "zone", "prefecture", "stage")
STATES: Final[tuple[str, ...]] = STATE_ORDER
NO_GROUP: Final[str] = "(none)"
NO_GROUP_NAMES: Final[dict[str, tuple[str, str]]] = {
    "cluster-type": ("（未归入集群）", "(no cluster)"),
    "zone": ("（不在开发区内或未说明）", "(outside a zone, or not stated)"),
    "prefecture": ("（未说明）", "(not stated)"),
    "stage": ("（未说明）", "(not stated)"),
}
"""What the `NO_GROUP` row is called in each grouping: a reader sees words, not a code."""
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
    index = index_of(projects) if by in GROUP_BYS else None
    tally = _tally_indexed(index, by=by) if index is not None else _tally(atlas, projects, by=by)
    return _summary(atlas, tally, by=by)


def _summary(atlas: Atlas, tally: _Tally, *, by: GroupBy) -> pd.DataFrame:
    names = group_names(atlas, by=by)
    keys = list(names.index)
    keys += sorted(tally.present - set(keys))
    states = list(STATES)
    out = pd.DataFrame({"key": keys})
    for column, lang_index in (("name_zh", 0), ("name_en", 1)):
        out[column] = [
            names.loc[k, column] if k in names.index
            else NO_GROUP_NAMES[by][lang_index] if k == NO_GROUP
            else k
            for k in keys
        ]
    out["projects"] = [int(tally.size.get(k, 0)) for k in keys]
    counts = tally.states.reindex(index=keys, columns=states, fill_value=0)
    for state in states:
        out[state] = counts[state].to_numpy(dtype=int)
    out["investment_cny_m"] = [tally.investment.get(k, float("nan")) for k in keys]
    out["investment_known"] = [int(tally.investment_known.get(k, 0)) for k in keys]
    for unit in sorted({u for _, u in tally.capacity.index}):
        out[f"capacity [{unit}]"] = [tally.capacity.get((k, unit), float("nan")) for k in keys]
    if by == "cluster-type":
        roles = atlas.zone_roles[atlas.zone_roles["kind"] == schema.RoleKind.CLUSTER]
        assigned = roles.groupby("cluster_type")["zone_id"].nunique()
        out["zones_assigned"] = [int(assigned.get(k, 0)) for k in keys]
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class _Tally:
    """Per-group figures of a summary, however they were computed."""

    present: set[object]
    size: pd.Series
    states: pd.DataFrame
    """Rows: group keys; columns: STATES present."""
    investment: pd.Series
    investment_known: pd.Series
    capacity: pd.Series
    """Indexed by (key, unit)."""


def _tally(atlas: Atlas, projects: pd.DataFrame, *, by: GroupBy) -> _Tally:
    keyed = _with_group_key(atlas, projects, by=by)
    groups = keyed.groupby("key", sort=False)
    return _Tally(
        present=set(keyed["key"]),
        size=groups.size(),
        states=pd.crosstab(keyed["key"], keyed["status"].map(schema.status_group)),
        investment=groups["investment_cny_m"].sum(min_count=1),
        investment_known=groups["investment_cny_m"].count(),
        capacity=keyed.dropna(subset=["capacity"]).groupby(["key", "capacity_unit"])["capacity"].sum(),
    )


def _tally_indexed(index: ProjectIndex, *, by: GroupBy) -> _Tally:
    """`_tally` from codes: (row, group) pairs as `_with_group_key` makes them, in the same order.

    Sums go through pandas' grouped sum over the same values in the same order, so totals are
    bit-identical to the row-wise path, not merely close.
    """
    rows, keys, key_values = _group_pairs(index, by=by)
    named = ~pd.isna(pd.Series(key_values, dtype=object)).to_numpy()
    keep = named[keys]
    rows, keys = rows[keep], keys[keep]
    labels = pd.Index(key_values, dtype=object)
    status = index.columns["status"]
    state_of = np.asarray([STATES.index(schema.status_group(cast(str, v))) for v in (*status.values, np.nan)])
    states = np.bincount(keys * len(STATES) + state_of[status.codes[rows]],
                         minlength=len(key_values) * len(STATES)).reshape(len(key_values), len(STATES))
    sizes = np.bincount(keys, minlength=len(key_values))
    present = sizes > 0
    values = index.investment[rows]
    summed = pd.Series(values).groupby(keys).sum(min_count=1)
    known = np.bincount(keys[~np.isnan(values)], minlength=len(key_values))
    unit = index.columns["capacity_unit"]
    units = len(unit.values) + 1
    measured = ~np.isnan(index.capacity[rows]) & (unit.codes[rows] < len(unit.values))
    pairs = pd.Series(index.capacity[rows][measured]).groupby(keys[measured] * units + unit.codes[rows][measured]).sum()
    pair_codes = pairs.index.to_numpy()
    capacity = pd.Series(pairs.to_numpy(), index=pd.MultiIndex.from_arrays(
        [labels[pair_codes // units], pd.Index([*unit.values, np.nan], dtype=object)[pair_codes % units]]))
    return _Tally(
        present=set(labels[present]),
        size=pd.Series(sizes[present], index=labels[present]),
        states=pd.DataFrame(states[present], index=labels[present], columns=list(STATES)),
        investment=pd.Series(summed.to_numpy(), index=labels[summed.index.to_numpy()]),
        investment_known=pd.Series(known[present], index=labels[present]),
        capacity=capacity,
    )


def _group_pairs(index: ProjectIndex, *, by: GroupBy) -> tuple[np.ndarray, np.ndarray, list[object]]:
    """Row positions, group codes and group values of every (row, group) pair, rows ascending."""
    if by == "cluster-type":
        cells = [list(cell) or [NO_GROUP] for cell in index.clusters.values]  # type: ignore[call-overload]
        values = list(dict.fromkeys(item for cell in cells for item in cell))
        code_of = {v: i for i, v in enumerate(values)}
        # per distinct cell, how often each group occurs (a list may name a cluster twice, as explode counts it)
        rows_parts, key_parts = [], []
        for value in values:
            times = np.asarray([cell.count(value) for cell in cells], dtype=np.int64)[index.clusters.codes]
            hit = np.flatnonzero(times)
            rows_parts.append(np.repeat(hit, times[hit]))
            key_parts.append(np.full(int(times[hit].sum()), code_of[value], dtype=np.int64))
        if not values:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), []
        return np.concatenate(rows_parts), np.concatenate(key_parts), values
    if by == "zone":
        codes = index.columns["zone_id"].mapped(lambda s: s.replace("", NO_GROUP))
    elif by == "prefecture":
        codes = index.columns["county_adcode"].mapped(prefecture_of)
    elif by == "stage":
        codes = index.columns["stage"]
    else:
        raise ValueError(f"unknown grouping {by!r}; valid: {', '.join(GROUP_BYS)}")
    return np.arange(len(codes.codes)), codes.codes.astype(np.int64), [*codes.values, np.nan]


def summarise_matching(atlas: Atlas, filters: Filters, *, by: GroupBy) -> pd.DataFrame:
    """``summarise_projects(atlas, filter_projects(atlas, filters), by=by)`` without building the filtered frame.

    For a big registry (see `atlas.analysis.project_index`) the filter is a mask over precomputed codes and
    the summary is taken from the codes of the matching rows; copying a million-row frame just to
    count it would cost more than both. Small registries take the plain path. Same result either way.
    """
    index = index_of(atlas.projects)
    if index is None:
        return summarise_projects(atlas, filter_projects(atlas, filters), by=by)
    rows = np.flatnonzero(indexed_mask(index, filters, atlas.projects))
    subset = index if len(rows) == len(index) else index.take(rows)
    return _summary(atlas, _tally_indexed(subset, by=by), by=by)


def summary_from_counts(atlas: Atlas, counts: pd.DataFrame, *, by: GroupBy,
                        capacity: pd.Series | None = None) -> pd.DataFrame:
    """`summarise_projects`' table from per-group figures computed elsewhere (e.g. inside the database).

    `counts` has a row per group present: ``key``, ``projects``, one column per state, ``investment_cny_m``
    and ``investment_known`` (`atlas.maps.postgis_summary.SUMMARY_COLUMNS`); `capacity` the summed capacity
    indexed by (key, unit), when known.
    """
    keyed = counts.set_index("key")
    tally = _Tally(
        present=set(keyed.index),
        size=keyed["projects"],
        states=keyed[list(STATES)],
        investment=keyed["investment_cny_m"].dropna(),
        investment_known=keyed["investment_known"],
        capacity=capacity if capacity is not None else pd.Series(
            [], dtype=float, index=pd.MultiIndex.from_arrays([[], []])),
    )
    return _summary(atlas, tally, by=by)


def status_breakdown(summary: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Long table (group, state, count, order, colour) of a summary, for a stacked bar chart in `lang`.

    `order` is the life-cycle position of the state and `colour` its colour in `atlas.core.palette`, so a
    chart stacks and colours the states as the map, the gap matrix and the profiles do.
    """
    name = f"name_{lang}"
    long = summary.melt(id_vars=[name], value_vars=list(STATES), var_name="state", value_name="count")
    labels = {
        "operating": ("已投产", "operating"),
        "building": ("在建/试产", "building"),
        "planned": ("规划/签约", "planned"),
        "other": ("其他", "other"),
    }
    long["order"] = long["state"].map(STATES.index)
    long["colour"] = long["state"].map(STATE_COLOURS)
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
