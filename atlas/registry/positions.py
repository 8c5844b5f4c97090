"""Correcting a project's position by hand (a click on the map), with provenance, and undoing a save."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pandas as pd
import shapely

from atlas.core import settings
from atlas.core.cells import format_number
from atlas.core.errors import AtlasError
from atlas.core.schema import PRECISION_UNCERTAINTY_KM, PositionPrecision, PositionSource
from atlas.registry.store import RegistryStore

DIGITISED_DECIMALS = 6
"""1e-6° ≈ 0.1 m: finer than a click can be, so the stored text does not invent precision beyond it."""


def county_at(counties: gpd.GeoDataFrame, *, lon: float, lat: float) -> str | None:
    """Adcode of the county polygon holding the point (edges included), or None outside them all."""
    hits = counties[counties.geometry.intersects(shapely.Point(lon, lat))]
    return None if hits.empty else str(hits.iloc[0]["adcode"])


def move_record(
    projects: pd.DataFrame,
    record_id: str,
    *,
    lon: float,
    lat: float,
    today: dt.date | str,
    author: str,
    counties: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """A copy of the registry table with one project placed at its true (clicked) position.

    The point becomes `exact` with the exact-site uncertainty, its provenance is recorded
    (``position_source`` = "digitised: <author>", ``position_as_of`` = `today`) and, when `counties`
    is given, ``county_adcode`` follows the point so the record stays consistent. Nothing else changes.

    Parameters
    ----------
    projects
        The registry as text cells (`RegistryStore.read`).
    record_id
        The project to move.
    lon, lat
        The new WGS84 position in degrees.
    today
        Date of the edit.
    author
        Who placed the point (may be empty).
    counties
        County polygons (``adcode``, geometry) to take the county from.

    Raises
    ------
    AtlasError
        Unknown id, a non-finite position, or a point outside Guizhou.
    """
    ids = projects["id"].astype(str)
    if record_id not in set(ids):
        raise AtlasError(f"no project with id {record_id!r} in the registry")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise AtlasError(f"{record_id}: the new position {lon}, {lat} is not a number")
    west, south, east, north = settings.GUIZHOU_BOUNDS
    if not (west <= lon <= east and south <= lat <= north):
        raise AtlasError(f"{record_id}: {lon:.6f}, {lat:.6f} is outside Guizhou")
    county = None
    if counties is not None:
        county = county_at(counties, lon=lon, lat=lat)
        if county is None:
            raise AtlasError(f"{record_id}: {lon:.6f}, {lat:.6f} lies in no Guizhou county")
    out = projects.copy()
    row = ids == record_id
    day = today.isoformat() if isinstance(today, dt.date) else str(today)
    who = author.strip().replace("\n", " ")
    values = {
        "lon": format_number(round(lon, DIGITISED_DECIMALS)),
        "lat": format_number(round(lat, DIGITISED_DECIMALS)),
        "position_precision": PositionPrecision.EXACT.value,
        "uncertainty_km": format_number(PRECISION_UNCERTAINTY_KM[PositionPrecision.EXACT]),
        "position_source": PositionSource.DIGITISED.value + (f": {who}" if who else ""),
        "position_as_of": day,
    }
    if county is not None:
        values["county_adcode"] = county
    for column, value in values.items():
        out.loc[row, column] = value
    return out


def undo_last_save(store: RegistryStore, *, author: str) -> str:
    """Save the version before the current one again (history keeps both); return the new version.

    Raises
    ------
    AtlasError
        When there is no earlier version; `RegistryConflict` when someone saved meanwhile.
    """
    _, current = store.read()
    history = store.history()
    if len(history) < 2 or history[0].version != current:
        raise AtlasError("nothing to undo: the registry has no earlier saved version")
    last, previous = history[0], history[1]
    return store.save(
        store.read_version(previous.version),
        base_version=current,
        author=author,
        message=f"undo {last.message!r} by {last.author or 'unknown'} (back to version {previous.version})",
    )


def save_moved_position(
    store: RegistryStore,
    record_id: str,
    *,
    lon: float,
    lat: float,
    base_version: str,
    author: str,
    today: dt.date,
    counties: gpd.GeoDataFrame | None = None,
) -> str:
    """Move one project to a clicked point and save it against the version the click was made on.

    The move applies to `base_version`'s table, so a save by someone else since the click is a
    `RegistryConflict` (nothing written), never a silent overwrite. Returns the new version.

    Raises
    ------
    AtlasError
        As `move_record`, or `RegistryConflict`; `DataValidationError` when the table would not load.
    """
    projects, current = store.read()
    table = projects if base_version == current else store.read_version(base_version)
    moved = move_record(table, record_id, lon=lon, lat=lat, today=today, author=author, counties=counties)
    return store.save(moved, base_version=base_version, author=author, message=f"move {record_id}")
