"""`atlas import FILE`: check a bureau's project list, report every problem, append the valid rows to the registry."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.data.load import load_atlas
from atlas.geo.datum import SourceCrs
from atlas.importer.project_list import import_registry
from atlas.registry.startup import open_store
from atlas.reports.export import write_bytes_atomically
from atlas.reports.import_report import REPORT_FORMATS, report_to_bytes

COMMANDS: Final[frozenset[str]] = frozenset({"import"})
"""Subcommand names this module registers and runs (they load what they need themselves)."""


def _mapping(text: str) -> tuple[str, str]:
    header, sep, column = text.rpartition("=")
    if not sep or not header.strip():
        raise argparse.ArgumentTypeError(f"--map needs HEADER=column, got {text!r}")
    return header.strip(), column.strip()


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add the registry subcommands to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser(
        "import",
        help="check a project list (CSV/XLSX) and add its valid rows to the registry",
        description="Exit 0 when the file was read (even with rejected rows); 2 when it cannot be read at all.",
    )
    p.add_argument("file", type=Path, help="CSV (UTF-8, UTF-8 BOM or GBK/GB18030) or XLSX")
    p.add_argument("--crs", choices=[c.value for c in SourceCrs], default=SourceCrs.WGS84.value,
                   help="datum the coordinates were copied in: wgs84 (GPS, OSM, Tianditu), "
                        "gcj02 (AMap/高德, Tencent), bd09 (Baidu)")
    p.add_argument("--dry-run", action="store_true", help="check and report only; save nothing")
    p.add_argument("--report", type=Path, help="write the problems and rejected rows here (.csv or .xlsx)")
    p.add_argument("--map", dest="mapping", type=_mapping, action="append", default=[], metavar="HEADER=column",
                   help="read a column with an unknown header into a project column (repeatable; column 'ignore' "
                        "drops it, 'lonlat' splits a 'lon, lat' cell)")
    p.add_argument("--source", default="", help="source (URL or policy section id) for rows that give none")
    p.add_argument("--author", default="", help="who the saved version is recorded as (default: login name)")
    formats(p, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    """Run one registry subcommand; return the exit status."""
    if args.command != "import":
        raise AssertionError(f"not a registry command: {args.command}")
    return _import(args)


def _read_file(path: Path) -> bytes:
    limit = settings.import_max_bytes()
    if not path.exists():
        raise AtlasError(f"{path}: no such file")
    if path.is_dir():
        raise AtlasError(f"{path}: is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > limit:
            raise AtlasError(f"{path.name}: the file is {size:,} bytes, over the import limit of {limit:,} bytes "
                             "(ATLAS_IMPORT_MAX_BYTES)")
        return path.read_bytes()
    except OSError as exc:
        raise AtlasError(f"{path}: cannot read it ({exc.strerror})") from None


def _import(args: argparse.Namespace) -> int:
    report_format = args.report.suffix.lower().lstrip(".") if args.report else ""
    if args.report and report_format not in REPORT_FORMATS:
        raise AtlasError(f"--report {args.report}: the file name must end in .csv or .xlsx")
    data = _read_file(args.file)
    store = open_store()
    existing, version = store.read()
    result = import_registry(
        data,
        filename=args.file.name,
        crs=args.crs,
        atlas=load_atlas(projects=existing),
        column_map=dict(args.mapping),
        default_source=args.source,
        existing=existing,
    )
    saved = None
    if not args.dry_run and len(result.accepted):
        combined = pd.concat([existing, result.accepted], ignore_index=True)
        author = args.author or _login()
        saved = store.save(combined, base_version=version, author=author, message=f"import {args.file.name}")
    if args.report:
        write_bytes_atomically(args.report, lambda: report_to_bytes(result, report_format))  # type: ignore[arg-type]
    summary = {**result.summary(), "dry_run": bool(args.dry_run), "saved_version": saved,
               "report": str(args.report) if args.report else None}
    if args.format == "json":
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_table(summary)
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "atlas"


def _print_table(summary: dict[str, Any]) -> None:
    head = (f"{summary['file']}: {summary['rows_read']} row(s) read, {summary['accepted']} accepted, "
            f"{summary['rejected']} rejected (coordinates read as {summary['crs']})")
    if summary["dry_run"]:
        head += "; dry run, nothing saved"
    elif summary["saved_version"]:
        head += f"; saved as registry version {summary['saved_version']}"
    else:
        head += "; nothing to save"
    print(head)
    for p in summary["problems"]:
        where = f"row {p['row']}" if p["row"] is not None else "file"
        column = f", {p['column']}" if p["column"] else ""
        value = f" {p['value']!r}" if p["value"] not in (None, "") else ""
        print(f"  {p['severity']:<7} {where}{column}{value}: {p['message']}")
    if summary["report"]:
        print(f"report written to {summary['report']}")
    sys.stdout.flush()
