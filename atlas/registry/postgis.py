"""The shared registry: PostgreSQL 15 + PostGIS, for several users editing on a bureau's intranet server.

Every save is one transaction: lock the one-row `registry_head` (SELECT ... FOR UPDATE), compare it
with the version the editor started from, check every row's `row_version` against that version's
snapshot, then replace `projects`, recount the map's cells (`project_cells`, migration 003), append the
new snapshot to `projects_history` and move the head.
A client killed mid-save leaves an aborted transaction: the database stays at the previous version.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from atlas.core import schema, settings
from atlas.core.errors import AtlasError
from atlas.core.messages import msg
from atlas.registry.db_schema import applied_migrations, pending_migrations
from atlas.registry.store import RegistryConflict, RegistryVersion, normalise_projects, validate_projects

CONNECT_TIMEOUT_S: Final[int] = 10
COLUMNS: Final[tuple[str, ...]] = schema.PROJECT_COLUMNS
_COLUMN_LIST = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)


def describe_url(url: str) -> str:
    """``host:port/dbname`` of a connection URL, never its password (for messages and logs)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unparsable ATLAS_DATABASE_URL)"
    host = parts.get("host") or parts.get("hostaddr") or "localhost"
    port = parts.get("port") or "5432"
    return f"{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection, or one `AtlasError` naming the server (not the password) and why it failed."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise AtlasError(f"ATLAS_DATABASE_URL must be a postgresql:// URL, got {describe_url(url)}")
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, application_name="guizhou-atlas")
    except psycopg.Error as exc:
        reason = (str(exc).strip().splitlines() or ["no reason given"])[-1]
        raise AtlasError(f"cannot reach the registry database {describe_url(url)}: {reason}") from exc


class PostgisStore:
    """The project registry in PostgreSQL + PostGIS; other atlas tables still come from `data_dir`."""

    def __init__(self, url: str, *, data_dir: Path | None = None) -> None:
        self.url = url
        self.data_dir = data_dir or settings.data_dir()

    def __repr__(self) -> str:
        return f"PostgisStore({describe_url(self.url)!r})"

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        """A checked connection: schema present and up to date; database errors become one line."""
        where = describe_url(self.url)
        conn = connect(self.url)
        try:
            if applied_migrations(conn) is None:
                raise AtlasError(f"the registry database {where} is not initialised: run `atlas db init`")
            if pending_migrations(conn):
                raise AtlasError(f"the registry database {where} needs migrating: run `atlas db migrate`")
            conn.commit()
            yield conn
        except psycopg.Error as exc:
            raise database_error(where, exc) from exc
        finally:
            conn.close()

    # --- reading ---------------------------------------------------------------------------

    def read(self) -> tuple[pd.DataFrame, str]:
        """The current projects (text cells) and the current version, from one snapshot."""
        with self._session() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            head = _head(conn)
            query = sql.SQL("SELECT {} FROM projects ORDER BY row_no").format(_COLUMN_LIST)
            frame = _frame(conn.execute(query).fetchall())
            conn.commit()
        return frame, str(head)

    def stamp(self) -> str:
        """The head version number: one small query, without the schema checks of a full session."""
        where = describe_url(self.url)
        with contextlib.closing(connect(self.url)) as conn:
            try:
                return str(_head(conn))
            except psycopg.Error as exc:
                raise database_error(where, exc) from exc

    def history(self) -> list[RegistryVersion]:
        """Every saved version, newest first."""
        with self._session() as conn:
            rows = conn.execute(
                "SELECT v.version, v.saved_at, v.author, v.message, v.row_count FROM registry_versions v "
                "WHERE v.version <= (SELECT version FROM registry_head) ORDER BY v.version DESC"
            ).fetchall()
        return [_version(row) for row in rows]

    def read_version(self, version: str) -> pd.DataFrame:
        """The projects as saved in `version` ("0" is the empty registry before the first save)."""
        number = _version_number(version)
        if number == 0:
            return _frame([])
        with self._session() as conn:
            if not conn.execute("SELECT 1 FROM registry_versions WHERE version = %s", (number,)).fetchone():
                raise AtlasError(f"registry database {describe_url(self.url)}: no version {version!r}")
            query = sql.SQL("SELECT {} FROM projects_history WHERE version = %s ORDER BY row_no").format(_COLUMN_LIST)
            return _frame(conn.execute(query, (number,)).fetchall())

    # --- writing ---------------------------------------------------------------------------

    def save(self, projects: pd.DataFrame, *, base_version: str, author: str, message: str) -> str:
        """Validate, then in one transaction check versions, write rows, snapshot and head; return the version."""
        frame = validate_projects(projects, self.data_dir)
        with self._session() as conn, conn.transaction():
            head = conn.execute("SELECT version FROM registry_head FOR UPDATE").fetchone()
            current = int(head[0]) if head else 0
            if str(current) != base_version:
                raise RegistryConflict(base_version=base_version, current=_describe(conn, current))
            before = _current_rows(conn)
            _check_row_versions(conn, current, before, base_version)
            new = current + 1
            conn.execute(
                "INSERT INTO registry_versions (version, author, message, row_count) VALUES (%s, %s, %s, %s)",
                (new, author, message, len(frame)),
            )
            conn.execute("DELETE FROM projects")
            _insert_rows(conn, frame, before, new)
            conn.execute("SELECT refresh_project_cells()")  # the map's cell counts move with the rows
            conn.execute(
                sql.SQL(
                    "INSERT INTO projects_history (version, row_no, {cols}, geom, row_version, changed_in) "
                    "SELECT %s, row_no, {cols}, geom, row_version, changed_in FROM projects"
                ).format(cols=_COLUMN_LIST),
                (new,),
            )
            conn.execute("UPDATE registry_head SET version = %s", (new,))
        return str(new)


    # --- releases, backups -----------------------------------------------------------------

    def keep_release(self, release: str, data: bytes | bytearray) -> None:
        """Keep a release's shipped projects (the base of the next upgrade's three-way merge)."""
        with self._session() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO data_releases (release, projects) VALUES (%s, %s) ON CONFLICT (release) "
                "DO UPDATE SET projects = EXCLUDED.projects, kept_at = clock_timestamp()",
                (release, bytes(data)),
            )

    def release_projects(self, release: str) -> bytes | None:
        """The shipped projects of `release` as kept by `keep_release`, or None."""
        with self._session() as conn:
            row = conn.execute("SELECT projects FROM data_releases WHERE release = %s", (release,)).fetchone()
        return None if row is None else bytes(row[0])

    def kept_releases(self) -> dict[str, bytes]:
        """Every kept release's shipped projects, by release id (for a backup)."""
        with self._session() as conn:
            rows = conn.execute("SELECT release, projects FROM data_releases ORDER BY release").fetchall()
        return {str(r[0]): bytes(r[1]) for r in rows}

    @contextlib.contextmanager
    def consistent(self) -> Iterator[tuple[pd.DataFrame, list[tuple[RegistryVersion, pd.DataFrame]]]]:
        """The current projects and every version's (metadata, snapshot), from one REPEATABLE READ snapshot."""
        with self._session() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            head = _head(conn)
            current = _frame(conn.execute(sql.SQL("SELECT {} FROM projects ORDER BY row_no").format(_COLUMN_LIST))
                             .fetchall())
            versions = conn.execute(
                "SELECT version, saved_at, author, message, row_count FROM registry_versions "
                "WHERE version <= %s ORDER BY version", (head,)
            ).fetchall()
            query = sql.SQL("SELECT {} FROM projects_history WHERE version = %s ORDER BY row_no").format(_COLUMN_LIST)
            entries = [(_version(row), _frame(conn.execute(query, (row[0],)).fetchall())) for row in versions]
            conn.commit()
            yield current, entries

    def replace_history(self, entries: list[tuple[RegistryVersion, pd.DataFrame]]) -> str:
        """Write a whole history into an empty registry (a restore), each version with its time, author and message.

        Versions are numbered 1..N; the last is current. Not validated (an old version may not load with
        today's reference data): the backup's checksums vouch for it. AtlasError when the registry is not empty.
        """
        with self._session() as conn, conn.transaction():
            conn.execute("SELECT version FROM registry_head FOR UPDATE")
            if _head(conn) or conn.execute("SELECT 1 FROM registry_versions LIMIT 1").fetchone():
                raise AtlasError(f"the registry database {describe_url(self.url)} is not empty: "
                                 "its history is never replaced")
            before: dict[str, tuple[int, int, tuple[str, ...]]] = {}
            for number, (meta, table) in enumerate(entries, start=1):
                frame = normalise_projects(table)[0]
                conn.execute(
                    "INSERT INTO registry_versions (version, saved_at, author, message, row_count) "
                    "VALUES (%s, coalesce(%s::timestamptz, clock_timestamp()), %s, %s, %s)",
                    (number, meta.saved_at or None, meta.author, meta.message, len(frame)),
                )
                conn.execute("DELETE FROM projects")
                _insert_rows(conn, frame, before, number)
                conn.execute(
                    sql.SQL(
                        "INSERT INTO projects_history (version, row_no, {cols}, geom, row_version, changed_in) "
                        "SELECT %s, row_no, {cols}, geom, row_version, changed_in FROM projects"
                    ).format(cols=_COLUMN_LIST),
                    (number,),
                )
                before = _current_rows(conn)
            conn.execute("SELECT refresh_project_cells()")
            conn.execute("UPDATE registry_head SET version = %s", (len(entries),))
        return str(len(entries))

    def is_empty(self) -> bool:
        """Whether the registry was never saved (no version at all)."""
        with self._session() as conn:
            return not conn.execute("SELECT 1 FROM registry_versions LIMIT 1").fetchone()


def database_error(where: str, exc: psycopg.Error) -> AtlasError:
    """One line naming the database (never its password) and the server's first line of reason."""
    reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
    return AtlasError(f"registry database {where}: {reason}")


def _head(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT version FROM registry_head").fetchone()
    return int(row[0]) if row else 0


def _version_number(version: str) -> int:
    try:
        number = int(version)
    except ValueError:
        number = -1
    if number < 0 or str(number) != version:
        raise AtlasError(f"not a registry database version: {version!r} (versions are whole numbers)")
    return number


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return normalise_projects(pd.DataFrame(rows, columns=list(COLUMNS), dtype=object))[0]


def _version(row: tuple[Any, ...]) -> RegistryVersion:
    version, saved_at, author, message, row_count = row
    stamp = saved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(saved_at, datetime) else ""
    return RegistryVersion(str(version), stamp, author, message, int(row_count))


def _describe(conn: psycopg.Connection[Any], version: int) -> RegistryVersion:
    row = conn.execute(
        "SELECT version, saved_at, author, message, row_count FROM registry_versions WHERE version = %s", (version,)
    ).fetchone()
    return _version(row) if row else RegistryVersion(str(version), "", "", "", 0)


def _current_rows(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """id -> (row_version, changed_in, cells) of the rows being replaced, locked until commit."""
    query = sql.SQL("SELECT row_version, changed_in, {} FROM projects FOR UPDATE").format(_COLUMN_LIST)
    return {row[2]: (int(row[0]), int(row[1]), tuple(row[2:])) for row in conn.execute(query)}


def _check_row_versions(
    conn: psycopg.Connection[Any], head: int, before: dict[str, tuple[int, int, tuple[str, ...]]], base: str
) -> None:
    """Every current row must carry the row_version recorded for it in the head's snapshot."""
    recorded = dict(conn.execute("SELECT id, row_version FROM projects_history WHERE version = %s", (head,)).fetchall())
    found = {key: value[0] for key, value in before.items()}
    if found != recorded:
        changed = sorted(k for k in set(found) | set(recorded) if found.get(k) != recorded.get(k))
        raise RegistryConflict(
            base_version=base,
            current=_describe(conn, head),
            reason=msg("conflict_outside", rows=", ".join(changed[:10]), head=head),
        )


def _insert_rows(
    conn: psycopg.Connection[Any], frame: pd.DataFrame, before: dict[str, tuple[int, int, tuple[str, ...]]], new: int
) -> None:
    """Insert the new table; an unchanged row keeps its row_version, a changed one counts up."""
    params = []
    for row_no, cells in enumerate(frame.itertuples(index=False, name=None), start=1):
        values = tuple(str(v) for v in cells)
        previous = before.get(values[0])
        if previous is None:
            row_version, changed_in = 1, new
        elif previous[2] == values:
            row_version, changed_in = previous[0], previous[1]
        else:
            row_version, changed_in = previous[0] + 1, new
        lon, lat = (_number(values[COLUMNS.index(c)]) for c in ("lon", "lat"))
        params.append((row_no, *values, lon, lat, row_version, changed_in))
    placeholders = sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS))
    query = sql.SQL(
        "INSERT INTO projects (row_no, {cols}, geom, row_version, changed_in) VALUES "
        "(%s, {values}, ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326), %s, %s)"
    ).format(cols=_COLUMN_LIST, values=placeholders)
    with conn.cursor() as cursor:
        cursor.executemany(query, params)


def _number(text: str) -> float | None:
    """A finite coordinate or None (the geometry is then NULL; validation has already judged the text)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
