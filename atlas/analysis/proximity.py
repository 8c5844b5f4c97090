"""What lies within N km of a zone (deposits, recycling bases, projects), and which zones lie near a deposit.

Distances are geodesic on the WGS84 ellipsoid (`atlas.geo.geodesy`), from stored point to stored point.
Most stored points are county centroids, so every distance carries `uncertainty_km`: the position
uncertainty of the origin plus that of the item (the worst case, when both real sites sit on the far
edges of their discs). The radius is inclusive, and uncertainty is treated like this:

* ``within`` — the nominal distance is ≤ N km (a point exactly on the radius counts);
* ``possibly-within`` — the nominal distance is > N km but ``distance - uncertainty ≤ N``: the real
  sites could be within N km. Such items are listed (and can be left out), never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from atlas.core.errors import AtlasError
from atlas.core.i18n import localise_frame, t
from atlas.core.model import Atlas
from atlas.core.schema import PRECISION_UNCERTAINTY_KM, Lang, Layer, PositionPrecision
from atlas.geo.geodesy import GEOD, WITHIN_TOLERANCE_KM, distances_km

PROXIMITY_LAYERS: Final[tuple[Layer, ...]] = (Layer.DEPOSITS, Layer.RECYCLING_BASES, Layer.PROJECTS)
"""Layers searched around a zone, in the order results list them on a tie."""
MATCHES: Final[tuple[str, ...]] = ("within", "possibly-within")
RESULT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "layer",
    "name_zh",
    "name_en",
    "distance_km",
    "uncertainty_km",
    "match",
    "lon",
    "lat",
    "position_precision",
)
CIRCLE_POINTS: Final[int] = 128
"""Vertices of a drawn geodesic circle: at 150 km the chord sag is ~45 m, well under any stored precision."""


def check_radius(km: float) -> float:
    """The radius as a float; `AtlasError` (one line) unless it is a finite number ≥ 0."""
    value = float(km)
    if not (math.isfinite(value) and value >= 0.0):
        raise AtlasError(f"radius must be a finite number of km ≥ 0; got {km!r}")
    return value


def position_uncertainty_km(points: pd.DataFrame) -> pd.Series[float]:
    """Each record's own `uncertainty_km`, else the default radius of its precision (region's when unknown)."""
    defaults = points["position_precision"].map(
        lambda p: PRECISION_UNCERTAINTY_KM.get(_precision(p), PRECISION_UNCERTAINTY_KM[PositionPrecision.REGION])
    )
    own = pd.to_numeric(points["uncertainty_km"], errors="coerce")
    return own.where(own > 0, defaults).astype(float)


def nearby_zone(
    atlas: Atlas,
    zone_id: str,
    *,
    km: float,
    layers: Collection[Layer | str] | None = None,
    include_possible: bool = True,
) -> pd.DataFrame:
    """Deposits, recycling bases and projects near a zone, nearest first (`RESULT_COLUMNS`).

    Parameters
    ----------
    atlas
        The atlas (WGS84).
    zone_id
        The zone at the centre.
    km
        Radius, inclusive.
    layers
        Any of `PROXIMITY_LAYERS` (default all three).
    include_possible
        Keep ``possibly-within`` items (see the module docstring).

    Raises
    ------
    AtlasError
        For an unknown zone or layer, or a negative radius (one line listing what is valid).
    """
    radius = check_radius(km)
    zone = _record(atlas.zones, zone_id, what="zone")
    wanted = _layers(layers)
    origin_uncertainty = float(position_uncertainty_km(zone.to_frame().T).iloc[0])
    frames = [
        _near(
            _layer(atlas, layer),
            layer=layer,
            lon=float(zone["lon"]),
            lat=float(zone["lat"]),
            km=radius,
            origin_uncertainty_km=origin_uncertainty,
        )
        for layer in PROXIMITY_LAYERS
        if layer in wanted
    ]
    return _combine(frames, include_possible=include_possible)


def zones_near_deposit(atlas: Atlas, deposit_id: str, *, km: float, include_possible: bool = True) -> pd.DataFrame:
    """Zones near a deposit, nearest first (`RESULT_COLUMNS`, layer ``zones``); the reverse of `nearby_zone`.

    Raises
    ------
    AtlasError
        For an unknown deposit or a negative radius.
    """
    radius = check_radius(km)
    deposit = _record(atlas.deposits, deposit_id, what="deposit")
    origin_uncertainty = float(position_uncertainty_km(deposit.to_frame().T).iloc[0])
    found = _near(
        atlas.zones,
        layer=Layer.ZONES,
        lon=float(deposit["lon"]),
        lat=float(deposit["lat"]),
        km=radius,
        origin_uncertainty_km=origin_uncertainty,
    )
    return _combine([found], include_possible=include_possible)


def proximity_for_display(found: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """`nearby_zone`/`zones_near_deposit` results as a table to read: labels in `lang`, km to 0.1, no lon/lat."""
    shown = found.drop(columns=["lon", "lat"]).assign(
        distance_km=found["distance_km"].round(1),
        uncertainty_km=found["uncertainty_km"].round(1),
        match=found["match"].map(lambda m: t(f"match_{m}", lang)),
    )
    return localise_frame(shown, lang, value_columns=("layer",))


def geodesic_circle(*, lon: float, lat: float, km: float, points: int = CIRCLE_POINTS) -> Polygon:
    """The set of points `km` from (lon, lat) on the ellipsoid, as a lon/lat polygon (walked with `Geod.fwd`).

    Not a circle in degrees: at Guizhou's latitude a degree of longitude is ~10 % shorter than one
    of latitude, and a degree-radius buffer would be an ellipse of the wrong size.
    """
    azimuths = np.linspace(0.0, 360.0, points, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(points, lon), np.full(points, lat), azimuths, np.full(points, check_radius(km) * 1000.0)
    )
    return Polygon(zip(np.asarray(lons).tolist(), np.asarray(lats).tolist(), strict=True))


def _near(
    points: gpd.GeoDataFrame,
    *,
    layer: Layer,
    lon: float,
    lat: float,
    km: float,
    origin_uncertainty_km: float,
) -> pd.DataFrame:
    distance = distances_km(points, lon=lon, lat=lat)
    uncertainty = position_uncertainty_km(points) + origin_uncertainty_km
    within = distance <= km + WITHIN_TOLERANCE_KM
    possibly = ~within & (distance - uncertainty <= km + WITHIN_TOLERANCE_KM)
    keep = within | possibly  # NaN distances (no position) compare False and drop out
    out = pd.DataFrame(
        {
            "id": points["id"],
            "layer": layer.value,
            "name_zh": points["name_zh"],
            "name_en": points["name_en"],
            "distance_km": distance,
            "uncertainty_km": uncertainty,
            "match": np.where(within, "within", "possibly-within"),
            "lon": points["lon"],
            "lat": points["lat"],
            "position_precision": points["position_precision"],
        }
    )
    return out[keep.to_numpy()]


def _combine(frames: list[pd.DataFrame], *, include_possible: bool) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    if not include_possible:
        out = out[out["match"] == "within"]
    return out.sort_values("distance_km", kind="stable").reset_index(drop=True)[list(RESULT_COLUMNS)]


def _record(frame: pd.DataFrame, record_id: str, *, what: str) -> pd.Series[Any]:
    rows = frame[frame["id"] == record_id]
    if rows.empty:
        raise AtlasError(f"unknown {what} {record_id!r}; valid: {', '.join(map(str, frame['id']))}")
    return rows.iloc[0]


def _layers(layers: Collection[Layer | str] | None) -> set[Layer]:
    if layers is None:
        return set(PROXIMITY_LAYERS)
    valid = ", ".join(v.value for v in PROXIMITY_LAYERS)
    out = set()
    for value in layers:
        try:
            layer = Layer(value)
        except ValueError:
            raise AtlasError(f"unknown layer {value!r}; valid: {valid}") from None
        if layer not in PROXIMITY_LAYERS:
            raise AtlasError(f"unknown layer {value!r}; valid: {valid}")
        out.add(layer)
    return out


def _layer(atlas: Atlas, layer: Layer) -> gpd.GeoDataFrame:
    return {
        Layer.DEPOSITS: atlas.deposits,
        Layer.RECYCLING_BASES: atlas.recycling_bases,
        Layer.PROJECTS: atlas.projects,
    }[layer]


def _precision(value: object) -> PositionPrecision:
    try:
        return PositionPrecision(str(value))
    except ValueError:
        return PositionPrecision.REGION
