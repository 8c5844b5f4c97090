"""`atlas import FILE`: check a bureau's project list, report every problem, append the valid rows to the registry."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from atlas.cli.progress import Progress
from atlas.core.errors import AtlasError
from atlas.core.messages import msg
from atlas.core.schema import Lang
from atlas.data.load import load_atlas
from atlas.geo.datum import SourceCrs
from atlas.importer.options import ImportOptions, options_from_json, options_to_json
from atlas.importer.project_list import import_registry
from atlas.registry.startup import open_store
from atlas.reports.export import write_bytes_atomically
from atlas.reports.import_report import REPORT_FORMATS, report_to_bytes

COMMANDS: Final[frozenset[str]] = frozenset({"import"})
PARALLEL_MIN_BYTES: Final[int] = 5 * 1024 * 1024
"""Subcommand names this module registers and runs (they load what they need themselves)."""


def _mapping(text: str) -> tuple[str, str]:
    header, sep, column = text.rpartition("=")
    if not sep or not header.strip():
        raise argparse.ArgumentTypeError(f"--map needs HEADER=column, got {text!r}")
    return header.strip(), column.strip()


def _setting(text: str) -> tuple[str, str]:
    column, sep, value = text.partition("=")
    if not sep or not column.strip():
        raise argparse.ArgumentTypeError(f"--set needs COLUMN=VALUE, got {text!r}")
    return column.strip(), value.strip()


def _value_mapping(text: str) -> tuple[str, str, str]:
    column, sep, rest = text.partition(":")
    word, sep2, value = rest.rpartition("=")
    if not (sep and sep2 and column.strip() and word.strip()):
        raise argparse.ArgumentTypeError(f"--map-value needs COLUMN:TEXT=VALUE, got {text!r}")
    return column.strip(), word.strip(), value.strip()


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add the registry subcommands to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser(
        "import",
        help="check a project list (CSV/XLSX) and add its valid rows to the registry",
        description="Exit 0 when the file was read (even with rejected rows); 2 when it cannot be read at all. "
                    "A local file of any size is read in chunks (a progress bar on a terminal's stderr).",
    )
    p.add_argument("file", type=Path, help="CSV (UTF-8, UTF-8 BOM or GBK/GB18030) or XLSX")
    p.add_argument("--crs", choices=[c.value for c in SourceCrs], default=None,
                   help="datum the coordinates were copied in: wgs84 (GPS, OSM, Tianditu; the default), "
                        "gcj02 (AMap/高德, Tencent), bd09 (Baidu)")
    p.add_argument("--dry-run", action="store_true", help="check and report only; save nothing")
    p.add_argument("--report", type=Path, help="write the problems and rejected rows here (.csv or .xlsx)")
    p.add_argument("--map", dest="mapping", type=_mapping, action="append", default=[], metavar="HEADER=column",
                   help="read a column with an unknown header into a project column (repeatable; column 'ignore' "
                        "drops it, 'lonlat' splits a 'lon, lat' cell, 'place' reads a place name)")
    p.add_argument("--map-value", dest="value_mapping", type=_value_mapping, action="append", default=[],
                   metavar="COLUMN:TEXT=VALUE",
                   help="read the file's own word for a value, in every row (repeatable), "
                        "e.g. 'stage:铝精深加工=deep-processing-products'")
    p.add_argument("--set", dest="settings", type=_setting, action="append", default=[], metavar="COLUMN=VALUE",
                   help="a value for a column's empty cells and for a missing column, for the whole file "
                        "(repeatable), e.g. --set stage=再生铝 --set status=在建")
    p.add_argument("--mapping", dest="mapping_file", type=Path, metavar="FILE",
                   help="a mapping file (JSON: columns, values, set, source, crs) saved from the app or "
                        "--save-mapping; flags on the command line win")
    p.add_argument("--save-mapping", type=Path, metavar="FILE",
                   help="write the mapping used (file + flags) here, for next month's list")
    p.add_argument("--source", default="", help="source (URL or policy section id) for rows that give none")
    p.add_argument("--author", default="", help="who the saved version is recorded as (default: login name)")
    p.add_argument("--max-bytes", type=_count, default=None, help="refuse a larger file (default: no limit)")
    p.add_argument("--max-rows", type=_count, default=None, help="refuse a file with more rows (default: no limit)")
    p.add_argument("--workers", type=_count, default=None,
                   help="processes reading rows in parallel (default: one per core for files over 5 MB)")
    formats(p, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    """Run one registry subcommand; return the exit status."""
    if args.command != "import":
        raise AssertionError(f"not a registry command: {args.command}")
    return _import(args)


def _options(args: argparse.Namespace) -> ImportOptions:
    """The mapping file's choices with the command line's on top."""
    base = ImportOptions()
    if args.mapping_file is not None:
        base = options_from_json(_read_small(args.mapping_file), filename=str(args.mapping_file))
    values: dict[str, dict[str, str]] = {}
    for column, word, value in args.value_mapping:
        values.setdefault(column, {})[word] = value
    flags = ImportOptions(columns=dict(args.mapping), values=values, defaults=dict(args.settings),
                          source=args.source, crs=args.crs or "")
    return base.merged(flags)


def _read_small(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AtlasError(msg("file_missing", file=str(path))) from None
    except OSError as exc:
        raise AtlasError(msg("file_unreadable", file=str(path), reason=exc.strerror)) from None


def _import(args: argparse.Namespace) -> int:
    lang: Lang = args.lang
    report_format = args.report.suffix.lower().lstrip(".") if args.report else ""
    if args.report and report_format not in REPORT_FORMATS:
        raise AtlasError(msg("report_suffix", path=args.report))
    options = _options(args)
    store = open_store()
    existing, version = store.read()
    with Progress(sys.stderr) as progress:
        result = import_registry(
            args.file,
            filename=args.file.name,
            crs=options.crs or SourceCrs.WGS84.value,
            atlas=load_atlas(projects=existing),
            column_map=options.columns,
            value_map=options.values,
            defaults=options.defaults,
            max_bytes=args.max_bytes,
            max_rows=args.max_rows,
            default_source=options.source,
            existing=existing,
            progress=progress.update,
            workers=args.workers or _auto_workers(args.file),
        )
    if args.save_mapping:
        write_bytes_atomically(args.save_mapping, lambda: options_to_json(options))
    if args.report:
        report = report_to_bytes(result, report_format, lang=lang)  # type: ignore[arg-type]  # suffix checked
        write_bytes_atomically(args.report, lambda: report)
    summary = {**result.summary(lang), "dry_run": bool(args.dry_run), "saved_version": None,
               "report": str(args.report) if args.report else None}
    accepted = result.accepted
    del result  # a million rows' problems and rejected cells are not needed for the save
    if not args.dry_run and len(accepted):
        combined = pd.concat([existing.astype(accepted.dtypes.to_dict()), accepted], ignore_index=True)
        del existing, accepted
        author = args.author or _login()
        summary["saved_version"] = store.save(combined, base_version=version, author=author,
                                              message=f"import {args.file.name}")
    if args.format == "json":
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_table(summary, lang)
    return 0


def _auto_workers(path: Path) -> int:
    """One reading process per core (at most 4) for a big file; a small one is read faster in this process."""
    try:
        big = path.stat().st_size > PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return min(os.cpu_count() or 1, 4) if big else 1


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "atlas"


def _print_table(summary: dict[str, Any], lang: Lang) -> None:
    head = msg("import_summary", file=summary["file"], rows=summary["rows_read"], accepted=summary["accepted"],
               rejected=summary["rejected"], crs=summary["crs"]).text(lang)
    if summary["dry_run"]:
        head += msg("import_dry_run").text(lang)
    elif summary["saved_version"]:
        head += msg("import_saved", version=summary["saved_version"]).text(lang)
    else:
        head += msg("import_nothing_to_save").text(lang)
    print(head)
    for p in summary["problems"]:
        where = msg("line_row", row=p["row"]) if p["row"] is not None else msg("line_file")
        column = msg("line_column", column=p["column"]) if p["column"] else ""
        value = msg("line_value", value=p["value"]) if p["value"] not in (None, "") else ""
        print(msg("import_line", severity=msg(f"severity_{p['severity']}"), where=where, column=column, value=value,
                  message=p["message"]).text(lang))
    if summary["report"]:
        print(msg("report_written", path=summary["report"]).text(lang))
    sys.stdout.flush()
