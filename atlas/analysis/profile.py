"""A zone's profile: its policy roles, chain coverage, projects and what lies nearby, with sources.

A project belongs to a zone only when the data say so (`zone_id`). Many sources name a county but not
the zone, so the projects of the zone's host county(ies) with no `zone_id` are listed beside the zone's
own as "in the host county, zone not stated": they may be in the zone or not, and are never counted
as the zone's (nor fill its chain, `atlas.analysis.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from atlas.analysis.chain import zone_chain_coverage
from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.i18n import record_labels
from atlas.core.model import Atlas
from atlas.core.schema import LANGS
from atlas.geo.geodesy import within_km


@dataclass(frozen=True)
class ZoneProfile:
    """Everything an investment-promotion officer hands out about one zone."""

    zone: dict[str, Any]
    roles: pd.DataFrame
    chain: pd.DataFrame
    projects: gpd.GeoDataFrame
    """The zone's own projects: those whose `zone_id` is the zone."""
    county_unstated: gpd.GeoDataFrame
    """Projects in one of the zone's `county_adcodes` whose zone membership is not stated (empty `zone_id`)."""
    nearby_deposits: gpd.GeoDataFrame
    nearby_recycling_bases: gpd.GeoDataFrame
    nearby_km: float
    sources: pd.DataFrame
    """Every source cited anywhere in the profile (`source`, `cited_by`)."""
    names: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """Language -> `atlas.core.i18n.record_labels`: the stage and zone names its tables show for ids."""

    @property
    def key_figures(self) -> dict[str, float | int]:
        """Counts and totals for the profile's header; unknown capacity is not counted as 0.

        The status counts and the investment are of the zone's own projects; the host county's projects
        of unstated zone are a separate count, so a zone with one project of its own and six around it in
        the county reads as just that, not as one project in the whole area.
        """
        status = self.projects["status"].value_counts()
        return {
            "roles": len(self.roles),
            "projects_in_zone": len(self.projects),
            "operating": int(status.get("operating", 0)),
            "under_construction": int(status.get("under-construction", 0) + status.get("commissioning", 0)),
            "planned": int(status.get("planned", 0) + status.get("signed", 0)),
            "investment_cny_m": float(self.projects["investment_cny_m"].sum(min_count=1)),
            "projects_county_unstated": len(self.county_unstated),
            "nearby_deposits": len(self.nearby_deposits),
            "nearby_recycling_bases": len(self.nearby_recycling_bases),
        }


def zone_profile(atlas: Atlas, zone_id: str, *, nearby_km: float = settings.NEARBY_KM_DEFAULT) -> ZoneProfile:
    """Build the profile of one zone.

    Distances are geodesic from the zone's stored point; because that point is often only a county
    centroid, each nearby item carries `uncertainty_km` = the zone's plus the item's uncertainty.

    Raises
    ------
    AtlasError
        When `zone_id` is not a zone id (the message lists the valid ones).
    """
    zones = atlas.zones
    if zone_id not in set(zones["id"]):
        raise AtlasError(f"unknown zone {zone_id!r}; valid: {', '.join(zones['id'])}")
    zone = zones[zones["id"] == zone_id].iloc[0]
    lon, lat, zone_radius = float(zone["lon"]), float(zone["lat"]), float(zone["uncertainty_km"])
    roles = atlas.zone_roles[atlas.zone_roles["zone_id"] == zone_id].reset_index(drop=True)
    projects = atlas.projects[atlas.projects["zone_id"] == zone_id].reset_index(drop=True)
    unstated = county_projects_zone_unstated(atlas.projects, zone["county_adcodes"])
    deposits = _nearby(atlas.deposits, lon=lon, lat=lat, km=nearby_km, zone_radius=zone_radius)
    bases = _nearby(atlas.recycling_bases, lon=lon, lat=lat, km=nearby_km, zone_radius=zone_radius)
    record = {k: v for k, v in zone.items() if k not in ("geometry", "search_text")}
    return ZoneProfile(
        zone=record,
        roles=roles,
        chain=zone_chain_coverage(atlas, zone_id),
        projects=projects,
        county_unstated=unstated,
        nearby_deposits=deposits,
        nearby_recycling_bases=bases,
        nearby_km=nearby_km,
        sources=_sources(record, roles, projects, unstated, deposits, bases),
        names={lang: record_labels(atlas, lang) for lang in LANGS},
    )


def county_projects_zone_unstated(projects: gpd.GeoDataFrame, county_adcodes: Any) -> gpd.GeoDataFrame:
    """Projects in one of `county_adcodes` (a list, or ';'-joined text) whose `zone_id` is empty.

    A source that names only the county leaves `zone_id` empty; such a project may or may not be in a
    zone of that county, so a profile shows it apart from the zone's own projects.
    """
    if isinstance(county_adcodes, str):
        counties = {c.strip() for c in county_adcodes.split(";") if c.strip()}
    elif pd.api.types.is_list_like(county_adcodes):
        counties = {str(c).strip() for c in county_adcodes}
    else:  # no county stated for the zone: no host county to look in
        counties = set()
    no_zone = projects["zone_id"].fillna("").astype(str).str.strip() == ""
    in_county = projects["county_adcode"].fillna("").astype(str).str.strip().isin(counties)
    return projects[no_zone & in_county].reset_index(drop=True)


def _nearby(points: gpd.GeoDataFrame, *, lon: float, lat: float, km: float, zone_radius: float) -> gpd.GeoDataFrame:
    found = within_km(points, lon=lon, lat=lat, km=km)
    found = found.assign(distance_uncertainty_km=found["uncertainty_km"].fillna(0) + zone_radius)
    return found.reset_index(drop=True)


def _sources(zone: dict[str, Any], *tables: pd.DataFrame) -> pd.DataFrame:
    """Distinct sources with the records that cite them, zone first."""
    cited: dict[str, dict[str, None]] = {}  # ordered sets: a zone of 10⁴ projects citing one source stays linear
    entries = [(str(zone["source"]), str(zone["id"]))]
    for table in tables:
        key = "id" if "id" in table.columns else "zone_id"
        ids = (
            table[key]
            if key == "id"
            else (table["zone_id"] + "/" + table["kind"] + "/" + table["cluster_type"]).str.rstrip("/")
        )
        entries += list(zip(table["source"].astype(str), ids.astype(str), strict=True))
    for source, record_id in entries:
        for part in (p.strip() for p in source.split(" ; ") if p.strip()):
            cited.setdefault(part, {})[record_id] = None
    return pd.DataFrame({"source": list(cited), "cited_by": [", ".join(v) for v in cited.values()]})
