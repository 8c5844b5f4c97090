"""Which stages of each cluster's industry chain a zone covers, and with what (operating, building, planned)."""

from __future__ import annotations

from typing import Final

import pandas as pd

from atlas.core import schema
from atlas.core.model import Atlas

STATE_RANK: Final[dict[str, int]] = {"operating": 3, "building": 2, "planned": 1}
"""The best project at a stage decides the cell: one operating plant beats any number of plans."""


def assigned_cluster_types(atlas: Atlas, zone_id: str) -> list[str]:
    """Cluster types the policy assigns to a zone, in the atlas's cluster order."""
    roles = atlas.zone_roles
    mine = set(roles.loc[(roles["zone_id"] == zone_id) & (roles["kind"] == schema.RoleKind.CLUSTER), "cluster_type"])
    return [c for c in atlas.cluster_types["id"] if c in mine]


def zone_chain_coverage(atlas: Atlas, zone_id: str, *, cluster_types: list[str] | None = None) -> pd.DataFrame:
    """One row per (cluster type, stage) of a zone: the state and the projects behind it.

    For a cluster the policy assigns the zone, `state` is `operating`, `building` or `planned` from the
    best project (or recycling base, for the scrap-recycling stage) tied to the zone at that stage, and
    `assigned-empty` (a gap) when nothing covers it. For a cluster the policy does not assign, it is
    `present-not-assigned` when a project covers the stage anyway and `not-assigned` when none does:
    a plant outside the policy's plan must not read as the policy being fulfilled.
    """
    assigned = set(assigned_cluster_types(atlas, zone_id))
    wanted = cluster_types if cluster_types is not None else [c for c in atlas.cluster_types["id"] if c in assigned]
    items = _zone_items(atlas, zone_id)
    names = atlas.stages.set_index("id")[["name_zh", "name_en"]]
    rows = []
    for cluster in wanted:
        for position, stage in enumerate(atlas.chain_of(cluster), start=1):
            at_stage = items[items["stage"] == stage]
            ranked = at_stage.assign(rank=at_stage["state"].map(STATE_RANK).fillna(0))
            best = ranked.sort_values("rank", ascending=False)
            if cluster not in assigned:
                state = "not-assigned" if best.empty or best["rank"].iloc[0] == 0 else "present-not-assigned"
            elif best.empty or best["rank"].iloc[0] == 0:
                state = "assigned-empty"
            else:
                state = str(best["state"].iloc[0])
            rows.append(
                {
                    "zone_id": zone_id,
                    "cluster_type": cluster,
                    "position": position,
                    "stage": stage,
                    "stage_name_zh": names.at[stage, "name_zh"] if stage in names.index else stage,
                    "stage_name_en": names.at[stage, "name_en"] if stage in names.index else stage,
                    "state": state,
                    "item_ids": list(ranked.loc[ranked["rank"] > 0, "id"]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=["zone_id", "cluster_type", "position", "stage", "stage_name_zh", "stage_name_en", "state", "item_ids"],
    )


def _zone_items(atlas: Atlas, zone_id: str) -> pd.DataFrame:
    """Projects and recycling plants tied to the zone, with their stage and gap-matrix state."""
    projects = atlas.projects.loc[atlas.projects["zone_id"] == zone_id, ["id", "stage", "status"]]
    bases = atlas.recycling_bases.loc[atlas.recycling_bases["zone_id"] == zone_id, ["id", "status"]]
    bases = bases.assign(stage="scrap-recycling")
    items = pd.concat([pd.DataFrame(projects), pd.DataFrame(bases)], ignore_index=True)
    return items.assign(state=items["status"].map(schema.status_group))
