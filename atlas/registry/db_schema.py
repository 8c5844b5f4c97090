"""The registry database's schema: committed SQL migrations, applied in order and recorded once each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg

MIGRATIONS_DIR: Final[Path] = Path(__file__).resolve().parent / "migrations"
"""``NNN_name.sql`` files; a migration is never edited once shipped, a change is a new file."""

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
MIGRATION_LOCK_KEY: Final[int] = 7_311_520_000
"""Advisory lock id: two `atlas db migrate` at once apply each migration once, one after the other."""


@dataclass(frozen=True)
class Migration:
    """One committed SQL file."""

    name: str
    sql: str


def shipped_migrations() -> list[Migration]:
    """The migrations in `MIGRATIONS_DIR`, in their numeric order."""
    files = sorted(p for p in MIGRATIONS_DIR.glob("*.sql") if _MIGRATION_NAME.match(p.name))
    return [Migration(p.stem, p.read_text(encoding="utf-8")) for p in files]


def applied_migrations(conn: psycopg.Connection[Any]) -> list[str] | None:
    """Names of the applied migrations, or None when the database was never initialised."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def pending_migrations(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Shipped migrations not yet applied (all of them on a fresh database)."""
    done = set(applied_migrations(conn) or [])
    return [m for m in shipped_migrations() if m.name not in done]


def apply_migrations(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply every pending migration, each in its own transaction with its record; return their names."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
    for migration in shipped_migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", (migration.name,)).fetchone()
            if done:
                continue
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (migration.name,))
            applied.append(migration.name)
    return applied
