"""WGS84 ⇄ GCJ-02 (AMap, Tencent) ⇄ BD-09 (Baidu): the Chinese map providers' shifts, vectorised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Generic, TypeAlias, TypeVar, overload

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from atlas.core import settings

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
Coordinates: TypeAlias = "npt.NDArray[Any] | pd.Series[Any] | Sequence[float]"
"""Array-likes of numbers (a Series loses its index). All-scalar input gives `LonLat[float]`, else
`LonLat[FloatArray]`; floats are array-like too, so the scalar overload comes first with its
`overload-overlap` warning silenced, as in numpy's own stubs."""

_T = TypeVar("_T")
_Core: TypeAlias = "Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]"

CHINA_BOX: Final[tuple[float, float, float, float]] = (72.004, 0.8293, 137.8347, 55.8271)
"""(west, south, east, north), inclusive: the standard "out of China" rule of eviltransform,
coordtransform and PRCoords. Outside it no shift is applied. The box is coarse (it includes
Korea, Hong Kong, Taiwan…) but is the rule those widely used implementations share, so results
match theirs; Guizhou is far from its edges. Each function tests its own *input* point."""

INVERSE_TOLERANCE_DEG: Final[float] = 1e-10
"""Forward-residual bound of the iterative inverses (≈ 0.01 mm), well under the 1e-7° asked for."""

_MAX_ITERATIONS: Final[int] = 30
"""Safety cap only: each iteration shrinks the error ~300-fold, so 4–5 of them converge."""

_KRASOVSKY_A: Final[float] = 6378245.0
_KRASOVSKY_EE: Final[float] = 0.00669342162296594323
_BD_X_PI: Final[float] = np.pi * 3000.0 / 180.0
_BD_DLON: Final[float] = 0.0065
_BD_DLAT: Final[float] = 0.006

DATUM_ATTR: Final[str] = "coordinate_datum"
"""`GeoDataFrame.attrs` key set to "gcj02" by `shift_geometries_to_gcj02`, so it cannot run twice."""


class SourceCrs(StrEnum):
    """The datum a coordinate was copied in: WGS84 (GPS, OSM), GCJ-02 (AMap, Tencent), BD-09 (Baidu).

    GCJ-02 and BD-09 are WGS84 plus a deliberate, non-linear offset (in Guizhou ≈380–600 m for
    GCJ-02 and ≈860–1180 m for BD-09). The atlas stores WGS84, so registry coordinates copied from those maps go
    through `to_wgs84` on the way in. The forward formulas are the public ones shared by
    eviltransform, coordtransform and PRCoords (Krasovsky 1940 constants; Baidu's 0.0065°/0.006°
    offsets and 3000·π/180 wobble).
    """

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


@dataclass(frozen=True)
class LonLat(Generic[_T]):
    """A longitude/latitude pair of floats or of equal-shape arrays.

    Deliberately not a tuple (not iterable): read `.lon` and `.lat` by name, so a swapped
    (lat, lon) order cannot slip through unpacking.
    """

    lon: _T
    lat: _T


def require_storage_crs(gdf: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise unless `gdf` holds WGS84 lon/lat (`settings.STORAGE_CRS`; OGC:CRS84 is accepted too).

    Parameters
    ----------
    gdf
        The GeoDataFrame (or GeoSeries) to check.
    what
        The operation asking, named in the error message.

    Raises
    ------
    ValueError
        Naming the frame's CRS (or its absence) and the one required.
    """
    crs = gdf.crs
    if crs is None:
        raise ValueError(
            f"{what} needs a GeoDataFrame in {settings.STORAGE_CRS} (WGS84 lon/lat); this one has no CRS. "
            "Use .set_crs('EPSG:4326') if its coordinates are WGS84 lon/lat."
        )
    if not pyproj.CRS.from_user_input(crs).equals(settings.STORAGE_CRS, ignore_axis_order=True):
        raise ValueError(
            f"{what} needs a GeoDataFrame in {settings.STORAGE_CRS} (WGS84 lon/lat); "
            f"this one is in {crs.to_string()} ({crs.name}). Reproject it with .to_crs('EPSG:4326') first."
        )


# --- Vectorised cores on flat float64 arrays (non-finite points already NaN) ----------------------


def _inside_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    west, south, east, north = CHINA_BOX
    # NaN compares False, so NaN points count as "outside" and pass through unchanged.
    inside: npt.NDArray[np.bool_] = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return inside


def _gcj02_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS84 → GCJ-02 without the box test: offsets in metres-like units, scaled to degrees."""
    x = lon - 105.0
    y = lat - 35.0
    wobble = (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    north_m = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + wobble
        + (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
        + (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    )
    east_m = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + wobble
        + (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
        + (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0
    )
    # Metres → degrees with the Krasovsky ellipsoid's meridian and parallel radii (as GCJ-02 does).
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = north_m * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = east_m * 180.0 / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return lon + dlon, lat + dlat


def _bd09_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 without the box test: a small polar wobble plus a fixed offset."""
    radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return radius * np.cos(theta) + _BD_DLON, radius * np.sin(theta) + _BD_DLAT


def _invert(forward: _Core, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration x ← x − (forward(x) − target).

    Neither shift has a closed-form inverse. The usual one-step formula (target − offset(target))
    is up to ~2.4 m off in Guizhou and ~5 m elsewhere in China; iterating converges because each
    shift is the identity plus an offset whose derivative is only a few 1e-3 per degree.
    """
    x_lon, x_lat = lon.copy(), lat.copy()
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(x_lon, x_lat)
        r_lon, r_lat = f_lon - lon, f_lat - lat
        x_lon, x_lat = x_lon - r_lon, x_lat - r_lat
        worst = max(np.max(np.abs(r_lon), initial=0.0), np.max(np.abs(r_lat), initial=0.0))
        if worst <= INVERSE_TOLERANCE_DEG:
            break
    return x_lon, x_lat


def _masked(shift: _Core) -> _Core:
    """Apply `shift` only to points inside `CHINA_BOX` (tested on the input), others unchanged."""

    def core(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        out_lon, out_lat = lon.copy(), lat.copy()
        inside = _inside_china(lon, lat)
        if inside.any():
            out_lon[inside], out_lat[inside] = shift(lon[inside], lat[inside])
        return out_lon, out_lat

    return core


def _gcj02_inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_gcj02_forward, lon, lat)


def _bd09_inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_bd09_forward, lon, lat)


def _wgs84_bd09_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _bd09_forward(*_gcj02_forward(lon, lat))


def _bd09_wgs84_inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj02_inverse(*_bd09_inverse(lon, lat))


def _identity(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return lon.copy(), lat.copy()


_CORES: Final[dict[str, _Core]] = {
    "wgs84_to_gcj02": _masked(_gcj02_forward),
    "gcj02_to_wgs84": _masked(_gcj02_inverse),
    "gcj02_to_bd09": _masked(_bd09_forward),
    "bd09_to_gcj02": _masked(_bd09_inverse),
    "wgs84_to_bd09": _masked(_wgs84_bd09_forward),
    "bd09_to_wgs84": _masked(_bd09_wgs84_inverse),
}

_TO_WGS84: Final[dict[SourceCrs, _Core]] = {
    SourceCrs.WGS84: _identity,
    SourceCrs.GCJ02: _CORES["gcj02_to_wgs84"],
    SourceCrs.BD09: _CORES["bd09_to_wgs84"],
}


# --- Public, scalar-or-array functions --------------------------------------------------------


def as_float_array(values: float | Coordinates, *, name: str = "values") -> FloatArray:
    """Numbers as a float64 array; pandas NA/None become NaN. ValueError (naming `name`) otherwise."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers (degrees); got {values!r}") from exc


def _apply(core: _Core, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """Run `core` on any scalar/array inputs: NaN for non-finite points, floats back for scalars."""
    lon_arr, lat_arr = as_float_array(lon, name="lon"), as_float_array(lat, name="lat")
    try:
        lon_arr, lat_arr = np.broadcast_arrays(lon_arr, lat_arr)
    except ValueError as exc:
        raise ValueError(f"lon and lat have different shapes: {lon_arr.shape} and {lat_arr.shape}") from exc
    # A point with any non-finite coordinate has no position at all: both outputs are NaN.
    finite = np.isfinite(lon_arr) & np.isfinite(lat_arr)
    flat_lon = np.where(finite, lon_arr, np.nan).ravel()
    flat_lat = np.where(finite, lat_arr, np.nan).ravel()
    out_lon, out_lat = core(flat_lon, flat_lat)
    if lon_arr.ndim == 0:
        return LonLat(lon=float(out_lon[0]), lat=float(out_lat[0]))
    return LonLat(lon=out_lon.reshape(lon_arr.shape), lat=out_lat.reshape(lon_arr.shape))


@overload
def wgs84_to_gcj02(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def wgs84_to_gcj02(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def wgs84_to_gcj02(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """Shift WGS84 lon/lat to GCJ-02 (AMap, Tencent), e.g. to draw our layers on AMap tiles.

    Parameters
    ----------
    lon, lat
        Degrees, scalars or broadcastable arrays. Non-finite points give NaN; points outside
        `CHINA_BOX` are returned unchanged.

    Returns
    -------
    LonLat
        Floats for scalar input, else float64 arrays of the broadcast shape.
    """
    return _apply(_CORES["wgs84_to_gcj02"], lon, lat)


@overload
def gcj02_to_wgs84(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def gcj02_to_wgs84(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def gcj02_to_wgs84(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """Exact inverse of `wgs84_to_gcj02` (iterated to `INVERSE_TOLERANCE_DEG`), for AMap coordinates.

    Same parameters and return as `wgs84_to_gcj02`; `CHINA_BOX` is tested on the GCJ-02 input.
    """
    return _apply(_CORES["gcj02_to_wgs84"], lon, lat)


@overload
def gcj02_to_bd09(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def gcj02_to_bd09(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def gcj02_to_bd09(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """Shift GCJ-02 lon/lat to BD-09 (Baidu). Same parameters and return as `wgs84_to_gcj02`."""
    return _apply(_CORES["gcj02_to_bd09"], lon, lat)


@overload
def bd09_to_gcj02(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def bd09_to_gcj02(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def bd09_to_gcj02(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """Exact inverse of `gcj02_to_bd09` (iterated, not the usual one-step formula)."""
    return _apply(_CORES["bd09_to_gcj02"], lon, lat)


@overload
def wgs84_to_bd09(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def wgs84_to_bd09(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def wgs84_to_bd09(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """WGS84 → GCJ-02 → BD-09 in one call (the box is tested once, on the WGS84 input)."""
    return _apply(_CORES["wgs84_to_bd09"], lon, lat)


@overload
def bd09_to_wgs84(*, lon: float, lat: float) -> LonLat[float]: ...  # type: ignore[overload-overlap]
@overload
def bd09_to_wgs84(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[FloatArray]: ...
def bd09_to_wgs84(*, lon: float | Coordinates, lat: float | Coordinates) -> LonLat[Any]:
    """BD-09 → GCJ-02 → WGS84, both steps exact inverses (the box is tested on the BD-09 input)."""
    return _apply(_CORES["bd09_to_wgs84"], lon, lat)


@overload
def to_wgs84(  # type: ignore[overload-overlap]
    *, lon: float, lat: float, source_crs: SourceCrs | str
) -> LonLat[float]: ...
@overload
def to_wgs84(
    *, lon: float | Coordinates, lat: float | Coordinates, source_crs: SourceCrs | str
) -> LonLat[FloatArray]: ...
def to_wgs84(*, lon: float | Coordinates, lat: float | Coordinates, source_crs: SourceCrs | str) -> LonLat[Any]:
    """Bring coordinates copied from any provider to WGS84, the atlas's storage datum.

    Parameters
    ----------
    lon, lat
        Degrees in `source_crs`, scalars or broadcastable arrays.
    source_crs
        "wgs84" (returned unchanged, NaN for non-finite), "gcj02" (AMap, Tencent) or "bd09" (Baidu).

    Returns
    -------
    LonLat
        WGS84 floats or float64 arrays.

    Raises
    ------
    ValueError
        If `source_crs` is not one of the `SourceCrs` values.
    """
    try:
        source = SourceCrs(source_crs)
    except ValueError:
        valid = ", ".join(repr(s.value) for s in SourceCrs)
        raise ValueError(f"unknown source_crs {source_crs!r}; expected one of {valid}") from None
    return _apply(_TO_WGS84[source], lon, lat)


def _shift_xy(coords: FloatArray) -> FloatArray:
    """shapely.transform callback: (N, 2|3) array of x=lon, y=lat[, z] → the same, in GCJ-02."""
    shifted = np.array(coords, dtype=np.float64)
    shifted[:, 0], shifted[:, 1] = _CORES["wgs84_to_gcj02"](shifted[:, 0].copy(), shifted[:, 1].copy())
    return shifted


def shift_geometries_to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of a WGS84 layer shifted to GCJ-02, to line up with AMap/Tencent basemap tiles.

    Every geometry column (not just the active one, e.g. `zones.area_geometry`) and, when present,
    the `lon`/`lat` columns are shifted. The result keeps its EPSG:4326 label because GCJ-02 has
    no CRS code; it is marked with ``attrs[DATUM_ATTR] == "gcj02"`` and must only be drawn, never
    stored, measured or shifted again.

    Parameters
    ----------
    gdf
        A layer in `settings.STORAGE_CRS`; a secondary geometry column without a CRS is taken to be
        lon/lat too.

    Returns
    -------
    geopandas.GeoDataFrame
        Same index, columns and row order; the input is not modified.

    Raises
    ------
    ValueError
        If `gdf` (or another of its geometry columns) is not in EPSG:4326, or it was already shifted.
    """
    require_storage_crs(gdf, what="shift_geometries_to_gcj02")
    if gdf.attrs.get(DATUM_ATTR) == SourceCrs.GCJ02:
        raise ValueError(
            f"this GeoDataFrame is already in GCJ-02 (attrs[{DATUM_ATTR!r}] == 'gcj02'); "
            "shift the WGS84 original instead of shifting twice"
        )
    shifted = gdf.copy()
    for column in gdf.columns:
        if isinstance(gdf[column].dtype, gpd.array.GeometryDtype):
            if gdf[column].crs is not None:
                require_storage_crs(gdf[column], what=f"shift_geometries_to_gcj02 (column {column!r})")
            # include_z=None keeps each geometry's own dimensionality (shapely ≥ 2.1; stubs lag).
            values = shapely.transform(  # type: ignore[call-overload]
                np.asarray(gdf[column].array), _shift_xy, include_z=None
            )
            shifted[column] = gpd.GeoSeries(values, index=gdf.index, crs=gdf[column].crs)
    if {"lon", "lat"} <= set(gdf.columns):
        moved = wgs84_to_gcj02(lon=gdf["lon"], lat=gdf["lat"])
        shifted["lon"], shifted["lat"] = moved.lon, moved.lat
    shifted.attrs[DATUM_ATTR] = SourceCrs.GCJ02.value
    return shifted
