"""Writing layers and zone profiles to CSV, XLSX, GeoJSON and GeoPackage, safely and atomically."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from atlas.analysis.gaps import gap_cells_for_file, gap_matrix_tables
from atlas.analysis.profile import ZoneProfile
from atlas.core import settings
from atlas.core.atomic import write_atomically
from atlas.core.errors import AtlasError
from atlas.core.i18n import column_label, holds_lists, localise_frame, t
from atlas.core.safe import neutralise_formula, neutralise_frame
from atlas.core.schema import Lang
from atlas.reports.xlsx import tables_to_xlsx

LayerFormat = Literal["geojson", "gpkg", "csv"]
ProfileFormat = Literal["xlsx", "csv", "geojson", "gpkg"]
LAYER_FORMATS: Final[tuple[str, ...]] = ("geojson", "gpkg", "csv")
PROFILE_FORMATS: Final[tuple[str, ...]] = ("xlsx", "csv", "geojson", "gpkg")
CSV_LINE_END: Final[str] = "\r\n"
"""Excel's line end; with it every cell holding a CR or LF is quoted, so a stray "\r=1+1" cannot start a row."""
CSV_ENCODING: Final[str] = "utf-8-sig"
"""UTF-8 with a BOM: Excel on Chinese Windows opens it without garbling 中文."""


def flat_for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists become ';'-joined text and the internal search key is dropped, for any file format."""
    out = frame.drop(columns=["search_text"], errors="ignore").copy()
    for column in out.columns:
        if column != "geometry" and holds_lists(out[column]):
            out[column] = out[column].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
    return out


def layer_to_bytes(frame: pd.DataFrame, fmt: LayerFormat, *, layer_name: str = "layer",
                   spatial_index: bool = True) -> bytes:
    """One layer as file bytes (GeoJSON RFC 7946 in WGS84, GeoPackage, or Excel-safe CSV).

    `spatial_index=False` leaves the GeoPackage's R-tree out (a fifth of a large file; GIS tools rebuild it).
    """
    flat = flat_for_file(frame)
    if fmt == "csv":
        table = pd.DataFrame(flat.drop(columns="geometry", errors="ignore"))
        return neutralise_frame(table).to_csv(index=False, lineterminator=CSV_LINE_END).encode(CSV_ENCODING)
    if not isinstance(flat, gpd.GeoDataFrame):
        raise ValueError(f"{layer_name}: a {fmt} export needs geometries")
    return _geo_bytes({layer_name: flat}, fmt, spatial_index=spatial_index)


def profile_tables(profile: ZoneProfile, lang: Lang) -> dict[str, pd.DataFrame]:
    """The zone profile as named, localised tables (the XLSX sheets / CSV blocks).

    The host county's projects of unstated zone get their own table right after the zone's projects
    (present even when empty, so every profile has the same sheets).
    """
    zone = profile.zone
    fields = [
        "id",
        f"name_{lang}",
        "kind",
        "county_adcodes",
        "prefecture_adcode",
        "lon",
        "lat",
        "position_precision",
        "uncertainty_km",
        f"position_note_{lang}",
        "notes_zh",
        "notes_en",
        "source",
        "as_of",
    ]
    zone_table = localise_frame(pd.DataFrame([{k: zone.get(k) for k in fields}]), lang).T.reset_index()
    zone_table.columns = [column_label("field", lang), column_label("value", lang)]
    figures = pd.DataFrame(
        [(t(k, lang), "" if pd.isna(v) else f"{v:g}") for k, v in profile.key_figures.items()],
        columns=["field", "value"],
    )
    near = t("within_km", lang, km=profile.nearby_km)
    names = profile.names.get(lang, {})

    def shown(frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        return localise_frame(frame, lang, names=names, **kwargs)

    return {
        t("zone", lang): zone_table,
        t("key_figures", lang): localise_frame(figures, lang),
        t("roles", lang): shown(profile.roles.drop(columns=["zone_id"])),
        t("chain", lang): shown(profile.chain.drop(columns=["zone_id", "stage"]), value_columns=("state",)),
        t("projects", lang): shown(profile.projects),
        t("county_unstated_title", lang): shown(profile.county_unstated),
        f"{t('nearby_deposits', lang)} ({near})": shown(profile.nearby_deposits),
        f"{t('nearby_recycling_bases', lang)} ({near})": shown(profile.nearby_recycling_bases),
        t("sources", lang): shown(profile.sources),
    }


def profile_to_bytes(profile: ZoneProfile, fmt: ProfileFormat, *, lang: Lang, spatial_index: bool = True) -> bytes:
    """A zone profile as one file: XLSX (a sheet per table), CSV (stacked tables), GeoJSON, GeoPackage.

    In GeoJSON every feature's `layer` says what it is: `projects` (the zone's own) or
    `projects_county_unstated` (in the host county, zone not stated); GeoPackage has a layer of each.
    """
    if fmt == "xlsx":
        return tables_to_xlsx_bytes(profile_tables(profile, lang))
    if fmt == "csv":
        return _stacked_csv_bytes(profile_tables(profile, lang))
    layers = _profile_layers(profile)
    if fmt == "geojson":
        merged = pd.concat([g.assign(layer=name) for name, g in layers.items()], ignore_index=True)
        return _geo_bytes({"zone_profile": gpd.GeoDataFrame(merged, crs=settings.STORAGE_CRS)}, "geojson")
    if fmt == "gpkg":
        return _geo_bytes(
            layers, "gpkg", tables={"roles": profile.roles, "chain": profile.chain, "sources": profile.sources},
            spatial_index=spatial_index,
        )
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(PROFILE_FORMATS)}")


def _stacked_csv_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Tables one under another — a title row, a header row, the rows, a blank line — as Excel shows them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    for name, table in tables.items():
        safe = neutralise_frame(table)
        writer.writerow([neutralise_formula(name)])
        safe.to_csv(buffer, index=False, lineterminator=CSV_LINE_END)
        writer.writerow([])
    return buffer.getvalue().encode(CSV_ENCODING)


def _profile_layers(profile: ZoneProfile) -> dict[str, gpd.GeoDataFrame]:
    zone = gpd.GeoDataFrame(
        [profile.zone],
        geometry=gpd.points_from_xy([profile.zone["lon"]], [profile.zone["lat"]]),
        crs=settings.STORAGE_CRS,
    )
    layers = {
        "zone": zone,
        "projects": profile.projects,
        "projects_county_unstated": profile.county_unstated,
        "deposits": profile.nearby_deposits,
        "recycling_bases": profile.nearby_recycling_bases,
    }
    return {
        name: gpd.GeoDataFrame(flat_for_file(g), geometry="geometry", crs=settings.STORAGE_CRS)
        for name, g in layers.items()
    }


GPKG_VERSION: Final[str] = "1.2"
"""GeoPackage 1.2: GDAL 3.6 (Debian 12, its QGIS) warns that newer files "may only be partially supported".

GDAL 3.8+ writes 1.4 by default; nothing the atlas writes needs 1.3/1.4 (they add related tables and
a different timestamp encoding), so the oldest still-current version is the one every reader opens cleanly.
"""


def _gpkg_options(path: Path) -> dict[str, Any]:
    """Append to the file once it exists; set the version only when creating it (a dataset option)."""
    return {"append": True} if path.exists() else {"VERSION": GPKG_VERSION}


def _geo_bytes(
    layers: dict[str, gpd.GeoDataFrame], fmt: str, *, tables: dict[str, pd.DataFrame] | None = None,
    spatial_index: bool = True,
) -> bytes:
    """Write through a temporary file: GDAL drivers want a path, and the caller wants bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out.{fmt}"
        for name, layer in layers.items():
            clean = gpd.GeoDataFrame(flat_for_file(layer), geometry="geometry", crs=settings.STORAGE_CRS)
            if fmt == "geojson":
                clean.to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES", WRITE_NAME="NO")
            else:
                clean.to_file(path, driver="GPKG", layer=name, engine="pyogrio", **_gpkg_options(path),
                              layer_options={"SPATIAL_INDEX": "YES" if spatial_index else "NO"})
        for name, table in (tables or {}).items():
            pyogrio.write_dataframe(flat_for_file(table), path, layer=name, driver="GPKG", **_gpkg_options(path))
        return path.read_bytes()


def tables_to_xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table, bold frozen header row, readable column widths, formulas neutralised.

    Text goes in as text, never as a formula, whatever it starts with; a zone of 15,000 projects takes
    a fraction of a second (see atlas.reports.xlsx for why it is not XlsxWriter).
    """
    used: set[str] = set()
    return tables_to_xlsx((_sheet_title(name, used), neutralise_frame(table)) for name, table in tables.items())


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: ≤ 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    title, n = base, 2
    while title in used:
        title = f"{base[:28]}~{n}"
        n += 1
    used.add(title)
    return title


def write_bytes_atomically(path: Path, produce: Callable[[], bytes]) -> Path:
    """Write a file via temp file + fsync + rename; an existing file is kept as `<name>.bak` first.

    Raises
    ------
    AtlasError
        When the folder does not exist or is not writable (one line naming the path).
    """
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise AtlasError(f"cannot write {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise AtlasError(f"cannot write {target}: permission denied")
    if target.is_dir():
        raise AtlasError(f"cannot write {target}: it is a folder")
    data = produce()
    try:
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        write_atomically(target, data)
    except OSError as exc:
        raise AtlasError(f"cannot write {target}: {exc.strerror}") from exc
    return target


def gap_matrix_to_bytes(long: pd.DataFrame, fmt: str, *, lang: Lang) -> bytes:
    """XLSX (a sheet per cluster + the cells) or CSV (the cells, one row each), formulas neutralised."""
    if fmt == "xlsx":
        return tables_to_xlsx_bytes(gap_matrix_tables(long, lang))
    if fmt == "csv":
        return layer_to_bytes(gap_cells_for_file(long, lang), "csv")
    raise ValueError(f"unknown format {fmt!r}; valid: xlsx, csv")
