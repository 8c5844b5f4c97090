"""`atlas db init|migrate|load`: set up the shared PostgreSQL + PostGIS registry from the shipped data.

`load` records the data release it loads (as `atlas data upgrade` does), so later releases merge into it.
"""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable
from typing import Any, Final

import psycopg

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.data.release import read_release
from atlas.registry.db_schema import applied_migrations, apply_migrations, pending_migrations
from atlas.registry.postgis import PostgisStore, connect, describe_url
from atlas.registry.store import EMPTY_VERSION, PROJECTS_LABEL, projects_from_csv_bytes, release_message

COMMANDS: Final[frozenset[str]] = frozenset({"db"})
"""Subcommand names this module registers and runs."""

ACTIONS: Final[tuple[str, ...]] = ("init", "migrate", "load")


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add `atlas db ...` to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser("db", help="set up the shared registry database (ATLAS_DATABASE_URL)")
    p.add_argument(
        "action",
        choices=ACTIONS,
        help="init: create the schema; migrate: apply new migrations; load: copy data/projects/projects.csv in",
    )
    p.add_argument("--replace", action="store_true", help="load: add the file as a new version of a non-empty registry")
    p.add_argument("--author", default="", help="load: who the new version is recorded as (default: login name)")
    formats(p, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    """Run one `atlas db` action; every failure is one `AtlasError` line (exit 2)."""
    url = settings.database_url()
    if not url:
        raise AtlasError("ATLAS_DATABASE_URL is not set: point it at a postgresql:// URL to use a shared registry")
    where = describe_url(url)
    if args.action == "load":
        report = _load(url, replace=args.replace, author=args.author or _login())
    else:
        report = _migrate(url, initialising=args.action == "init")
    report = {"database": where, "action": args.action, **report}
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(report["summary"])
    return 0


def _migrate(url: str, *, initialising: bool) -> dict[str, Any]:
    where = describe_url(url)
    with connect(url) as conn:
        conn.autocommit = True  # each migration runs in its own explicit transaction
        try:
            before = applied_migrations(conn)
            if before is None and not initialising:
                raise AtlasError(f"the registry database {where} is not initialised: run `atlas db init` first")
            applied = apply_migrations(conn)
            left = [m.name for m in pending_migrations(conn)]
        except psycopg.Error as exc:  # the failing migration was rolled back as a whole
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            raise AtlasError(f"migrating the registry database {where} failed: {reason}") from exc
    if applied:
        summary = f"{where}: applied {len(applied)} migration(s): {', '.join(applied)}"
    else:
        summary = f"{where}: schema is up to date ({len(before or [])} migration(s) applied earlier)"
    return {"applied": applied, "pending": left, "summary": summary}


def _load(url: str, *, replace: bool, author: str) -> dict[str, Any]:
    """Copy the data folder's projects.csv in as the first (or, with `replace`, the next) version."""
    path = settings.data_dir() / PROJECTS_LABEL
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AtlasError(f"cannot read {path}: {exc.strerror or exc}") from exc
    projects = projects_from_csv_bytes(data, label=str(path))
    store = PostgisStore(url, data_dir=settings.data_dir())
    history = store.history()
    base = history[0].version if history else EMPTY_VERSION
    if history and not replace:
        raise AtlasError(
            f"the registry database {describe_url(url)} already holds version {base} ({history[0].rows} projects, "
            f"saved by {history[0].author or 'unknown'} at {history[0].saved_at}); add --replace to load "
            f"{path} as a new version (every earlier version stays in the history)"
        )
    release = read_release(settings.data_dir()).release
    store.keep_release(release, data)  # the base of the next `atlas data upgrade`
    message = release_message(release, f"loaded from {path}")
    version = store.save(projects, base_version=base, author=author, message=message)
    summary = f"{describe_url(url)}: loaded {len(projects)} projects from {path} as version {version}"
    return {"version": version, "rows": len(projects), "source": str(path), "summary": summary}


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "atlas db load"
