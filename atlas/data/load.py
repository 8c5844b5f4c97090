"""Load every shipped data file into one validated `Atlas`, reporting all problems at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio

from atlas.core import schema, settings
from atlas.core.errors import Problem, raise_if_any
from atlas.core.memory import release_freed_memory
from atlas.core.model import Atlas, RawData
from atlas.data.search_keys import add_search_text
from atlas.data.tables import SHARED_TEXT_MIN_ROWS, parse_lists, parse_numbers, read_csv_table, row_number
from atlas.data.validate import validate_raw_data

BOUNDARY_LAYERS: Final[tuple[str, ...]] = ("province", "prefectures", "counties")
TABLE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "zones": schema.ZONE_COLUMNS,
    "deposits": schema.DEPOSIT_COLUMNS,
    "projects": schema.PROJECT_COLUMNS,
    "recycling_bases": schema.RECYCLING_BASE_COLUMNS,
    "cluster_types": schema.CLUSTER_TYPE_COLUMNS,
    "stages": schema.STAGE_COLUMNS,
    "chains": schema.CHAIN_COLUMNS,
    "products": schema.PRODUCT_COLUMNS,
    "zone_roles": schema.ZONE_ROLE_COLUMNS,
    "targets": schema.TARGET_COLUMNS,
    "sections": schema.SECTION_COLUMNS,
    "departments": schema.DEPARTMENT_COLUMNS,
    "responsibilities": schema.RESPONSIBILITY_COLUMNS,
    "national_tasks": schema.NATIONAL_TASK_COLUMNS,
    "national_links": schema.NATIONAL_LINK_COLUMNS,
}
POINT_TABLES: Final[tuple[str, ...]] = ("zones", "deposits", "projects", "recycling_bases")
PROJECT_NUMBERS: Final[tuple[str, ...]] = ("capacity", "investment_cny_m", "year")


def load_atlas(data_dir: Path | None = None, *, projects: pd.DataFrame | None = None) -> Atlas:
    """Load and validate the atlas data; raise one `DataValidationError` listing every problem.

    Parameters
    ----------
    data_dir
        Folder holding `geo/`, `projects/` and `policy/`; default `settings.data_dir()`.
    projects
        The project registry as text cells (a store's `read()`); default the folder's ``projects/projects.csv``.
        Loading never opens a store itself: `atlas.registry.startup.open_atlas` does and hands its projects here.
    """
    atlas, problems = load_atlas_with_problems(data_dir, projects=projects)
    raise_if_any(problems)
    assert atlas is not None  # no error-severity problem means every table was built
    return atlas


def load_atlas_with_problems(
    data_dir: Path | None = None, *, projects: pd.DataFrame | None = None, projects_file: Path | None = None
) -> tuple[Atlas | None, list[Problem]]:
    """Like `load_atlas`, but return the problems (errors and warnings) instead of raising.

    `projects_file` reads the registry from that file (a file store's, kept outside the data folder)
    instead of the folder's ``projects/projects.csv``; problems still name it ``projects/projects.csv``.
    """
    root = data_dir or settings.data_dir()
    raw, problems = read_raw_data(root, projects=projects, projects_file=projects_file)
    # A big registry's temporaries (hundreds of MB) go back to the system between steps, not after all of them.
    release = release_freed_memory if len(raw.tables["projects"]) >= SHARED_TEXT_MIN_ROWS else lambda: None
    release()
    problems += validate_raw_data(raw)
    release()
    if any(p.severity == "error" for p in problems):
        return None, problems
    handed_over = [raw]
    del raw  # build_atlas then holds the only reference and drops the text it typed (numbers, lists) as it goes
    atlas = build_atlas(handed_over.pop())
    release()
    return atlas, problems


def load_atlas_with_typed_projects(data_dir: Path, projects: gpd.GeoDataFrame) -> Atlas | None:
    """The atlas of the folder's other tables around an already validated, typed projects layer.

    For a registry cache (`atlas.registry.cache`): the projects come as `build_atlas` made them and the
    problems were recorded with them, so only the small tables are read and typed again, unchecked (their
    content is the one the cached problems were found in). None when a table can no longer be read.
    """
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in schema.PROJECT_COLUMNS})
    raw, problems = read_raw_data(data_dir, projects=empty)
    if any(p.severity == "error" for p in problems):
        return None
    return replace(build_atlas(raw), projects=projects)


def read_raw_data(
    root: Path, *, projects: pd.DataFrame | None = None, projects_file: Path | None = None
) -> tuple[RawData, list[Problem]]:
    """Read every file, collecting file-level problems (missing file, encoding, missing columns).

    The project registry is `projects` when given (a store's table, or a save being validated), else
    the folder's ``projects/projects.csv``.
    """
    problems: list[Problem] = []
    boundaries = {}
    for name in BOUNDARY_LAYERS:
        relative = settings.DATA_FILES[name]
        layer, layer_problems = _read_boundaries(root / relative, label=relative)
        boundaries[name] = layer
        problems += layer_problems
    tables = {}
    for name, columns in TABLE_COLUMNS.items():
        relative = settings.DATA_FILES[name]
        if name == "projects" and projects is not None:
            frame, table_problems = projects, list[Problem]()
        else:
            optional = schema.PROJECT_OPTIONAL_COLUMNS if name == "projects" else ()
            renamed = schema.LEGACY_COLUMNS if name == "projects" else None
            path = projects_file if name == "projects" and projects_file is not None else root / relative
            frame, table_problems = read_csv_table(path, columns, label=relative, optional=optional, renamed=renamed)
        tables[name] = frame
        problems += table_problems
    return RawData(boundaries=boundaries, tables=tables), problems


def _read_boundaries(path: Path, *, label: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    empty = gpd.GeoDataFrame({c: [] for c in schema.BOUNDARY_COLUMNS}, geometry=[], crs=settings.STORAGE_CRS)
    if not path.exists():
        return empty, [Problem(label, "file is missing")]
    try:
        layer = gpd.read_file(path, engine="pyogrio", DATE_AS_STRING="YES")  # as_of stays text
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        return empty, [Problem(label, f"not a readable GeoJSON file: {exc}")]
    problems = [
        Problem(label, "required property is missing", column=c)
        for c in schema.BOUNDARY_COLUMNS
        if c not in layer.columns
    ]
    if layer.crs is None or not layer.crs.equals(settings.STORAGE_CRS):
        problems.append(Problem(label, f"CRS must be EPSG:4326 (WGS84), found {layer.crs}"))
    for c in schema.BOUNDARY_COLUMNS:
        if c not in layer.columns:
            layer[c] = ""
        layer[c] = layer[c].fillna("").astype(str)
    for i, geom in enumerate(layer.geometry):
        if geom is None or geom.is_empty or not geom.is_valid:
            problems.append(Problem(label, "geometry is empty or invalid", row_number(i), "geometry"))
    return layer, problems


def build_atlas(raw: RawData) -> Atlas:
    """Type the validated text tables: numbers, lists, point geometries (lon/lat, EPSG:4326)."""
    t = {name: frame.copy(deep=False) for name, frame in raw.tables.items()}
    boundaries = raw.boundaries
    del raw  # when the caller handed it over, the text columns replaced below are freed as they are replaced
    for name in POINT_TABLES:
        for column in ("lon", "lat", "uncertainty_km"):
            t[name][column] = parse_numbers(t[name], column, label=name)[0]
    for name, column in [("zones", "county_adcodes"), ("deposits", "county_adcodes"), ("projects", "cluster_types")]:
        t[name][column] = parse_lists(t[name], column)
    numeric = {
        "projects": PROJECT_NUMBERS,
        "recycling_bases": ("capacity", "year"),
        "deposits": ("quantity_mt", "quantity_year"),
        "targets": ("value", "target_year", "latest_value", "latest_year"),
        "chains": ("position",),
    }
    for name, columns in numeric.items():
        for column in columns:
            t[name][column] = parse_numbers(t[name], column, label=name)[0]
    t["chains"]["position"] = t["chains"]["position"].astype(int)
    points = {name: _to_points(add_search_text(t[name])) for name in POINT_TABLES}
    return Atlas(
        province=boundaries["province"],
        prefectures=boundaries["prefectures"],
        counties=boundaries["counties"],
        zones=points["zones"],
        zone_roles=t["zone_roles"],
        cluster_types=t["cluster_types"],
        stages=t["stages"],
        chains=t["chains"].sort_values(["cluster_type", "position"]).reset_index(drop=True),
        products=t["products"],
        projects=points["projects"],
        recycling_bases=points["recycling_bases"],
        deposits=points["deposits"],
        targets=t["targets"],
        sections=t["sections"],
        departments=t["departments"],
        responsibilities=t["responsibilities"],
        national_tasks=t["national_tasks"],
        national_links=t["national_links"],
    )


def typed_projects(cells: pd.DataFrame) -> gpd.GeoDataFrame:
    """Registry rows as text cells (already validated, e.g. by a store's save) typed as `build_atlas` types them.

    For the rows a page fetches from the database per request: the same numbers, lists, search keys
    and point geometries as the loaded atlas's `projects`, for just those rows.
    """
    frame = cells.reset_index(drop=True).copy(deep=False)
    for column in ("lon", "lat", "uncertainty_km", *PROJECT_NUMBERS):
        frame[column] = parse_numbers(frame, column, label="projects")[0]
    frame["cluster_types"] = parse_lists(frame, "cluster_types")
    return _to_points(add_search_text(frame))


def _to_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The one place where lon/lat columns become shapely points (x = lon, y = lat)."""
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=settings.STORAGE_CRS)
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs=settings.STORAGE_CRS)
