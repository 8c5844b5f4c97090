"""Data-quality flags: what a user should check before trusting a record (position, figures, sources, roles)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

import pandas as pd

from atlas.core import settings
from atlas.core.i18n import localise_frame
from atlas.core.model import Atlas
from atlas.core.schema import LABELS, Lang, PositionPrecision, RoleKind, label

FLAGS: Final[dict[str, tuple[str, str]]] = {
    "outside-zone-county": ("不在所属开发区的县内", "outside its zone's counties"),
    "zone-county-no-zone": ("位于开发区所在县但未归属该开发区", "in a zone's county but not tied to the zone"),
    "role-without-project": ("政策定位尚无项目", "policy role with no project"),
    "coarse-position": ("位置仅到县级或更粗", "position at county precision or coarser"),
    "missing-capacity": ("缺少产能", "capacity missing"),
    "missing-year": ("缺少年份", "year missing"),
    "mirror-source": ("来源为转载网站", "source is a mirror (re-post)"),
}
"""Every flag id with its zh/en name, in the order tables list them."""
COARSE_PRECISIONS: Final[frozenset[str]] = frozenset(
    {PositionPrecision.COUNTY, PositionPrecision.PREFECTURE, PositionPrecision.REGION}
)
COARSE_TEXT: Final[dict[str, tuple[str, str]]] = {
    PositionPrecision.COUNTY: ("县域质心", "county centroid"),
    PositionPrecision.PREFECTURE: ("市州质心（资料未写县）", "prefecture centroid (the source names no county)"),
    PositionPrecision.REGION: ("多县区域质心", "centroid of a multi-county area"),
}
"""How a `coarse-position` flag describes the point of each coarse precision."""
FLAG_COLUMNS: Final[tuple[str, ...]] = ("layer", "id", "flag", "detail_zh", "detail_en", "lon", "lat")
POINT_LAYERS: Final[dict[str, str]] = {
    "zones": "zones",
    "projects": "projects",
    "recycling-bases": "recycling_bases",
    "deposits": "deposits",
}
"""Flag layer name → `Atlas` attribute, for the layers whose records have a position."""
EXTRA_LAYER_LABELS: Final[dict[str, tuple[str, str]]] = {
    "zone-roles": ("开发区政策定位", "zone roles"),
    "targets": ("2030年目标", "targets"),
    "national-tasks": ("国家政策任务", "national tasks"),
}
"""Names of the flag layers that are not map layers (`schema.Layer` has the others)."""


def quality_flags(atlas: Atlas) -> pd.DataFrame:
    """Every flag on every record, one row each (`FLAG_COLUMNS`), in `FLAGS` order then layer order.

    `lon`/`lat` are the record's stored position (for a zone role, its zone's), NaN for records
    without one (targets, national tasks), so the flags can be drawn on the map.
    """
    rows: list[dict[str, object]] = []
    rows += _zone_membership(atlas)
    rows += _roles_without_projects(atlas)
    rows += _coarse_positions(atlas)
    rows += _missing_figures(atlas)
    rows += _mirror_sources(atlas)
    flags = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    order = {f: i for i, f in enumerate(FLAGS)}
    return flags.sort_values("flag", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def flag_counts(flags: pd.DataFrame) -> pd.DataFrame:
    """Counts per flag (rows, `FLAGS` order) and layer (columns), with a `total` column; zero rows kept."""
    counts = pd.crosstab(flags["flag"], flags["layer"]).reindex(index=list(FLAGS), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    return counts.astype(int).rename_axis(index="flag", columns=None).reset_index()


def flags_in_view(flags: pd.DataFrame, view: Atlas) -> pd.DataFrame:
    """The flags of records a (filtered) atlas still shows; a zone role follows its zone.

    Flags are computed on the whole atlas (a filter must not make a role look unfilled) and then
    narrowed to what is on screen.
    """
    shown = {(layer, str(i)) for layer, attribute in POINT_LAYERS.items() for i in getattr(view, attribute)["id"]}
    zones = {str(z) for z in view.zones["id"]}
    keep = [
        (str(layer), str(record_id)) in shown or (layer == "zone-roles" and str(record_id).split("/")[0] in zones)
        for layer, record_id in zip(flags["layer"], flags["id"], strict=True)
    ]
    return flags[keep].reset_index(drop=True)


def flags_for_display(flags: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Flags as a table to read: layer, id, flag name and detail in `lang` (no coordinates)."""
    names = {k: v[0] if lang == "zh" else v[1] for k, v in EXTRA_LAYER_LABELS.items()}
    shown = flags.assign(
        flag=flags["flag"].map(lambda f: flag_label(str(f), lang)),
        layer=flags["layer"].map(lambda v: names.get(str(v), label(str(v), lang))),
    )
    columns = ["layer", "id", "flag", f"detail_{lang}"]
    return localise_frame(shown[columns].rename(columns={f"detail_{lang}": "detail"}), lang)


def quality_counts_for_display(flags: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """`flag_counts` to read: flag names and layer headers in `lang`."""
    counts = flag_counts(flags)
    counts["flag"] = counts["flag"].map(lambda f: flag_label(str(f), lang))
    names = {k: v[0] if lang == "zh" else v[1] for k, v in EXTRA_LAYER_LABELS.items()}
    headers = {c: names.get(str(c), label(str(c), lang)) for c in counts.columns if c not in ("flag", "total")}
    return localise_frame(counts.rename(columns=headers | {"total": "count"}), lang)


def flag_label(flag: str, lang: str) -> str:
    """The flag's name in `lang` (its id when unknown)."""
    pair = FLAGS.get(flag, (flag, flag))
    return pair[0] if lang == "zh" else pair[1]


def mirror_hosts_in(source: str) -> list[str]:
    """The `settings.MIRROR_HOSTS` entries that the URLs of a ' ; '-joined source cell point to."""
    found = []
    for part in (p.strip() for p in str(source).split(" ; ") if p.strip()):
        host = (urlsplit(part).hostname or "").lower()
        for mirror in settings.MIRROR_HOSTS:
            if (host == mirror or host.endswith("." + mirror)) and mirror not in found:
                found.append(mirror)
    return found


def _flag(layer: str, record_id: str, flag: str, zh: str, en: str, lon: object, lat: object) -> dict[str, object]:
    return {"layer": layer, "id": record_id, "flag": flag, "detail_zh": zh, "detail_en": en, "lon": lon, "lat": lat}


def _zone_membership(atlas: Atlas) -> list[dict[str, object]]:
    """Projects/bases whose county is not one of their zone's, and unzoned ones inside a zone's county."""
    zone_counties = {str(z): list(cs) for z, cs in zip(atlas.zones["id"], atlas.zones["county_adcodes"], strict=True)}
    rows = []
    for layer in ("projects", "recycling-bases"):
        frame = getattr(atlas, POINT_LAYERS[layer])
        for r in frame.itertuples(index=False):
            county, zone = str(r.county_adcode), str(r.zone_id)
            if zone and county not in zone_counties.get(zone, [county]):
                counties = "、".join(zone_counties[zone])
                rows.append(
                    _flag(
                        layer,
                        str(r.id),
                        "outside-zone-county",
                        f"所在县 {county} 不属于开发区 {zone} 的县（{counties}）",
                        f"county {county} is not among zone {zone}'s counties ({', '.join(zone_counties[zone])})",
                        r.lon,
                        r.lat,
                    )
                )
            if not zone:
                holders = [z for z, cs in zone_counties.items() if county in cs]
                if holders:
                    rows.append(
                        _flag(
                            layer,
                            str(r.id),
                            "zone-county-no-zone",
                            f"位于 {'、'.join(holders)} 所在县 {county}，但没有来源把它归入该开发区",
                            f"lies in county {county} of {', '.join(holders)}, but no source ties it to the zone",
                            r.lon,
                            r.lat,
                        )
                    )
    return rows


def _roles_without_projects(atlas: Atlas) -> list[dict[str, object]]:
    """A policy role that nothing in the data fills: the policy's ask is not (yet) visible on the ground."""
    zones = atlas.zones.set_index("id")
    rows = []
    for role in atlas.zone_roles.itertuples(index=False):
        zone, kind, cluster = str(role.zone_id), str(role.kind), str(role.cluster_type)
        missing = _role_missing(atlas, zone=zone, kind=kind, cluster=cluster)
        if missing is None:
            continue
        what_zh, what_en = LABELS.get(cluster or kind, (cluster or kind, cluster or kind))
        rows.append(
            _flag(
                "zone-roles",
                "/".join(p for p in (zone, kind, cluster) if p),
                "role-without-project",
                f"政策（{role.policy_section}）给 {zone} 指定了“{what_zh}”，但{missing[0]}",
                f"the policy ({role.policy_section}) gives {zone} the role '{what_en}', but {missing[1]}",
                zones.at[zone, "lon"],
                zones.at[zone, "lat"],
            )
        )
    return rows


def _role_missing(atlas: Atlas, *, zone: str, kind: str, cluster: str) -> tuple[str, str] | None:
    """What is missing for a role, in zh and en; None when a record fills it."""
    projects, bases = atlas.projects, atlas.recycling_bases
    if kind == RoleKind.CLUSTER:
        in_cluster = projects["cluster_types"].map(lambda cs: cluster in cs).to_numpy(dtype=bool)
        if ((projects["zone_id"] == zone).to_numpy() & in_cluster).any():
            return None
        return "该开发区没有此集群的项目", "no project of that cluster is tied to the zone"
    if kind in (RoleKind.RECYCLED_ALUMINIUM, RoleKind.RECYCLING_BASE):
        wanted = "recycled-aluminium-plant" if kind == RoleKind.RECYCLED_ALUMINIUM else "pretreatment-base"
        if ((bases["zone_id"] == zone) & (bases["kind"] == wanted)).any():
            return None
        if kind == RoleKind.RECYCLED_ALUMINIUM:
            return "该开发区没有再生铝企业", "no recycled-aluminium plant is tied to the zone"
        return "该开发区没有废铝预处理基地记录", "no pre-treatment base is tied to the zone"
    counties = set(atlas.zones.loc[atlas.zones["id"] == zone, "county_adcodes"].iloc[0])
    if atlas.deposits["county_adcodes"].map(counties.intersection).map(bool).any():
        return None
    return "其所在县没有铝土矿记录", "no bauxite deposit is recorded in its counties"


def _coarse_positions(atlas: Atlas) -> list[dict[str, object]]:
    rows = []
    for layer, attribute in POINT_LAYERS.items():
        for r in getattr(atlas, attribute).itertuples(index=False):
            precision = str(r.position_precision)
            if precision in COARSE_PRECISIONS:
                km = f"{float(r.uncertainty_km):g}"
                zh, en = COARSE_TEXT[precision]
                rows.append(
                    _flag(
                        layer,
                        str(r.id),
                        "coarse-position",
                        f"位置为{zh}，误差约 ±{km} 公里",
                        f"the point is a {en}, ±{km} km",
                        r.lon,
                        r.lat,
                    )
                )
    return rows


def _missing_figures(atlas: Atlas) -> list[dict[str, object]]:
    rows = []
    for layer in ("projects", "recycling-bases"):
        for r in getattr(atlas, POINT_LAYERS[layer]).itertuples(index=False):
            if pd.isna(r.capacity):
                rows.append(
                    _flag(
                        layer,
                        str(r.id),
                        "missing-capacity",
                        "没有来源给出产能",
                        "no source gives a capacity",
                        r.lon,
                        r.lat,
                    )
                )
            if pd.isna(r.year):
                rows.append(
                    _flag(
                        layer,
                        str(r.id),
                        "missing-year",
                        "没有来源给出状态对应的年份",
                        "no source dates the status",
                        r.lon,
                        r.lat,
                    )
                )
    return rows


def _mirror_sources(atlas: Atlas) -> list[dict[str, object]]:
    rows = []
    for layer, attribute in POINT_LAYERS.items():
        frame = getattr(atlas, attribute)
        rows += _mirror_rows(layer, zip(frame["id"], frame["source"], frame["lon"], frame["lat"], strict=True))
    targets = atlas.targets
    cells = (f"{s} ; {ls}" for s, ls in zip(targets["source"], targets["latest_source"], strict=True))
    rows += _mirror_rows("targets", ((i, c, None, None) for i, c in zip(targets["id"], cells, strict=True)))
    tasks = atlas.national_tasks
    rows += _mirror_rows(
        "national-tasks", ((i, s, None, None) for i, s in zip(tasks["id"], tasks["source"], strict=True))
    )
    return rows


def _mirror_rows(layer: str, records: Iterable[tuple[object, object, object, object]]) -> list[dict[str, object]]:
    rows = []
    for record_id, source, lon, lat in records:
        hosts = mirror_hosts_in(str(source))
        if hosts:
            rows.append(
                _flag(
                    layer,
                    str(record_id),
                    "mirror-source",
                    f"来源包含转载网站：{'、'.join(hosts)}（需核对原文）",
                    f"cites a re-posting site: {', '.join(hosts)} (check the original)",
                    lon,
                    lat,
                )
            )
    return rows
