"""Two to five zones side by side: policy roles, chain coverage, projects by status, capacity, nearby resources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from atlas.analysis.gaps import gap_matrix_long, state_label
from atlas.analysis.proximity import nearby_zone
from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.i18n import names_by_id, t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, ProjectStatus, RoleKind, label

MIN_ZONES: Final[int] = 2
MAX_ZONES: Final[int] = 5
"""More than five columns no longer fit side by side on a laptop screen or an A4 page."""
ROLE_ORDER: Final[tuple[str, ...]] = (
    RoleKind.CLUSTER,
    RoleKind.RECYCLED_ALUMINIUM,
    RoleKind.RECYCLING_BASE,
    RoleKind.RESOURCE_AREA,
)
NEARBY_LAYERS: Final[tuple[str, ...]] = ("deposits", "recycling-bases")
"""Resources counted around each zone (projects are compared through their zone, not their distance)."""


@dataclass(frozen=True)
class ZoneComparison:
    """The compared zones' facts, each table keyed by an item column and one column per zone id."""

    zone_ids: tuple[str, ...]
    km: float
    roles: pd.DataFrame
    """`kind`, `cluster_type`, then per zone the policy section of that role ("" = not assigned)."""
    chain: pd.DataFrame
    """`cluster_type`, `stage`, then per zone the gap-matrix state."""
    status_counts: pd.DataFrame
    """`status` (every status, then ``total``), then per zone the number of projects tied to it."""
    capacity: pd.DataFrame
    """Long: `zone`, `stage`, `unit`, `project_id`, `capacity`, `status` — one row per project with a figure."""
    capacity_unknown: pd.DataFrame
    """`stage`, then per zone the number of projects at that stage with no capacity figure."""
    nearby: pd.DataFrame
    """Long: `zone`, `layer`, `match`, `count`, `nearest_id`, `nearest_km`, `nearest_uncertainty_km`."""


def check_zone_ids(atlas: Atlas, zone_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids as given, once each; `AtlasError` for fewer than 2, more than 5, or an unknown id."""
    ids = tuple(dict.fromkeys(zone_ids))
    if not MIN_ZONES <= len(ids) <= MAX_ZONES:
        raise AtlasError(f"compare needs {MIN_ZONES} to {MAX_ZONES} different zone ids, got {len(ids)}")
    valid = [str(z) for z in atlas.zones["id"]]
    for zone_id in ids:
        if zone_id not in valid:
            raise AtlasError(f"unknown zone {zone_id!r}; valid: {', '.join(valid)}")
    return ids


def compare_zones(atlas: Atlas, zone_ids: Sequence[str], *, km: float = settings.NEARBY_KM_DEFAULT) -> ZoneComparison:
    """Compare 2–5 zones.

    Capacities are never summed: a stage mixes products (ore and alumina are both kt/a at
    bauxite/alumina), so each project's figure is listed with its unit, and projects without a
    figure are counted, not taken as 0. Nearby counts use `atlas.analysis.proximity` (geodesic, inclusive,
    with "possibly within" kept apart).

    Raises
    ------
    AtlasError
        For fewer than 2 or more than 5 ids, an unknown id, or a negative radius.
    """
    ids = check_zone_ids(atlas, zone_ids)
    projects = pd.DataFrame(atlas.projects.drop(columns="geometry"))
    mine = projects[projects["zone_id"].isin(ids)]
    with_capacity = mine.dropna(subset=["capacity"])
    capacity = pd.DataFrame(
        {
            "zone": with_capacity["zone_id"],
            "stage": with_capacity["stage"],
            "unit": with_capacity["capacity_unit"],
            "project_id": with_capacity["id"],
            "capacity": with_capacity["capacity"],
            "status": with_capacity["status"],
        }
    ).reset_index(drop=True)
    return ZoneComparison(
        zone_ids=ids,
        km=km,
        roles=_roles(atlas, ids),
        chain=_chain(atlas, ids),
        status_counts=_status_counts(mine, ids),
        capacity=capacity,
        capacity_unknown=_per_zone_counts(mine[mine["capacity"].isna()], ids, key="stage"),
        nearby=_nearby(atlas, ids, km=km),
    )


def _roles(atlas: Atlas, ids: tuple[str, ...]) -> pd.DataFrame:
    roles = atlas.zone_roles[atlas.zone_roles["zone_id"].isin(ids)]
    cluster_order = {c: i for i, c in enumerate(atlas.cluster_types["id"])}
    keys = sorted(
        {(str(k), str(c)) for k, c in zip(roles["kind"], roles["cluster_type"], strict=True)},
        key=lambda kc: (ROLE_ORDER.index(kc[0]) if kc[0] in ROLE_ORDER else 99, cluster_order.get(kc[1], 99)),
    )
    rows = []
    for kind, cluster in keys:
        match = roles[(roles["kind"] == kind) & (roles["cluster_type"] == cluster)]
        sections = dict(zip(match["zone_id"], match["policy_section"], strict=True))
        rows.append({"kind": kind, "cluster_type": cluster, **{z: str(sections.get(z, "")) for z in ids}})
    return pd.DataFrame(rows, columns=["kind", "cluster_type", *ids])


def _chain(atlas: Atlas, ids: tuple[str, ...]) -> pd.DataFrame:
    long = gap_matrix_long(atlas)
    long = long[long["zone"].isin(ids)]
    states = {(c, s, z): st for c, s, z, st in long[["cluster_type", "stage", "zone", "state"]].itertuples(index=False)}
    keys = long[["cluster_type", "stage"]].drop_duplicates()  # cluster order, then chain order
    rows = [
        {"cluster_type": c, "stage": s, **{z: states[(c, s, z)] for z in ids}} for c, s in keys.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=["cluster_type", "stage", *ids])


def _status_counts(projects: pd.DataFrame, ids: tuple[str, ...]) -> pd.DataFrame:
    counts = pd.crosstab(projects["status"], projects["zone_id"]).reindex(
        index=[str(s) for s in ProjectStatus], columns=list(ids), fill_value=0
    )
    counts.loc["total"] = counts.sum()
    return counts.astype(int).rename_axis(index="status", columns=None).reset_index()


def _per_zone_counts(frame: pd.DataFrame, ids: tuple[str, ...], *, key: str) -> pd.DataFrame:
    counts = pd.crosstab(frame[key], frame["zone_id"]).reindex(columns=list(ids), fill_value=0)
    return counts.astype(int).rename_axis(index=key, columns=None).reset_index()


def _nearby(atlas: Atlas, ids: tuple[str, ...], *, km: float) -> pd.DataFrame:
    rows = []
    for zone_id in ids:
        found = nearby_zone(atlas, zone_id, km=km, layers=NEARBY_LAYERS)
        for layer in NEARBY_LAYERS:
            for match in ("within", "possibly-within"):
                hits = found[(found["layer"] == layer) & (found["match"] == match)]
                first = hits.iloc[0] if len(hits) else None
                rows.append(
                    {
                        "zone": zone_id,
                        "layer": layer,
                        "match": match,
                        "count": len(hits),
                        "nearest_id": "" if first is None else str(first["id"]),
                        "nearest_km": float("nan") if first is None else float(first["distance_km"]),
                        "nearest_uncertainty_km": float("nan") if first is None else float(first["uncertainty_km"]),
                    }
                )
    return pd.DataFrame(rows)


def comparison_table(cmp: ZoneComparison, atlas: Atlas, lang: Lang) -> pd.DataFrame:
    """Everything in one text table: `section`, `item`, then one column per zone name (for screen, CSV, XLSX)."""
    zone_names = names_by_id(atlas.zones, lang)
    stage_names = names_by_id(atlas.stages, lang)
    ids = list(cmp.zone_ids)
    rows: list[dict[str, str]] = []

    def add(section: str, item: str, values: dict[str, Any]) -> None:
        rows.append({"section": section, "item": item, **{z: _text(values.get(z, "")) for z in ids}})

    for role in cmp.roles.to_dict("records"):
        item = label(role["cluster_type"] or role["kind"], lang)
        add(t("compare_roles", lang), item, {z: role[z] or "—" for z in ids})
    for cell in cmp.chain.to_dict("records"):
        item = f"{label(cell['cluster_type'], lang)} · {stage_names.get(cell['stage'], cell['stage'])}"
        add(t("compare_chain", lang), item, {z: state_label(str(cell[z]), lang) for z in ids})
    for count in cmp.status_counts.to_dict("records"):
        item = label(count["status"], lang) if count["status"] != "total" else ("合计" if lang == "zh" else "total")
        add(t("compare_status", lang), item, {z: count[z] for z in ids})
    for (stage, unit), group in cmp.capacity.groupby(["stage", "unit"], sort=False):
        per_zone = {
            str(z): "; ".join(f"{_number(c)} ({p})" for p, c in zip(g["project_id"], g["capacity"], strict=True))
            for z, g in group.groupby("zone")
        }
        add(t("compare_capacity", lang), f"{stage_names.get(str(stage), str(stage))} [{unit}]", per_zone)
    for unknown in cmp.capacity_unknown.to_dict("records"):
        item = f"{stage_names.get(unknown['stage'], unknown['stage'])} [{t('no_data', lang)}]"
        add(t("compare_capacity", lang), item, {z: unknown[z] for z in ids})
    section = t("compare_nearby", lang, km=cmp.km)
    for (layer, match), group in cmp.nearby.groupby(["layer", "match"], sort=False):
        values = {}
        for record in group.to_dict("records"):
            nearest = (
                f" · {record['nearest_id']} {record['nearest_km']:.1f} ± {record['nearest_uncertainty_km']:.1f} km"
                if record["count"]
                else ""
            )
            values[record["zone"]] = f"{record['count']}{nearest}"
        add(section, f"{label(str(layer), lang)} · {t(f'match_{match}', lang)}", values)
    out = pd.DataFrame(rows, columns=["section", "item", *ids])
    return out.rename(columns={z: zone_names.get(z, z) for z in ids} | _headers(lang))


def comparison_sections(cmp: ZoneComparison, atlas: Atlas, lang: Lang) -> dict[str, pd.DataFrame]:
    """`comparison_table` split by section: {section title: item + one column per zone}, in order."""
    table = comparison_table(cmp, atlas, lang)
    section, *_ = table.columns
    return {
        str(name): part.drop(columns=section).reset_index(drop=True)
        for name, part in table.groupby(section, sort=False)
    }


def comparison_records(cmp: ZoneComparison) -> dict[str, Any]:
    """JSON-ready dict with ids (no labels): zones, km, and every table as a list of row objects."""

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]

    return {
        "zones": list(cmp.zone_ids),
        "km": cmp.km,
        "roles": rows(cmp.roles),
        "chain": rows(cmp.chain),
        "projects_by_status": rows(cmp.status_counts),
        "capacity": rows(cmp.capacity),
        "capacity_unknown": rows(cmp.capacity_unknown),
        "nearby": rows(cmp.nearby),
    }


def _headers(lang: Lang) -> dict[str, str]:
    return {"section": "部分" if lang == "zh" else "Section", "item": "项目" if lang == "zh" else "Item"}


def _number(value: float) -> str:
    return f"{value:g}"


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def default_comparison(
    zone_ids: Sequence[str], *, linked: Sequence[str] = (), filtered: Sequence[str] = ()
) -> list[str]:
    """The zones a comparison starts with: a permalink's valid zones, else the sidebar's zone filter when it
    names enough zones, else the first `MIN_ZONES` zones; never more than `MAX_ZONES`, no repeats."""
    valid = set(zone_ids)
    chosen = [z for z in linked if z in valid]
    fallback = list(filtered) if len(filtered) >= MIN_ZONES else list(zone_ids)[:MIN_ZONES]
    return list(dict.fromkeys(chosen or fallback))[:MAX_ZONES]
