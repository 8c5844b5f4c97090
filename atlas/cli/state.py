"""`atlas data status|upgrade`, `atlas backup` and `atlas restore`: the bureau's registry across upgrades."""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from atlas.core.errors import AtlasError
from atlas.core.messages import listing, msg
from atlas.core.schema import Lang
from atlas.registry.backup import restore_backup, write_backup
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore, describe_url
from atlas.registry.releases import conflict_summary, release_status, upgrade_registry
from atlas.registry.startup import open_store
from atlas.reports.export import write_bytes_atomically
from atlas.reports.release_report import CONFLICT_FORMATS, conflicts_to_bytes

COMMANDS: Final[frozenset[str]] = frozenset({"data", "backup", "restore"})
"""Subcommand names this module registers and runs."""


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add `atlas data ...`, `atlas backup` and `atlas restore` to the `atlas` parser."""
    p = sub.add_parser("data", help="the shipped data release the registry is based on; merge a newer one")
    p.add_argument("action", choices=("status", "upgrade"),
                   help="status: base release, bureau's changes, newer release?; upgrade: merge the shipped release")
    p.add_argument("--dry-run", action="store_true", help="upgrade: show what would change, save nothing")
    p.add_argument("--report", type=Path, help="upgrade: write the conflicts (both values) to FILE.csv or FILE.xlsx")
    formats(p, ("table", "json"))

    p = sub.add_parser("backup", help="one archive of the registry, its full history, releases and accounts")
    p.add_argument("-o", "--output", required=True, type=Path)
    formats(p, ("table", "json"))

    p = sub.add_parser("restore", help="restore a backup as a new registry version (history is never deleted)")
    p.add_argument("file", type=Path)
    p.add_argument("--author", default="", help="who the restored version is recorded as (default: login name)")
    formats(p, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    """Run one of this module's commands; every failure is an `AtlasError` (exit 2) or validation error (exit 1)."""
    store = open_store()
    assert isinstance(store, FileStore | PostgisStore)  # the two backends `open_store` opens
    if args.command == "backup":
        summary = write_backup(store, args.output)
        accounts = msg("backup_accounts", accounts=summary.accounts) if summary.accounts else ""
        return _emit(args, summary.__dict__, msg("backup_written", file=summary.file, version=summary.version,
                                                  rows=summary.rows, versions=summary.versions, accounts=accounts))
    if args.command == "restore":
        restored = restore_backup(store, args.file, author=args.author or _login())
        key = {"history": "restore_history", "unchanged": "restore_unchanged"}.get(restored.mode, "restore_done")
        lines = [msg(key, **{k: v for k, v in restored.__dict__.items() if k != "mode"})]
        if restored.accounts_added:
            lines.append(msg("restore_accounts_added", names=listing(restored.accounts_added)))
        if restored.accounts_kept:
            lines.append(msg("restore_accounts_kept", names=listing(restored.accounts_kept)))
        return _emit(args, restored.__dict__, *lines)
    if isinstance(store, FileStore) and store.seed_path is None:
        return _emit(args, {"in_place": True, "folder": str(store.folder)},
                     msg("release_in_place", folder=str(store.folder)))
    if args.action == "status":
        return _status(args, store)
    return _upgrade(args, store)


def _where(store: FileStore | PostgisStore) -> str:
    return str(store.folder) if isinstance(store, FileStore) else describe_url(store.url)


def _status(args: argparse.Namespace, store: FileStore | PostgisStore) -> int:
    status = release_status(store)
    changes = status.changes
    counts = {"added": "?", "changed": "?", "removed": "?"} if changes is None else {
        "added": len(changes.added), "changed": len(changes.changed), "removed": len(changes.removed)}
    lines = [msg("release_status", where=_where(store), base=status.base_release or "?", version=status.version,
                 **counts)]
    lines.append(msg("release_newer", release=status.shipped_release) if status.upgrade_available
                 else msg("release_current", release=status.shipped_release))
    report = {"registry": _where(store), "version": status.version, "base_release": status.base_release,
              "shipped_release": status.shipped_release, "upgrade_available": status.upgrade_available,
              "bureau": None if changes is None else changes.__dict__}
    return _emit(args, report, *lines)


def _upgrade(args: argparse.Namespace, store: FileStore | PostgisStore) -> int:
    fmt = args.report.suffix.lower().lstrip(".") if args.report else ""
    if args.report and fmt not in CONFLICT_FORMATS:
        raise AtlasError(msg("report_suffix", path=args.report))
    result = upgrade_registry(store, dry_run=args.dry_run)
    merge = result.merge
    if result.up_to_date:
        return _emit(args, {"release": result.release, "saved_version": None}, msg("upgrade_nothing",
                                                                                   release=result.release))
    conflicts = conflict_summary(merge.conflicts)
    if args.report:
        write_bytes_atomically(args.report, lambda: conflicts_to_bytes(merge.conflicts, fmt))
    head = msg("upgrade_summary", base=result.base_release, release=result.release, updated=len(merge.updated),
               added=len(merge.added), retired=len(merge.retired), conflicts=len(conflicts))
    tail = msg("upgrade_saved", version=result.saved_version) if result.saved_version else msg("upgrade_dry_run")
    lines: list[object] = [_Joined(head, tail)]
    lines += [msg("conflict_line", id=c["id"], what=f"{c['conflict']} ({', '.join(c['columns'])})")
              for c in conflicts]
    if args.report:
        lines.append(msg("report_written", path=str(args.report)))
    report = {"base_release": result.base_release, "release": result.release, "saved_version": result.saved_version,
              "dry_run": bool(args.dry_run), "updated": merge.updated, "added": merge.added, "retired": merge.retired,
              "conflicts": conflicts, "report": str(args.report) if args.report else None}
    return _emit(args, report, *lines)


class _Joined:
    """Two messages shown as one line."""

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def text(self, lang: Lang) -> str:
        return "".join(p.text(lang) for p in self.parts)


def _emit(args: argparse.Namespace, report: dict[str, Any], *lines: Any) -> int:
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            print(line.text(args.lang))
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "atlas"

