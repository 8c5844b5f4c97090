"""Where accounts are kept: a file beside the registry's own state, or a table in the registry database.

The file follows the registry: `accounts_path` is the one place that says where, next to the folder that
holds the registry's history, so wherever that state moves (``ATLAS_STATE_DIR``), the accounts move with it.
The file holds hashes, never passwords, is written atomically under a lock and readable by its owner only.
A backup carries the accounts in that file's format (`accounts_to_json`) whichever store they came from, so
a backup of either store restores into the other; a restore only adds accounts that are missing (`add_missing`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import psycopg

from atlas.core.atomic import write_atomically
from atlas.core.errors import AtlasError
from atlas.core.messages import msg
from atlas.registry.accounts import Account, AccountStore, Role, utc_text
from atlas.registry.db_schema import applied_migrations, pending_migrations
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore, connect, describe_url
from atlas.registry.store import RegistryStore

ACCOUNTS_FILE: Final[str] = "users.json"
FAILURES_FILE: Final[str] = "sign-in-failures.log"
_LOCK_FILE: Final[str] = ".users.lock"


def accounts_path(store: FileStore) -> Path:
    """The accounts file of a file registry: beside the folder holding the registry's history."""
    return store.folder / ACCOUNTS_FILE


def open_accounts(store: RegistryStore) -> AccountStore:
    """The accounts that go with `store`: its database's table, or the file beside a file registry."""
    if isinstance(store, PostgisStore):
        return PostgisAccounts(store.url)
    if isinstance(store, FileStore):
        return FileAccounts(accounts_path(store))
    raise AtlasError(f"no account store for {store!r}")


def _account(record: object) -> Account:
    if not isinstance(record, dict) or not str(record.get("name") or ""):
        raise ValueError(f"not an account: {str(record)[:80]}")
    return Account(str(record["name"]), Role(record["role"]), tuple(record.get("prefectures") or ()),
                   str(record.get("password_hash") or ""), int(record.get("failures") or 0),
                   str(record.get("locked_until") or ""), str(record.get("created_at") or ""))


def accounts_to_json(accounts: Iterable[Account]) -> bytes:
    """Accounts as the accounts file (and a backup's ``users.json``) holds them: by name, hashes only."""
    records = [{**asdict(a), "role": a.role.value, "prefectures": list(a.prefectures)}
               for a in sorted(accounts, key=lambda a: a.name)]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def accounts_from_json(data: bytes) -> list[Account]:
    """The accounts in `accounts_to_json`'s bytes; ValueError, KeyError or TypeError when they are not that."""
    records = json.loads(data)
    if not isinstance(records, list):
        raise ValueError("not a list of accounts")
    return [_account(r) for r in records]


class FileAccounts:
    """Accounts as one JSON file (mode 0600); the refused sign-ins as lines of a log beside it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.failures_path = self.path.with_name(FAILURES_FILE)

    def __repr__(self) -> str:
        return f"FileAccounts({str(self.path)!r})"

    def _read(self) -> dict[str, Account]:
        try:
            return {a.name: a for a in accounts_from_json(self.path.read_bytes())}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AtlasError(msg("accounts_unreadable", path=str(self.path), reason=str(exc))) from exc

    def get(self, name: str) -> Account | None:
        return self._read().get(name)

    def all(self) -> list[Account]:
        return sorted(self._read().values(), key=lambda a: a.name)

    def put(self, account: Account, *, new: bool = False) -> None:
        with self._locked():
            accounts = self._read()
            if new and account.name in accounts:
                raise AtlasError(msg("account_exists", name=account.name))
            accounts[account.name] = account
            self._write(accounts)

    def remove(self, name: str) -> bool:
        with self._locked():
            accounts = self._read()
            if accounts.pop(name, None) is None:
                return False
            self._write(accounts)
            return True

    def add_missing(self, accounts: Iterable[Account]) -> list[str]:
        """Write the accounts whose names are not here yet (a restore); those here stay as they are. Names added."""
        with self._locked():
            present = self._read()
            added = {a.name: a for a in accounts if a.name not in present}
            if added:
                self._write({**present, **added})
        return sorted(added)

    def log_failure(self, name: str, at: datetime, reason: str) -> None:
        line = json.dumps({"at": utc_text(at), "account": name, "reason": reason}, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.failures_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)

    def _write(self, accounts: dict[str, Account]) -> None:
        write_atomically(self.path, accounts_to_json(accounts.values()), mode=0o600)
        os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(_LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        except OSError as exc:
            raise AtlasError(msg("accounts_unwritable", path=str(self.path), reason=exc.strerror or str(exc))) from exc
        finally:
            os.close(fd)


_COLUMNS = "name, role, prefectures, password_hash, failures, locked_until, created_at"


class PostgisAccounts:
    """Accounts in the registry database (`atlas_accounts`, migration 005), refusals in `atlas_sign_in_failures`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"PostgisAccounts({describe_url(self.url)!r})"

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        where = describe_url(self.url)
        conn = connect(self.url)
        try:
            if applied_migrations(conn) is None or pending_migrations(conn):
                raise AtlasError(f"the registry database {where} needs `atlas db init` or `atlas db migrate`")
            conn.commit()  # the checks' implicit transaction ends: the work below is one transaction of its own
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            raise AtlasError(f"registry database {where}: {reason}") from exc
        finally:
            conn.close()

    @staticmethod
    def _row(row: tuple[Any, ...]) -> Account:
        name, role, prefectures, password_hash, failures, locked_until, created_at = row
        return Account(name, Role(role), tuple(prefectures or ()), password_hash or "", int(failures),
                       utc_text(locked_until) if locked_until else "", utc_text(created_at) if created_at else "")

    def get(self, name: str) -> Account | None:
        with self._session() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM atlas_accounts WHERE name = %s", (name,)).fetchone()
        return None if row is None else self._row(row)

    def all(self) -> list[Account]:
        with self._session() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM atlas_accounts ORDER BY name").fetchall()
        return [self._row(r) for r in rows]

    @staticmethod
    def _values(account: Account) -> tuple[Any, ...]:
        return (account.name, account.role.value, list(account.prefectures), account.password_hash,
                account.failures, account.locked_until or None, account.created_at or None)

    def put(self, account: Account, *, new: bool = False) -> None:
        values = self._values(account)
        conflict = "NOTHING" if new else (
            "UPDATE SET role = EXCLUDED.role, prefectures = EXCLUDED.prefectures, "
            "password_hash = EXCLUDED.password_hash, failures = EXCLUDED.failures, "
            "locked_until = EXCLUDED.locked_until"
        )
        with self._session() as conn:
            done = conn.execute(
                f"INSERT INTO atlas_accounts ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, COALESCE(%s, now())) "
                f"ON CONFLICT (name) DO {conflict}", values)
            if new and done.rowcount == 0:
                raise AtlasError(msg("account_exists", name=account.name))

    def add_missing(self, accounts: Iterable[Account]) -> list[str]:
        """Insert the accounts whose names are not here yet, in one transaction; the rows here stay as they are."""
        added = []
        with self._session() as conn:
            for account in accounts:
                row = conn.execute(
                    f"INSERT INTO atlas_accounts ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, COALESCE(%s, now())) "
                    "ON CONFLICT (name) DO NOTHING RETURNING name", self._values(account)).fetchone()
                if row is not None:
                    added.append(str(row[0]))
        return sorted(added)

    def remove(self, name: str) -> bool:
        with self._session() as conn:
            return conn.execute("DELETE FROM atlas_accounts WHERE name = %s", (name,)).rowcount > 0

    def log_failure(self, name: str, at: datetime, reason: str) -> None:
        with self._session() as conn:
            conn.execute("INSERT INTO atlas_sign_in_failures (at, account, reason) VALUES (%s, %s, %s)",
                         (at, name, reason))
