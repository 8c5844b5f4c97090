"""`atlas` subcommands for planning analysis: chain gaps, proximity, comparison, data quality."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, Final

import pandas as pd

from atlas.analysis.compare import compare_zones, comparison_records, comparison_table
from atlas.analysis.gaps import gap_cells_for_file, gap_matrix_long, gap_matrix_text
from atlas.analysis.proximity import nearby_zone, zones_near_deposit
from atlas.analysis.quality import FLAGS, flag_counts, flag_label, quality_flags
from atlas.analysis.targets import responsibilities_table
from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.i18n import MISSING_MARK, localise_frame
from atlas.core.model import Atlas
from atlas.core.safe import neutralise_frame

COMMANDS: Final[frozenset[str]] = frozenset({"gaps", "nearby", "compare", "quality", "responsibilities"})
"""Subcommand names this module registers and runs."""
UNCERTAINTY_RULE: Final[str] = (
    "uncertainty_km = both ends' position uncertainty added; match 'within' = distance <= km (inclusive), "
    "'possibly-within' = distance > km but distance - uncertainty <= km"
)


def register(
    sub: Any,
    formats: Callable[..., None],
    filters: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the planning subcommands to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser("gaps", help="chain-gap matrix: zones x chain stages per cluster type")
    p.add_argument(
        "--cluster", action="append", default=[], metavar="ID", help="cluster type id (repeatable; default: all)"
    )
    formats(p, ("table", "csv", "json"))

    p = sub.add_parser(
        "nearby", help="deposits, recycling bases and projects within N km of a zone (or zones near a deposit)"
    )
    p.add_argument("zone_id", nargs="?", help="the zone at the centre")
    p.add_argument("--deposit", metavar="ID", help="instead: the zones near this deposit")
    p.add_argument("--km", type=float, default=settings.NEARBY_KM_DEFAULT, help="radius in km, inclusive")
    p.add_argument("--within-only", action="store_true", help="leave out items only possibly within the radius")
    formats(p, ("table", "csv", "json"))

    p = sub.add_parser("compare", help="2 to 5 zones side by side")
    p.add_argument("zone_ids", nargs="+", metavar="ZONE_ID")
    p.add_argument("--km", type=float, default=settings.NEARBY_KM_DEFAULT, help="radius of 'nearby' (km)")
    formats(p, ("table", "csv", "json"))

    p = sub.add_parser("quality", help="data-quality flags: positions, missing figures, mirror sources, unfilled roles")
    p.add_argument("--flag", action="append", default=[], metavar="FLAG", help="only this flag (repeatable)")
    formats(p, ("table", "csv", "json"))

    p = sub.add_parser("responsibilities", help="which departments answer for each policy section (lead first)")
    p.add_argument("--department", metavar="ID", help="only this department's sections")
    formats(p, ("table", "csv", "json"))


def run(atlas: Atlas, args: argparse.Namespace) -> int:
    """Run one planning subcommand on the loaded atlas; return the exit status."""
    if args.command == "gaps":
        return _gaps(atlas, args)
    if args.command == "nearby":
        return _nearby(atlas, args)
    if args.command == "compare":
        return _compare(atlas, args)
    if args.command == "quality":
        return _quality(atlas, args)
    if args.command == "responsibilities":
        return _responsibilities(atlas, args)
    raise AssertionError(f"not a planning command: {args.command}")


def _gaps(atlas: Atlas, args: argparse.Namespace) -> int:
    long = gap_matrix_long(atlas, cluster_types=args.cluster or None)
    if args.format == "json":
        columns = ["zone", "cluster_type", "stage", "assigned", "state", "project_ids"]
        cells = [
            {"zone": z, "cluster_type": c, "stage": s, "assigned": bool(a), "state": st, "project_ids": list(ids)}
            for z, c, s, a, st, ids in long[columns].itertuples(index=False)
        ]
        _print_json(cells)
    elif args.format == "csv":
        _print_csv(gap_cells_for_file(long, args.lang))
    else:
        print("\n\n".join(gap_matrix_text(long, str(c), args.lang) for c in dict.fromkeys(long["cluster_type"])))
    return 0


def _nearby(atlas: Atlas, args: argparse.Namespace) -> int:
    if (args.zone_id is None) == (args.deposit is None):
        raise AtlasError("nearby needs a ZONE_ID or --deposit ID (not both)")
    possible = not args.within_only
    origin: dict[str, str]
    if args.deposit is not None:
        origin = {"deposit": args.deposit}
        found = zones_near_deposit(atlas, args.deposit, km=args.km, include_possible=possible)
    else:
        origin = {"zone": args.zone_id}
        found = nearby_zone(atlas, args.zone_id, km=args.km, include_possible=possible)
    if args.format == "json":
        items = [
            {"id": i, "layer": layer, "distance_km": d, "uncertainty_km": u, "match": m}
            for i, layer, d, u, m in found[["id", "layer", "distance_km", "uncertainty_km", "match"]].itertuples(
                index=False
            )
        ]
        _print_json({**origin, "km": args.km, "uncertainty": UNCERTAINTY_RULE, "items": items})
    elif args.format == "csv":
        _print_csv(localise_frame(found, args.lang, value_columns=("layer",)))
    else:
        shown = found.assign(distance_km=found["distance_km"].round(1), uncertainty_km=found["uncertainty_km"].round(1))
        shown = shown.drop(columns=["lon", "lat", "name_zh" if args.lang == "en" else "name_en"])
        ((kind, record_id),) = origin.items()
        print(f"within {args.km:g} km of {kind} {record_id} (geodesic, WGS84): {len(found)} item(s)")
        if len(shown):
            print(shown.to_string(index=False, na_rep=MISSING_MARK))
        print(UNCERTAINTY_RULE)
    return 0


def _compare(atlas: Atlas, args: argparse.Namespace) -> int:
    comparison = compare_zones(atlas, args.zone_ids, km=args.km)
    if args.format == "json":
        _print_json(comparison_records(comparison))
        return 0
    table = comparison_table(comparison, atlas, args.lang)
    if args.format == "csv":
        _print_csv(table)
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 250):
            print(table.to_string(index=False, na_rep=MISSING_MARK))
    return 0


def _quality(atlas: Atlas, args: argparse.Namespace) -> int:
    flags = quality_flags(atlas)
    unknown = [f for f in args.flag if f not in set(FLAGS)]
    if unknown:
        raise AtlasError(f"unknown flag {unknown[0]!r}; valid: {', '.join(FLAGS)}")
    if args.flag:
        flags = flags[flags["flag"].isin(args.flag)]
    columns = ["layer", "id", "flag", "detail_zh", "detail_en"]
    if args.format == "json":
        _print_json(flags[columns].to_dict("records"))
    elif args.format == "csv":
        _print_csv(flags[columns])
    else:
        counts = flag_counts(flags).set_index("flag")["total"]
        print("; ".join(f"{flag_label(str(f), args.lang)}: {n}" for f, n in counts.items()))
        shown = flags.assign(flag=flags["flag"].map(lambda f: flag_label(f, args.lang)))
        with pd.option_context("display.max_colwidth", 110, "display.width", 250):
            print(shown[["layer", "id", "flag", f"detail_{args.lang}"]].to_string(index=False, na_rep=MISSING_MARK))
    return 0


def _responsibilities(atlas: Atlas, args: argparse.Namespace) -> int:
    table = responsibilities_table(atlas, department=args.department)
    if args.format == "json":
        _print_json(table.to_dict("records"))
    elif args.format == "csv":
        _print_csv(localise_frame(table, args.lang))
    else:
        lang = args.lang
        shown = table[["policy_section", f"section_title_{lang}", "department_id", f"department_name_{lang}", "lead"]]
        with pd.option_context("display.max_colwidth", 60, "display.width", 250):
            print(shown.to_string(index=False, na_rep=MISSING_MARK))
    return 0


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))


def _print_csv(frame: pd.DataFrame) -> None:
    sys.stdout.write(neutralise_frame(frame).to_csv(index=False))
