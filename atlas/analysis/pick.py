"""Which record a map click meant: the nearest zone, project, base or deposit to the clicked point."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from atlas.core.i18n import column_label, t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, Layer, label
from atlas.geo.geodesy import GEOD, distances_km

PICKABLE: tuple[tuple[Layer, str], ...] = (
    (Layer.ZONES, "zones"),
    (Layer.RECYCLING_BASES, "recycling_bases"),
    (Layer.DEPOSITS, "deposits"),
    (Layer.PROJECTS, "projects"),
)


@dataclass(frozen=True)
class Picked:
    layer: Layer
    record: dict[str, Any]
    distance_km: float


def pick_record(atlas: Atlas, *, lon: float, lat: float, max_km: float = 2.0) -> Picked | None:
    """The record whose stored point is nearest the click (geodesic), if within `max_km`.

    Map markers are drawn at the stored points, so a click on a marker lands within a few pixels of
    one; zones win ties because they are drawn on top.
    """
    best: Picked | None = None
    for layer, attribute in PICKABLE:
        frame = _near(getattr(atlas, attribute), lon=lon, lat=lat, km=max_km)
        if frame.empty:
            continue
        distances = distances_km(frame, lon=lon, lat=lat)
        position = int(distances.to_numpy().argmin())
        distance = float(distances.iloc[position])
        if distance <= max_km and (best is None or distance < best.distance_km - 1e-9):
            record = {k: v for k, v in frame.iloc[position].items() if k not in ("geometry", "search_text")}
            best = Picked(layer=layer, record=record, distance_km=distance)
    return best


def _near(frame: gpd.GeoDataFrame, *, lon: float, lat: float, km: float) -> gpd.GeoDataFrame:
    """A big layer cut to a box around the geodesic circle of `km` (10 % wider), so a click on a map of a
    million projects measures a handful of distances; the nearest record within `km` is the same."""
    if len(frame) < 10_000 or not (math.isfinite(lon) and math.isfinite(lat)):
        return frame
    lons, lats, _ = GEOD.fwd([lon] * 4, [lat] * 4, [0, 90, 180, 270], [km * 1100.0] * 4)
    x, y = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    return frame[(x >= min(lons)) & (x <= max(lons)) & (y >= min(lats)) & (y <= max(lats))]


def card_rows(atlas: Atlas, picked: Picked, *, lang: Lang) -> list[tuple[str, str]]:
    """(label, text) pairs for the detail card of a clicked record; unknown values read "no data"."""
    record = picked.record
    none = t("no_data", lang)

    def text(value: Any) -> str:
        # numpy scalars from the frame are floats too; `value == []` on one would be an array, not a bool
        if isinstance(value, list):
            return "; ".join(map(str, value)) if value else none
        if isinstance(value, float):
            return none if math.isnan(value) else f"{value:g}"
        return none if value is None or str(value) == "" else str(value)

    rows = [
        (column_label("name_zh", lang), text(record.get("name_zh"))),
        (column_label("name_en", lang), text(record.get("name_en"))),
    ]
    if picked.layer == Layer.ZONES:
        roles = atlas.zone_roles[atlas.zone_roles["zone_id"] == record["id"]]
        for _, role in roles.iterrows():
            what = label(role["cluster_type"], lang) if role["cluster_type"] else label(role["kind"], lang)
            rows.append((f"{t('roles', lang)} · {role['policy_section']}", f"{what}: {role[f'summary_{lang}']}"))
    for column in ("stage", "status", "kind"):
        if record.get(column):
            rows.append((column_label(column, lang), label(str(record[column]), lang)))
    if "capacity" in record:
        unit = record.get("capacity_unit") or ""
        rows.append((column_label("capacity", lang), f"{text(record['capacity'])} {unit}".strip()))
    if "quantity_mt" in record:
        rows.append(
            (
                column_label("quantity_mt", lang),
                f"{text(record['quantity_mt'])} ({text(record.get('quantity_definition'))}, "
                f"{text(record.get('quantity_year'))})",
            )
        )
    rows += [
        (
            column_label("position_precision", lang),
            f"{label(str(record['position_precision']), lang)} ± {text(record['uncertainty_km'])} km",
        ),
        (column_label("source", lang), text(record.get("source"))),
        (column_label("as_of", lang), text(record.get("as_of"))),
    ]
    return rows
