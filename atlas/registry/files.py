"""The embedded registry: ``projects.csv`` in the registry's folder, replaced atomically, every version in ``history/``.

The folder is `settings.registry_dir` (the state folder for the shipped data, a copy's own ``projects/``).
A registry kept apart from its data folder is seeded on first use from the data folder's projects, as
version 1 naming the data release it came from, and keeps each release's shipped projects in ``releases/``
so that `atlas data upgrade` can tell the bureau's edits from the release's.

A save runs under an exclusive ``fcntl`` lock and writes in this order, each file via temp file +
fsync + ``os.replace`` + directory fsync: (1) the version on disk into history if it is not there yet,
(2) the new version into history, (3) ``projects.csv``. A crash at any instant therefore leaves
``projects.csv`` old or new and every history entry whole. An entry newer than the current file (a save
killed between (2) and (3)) is not shown and is removed by the next save; ``*.tmp`` leftovers likewise.
The version token is a prefix of the file's SHA-256, so a hand edit of the CSV is a new version too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pandas as pd

from atlas.core import settings
from atlas.core.atomic import write_atomically
from atlas.core.errors import AtlasError, DataValidationError
from atlas.data.release import read_release
from atlas.registry.store import (
    EMPTY_VERSION,
    PROJECTS_LABEL,
    RELEASE_AUTHOR,
    RegistryConflict,
    RegistryVersion,
    csv_payload,
    projects_from_csv_bytes,
    release_message,
    validate_projects,
)

LOCK_TIMEOUT_S: Final[float] = 10.0
"""How long a save waits for another save to finish before giving up with a clear message."""

HISTORY_DIR: Final[str] = "history"
RELEASES_DIR: Final[str] = "releases"
REGISTRY_FILE: Final[str] = "projects.csv"
LOCK_NAME: Final[str] = ".projects.lock"
LEGACY_RELEASE: Final[str] = "before-releases"
"""Base release of a registry adopted from ``data/projects/`` (where the atlas kept it before data releases)."""
_ENTRY_NAME = re.compile(r"^(?P<seq>\d{6,})_(?P<stamp>\d{8}T\d{6}Z)_(?P<version>[0-9a-f]{16})\.json$")
UNRECORDED_MESSAGE: Final[str] = "version found on disk (not saved through the atlas)"


def version_of(data: bytes | bytearray) -> str:
    """The version token of registry bytes: 16 hex digits of their SHA-256 ("0" for no file)."""
    return hashlib.sha256(data).hexdigest()[:16]


def utc_now() -> str:
    """Now as ISO 8601 UTC to the second, the form every `RegistryVersion.saved_at` takes."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Entry:
    """One history entry on disk: its metadata (`.json`) and its snapshot (`.csv`)."""

    seq: int
    meta: RegistryVersion
    json_path: Path

    @property
    def csv_path(self) -> Path:
        return self.json_path.with_suffix(".csv")


class FileStore:
    """The project registry as ``projects.csv`` in its folder (`settings.registry_dir`), with its history beside it.

    `folder` is the registry's folder: everything the store writes (``projects.csv``, ``history/``,
    ``releases/``, its lock) is inside it, and so is anything kept beside the registry (accounts).
    """

    def __init__(self, data_dir: Path, *, folder: Path | None = None, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.data_dir = Path(data_dir)
        self.folder = Path(folder) if folder is not None else settings.registry_dir(self.data_dir)
        self.path = self.folder / REGISTRY_FILE
        self.history_dir = self.folder / HISTORY_DIR
        self.lock_path = self.folder / LOCK_NAME
        self.lock_timeout = lock_timeout
        shipped = self.data_dir / PROJECTS_LABEL
        self.seed_path: Path | None = None if shipped.resolve() == self.path.resolve() else shipped
        """The data folder's projects, seeding a registry kept elsewhere; None for a folder's own registry."""

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    # --- reading ---------------------------------------------------------------------------

    def read(self) -> tuple[pd.DataFrame, str]:
        """The current projects (text cells) and their version token."""
        self.ensure_seeded()
        data = self._current_bytes()
        if data is None:
            return projects_from_csv_bytes(b""), EMPTY_VERSION
        return projects_from_csv_bytes(data), version_of(data)

    def history(self) -> list[RegistryVersion]:
        """Every version, newest first; the first is the current file (recorded or not)."""
        self.ensure_seeded()
        data = self._current_bytes()
        if data is None:
            return []
        current = version_of(data)
        committed, _ = self._split_pending(self._entries(), current)
        versions = [e.meta for e in committed]
        if not committed or committed[-1].meta.version != current:
            versions.append(self._unrecorded(data))
        return versions[::-1]

    def read_version(self, version: str) -> pd.DataFrame:
        """The projects at `version` (any recorded version, or the current file)."""
        self.ensure_seeded()
        data = self._current_bytes()
        if data is not None and version_of(data) == version:
            return projects_from_csv_bytes(data)
        for entry in self._entries():
            if entry.meta.version == version:
                return projects_from_csv_bytes(entry.csv_path.read_bytes(), label=str(entry.csv_path))
        known = ", ".join(v.version for v in self.history()[:5]) or "none"
        raise AtlasError(f"{self.path}: no version {version!r} in the registry history (newest: {known})")

    def stamp(self) -> str:
        """The file's inode, size and modification time: every save (an atomic replace) changes the inode."""
        self.ensure_seeded()
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return EMPTY_VERSION
        except OSError as exc:
            raise AtlasError(f"cannot read the registry {self.path}: {exc.strerror or exc}") from exc
        return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"

    # --- writing ---------------------------------------------------------------------------

    def save(self, projects: pd.DataFrame, *, base_version: str, author: str, message: str) -> str:
        """Validate, lock, check `base_version`, record history, replace the file; return the new version."""
        self.ensure_seeded()
        frame = validate_projects(projects, self.data_dir)
        rows = len(frame)
        payload = csv_payload(frame)
        del frame
        new_version = version_of(payload)
        try:
            with self._locked():
                self._remove_leftovers()
                data = self._current_bytes()
                current = EMPTY_VERSION if data is None else version_of(data)
                entries = self._entries()
                if current != base_version:
                    raise RegistryConflict(base_version=base_version, current=self._describe(current, data, entries))
                committed, pending = self._split_pending(entries, current)
                for entry in pending:
                    self._remove_entry(entry)
                next_seq = max((e.seq for e in committed), default=0) + 1
                recorded = bool(committed) and committed[-1].meta.version == current
                if data is not None and not recorded and new_version != current:
                    self._write_entry(next_seq, data, self._unrecorded(data))
                    next_seq += 1
                meta = RegistryVersion(new_version, utc_now(), author, message, rows)
                self._write_entry(next_seq, payload, meta)
                write_atomically(self.path, payload)
        except OSError as exc:
            raise AtlasError(f"cannot save the registry {self.path}: {exc.strerror or exc}") from exc
        return new_version

    # --- seeding, releases, consistent reads ------------------------------------------------

    def ensure_seeded(self) -> None:
        """On first use of a registry kept apart from its data folder, make the data folder's projects version 1.

        A data folder that still holds a registry the atlas kept there (``projects/history/``, from before
        registries moved to the state folder) is adopted whole instead: its history and current file.
        """
        if self.seed_path is None or self.path.exists():
            return
        try:
            shipped = self.seed_path.read_bytes()
        except FileNotFoundError:
            return  # nothing to seed from: the registry starts empty
        except OSError as exc:
            raise AtlasError(f"cannot read {self.seed_path}: {exc.strerror or exc}") from exc
        try:
            with self._locked():
                if self.path.exists():
                    return  # another process seeded it while we waited
                legacy = FileStore(self.data_dir, folder=self.seed_path.parent)
                if legacy._entries():
                    self._adopt(legacy, shipped)
                    return
                release = read_release(self.data_dir).release
                self.keep_release(release, shipped)
                meta = RegistryVersion(version_of(shipped), utc_now(), RELEASE_AUTHOR,
                                       release_message(release, f"seeded from {self.seed_path}"), _row_count(shipped))
                self._write_entry(1, shipped, meta)
                write_atomically(self.path, shipped)
        except OSError as exc:
            raise AtlasError(f"cannot create the registry {self.path}: {exc.strerror or exc}") from exc

    def _adopt(self, legacy: FileStore, current: bytes) -> None:
        """Copy a registry kept in the data folder (every history entry, then its file) into this folder."""
        entries = legacy._entries()
        for entry in entries:
            self.history_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(self.history_dir / entry.csv_path.name, entry.csv_path.read_bytes())
            write_atomically(self.history_dir / entry.json_path.name, entry.json_path.read_bytes())
        self.keep_release(LEGACY_RELEASE, entries[0].csv_path.read_bytes())  # the file as found at the first save
        what = f"adopted the registry kept in {legacy.folder} ({len(entries)} version(s) of history)"
        meta = RegistryVersion(version_of(current), utc_now(), RELEASE_AUTHOR, release_message(LEGACY_RELEASE, what),
                               _row_count(current))
        self._write_entry(entries[-1].seq + 1, current, meta)
        write_atomically(self.path, current)

    def keep_release(self, release: str, data: bytes | bytearray) -> None:
        """Keep a release's shipped projects (the base of the next upgrade's three-way merge)."""
        folder = self.folder / RELEASES_DIR
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{release}.csv", data)

    def release_projects(self, release: str) -> bytes | None:
        """The shipped projects of `release` as kept by `keep_release`, or None."""
        try:
            return (self.folder / RELEASES_DIR / f"{release}.csv").read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def kept_releases(self) -> dict[str, bytes]:
        """Every kept release's shipped projects, by release id (for a backup)."""
        folder = self.folder / RELEASES_DIR
        if not folder.is_dir():
            return {}
        return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.csv")) if not p.name.startswith(".")}

    @contextlib.contextmanager
    def consistent(self) -> Iterator[tuple[bytes | None, list[tuple[RegistryVersion, bytes]]]]:
        """The current file and every history entry (metadata, snapshot), read under the save lock.

        No save can run meanwhile, so the set is one consistent state (a backup of a running app).
        """
        self.ensure_seeded()
        with self._locked():
            data = self._current_bytes()
            current = EMPTY_VERSION if data is None else version_of(data)
            committed, _ = self._split_pending(self._entries(), current)
            yield data, [(e.meta, e.csv_path.read_bytes()) for e in committed]

    def is_empty(self) -> bool:
        """Whether the registry holds no version yet (a restore may then bring its whole history); never seeds."""
        return not self.path.exists() and not self._entries()

    def replace_history(self, entries: list[tuple[RegistryVersion, bytes]], current: bytes) -> None:
        """Write a whole history into an empty registry (a restore): each entry as it was, then the file.

        Raises AtlasError when the registry already holds a version: history is never overwritten.
        """
        with self._locked():
            if self._current_bytes() is not None or self._entries():
                raise AtlasError(f"the registry {self.path} is not empty: its history is never replaced")
            for seq, (meta, data) in enumerate(entries, start=1):
                self._write_entry(seq, data, meta)
            write_atomically(self.path, current)

    # --- helpers ---------------------------------------------------------------------------

    def _current_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AtlasError(f"cannot read the registry {self.path}: {exc.strerror or exc}") from exc

    def _entries(self) -> list[_Entry]:
        """Whole history entries (metadata and snapshot both present), oldest first."""
        if not self.history_dir.is_dir():
            return []
        entries = []
        for path in self.history_dir.iterdir():
            match = _ENTRY_NAME.match(path.name)
            if match is None or not path.with_suffix(".csv").is_file():
                continue
            try:
                meta = RegistryVersion(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # unreadable metadata is not an entry; the snapshot stays on disk for a human
            entries.append(_Entry(int(match["seq"]), meta, path))
        return sorted(entries, key=lambda e: e.seq)

    @staticmethod
    def _split_pending(entries: list[_Entry], current: str) -> tuple[list[_Entry], list[_Entry]]:
        """Entries up to the last one equal to the current file, and those after it (an unfinished save)."""
        last = max((i for i, e in enumerate(entries) if e.meta.version == current), default=None)
        if last is None:
            return entries, []
        return entries[: last + 1], entries[last + 1 :]

    def _unrecorded(self, data: bytes) -> RegistryVersion:
        """Metadata for a file that no save recorded (the shipped file, or a hand edit)."""
        mtime = datetime.fromtimestamp(self.path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return RegistryVersion(version_of(data), mtime, "", UNRECORDED_MESSAGE, _row_count(data))

    def _describe(self, current: str, data: bytes | None, entries: list[_Entry]) -> RegistryVersion:
        """Who saved the current version and when, for a conflict message."""
        for entry in reversed(entries):
            if entry.meta.version == current:
                return entry.meta
        if data is None:
            return RegistryVersion(EMPTY_VERSION, "", "", "the registry file is missing", 0)
        return self._unrecorded(data)

    def _write_entry(self, seq: int, data: bytes | bytearray, meta: RegistryVersion) -> None:
        """Snapshot first, metadata second: metadata present means the entry is whole."""
        self.history_dir.mkdir(parents=True, exist_ok=True)
        stamp = meta.saved_at.replace("-", "").replace(":", "")
        base = self.history_dir / f"{seq:06d}_{stamp}_{meta.version}"
        write_atomically(base.with_suffix(".csv"), data)
        write_atomically(base.with_suffix(".json"), json.dumps(asdict(meta), ensure_ascii=False).encode("utf-8"))

    @staticmethod
    def _remove_entry(entry: _Entry) -> None:
        entry.json_path.unlink(missing_ok=True)
        entry.csv_path.unlink(missing_ok=True)

    def _remove_leftovers(self) -> None:
        """Temp files of a killed save (only ever created under the lock, so none is in use now)."""
        for folder in (self.path.parent, self.history_dir):
            if folder.is_dir():
                for leftover in folder.glob(".*.tmp"):
                    leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the registry, waiting at most `lock_timeout` seconds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise AtlasError(
                            f"the project registry {self.path} is locked by another save "
                            f"(lock file {self.lock_path}); waited {self.lock_timeout:g} s, nothing was written: "
                            "try again in a moment"
                        ) from None
                    time.sleep(0.02)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock, also when the process dies


def _row_count(data: bytes) -> int:
    """Records in registry bytes; a file too broken to parse still gets a count (its lines)."""
    try:
        return len(projects_from_csv_bytes(data))
    except DataValidationError:
        return max(0, data.count(b"\n") - 1)
