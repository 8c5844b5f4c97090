"""One-file backups of the bureau's registry (current version, full history, kept releases, accounts) and restores.

A backup is a zip archive with a ``manifest.json`` naming every member with its SHA-256 and byte count,
the registry's versions and the release it is based on. It is read from one consistent state of the store
(under the file store's save lock, or one REPEATABLE READ snapshot of the database), so a save running
meanwhile is either wholly in it or not at all. A restore checks the whole archive before it writes
anything; into an empty registry it brings back the history as it was, onto a registry in use it adds the
backup's registry as a new version, so no history is ever deleted.

The accounts travel as ``beside/users.json`` in the accounts file's format whichever store they come from
(password hashes as stored, never a password), so a file registry's backup restores into a database and back.
A restore adds the accounts that are missing and leaves those already there as they are (a restore never
brings back an old password or role over a newer one); it lists both. Refused sign-ins and lockouts are not
backed up: an account comes back unlocked.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from atlas.core.atomic import write_atomically
from atlas.core.errors import AtlasError, DataValidationError
from atlas.core.messages import msg
from atlas.registry.account_stores import (
    ACCOUNTS_FILE,
    FAILURES_FILE,
    FileAccounts,
    PostgisAccounts,
    accounts_from_json,
    accounts_path,
    accounts_to_json,
)
from atlas.registry.accounts import Account
from atlas.registry.files import LOCK_NAME, REGISTRY_FILE, FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.store import (
    RegistryVersion,
    base_release,
    projects_from_csv_bytes,
    projects_to_csv_bytes,
    release_message,
)

FORMAT: Final[str] = "guizhou-aluminium-atlas-backup"
FORMAT_VERSION: Final[int] = 1
MANIFEST: Final[str] = "manifest.json"
_STORE_FILES: Final[frozenset[str]] = frozenset({REGISTRY_FILE, LOCK_NAME, ACCOUNTS_FILE, FAILURES_FILE})
"""Not copied as files: the store's own, the accounts (taken from the account store) and the sign-in log."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: where it went, the registry's current version and row count, its history's length."""

    file: str
    version: str
    rows: int
    versions: int
    base_release: str | None
    beside: list[str]
    accounts: int


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did: ``history`` (into an empty registry), ``new-version`` or ``unchanged``."""

    file: str
    mode: str
    version: str
    backup_version: str
    taken_at: str
    rows: int
    versions: int
    accounts_added: list[str]
    accounts_kept: list[str]
    """Accounts in the backup that were already here: left as they are, not overwritten with the backup's."""


@dataclass(frozen=True)
class _Archive:
    manifest: dict[str, Any]
    current: bytes
    history: list[tuple[RegistryVersion, bytes]]
    releases: dict[str, bytes]
    beside: dict[str, bytes]
    accounts: list[Account]


def _account_store(store: FileStore | PostgisStore) -> FileAccounts | PostgisAccounts:
    """The accounts kept with `store`: the place `open_accounts` gives the app and the CLI."""
    return PostgisAccounts(store.url) if isinstance(store, PostgisStore) else FileAccounts(accounts_path(store))


def _unlocked(accounts: Iterable[Account]) -> list[Account]:
    """Accounts as a backup carries them: the stored hash, no count of refused sign-ins, no lock."""
    return [replace(a, failures=0, locked_until="") for a in accounts]


def _snapshot(store: FileStore | PostgisStore) -> tuple[bytes, list[tuple[RegistryVersion, bytes]], dict[str, bytes]]:
    """(current registry bytes, every version's metadata and bytes, files kept beside the registry)."""
    if isinstance(store, FileStore):
        with store.consistent() as (data, entries):
            own_folder = store.seed_path is not None  # a data copy's projects/ holds shipped tables, not accounts
            beside = {p.name: p.read_bytes() for p in sorted(store.folder.iterdir()) if own_folder
                      and p.is_file() and not p.name.startswith(".") and p.name not in _STORE_FILES}
            return data or b"", entries, beside
    with store.consistent() as (frame, versions):
        return (projects_to_csv_bytes(frame, normalised=True),
                [(meta, projects_to_csv_bytes(table, normalised=True)) for meta, table in versions], {})


def write_backup(store: FileStore | PostgisStore, path: Path) -> BackupSummary:
    """Write `store`'s registry, history, kept releases and beside-files (accounts) to one zip at `path`."""
    current, entries, beside = _snapshot(store)
    accounts = _unlocked(_account_store(store).all())  # not tied to a registry version: read on its own
    if accounts:
        beside[ACCOUNTS_FILE] = accounts_to_json(accounts)
    releases = store.kept_releases()
    members: dict[str, bytes] = {"registry/projects.csv": current}
    history = []
    for seq, (meta, data) in enumerate(entries, start=1):
        name = f"history/{seq:06d}.csv"
        members[name] = data
        history.append({**asdict(meta), "file": name})
    members.update({f"releases/{key}.csv": data for key, data in releases.items()})
    members.update({f"beside/{key}": data for key, data in beside.items()})
    found = base_release([meta for meta, _ in reversed(entries)])
    version = entries[-1][0].version if entries else "0"
    rows = len(projects_from_csv_bytes(current))
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "taken_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "store": repr(store),
        "current": {"version": version, "rows": rows, "file": "registry/projects.csv"},
        "base_release": None if found is None else found[0],
        "history": history,
        "releases": {key: f"releases/{key}.csv" for key in releases},
        "beside": {key: f"beside/{key}" for key in beside},
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in members.items()},
    }
    _write_zip(Path(path), manifest, members)
    return BackupSummary(str(path), version, rows, len(history), None if found is None else found[0], sorted(beside),
                         len(accounts))


def _write_zip(path: Path, manifest: dict[str, Any], members: dict[str, bytes]) -> None:
    """The archive via a temp file in the target's folder and a rename: a crash never leaves half a backup."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise AtlasError(msg("file_unreadable", file=str(target), reason=f"folder {folder} does not exist"))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for name, data in members.items():
                archive.writestr(name, data)
        with open(temp, "rb") as again:
            os.fsync(again.fileno())
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise AtlasError(msg("file_unreadable", file=str(target), reason=exc.strerror or str(exc))) from exc


def read_backup(path: Path) -> _Archive:
    """The archive's content after checking all of it: format, manifest, every member's checksum, every table.

    Raises one `AtlasError` (``backup_refused``, naming the file) for a truncated, damaged or foreign file.
    """
    def refuse(reason: str) -> AtlasError:
        return AtlasError(msg("backup_refused", file=str(path), reason=reason))

    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _manifest(archive, refuse)
            files = manifest["files"]
            members = {}
            for name, expected in files.items():
                data = archive.read(name)
                if hashlib.sha256(data).hexdigest() != expected["sha256"] or len(data) != expected["bytes"]:
                    raise refuse(f"{name}: its checksum differs from the manifest's (damaged)")
                members[name] = data
    except FileNotFoundError:
        raise AtlasError(msg("file_missing", file=str(path))) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, OSError, ValueError, TypeError) as exc:
        if isinstance(exc, AtlasError):
            raise
        raise refuse(f"not a whole zip archive: {exc}") from None
    try:
        history = [(RegistryVersion(**{k: v for k, v in e.items() if k != "file"}), members[e["file"]])
                   for e in manifest["history"]]
        current = members[manifest["current"]["file"]]
        releases = {key: members[name] for key, name in manifest["releases"].items()}
        beside = {Path(key).name: members[name] for key, name in manifest["beside"].items()}
        for data in [current, *(d for _, d in history)]:
            projects_from_csv_bytes(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise refuse(f"its manifest names a member it does not hold ({exc})") from None
    except DataValidationError as exc:
        raise refuse(f"a registry table in it is unreadable: {exc}") from None
    try:
        accounts = accounts_from_json(beside.pop(ACCOUNTS_FILE, b"[]"))
    except (ValueError, KeyError, TypeError) as exc:
        raise refuse(f"its {ACCOUNTS_FILE} is not a list of accounts ({exc})") from None
    archive_content = _Archive(manifest, current, history, releases, beside, accounts)
    return archive_content


def _manifest(archive: zipfile.ZipFile, refuse: Any) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise refuse(f"no {MANIFEST}: not made by `atlas backup`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise refuse(f"its {MANIFEST} is not an atlas backup's")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise refuse(f"backup format {manifest.get('format_version')!r}; this atlas reads format {FORMAT_VERSION}")
    return manifest


def restore_backup(store: FileStore | PostgisStore, path: Path, *, author: str) -> RestoreSummary:
    """Restore a checked backup: its whole history into an empty registry, else its registry as a new version."""
    archive = read_backup(path)
    manifest = archive.manifest
    backup_version, taken_at = str(manifest["current"]["version"]), str(manifest["taken_at"])
    rows, versions = int(manifest["current"]["rows"]), len(archive.history)
    for key, data in archive.releases.items():
        if store.release_projects(key) is None:
            store.keep_release(key, data)
    if isinstance(store, FileStore) and store.seed_path is not None:
        _restore_beside(store, archive.beside)
    added = _account_store(store).add_missing(_unlocked(archive.accounts)) if archive.accounts else []
    accounts = (added, sorted({a.name for a in archive.accounts} - set(added)))  # (added, kept as they were)
    if store.is_empty() and archive.history:
        if isinstance(store, FileStore):
            store.replace_history(archive.history, archive.current)
            version = store.read()[1]
        else:
            version = store.replace_history([(m, projects_from_csv_bytes(d)) for m, d in archive.history])
        return RestoreSummary(str(path), "history", version, backup_version, taken_at, rows, versions, *accounts)
    current, version = store.read()
    restored = projects_from_csv_bytes(archive.current)
    if projects_to_csv_bytes(current) == projects_to_csv_bytes(restored):
        return RestoreSummary(str(path), "unchanged", version, backup_version, taken_at, rows, versions, *accounts)
    what = f"restored from {Path(path).name} (version {backup_version} backed up at {taken_at})"
    base = manifest.get("base_release")
    message = release_message(base, what) if base else what
    saved = store.save(restored, base_version=version, author=author, message=message)
    return RestoreSummary(str(path), "new-version", saved, backup_version, taken_at, rows, versions, *accounts)


def _restore_beside(store: FileStore, files: dict[str, bytes]) -> None:
    """Other files kept beside the registry: written when missing; a replaced one stays as ``*.before-restore``."""
    store.folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if name in _STORE_FILES:  # an older backup's sign-in log; never a file of the store's own
            continue
        target = store.folder / name
        if target.exists():
            if target.read_bytes() == data:
                continue
            write_atomically(target.with_name(f"{name}.before-restore"), target.read_bytes())
        write_atomically(target, data)

