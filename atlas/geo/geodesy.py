"""Distances on the WGS84 ellipsoid and areas in an equal-area projection, never on raw degrees."""

from __future__ import annotations

import math
from typing import Any, Final, overload

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from atlas.core import settings
from atlas.geo.datum import Coordinates, FloatArray, LonLat, as_float_array, require_storage_crs

GEOD: Final[pyproj.Geod] = pyproj.Geod(ellps=settings.GEOD_ELLIPSOID)
"""One shared geodesic solver (Karney's algorithm, accurate to nanometres)."""

WITHIN_TOLERANCE_KM: Final[float] = 1e-9
"""A point counts as "on the radius" when its distance exceeds the radius by at most 1 µm.

Geodesic round-off is ~1e-12 km at atlas scales, so a point placed exactly on the circle (e.g.
with `GEOD.fwd`) is kept, while anything a millimetre beyond — far below the precision of any
stored position — is not."""

DISTANCE_COLUMN: Final[str] = "distance_km"


# Floats are array-like too, so the overloads overlap; the all-scalar one is tried first (as in numpy's stubs).
@overload
def geodesic_km(*, lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...  # type: ignore[overload-overlap]
@overload
def geodesic_km(
    *, lon1: float | Coordinates, lat1: float | Coordinates, lon2: float | Coordinates, lat2: float | Coordinates
) -> FloatArray: ...
def geodesic_km(
    *, lon1: float | Coordinates, lat1: float | Coordinates, lon2: float | Coordinates, lat2: float | Coordinates
) -> FloatArray | float:
    """Geodesic distance in km between WGS84 points, element-wise with numpy broadcasting.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees; scalars or broadcastable arrays. A NaN coordinate gives a NaN distance.

    Returns
    -------
    float or numpy.ndarray
        A float when all four inputs are scalars, else a float64 array of the broadcast shape.
    """
    a_lon, a_lat, b_lon, b_lat = np.broadcast_arrays(
        *(as_float_array(v, name=n) for v, n in ((lon1, "lon1"), (lat1, "lat1"), (lon2, "lon2"), (lat2, "lat2")))
    )
    shape = a_lon.shape
    flat = [np.ascontiguousarray(a).ravel() for a in (a_lon, a_lat, b_lon, b_lat)]
    _, _, metres = GEOD.inv(flat[0], flat[1], flat[2], flat[3])
    km = np.asarray(metres, dtype=np.float64).reshape(shape) / 1000.0
    return float(km) if km.ndim == 0 else km


def _require_finite_origin(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"origin must be finite WGS84 degrees; got lon={lon!r}, lat={lat!r}")


def _points_lonlat(points: gpd.GeoDataFrame) -> tuple[FloatArray, FloatArray]:
    """The lon/lat columns when the layer has both, else the x/y of its (point) geometries."""
    if {"lon", "lat"} <= set(points.columns):
        return as_float_array(points["lon"], name="lon"), as_float_array(points["lat"], name="lat")
    geoms = np.asarray(points.geometry.array)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kinds = set(shapely.get_type_id(geoms[present]).tolist())
    if kinds - {int(shapely.GeometryType.POINT)}:
        names = sorted({g.geom_type for g in geoms[present] if g.geom_type != "Point"})
        raise ValueError(
            f"distances need point geometries or lon/lat columns; this layer has {', '.join(names)}. "
            "Use representative points (see representative_point_lonlat) first."
        )
    return shapely.get_x(geoms).astype(np.float64), shapely.get_y(geoms).astype(np.float64)


def distances_km(points: gpd.GeoDataFrame, *, lon: float, lat: float) -> pd.Series[float]:
    """Geodesic distance (km) from one origin to every point of a layer.

    Parameters
    ----------
    points
        A layer in EPSG:4326. Its `lon`/`lat` columns are used when it has both (point layers of
        the atlas do), otherwise its point geometries' x/y.
    lon, lat
        The origin, WGS84 degrees.

    Returns
    -------
    pandas.Series
        Named ``distance_km``, indexed like `points`; NaN where a point has no position.

    Raises
    ------
    ValueError
        If `points` is not in EPSG:4326 (the message names its CRS), the origin is not finite,
        or the layer has neither lon/lat columns nor point geometries.
    """
    require_storage_crs(points, what="distances_km")
    _require_finite_origin(lon, lat)
    p_lon, p_lat = _points_lonlat(points)
    km = geodesic_km(lon1=lon, lat1=lat, lon2=p_lon, lat2=p_lat)
    return pd.Series(np.asarray(km, dtype=np.float64), index=points.index, name=DISTANCE_COLUMN)


def within_km(points: gpd.GeoDataFrame, *, lon: float, lat: float, km: float) -> gpd.GeoDataFrame:
    """The points within `km` of an origin, nearest first, with their distance.

    A point exactly on the radius is included (up to `WITHIN_TOLERANCE_KM` of float error);
    points without a position are excluded.

    Parameters
    ----------
    points
        A layer in EPSG:4326 (see `distances_km`).
    lon, lat
        The origin, WGS84 degrees.
    km
        Radius in km, finite and ≥ 0.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of the matching rows (original index kept) plus a ``distance_km`` column, sorted by
        it; ties keep their input order.

    Raises
    ------
    ValueError
        As `distances_km`, or for a negative or non-finite radius.
    """
    if not (math.isfinite(km) and km >= 0.0):
        raise ValueError(f"radius km must be a finite number ≥ 0; got {km!r}")
    distances = distances_km(points, lon=lon, lat=lat).to_numpy()
    keep = np.flatnonzero(distances <= km + WITHIN_TOLERANCE_KM)
    nearby = points.iloc[keep].copy()
    nearby[DISTANCE_COLUMN] = distances[keep]
    return nearby.sort_values(DISTANCE_COLUMN, kind="stable")


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series[float]:
    """Area of each geometry in km², computed in `settings.EQUAL_AREA_CRS` (Albers for China).

    Parameters
    ----------
    gdf
        A layer in EPSG:4326.

    Returns
    -------
    pandas.Series
        Named ``area_km2``, indexed like `gdf`; 0 for points and lines, NaN for missing geometries.

    Raises
    ------
    ValueError
        If `gdf` is not in EPSG:4326 (the message names its CRS).
    """
    require_storage_crs(gdf, what="area_km2")
    areas = gdf.geometry.to_crs(settings.EQUAL_AREA_CRS).area / 1e6
    return pd.Series(areas.to_numpy(dtype=np.float64), index=gdf.index, name="area_km2")


@overload
def equivalent_radius_km(area_km2: float) -> float: ...
@overload
def equivalent_radius_km(area_km2: pd.Series[Any]) -> pd.Series[float]: ...
@overload
def equivalent_radius_km(area_km2: npt.NDArray[Any]) -> FloatArray: ...
def equivalent_radius_km(
    area_km2: float | pd.Series[Any] | npt.NDArray[Any],
) -> float | pd.Series[float] | FloatArray:
    """Radius (km) of the disc with the given area: √(A/π).

    Gives a point standing for a whole area (e.g. a county centroid) an honest uncertainty ring.

    Parameters
    ----------
    area_km2
        Area(s) in km², ≥ 0; NaN passes through as NaN.

    Returns
    -------
    float, pandas.Series or numpy.ndarray
        The same kind as the input (a Series keeps its index).

    Raises
    ------
    ValueError
        If any area is negative.
    """
    values = as_float_array(area_km2, name="area_km2")
    if np.any(values < 0.0):
        raise ValueError(f"areas must be ≥ 0 km²; got {values[values < 0.0][:5].tolist()}")
    radius = np.sqrt(values / np.pi)
    if isinstance(area_km2, pd.Series):
        return pd.Series(radius, index=area_km2.index, name="radius_km")
    return float(radius) if radius.ndim == 0 else radius


def representative_point_lonlat(geom: BaseGeometry | None) -> LonLat[float]:
    """A point guaranteed to lie inside `geom` (unlike a centroid), as lon/lat.

    This is where shapely's (x, y) becomes (lon, lat). Use it to place a label or marker for an
    area; it is not the area's centre of mass.

    Parameters
    ----------
    geom
        A WGS84 geometry, or None.

    Returns
    -------
    LonLat
        Floats; NaN for a missing or empty geometry.
    """
    if geom is None or geom.is_empty:
        return LonLat(lon=math.nan, lat=math.nan)
    point = geom.representative_point()
    return LonLat(lon=float(point.x), lat=float(point.y))
