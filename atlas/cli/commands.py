"""The `atlas` command: every job of the atlas without a browser."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

import atlas.cli.db as cli_db
import atlas.cli.planning as cli_planning
import atlas.cli.registry as cli_registry
import atlas.cli.site as cli_site
import atlas.cli.state as cli_state
import atlas.cli.users as cli_users
from atlas.analysis.aggregate import GROUP_BYS, summarise_projects
from atlas.analysis.profile import ZoneProfile, zone_profile
from atlas.analysis.query import Filters, check_filters, filtered_atlas
from atlas.core import settings
from atlas.core.errors import AtlasError, DataValidationError
from atlas.core.i18n import MISSING_MARK, localise_frame, record_labels
from atlas.core.messages import msg
from atlas.core.model import Atlas
from atlas.core.safe import neutralise_frame
from atlas.core.schema import Lang, Layer, label
from atlas.registry.startup import open_atlas, open_atlas_with_problems
from atlas.reports.export import (
    LAYER_FORMATS,
    PROFILE_FORMATS,
    layer_to_bytes,
    profile_to_bytes,
    write_bytes_atomically,
)

LISTING_FORMATS = ("table", "csv", "json")
REPORT_FORMATS = ("pdf", "html")
"""The printable one-page zone profile (with a static map and its sources)."""
TABLE_COLUMNS = {
    "zones": ("id", "name_{lang}", "kind", "prefecture_adcode", "position_precision", "uncertainty_km", "roles"),
    "projects": (
        "id",
        "name_{lang}",
        "stage",
        "status",
        "capacity",
        "capacity_unit",
        "zone_id",
        "county_adcode",
        "position_precision",
    ),
    "targets": (
        "id",
        "indicator_{lang}",
        "operator",
        "value",
        "unit",
        "target_year",
        "policy_section",
        "latest_value",
        "latest_year",
    ),
}
"""Columns an aligned terminal table shows (CSV and JSON carry every column)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (no usage dump), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"atlas: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="atlas", description="Guizhou Aluminium Cluster Atlas: data, summaries, exports, maps.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check the shipped data; exit 1 listing every problem")
    _formats(p, ("table", "json"))

    p = sub.add_parser("zones", help="zones with their policy roles")
    _formats(p, LISTING_FORMATS)
    _filters(p)

    p = sub.add_parser("projects", help="projects and enterprises")
    _formats(p, LISTING_FORMATS)
    _filters(p)

    p = sub.add_parser("aggregate", help="counts, capacity and investment by group")
    p.add_argument("--by", required=True, choices=GROUP_BYS)
    _formats(p, LISTING_FORMATS)
    _filters(p)

    p = sub.add_parser("targets", help="the policy's 2030 targets and latest known values")
    _formats(p, LISTING_FORMATS)

    p = sub.add_parser("export", help="write a layer or a zone profile to a file")
    what = p.add_subparsers(dest="what", required=True, parser_class=_Parser)
    layer = what.add_parser("layer", help="one layer as GeoJSON, GeoPackage or CSV")
    layer.add_argument("layer", choices=[str(v) for v in Layer])
    layer.add_argument("--format", required=True, choices=LAYER_FORMATS)
    layer.add_argument("-o", "--output", required=True, type=Path)
    _filters(layer)
    zone = what.add_parser("zone", help="a zone's profile (roles, projects, nearby resources, sources)")
    zone.add_argument("zone_id")
    zone.add_argument("--format", required=True, choices=(*PROFILE_FORMATS, *REPORT_FORMATS))
    zone.add_argument("-o", "--output", required=True, type=Path)
    zone.add_argument("--lang", choices=("zh", "en"), default="zh")
    zone.add_argument("--km", type=float, default=settings.NEARBY_KM_DEFAULT, help="radius of 'nearby' (km)")

    p = sub.add_parser("map", help="a standalone offline HTML map")
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--basemap", choices=("none", "osm", "tianditu", "amap"), default="none")
    _filters(p)

    cli_planning.register(sub, _formats, _filters)
    cli_site.register(sub, _filters)
    cli_registry.register(sub, _formats)
    cli_db.register(sub, _formats)
    cli_state.register(sub, _formats)
    cli_users.register(sub, _formats)
    return parser


def _formats(p: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    p.add_argument("--format", choices=choices, default="table")
    p.add_argument("--lang", choices=("zh", "en"), default="en")


def _filters(p: argparse.ArgumentParser) -> None:
    def csv_list(text: str) -> list[str]:
        return [v.strip() for v in text.split(",") if v.strip()]

    for flag, dest in [
        ("--cluster", "cluster"),
        ("--zone", "zone"),
        ("--prefecture", "prefecture"),
        ("--stage", "stage"),
        ("--status", "status"),
    ]:
        p.add_argument(
            flag, dest=dest, type=csv_list, action="extend", default=[], help="comma-separated ids (repeatable)"
        )
    p.add_argument("-q", "--text", default="", help="free text (Chinese, English or pinyin)")


def filters_from_args(args: argparse.Namespace) -> Filters:
    return Filters(
        cluster_types=tuple(getattr(args, "cluster", [])),
        zones=tuple(getattr(args, "zone", [])),
        prefectures=tuple(getattr(args, "prefecture", [])),
        stages=tuple(getattr(args, "stage", [])),
        statuses=tuple(getattr(args, "status", [])),
        text=getattr(args, "text", ""),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors become one line on stderr and a non-zero exit, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command in cli_registry.COMMANDS:
            return cli_registry.run(args)
        if args.command in cli_db.COMMANDS:
            return cli_db.run(args)
        if args.command in cli_state.COMMANDS:
            return cli_state.run(args)
        if args.command in cli_users.COMMANDS:
            return cli_users.run(args)
        atlas = open_atlas()
        if args.command in cli_planning.COMMANDS:
            return cli_planning.run(atlas, args)
        if args.command in cli_site.COMMANDS:
            return cli_site.run(atlas, args, filters_from_args(args))
        return _run(atlas, args)
    except DataValidationError as exc:
        print(f"atlas: error: the data in {settings.data_dir()} is invalid:\n{exc}", file=sys.stderr)
        return 1
    except AtlasError as exc:
        lang: Lang = getattr(args, "lang", "en")
        print(msg("cli_error", text=exc.text(lang)).text(lang), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `atlas zones | head`
        return 0


def _run(atlas: Atlas, args: argparse.Namespace) -> int:
    filters = filters_from_args(args)
    check_filters(atlas, filters)
    view = filtered_atlas(atlas, filters)
    if args.command == "zones":
        _emit(_zones_records(view), args, records=True)
    elif args.command == "projects":
        _emit(view.projects, args, names=record_labels(atlas, args.lang))
    elif args.command == "aggregate":
        _emit(summarise_projects(atlas, view.projects, by=args.by), args)
    elif args.command == "targets":
        _emit(atlas.targets, args)
    elif args.command == "export" and args.what == "layer":
        frame = _layer(view, args.layer)
        out = write_bytes_atomically(args.output, lambda: layer_to_bytes(frame, args.format, layer_name=args.layer))
        print(f"wrote {len(frame)} {args.layer} to {out}")
    elif args.command == "export" and args.what == "zone":
        profile = zone_profile(atlas, args.zone_id, nearby_km=args.km)
        out = write_bytes_atomically(args.output, lambda: _profile_bytes(atlas, profile, args.format, args.lang))
        print(f"wrote the {args.zone_id} profile to {out}")
    elif args.command == "map":
        from atlas.maps.atlas_map import build_atlas_map, map_to_html  # folium is only needed here

        html = map_to_html(build_atlas_map(view, lang=args.lang, basemap=args.basemap))
        out = write_bytes_atomically(args.output, lambda: html.encode("utf-8"))
        print(f"wrote the map ({len(view.zones)} zones, {len(view.projects)} projects) to {out}")
    return 0


def _profile_bytes(atlas: Atlas, profile: ZoneProfile, fmt: str, lang: Lang) -> bytes:
    from atlas.reports.profile_page import zone_profile_html
    from atlas.reports.profile_pdf import zone_profile_pdf  # fpdf2 and fonts only when asked for

    if fmt == "pdf":
        return zone_profile_pdf(atlas, profile, lang=lang)
    if fmt == "html":
        return zone_profile_html(atlas, profile, lang=lang).encode("utf-8")
    return profile_to_bytes(profile, fmt, lang=lang)  # type: ignore[arg-type]  # argparse checked the choice


def _validate(args: argparse.Namespace) -> int:
    _, problems = open_atlas_with_problems()
    errors = [p for p in problems if p.severity == "error"]
    if args.format == "json":
        print(
            json.dumps({"valid": not errors, "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2)
        )
    elif errors:
        print(f"{len(errors)} problem(s) in {settings.data_dir()}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
    else:
        print(f"ok: the data in {settings.data_dir()} is valid ({len(problems)} warning(s))")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if errors else 0


def _layer(atlas: Atlas, name: str) -> pd.DataFrame:
    frames: dict[str, pd.DataFrame] = {
        Layer.PROVINCE: atlas.province,
        Layer.PREFECTURES: atlas.prefectures,
        Layer.COUNTIES: atlas.counties,
        Layer.ZONES: atlas.zones,
        Layer.PROJECTS: atlas.projects,
        Layer.RECYCLING_BASES: atlas.recycling_bases,
        Layer.DEPOSITS: atlas.deposits,
    }
    return frames[name]


def _zones_records(atlas: Atlas) -> list[dict[str, Any]]:
    """Zones as JSON-ready dicts with their roles nested."""
    role_fields = [
        "kind",
        "cluster_type",
        "policy_section",
        "summary_zh",
        "summary_en",
        "product_focus_zh",
        "product_focus_en",
    ]
    records = []
    for _, zone in atlas.zones.iterrows():
        roles = atlas.zone_roles[atlas.zone_roles["zone_id"] == zone["id"]]
        record = {k: _plain(v) for k, v in zone.items() if k not in ("geometry", "search_text")}
        record["roles"] = [{k: (r[k] or None) for k in role_fields} for _, r in roles.iterrows()]
        records.append(record)
    return records


def _plain(value: Any) -> Any:
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def _emit(
    data: pd.DataFrame | list[dict[str, Any]],
    args: argparse.Namespace,
    *,
    records: bool = False,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Print a listing as an aligned table, Excel-safe CSV or JSON; ids shown by their `names` (not in JSON)."""
    lang: Lang = args.lang
    if args.format == "json":
        rows = (
            data
            if records
            else json.loads(
                pd.DataFrame(data)
                .drop(columns=["geometry", "search_text"], errors="ignore")
                .to_json(orient="records", force_ascii=False)
            )
        )
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    frame = pd.DataFrame(data)
    if records:
        frame["roles"] = frame["roles"].map(
            lambda rs: "; ".join(f"{label(r['cluster_type'] or r['kind'], lang)} ({r['policy_section']})" for r in rs)
        )
    if args.format == "csv":
        shown_csv = localise_frame(frame, lang, names=names)
        sys.stdout.write(neutralise_frame(shown_csv).to_csv(index=False, lineterminator="\r\n"))
        return
    compact = TABLE_COLUMNS.get(args.command)
    if compact is not None:
        frame = frame[[c.format(lang=lang) for c in compact]]
    shown = localise_frame(frame, lang, names=names)
    with pd.option_context("display.max_colwidth", 48, "display.width", 200):
        print(shown.to_string(index=False, na_rep=MISSING_MARK))
