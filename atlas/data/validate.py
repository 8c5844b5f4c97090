"""Cross-table checks of the curated data: every reference resolves, every point sits where it says."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from atlas.core import schema, settings
from atlas.core.errors import Problem
from atlas.core.messages import Message, msg
from atlas.core.model import RawData
from atlas.data.tables import (
    check_allowed,
    check_as_of,
    check_required,
    check_unique,
    parse_numbers,
    problems_by_value,
    row_number,
)

URL_PATTERN = re.compile(r"^https?://\S+")
SECTION_PATTERN = re.compile(r"^[IVX]+(\.\(\d+\))?$")
SYNTHETIC_SOURCE = re.compile(r"^synthetic \(scripts/make_synthetic_registry\.py, seed \d+\)$")
"""Source of the benchmark registry: accepted, with one warning per file saying the records are not real."""


POINT_TABLES: dict[str, str] = {
    "zones": "county_adcodes", "deposits": "county_adcodes", "projects": "county_adcode",
    "recycling_bases": "county_adcode",
}
"""Point tables and the column naming the counties their points must lie in."""
POINT_COLUMNS: tuple[str, ...] = tuple(POINT_TABLES)
CURATED_NOTE_TABLES: tuple[str, ...] = ("zones", "deposits", "recycling_bases", "targets")
"""Tables only curators write: a note in one language is an error. The project registry is not among them:
a user's import may bring a note in one language (said in the import report), and the shipped
projects.csv is held to both languages by a meta-test with `note_pair_problems`."""


def validate_projects_table(raw: RawData) -> list[Problem]:
    """What `validate_raw_data` finds in the projects table alone, against the other tables' ids.

    For rows being imported: the other tables are the shipped ones, checked when they were loaded.
    """
    t = raw.tables
    ids = {name: set(frame["id"]) for name, frame in t.items() if "id" in frame.columns}
    counties = set(raw.boundaries["counties"]["adcode"])
    prefectures = set(raw.boundaries["prefectures"]["adcode"])
    label = settings.DATA_FILES["projects"]
    problems = check_record_fields(t["projects"], label=label, section_ids=ids["sections"])
    problems += check_points(t["projects"], label=label)
    problems += _project_problems(t["projects"], ids["zones"], counties, ids["stages"], ids["cluster_types"],
                                  t["chains"], prefectures=prefectures)
    return problems + _position_problems(raw, only=("projects",))


def validate_raw_data(raw: RawData) -> list[Problem]:
    """Every problem in the data (errors, and warnings that do not block loading)."""
    t = raw.tables
    ids = {name: set(frame["id"]) for name, frame in t.items() if "id" in frame.columns}
    sections = ids["sections"]
    counties = set(raw.boundaries["counties"]["adcode"])
    prefectures = set(raw.boundaries["prefectures"]["adcode"])
    stages = ids["stages"]
    clusters = ids["cluster_types"]
    problems: list[Problem] = []
    problems += _boundary_problems(raw)
    for name in ("zones", "deposits", "projects", "recycling_bases"):
        label = settings.DATA_FILES[name]
        problems += check_record_fields(t[name], label=label, section_ids=sections)
        problems += check_points(t[name], label=label)
    for name in ("cluster_types", "stages", "sections", "departments", "targets"):
        label = settings.DATA_FILES[name]
        problems += check_required(t[name], ("id", "source", "as_of"), label=label)
        problems += check_unique(t[name], "id", label=label)
        problems += check_as_of(t[name], label=label)
        problems += check_sources(t[name], label=label, section_ids=sections)
    for name in ("chains", "products", "zone_roles", "responsibilities"):
        label = settings.DATA_FILES[name]
        problems += check_required(t[name], ("source", "as_of"), label=label)
        problems += check_as_of(t[name], label=label)
        problems += check_sources(t[name], label=label, section_ids=sections)
    for name in CURATED_NOTE_TABLES:
        problems += note_pair_problems(t[name], name)
    problems += _zone_problems(t["zones"], counties, prefectures)
    problems += _role_problems(t["zone_roles"], ids["zones"], clusters, sections)
    problems += _project_problems(t["projects"], ids["zones"], counties, stages, clusters, t["chains"],
                                  prefectures=prefectures)
    problems += _base_problems(t["recycling_bases"], ids["zones"], counties, sections, prefectures=prefectures)
    problems += _deposit_problems(t["deposits"], counties)
    problems += _policy_problems(t, clusters, stages, sections, ids["departments"])
    problems += _national_problems(t, sections)
    problems += _position_problems(raw)
    return problems


def note_pair_problems(frame: pd.DataFrame, table: str) -> list[Problem]:
    """One error per record whose note is filled in one language and empty in the other.

    A missing language is never made up (a machine translation would read as a curated fact), so the
    curator is asked for it; the problem names the file, the row and the empty column.
    """
    zh, en = schema.NOTE_PAIRS[table]
    if zh not in frame.columns or en not in frame.columns:
        return []
    label = settings.DATA_FILES[table]
    has_zh = (frame[zh] != "").to_numpy(dtype=bool)
    has_en = (frame[en] != "").to_numpy(dtype=bool)
    problems = []
    for i in np.flatnonzero(has_zh != has_en):
        present, missing = (zh, en) if has_zh[i] else (en, zh)
        problems.append(
            Problem.of(label, msg("note_one_language", present=present, missing=missing), row_number(int(i)),
                       missing, "")
        )
    return problems


def _boundary_problems(raw: RawData) -> list[Problem]:
    problems = []
    for name, layer in raw.boundaries.items():
        label = settings.DATA_FILES[name]
        for i, code in enumerate(layer["adcode"]):
            if not (len(code) == 6 and code.isdigit()):
                problems.append(Problem(label, "adcode must be 6 digits", row_number(i), "adcode", code))
    parents = set(raw.boundaries["prefectures"]["adcode"])
    for i, parent in enumerate(raw.boundaries["counties"]["parent_adcode"]):
        if parent not in parents:
            problems.append(
                Problem(
                    settings.DATA_FILES["counties"],
                    "parent is not a shipped prefecture",
                    row_number(i),
                    "parent_adcode",
                    parent,
                )
            )
    return problems


def _zone_problems(zones: pd.DataFrame, counties: set[str], prefectures: set[str]) -> list[Problem]:
    label = settings.DATA_FILES["zones"]
    problems = check_allowed(zones, "kind", list(schema.ZoneKind), label=label)
    problems += check_required(zones, ("county_adcodes", "prefecture_adcode"), label=label)
    problems += check_allowed(zones, "county_adcodes", counties, label=label, multi=True)
    problems += check_allowed(zones, "prefecture_adcode", prefectures, label=label)
    return problems


def _role_problems(roles: pd.DataFrame, zones: set[str], clusters: set[str], sections: set[str]) -> list[Problem]:
    label = settings.DATA_FILES["zone_roles"]
    problems = check_required(roles, ("zone_id", "kind", "policy_section", "summary_zh", "summary_en"), label=label)
    problems += check_allowed(roles, "zone_id", zones, label=label)
    problems += check_allowed(roles, "kind", list(schema.RoleKind), label=label)
    problems += check_allowed(roles, "policy_section", sections, label=label)
    for i, (kind, cluster) in enumerate(zip(roles["kind"], roles["cluster_type"], strict=True)):
        if kind == schema.RoleKind.CLUSTER and cluster not in clusters:
            valid = ", ".join(sorted(clusters))
            problems.append(
                Problem(label, f"a cluster role needs a cluster_type ({valid})", row_number(i), "cluster_type", cluster)
            )
        if kind != schema.RoleKind.CLUSTER and cluster:
            problems.append(
                Problem(label, "only cluster roles carry a cluster_type", row_number(i), "cluster_type", cluster)
            )
    keys = roles["zone_id"] + "|" + roles["kind"] + "|" + roles["cluster_type"]
    for i, duplicated in enumerate(keys.duplicated()):
        if duplicated:
            problems.append(
                Problem(
                    label, "the same (zone, kind, cluster_type) appears twice", row_number(i), "zone_id", keys.iloc[i]
                )
            )
    return problems


def _project_problems(
    projects: pd.DataFrame,
    zones: set[str],
    counties: set[str],
    stages: set[str],
    clusters: set[str],
    chains: pd.DataFrame,
    *,
    prefectures: set[str],
) -> list[Problem]:
    label = settings.DATA_FILES["projects"]
    problems = check_required(projects, ("stage", "status", "county_adcode"), label=label)
    problems += check_allowed(projects, "zone_id", zones, label=label, optional=True)
    problems += check_county_codes(projects, counties, prefectures, label=label)
    problems += check_allowed(projects, "stage", stages, label=label)
    problems += check_allowed(projects, "status", list(schema.ProjectStatus), label=label)
    problems += check_allowed(projects, "cluster_types", clusters, label=label, multi=True, optional=True)
    problems += _capacity_problems(projects, label=label)
    problems += parse_numbers(projects, "investment_cny_m", label=label, minimum=0)[1]
    problems += _position_source_problems(projects, label=label)
    chain_stages = chains.groupby("cluster_type")["stage"].apply(set).to_dict()
    # Checked once per distinct (stage, clusters) pair: a big registry has a few dozen of them.
    pairs = projects["stage"] + "\x1f" + projects["cluster_types"]

    def check(pair: str) -> list[tuple[Message | str, str]]:
        stage, raw_clusters = pair.split("\x1f", 1)
        return [
            (msg("stage_not_in_chain", stage=stage, cluster=cluster, stages=", ".join(sorted(chain_stages[cluster]))),
             cluster)
            for cluster in (c.strip() for c in raw_clusters.split(schema.LIST_SEPARATOR) if c.strip())
            if cluster in chain_stages and stage not in chain_stages[cluster]
        ]

    return problems + problems_by_value(pairs, check, label=label, column="cluster_types")


def _position_source_problems(frame: pd.DataFrame, *, label: str) -> list[Problem]:
    """`position_source` is a `schema.PositionSource` (optionally ": who/which file"), dated by `position_as_of`."""
    kinds = {str(k) for k in schema.PositionSource}
    problems = check_as_of(frame, label=label, column="position_as_of")
    for i, (raw, when) in enumerate(zip(frame["position_source"], frame["position_as_of"], strict=True)):
        if raw and raw.split(":", 1)[0].strip() not in kinds:
            valid = ", ".join(sorted(kinds))
            problems.append(
                Problem.of(label, msg("position_source_unknown", valid=valid), row_number(i), "position_source", raw)
            )
        if raw and not when:
            problems.append(Problem.of(label, msg("position_source_undated"), row_number(i), "position_as_of", ""))
    return problems


def _capacity_problems(frame: pd.DataFrame, *, label: str) -> list[Problem]:
    capacity, problems = parse_numbers(frame, "capacity", label=label, minimum=0)
    years, year_problems = parse_numbers(frame, "year", label=label, minimum=1900)
    problems += year_problems
    no_unit = capacity.notna().to_numpy() & (frame["capacity_unit"] == "").to_numpy(dtype=bool)
    problems += [Problem.of(label, msg("capacity_needs_unit"), row_number(int(i)), "capacity_unit", "")
                 for i in np.flatnonzero(no_unit)]
    whole = years.fillna(0).to_numpy()
    not_whole = years.notna().to_numpy() & ((whole != np.floor(whole)) | (whole > 2100))
    problems += [
        Problem.of(label, msg("year_not_whole"), row_number(int(i)), "year", str(years.iat[int(i)]))
        for i in np.flatnonzero(not_whole)
    ]
    return problems


def _base_problems(
    bases: pd.DataFrame, zones: set[str], counties: set[str], sections: set[str], *, prefectures: set[str]
) -> list[Problem]:
    label = settings.DATA_FILES["recycling_bases"]
    problems = check_required(bases, ("kind", "status", "county_adcode"), label=label)
    problems += check_allowed(bases, "kind", ("pretreatment-base", "recycled-aluminium-plant"), label=label)
    problems += check_allowed(bases, "status", list(schema.ProjectStatus), label=label)
    problems += check_allowed(bases, "zone_id", zones, label=label, optional=True)
    problems += check_county_codes(bases, counties, prefectures, label=label)
    problems += check_allowed(bases, "policy_section", sections, label=label, optional=True)
    problems += _capacity_problems(bases, label=label)
    return problems


def _deposit_problems(deposits: pd.DataFrame, counties: set[str]) -> list[Problem]:
    label = settings.DATA_FILES["deposits"]
    problems = check_required(deposits, ("kind", "county_adcodes"), label=label)
    problems += check_allowed(deposits, "kind", ("district", "deposit"), label=label)
    problems += check_allowed(deposits, "county_adcodes", counties, label=label, multi=True)
    problems += check_allowed(
        deposits, "quantity_definition", schema.DEPOSIT_QUANTITY_DEFINITIONS, label=label, optional=True
    )
    quantity, quantity_problems = parse_numbers(deposits, "quantity_mt", label=label, minimum=0)
    problems += quantity_problems + parse_numbers(deposits, "quantity_year", label=label, minimum=1900)[1]
    for i, (value, definition) in enumerate(zip(quantity, deposits["quantity_definition"], strict=True)):
        if pd.notna(value) and not definition:
            problems.append(
                Problem(
                    label,
                    "a tonnage needs its definition (resource, reserve, …)",
                    row_number(i),
                    "quantity_definition",
                    "",
                )
            )
    return problems


def _policy_problems(
    t: dict[str, pd.DataFrame], clusters: set[str], stages: set[str], sections: set[str], departments: set[str]
) -> list[Problem]:
    problems = check_required(
        t["cluster_types"], ("name_zh", "name_en", "policy_section"), label=settings.DATA_FILES["cluster_types"]
    )
    problems += check_allowed(t["chains"], "cluster_type", clusters, label=settings.DATA_FILES["chains"])
    problems += check_allowed(t["chains"], "stage", stages, label=settings.DATA_FILES["chains"])
    problems += parse_numbers(t["chains"], "position", label=settings.DATA_FILES["chains"], minimum=1)[1]
    problems += check_allowed(t["products"], "cluster_type", clusters, label=settings.DATA_FILES["products"])
    problems += check_allowed(t["products"], "policy_section", sections, label=settings.DATA_FILES["products"])
    label = settings.DATA_FILES["targets"]
    problems += check_required(
        t["targets"], ("indicator_zh", "indicator_en", "operator", "value", "unit", "policy_section"), label=label
    )
    problems += check_allowed(t["targets"], "operator", schema.TARGET_OPERATORS, label=label)
    problems += check_allowed(t["targets"], "policy_section", sections, label=label)
    for column in ("value", "target_year", "latest_value", "latest_year"):
        problems += parse_numbers(t["targets"], column, label=label)[1]
    for i, (latest, source) in enumerate(zip(t["targets"]["latest_value"], t["targets"]["latest_source"], strict=True)):
        if latest and not source:
            problems.append(Problem(label, "a latest value needs its source", row_number(i), "latest_source", ""))
    label = settings.DATA_FILES["responsibilities"]
    problems += check_allowed(t["responsibilities"], "policy_section", sections, label=label)
    problems += check_allowed(t["responsibilities"], "department_id", departments, label=label)
    return problems


def _national_problems(t: dict[str, pd.DataFrame], sections: set[str]) -> list[Problem]:
    """National tasks are complete records; every link names a known task and a provincial section in sections.csv."""
    label = settings.DATA_FILES["national_tasks"]
    tasks = t["national_tasks"]
    problems = check_required(
        tasks, ("id", "section", "title_zh", "title_en", "summary_zh", "summary_en", "source", "as_of"), label=label
    )
    problems += check_unique(tasks, "id", label=label)
    problems += check_as_of(tasks, label=label)
    problems += check_sources(tasks, label=label, section_ids=sections)
    label = settings.DATA_FILES["national_links"]
    links = t["national_links"]
    problems += check_required(links, ("national_task_id", "policy_section", "why_zh", "why_en", "source", "as_of"),
                               label=label)
    problems += check_allowed(links, "national_task_id", set(tasks["id"]), label=label)
    problems += check_allowed(links, "policy_section", sections, label=label)
    problems += check_as_of(links, label=label)
    problems += check_sources(links, label=label, section_ids=sections)
    keys = links["national_task_id"] + "|" + links["policy_section"]
    problems += [
        Problem(label, "the same (national task, section) appears twice", row_number(i), "policy_section", keys.iloc[i])
        for i, duplicated in enumerate(keys.duplicated())
        if duplicated
    ]
    return problems


def _position_problems(raw: RawData, *, only: tuple[str, ...] = POINT_COLUMNS) -> list[Problem]:
    """A point must lie in (or within its uncertainty of) the counties its record names.

    Checked in a metric CRS (UTM 48N) because it is a plausibility test with a tolerance;
    distances shown to users are geodesic.
    """
    counties = raw.boundaries["counties"]
    if counties.empty or counties.crs is None:
        return []
    metric = counties.drop_duplicates("adcode").set_index("adcode").geometry.to_crs(settings.LOCAL_METRIC_CRS)
    prefectures = raw.boundaries.get("prefectures")
    if prefectures is not None and not prefectures.empty and prefectures.crs is not None:
        # a `prefecture`-precision record names its prefecture in `county_adcode` (see check_county_codes)
        prefecture_polygons = prefectures.drop_duplicates("adcode").set_index("adcode").geometry
        metric = pd.concat([metric, prefecture_polygons.to_crs(settings.LOCAL_METRIC_CRS)])
    to_metric = Transformer.from_crs(settings.STORAGE_CRS, settings.LOCAL_METRIC_CRS, always_xy=True)
    problems = []
    for name, column in ((name, POINT_TABLES[name]) for name in only):
        frame = raw.tables[name]
        lon, _ = parse_numbers(frame, "lon", label=name)
        lat, _ = parse_numbers(frame, "lat", label=name)
        radius, _ = parse_numbers(frame, "uncertainty_km", label=name)
        x, y = to_metric.transform(lon.to_numpy(), lat.to_numpy())
        allowed_km = np.nan_to_num(radius.to_numpy(), nan=0.0)
        found: list[tuple[int, Problem]] = []
        # Vectorised per distinct county cell: point-in-polygon first, distances only for points outside.
        located = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
        for codes, group in pd.Series(located).groupby(frame[column].to_numpy()[located], sort=False):
            wanted = [c.strip() for c in str(codes).split(schema.LIST_SEPARATOR) if c.strip() in metric.index]
            rows = group.to_numpy()
            if not wanted:
                continue
            polygons = [metric[c] for c in wanted]
            for polygon in polygons:
                shapely.prepare(polygon)
            inside = np.logical_or.reduce([shapely.contains_xy(p, x[rows], y[rows]) for p in polygons])
            rows = rows[~inside]
            if not len(rows):
                continue
            points = shapely.points(x[rows], y[rows])
            with np.errstate(invalid="ignore"):  # a point off the projection (swapped lon/lat): NaN, as before
                gap_km = np.min([shapely.distance(p, points) for p in polygons], axis=0) / 1000
            far = gap_km > allowed_km[rows] + 0.05
            for i, gap in zip(rows[far], gap_km[far], strict=True):
                found.append((int(i), Problem.of(
                    settings.DATA_FILES[name],
                    msg("position_outside_county", km=f"{gap:.1f}", codes=codes, radius=f"{allowed_km[i]:g}"),
                    row_number(int(i)),
                    "lon",
                    f"{lon.iat[int(i)]}, {lat.iat[int(i)]}",
                )))
        problems += [problem for _, problem in sorted(found, key=lambda item: item[0])]
    return problems


def check_county_codes(frame: pd.DataFrame, counties: set[str], prefectures: set[str], *, label: str) -> list[Problem]:
    """`county_adcode` is one of `counties`; a `prefecture`-precision record may hold its prefecture's code instead.

    A source that names only the prefecture-level city (贵阳, 安顺…) gives no county: such a record
    says so with precision `prefecture` and the prefecture's adcode (data/README.md). Any other
    precision must name a real county.
    """
    at_county = msg("value_not_allowed", valid=", ".join(sorted(counties)))
    at_prefecture = msg("value_not_allowed", valid=", ".join(sorted(counties | prefectures)))
    pairs = frame["position_precision"].astype(str) + "\x1f" + frame["county_adcode"].astype(str)

    def check(pair: str) -> list[tuple[Message | str, str]]:
        precision, code = pair.split("\x1f", 1)
        if precision == schema.PositionPrecision.PREFECTURE:
            return [] if code in counties or code in prefectures else [(at_prefecture, code)]
        return [] if code in counties else [(at_county, code)]

    return problems_by_value(pairs, check, label=label, column="county_adcode")


def check_record_fields(frame: pd.DataFrame, *, label: str, section_ids: set[str]) -> list[Problem]:
    """Fields every record carries: id, names, source and as_of, unique ids, citable sources."""
    problems = check_required(frame, schema.RECORD_COLUMNS, label=label)
    problems += check_unique(frame, "id", label=label)
    problems += check_as_of(frame, label=label)
    problems += check_sources(frame, label=label, section_ids=section_ids)
    return problems


def check_sources(frame: pd.DataFrame, *, label: str, section_ids: set[str], column: str = "source") -> list[Problem]:
    """Each ' ; '-separated part of a source is a URL or a policy section id that exists.

    The benchmark registry's source (`SYNTHETIC_SOURCE`) passes with one warning for the file.
    """

    def check(raw: str) -> list[tuple[Message | str, str]]:
        found: list[tuple[Message | str, str]] = []
        for part in (p.strip() for p in raw.split(" ; ") if p.strip()):
            if URL_PATTERN.match(part) or SYNTHETIC_SOURCE.match(part):
                continue
            if SECTION_PATTERN.match(part):
                if section_ids and part not in section_ids:
                    found.append((msg("source_section_unknown"), part))
                continue
            found.append((msg("source_not_citable"), part))
        return found

    problems = problems_by_value(frame[column], check, label=label, column=column)
    marked = [v for v in pd.unique(frame[column]) if any(SYNTHETIC_SOURCE.match(p.strip()) for p in v.split(" ; "))]
    synthetic = frame[column].isin(marked).to_numpy(dtype=bool)
    if synthetic.any():
        first = int(np.flatnonzero(synthetic)[0])
        problems.append(Problem.of(
            label, msg("synthetic_records", n=int(synthetic.sum())),
            row_number(first), column, str(frame[column].iat[first]), severity="warning"))
    return problems


def check_points(frame: pd.DataFrame, *, label: str) -> list[Problem]:
    """lon/lat inside Guizhou's box, a known precision and a drawable uncertainty radius."""
    lon, problems = parse_numbers(frame, "lon", label=label)
    lat, lat_problems = parse_numbers(frame, "lat", label=label)
    radius_problems = parse_numbers(frame, "uncertainty_km", label=label, minimum=0)[1]
    problems += lat_problems + radius_problems
    problems += check_required(frame, ("lon", "lat", "position_precision", "uncertainty_km"), label=label)
    problems += check_allowed(frame, "position_precision", list(schema.PositionPrecision), label=label)
    west, south, east, north = settings.GUIZHOU_BOUNDS
    x, y = lon.to_numpy(), lat.to_numpy()
    known = ~(np.isnan(x) | np.isnan(y))
    swapped = known & (south <= x) & (x <= north) & (west <= y) & (y <= east)
    outside = known & ~swapped & ~((west <= x) & (x <= east) & (south <= y) & (y <= north))
    for i in np.flatnonzero(swapped | outside):
        where = f"{lon.iat[int(i)]}, {lat.iat[int(i)]}"
        if swapped[i]:
            problems.append(Problem.of(label, msg("lonlat_look_swapped"), row_number(int(i)), "lon", where))
        else:
            problems.append(
                Problem.of(
                    label, msg("outside_guizhou_box", box=settings.GUIZHOU_BOUNDS), row_number(int(i)), "lon", where
                )
            )
    return problems
