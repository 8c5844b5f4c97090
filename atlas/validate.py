"""Cross-table checks of the curated data: every reference resolves, every point sits where it says."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from atlas import schema, settings
from atlas.errors import Problem
from atlas.tables import (
    check_allowed,
    check_as_of,
    check_required,
    check_unique,
    parse_numbers,
    row_number,
)

if TYPE_CHECKING:
    from atlas.load import RawData

URL_PATTERN = re.compile(r"^https?://\S+")
SECTION_PATTERN = re.compile(r"^[IVX]+(\.\(\d+\))?$")


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
    problems += _zone_problems(t["zones"], counties, prefectures)
    problems += _role_problems(t["zone_roles"], ids["zones"], clusters, sections)
    problems += _project_problems(t["projects"], ids["zones"], counties, stages, clusters, t["chains"])
    problems += _base_problems(t["recycling_bases"], ids["zones"], counties, sections)
    problems += _deposit_problems(t["deposits"], counties)
    problems += _policy_problems(t, clusters, stages, sections, ids["departments"])
    problems += _national_problems(t, sections)
    problems += _position_problems(raw)
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
) -> list[Problem]:
    label = settings.DATA_FILES["projects"]
    problems = check_required(projects, ("stage", "status", "county_adcode"), label=label)
    problems += check_allowed(projects, "zone_id", zones, label=label, optional=True)
    problems += check_allowed(projects, "county_adcode", counties, label=label)
    problems += check_allowed(projects, "stage", stages, label=label)
    problems += check_allowed(projects, "status", list(schema.ProjectStatus), label=label)
    problems += check_allowed(projects, "cluster_types", clusters, label=label, multi=True, optional=True)
    problems += _capacity_problems(projects, label=label)
    problems += parse_numbers(projects, "investment_cny_m", label=label, minimum=0)[1]
    problems += _position_source_problems(projects, label=label)
    chain_stages = chains.groupby("cluster_type")["stage"].apply(set).to_dict()
    for i, (stage, raw_clusters) in enumerate(zip(projects["stage"], projects["cluster_types"], strict=True)):
        for cluster in (c.strip() for c in raw_clusters.split(schema.LIST_SEPARATOR) if c.strip()):
            if cluster in chain_stages and stage not in chain_stages[cluster]:
                problems.append(
                    Problem(
                        label,
                        f"stage {stage!r} is not in the {cluster} chain ({', '.join(sorted(chain_stages[cluster]))})",
                        row_number(i),
                        "cluster_types",
                        cluster,
                    )
                )
    return problems


def _position_source_problems(frame: pd.DataFrame, *, label: str) -> list[Problem]:
    """`position_source` is a `schema.PositionSource` (optionally ": who/which file"), dated by `position_as_of`."""
    kinds = {str(k) for k in schema.PositionSource}
    problems = check_as_of(frame, label=label, column="position_as_of")
    for i, (raw, when) in enumerate(zip(frame["position_source"], frame["position_as_of"], strict=True)):
        if raw and raw.split(":", 1)[0].strip() not in kinds:
            valid = ", ".join(sorted(kinds))
            problems.append(
                Problem(label, f"unknown position source; valid: {valid} (optionally ': who')", row_number(i),
                        "position_source", raw)
            )
        if raw and not when:
            problems.append(Problem(label, "a position source needs its date", row_number(i), "position_as_of", ""))
    return problems


def _capacity_problems(frame: pd.DataFrame, *, label: str) -> list[Problem]:
    capacity, problems = parse_numbers(frame, "capacity", label=label, minimum=0)
    years, year_problems = parse_numbers(frame, "year", label=label, minimum=1900)
    problems += year_problems
    for i, (value, unit) in enumerate(zip(capacity, frame["capacity_unit"], strict=True)):
        if pd.notna(value) and not unit:
            problems.append(Problem(label, "a capacity needs its unit", row_number(i), "capacity_unit", ""))
    problems += [
        Problem(label, "year must be a whole year", row_number(i), "year", str(y))
        for i, y in enumerate(years)
        if pd.notna(y) and (y != int(y) or y > 2100)
    ]
    return problems


def _base_problems(bases: pd.DataFrame, zones: set[str], counties: set[str], sections: set[str]) -> list[Problem]:
    label = settings.DATA_FILES["recycling_bases"]
    problems = check_required(bases, ("kind", "status", "county_adcode"), label=label)
    problems += check_allowed(bases, "kind", ("pretreatment-base", "recycled-aluminium-plant"), label=label)
    problems += check_allowed(bases, "status", list(schema.ProjectStatus), label=label)
    problems += check_allowed(bases, "zone_id", zones, label=label, optional=True)
    problems += check_allowed(bases, "county_adcode", counties, label=label)
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


def _position_problems(raw: RawData) -> list[Problem]:
    """A point must lie in (or within its uncertainty of) the counties its record names.

    Checked in a metric CRS (UTM 48N) because it is a plausibility test with a tolerance;
    distances shown to users are geodesic.
    """
    counties = raw.boundaries["counties"]
    if counties.empty or counties.crs is None:
        return []
    metric = counties.set_index("adcode").geometry.to_crs(settings.LOCAL_METRIC_CRS)
    problems = []
    for name, column in [
        ("zones", "county_adcodes"),
        ("deposits", "county_adcodes"),
        ("projects", "county_adcode"),
        ("recycling_bases", "county_adcode"),
    ]:
        frame = raw.tables[name]
        lon, _ = parse_numbers(frame, "lon", label=name)
        lat, _ = parse_numbers(frame, "lat", label=name)
        radius, _ = parse_numbers(frame, "uncertainty_km", label=name)
        points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=settings.STORAGE_CRS).to_crs(settings.LOCAL_METRIC_CRS)
        for i, codes in enumerate(frame[column]):
            wanted = [c.strip() for c in codes.split(schema.LIST_SEPARATOR) if c.strip() in metric.index]
            if not wanted or pd.isna(lon.iloc[i]) or pd.isna(lat.iloc[i]):
                continue
            gap_km = min(metric[c].distance(points.iloc[i]) for c in wanted) / 1000
            allowed_km = 0.0 if pd.isna(radius.iloc[i]) else float(radius.iloc[i])
            if gap_km > allowed_km + 0.05:
                problems.append(
                    Problem(
                        settings.DATA_FILES[name],
                        f"position is {gap_km:.1f} km outside its county {codes} (uncertainty {allowed_km:g} km)",
                        row_number(i),
                        "lon",
                        f"{lon.iloc[i]}, {lat.iloc[i]}",
                    )
                )
    return problems


def check_record_fields(frame: pd.DataFrame, *, label: str, section_ids: set[str]) -> list[Problem]:
    """Fields every record carries: id, names, source and as_of, unique ids, citable sources."""
    problems = check_required(frame, schema.RECORD_COLUMNS, label=label)
    problems += check_unique(frame, "id", label=label)
    problems += check_as_of(frame, label=label)
    problems += check_sources(frame, label=label, section_ids=section_ids)
    return problems


def check_sources(frame: pd.DataFrame, *, label: str, section_ids: set[str], column: str = "source") -> list[Problem]:
    """Each ' ; '-separated part of a source is a URL or a policy section id that exists."""
    problems = []
    for i, raw in enumerate(frame[column]):
        for part in (p.strip() for p in raw.split(" ; ") if p.strip()):
            if URL_PATTERN.match(part):
                continue
            if SECTION_PATTERN.match(part):
                if section_ids and part not in section_ids:
                    problems.append(Problem(label, "policy section not in sections.csv", row_number(i), column, part))
                continue
            problems.append(
                Problem(
                    label, "source must be a URL or a policy section id such as II.(3)", row_number(i), column, part
                )
            )
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
    for i in range(len(frame)):
        x, y = lon.iloc[i], lat.iloc[i]
        if pd.isna(x) or pd.isna(y):
            continue
        if south <= x <= north and west <= y <= east:
            problems.append(Problem(label, "lon and lat look swapped", row_number(i), "lon", f"{x}, {y}"))
        elif not (west <= x <= east and south <= y <= north):
            problems.append(
                Problem(
                    label, f"position is outside Guizhou {settings.GUIZHOU_BOUNDS}", row_number(i), "lon", f"{x}, {y}"
                )
            )
    return problems
