"""The atlas a running server shows: loaded once, replaced by a fresh load when the registry changes elsewhere.

One server process serves every session from one loaded atlas (a 10⁶-project registry is ~1.5 GB: one
copy, not one per session; with a database the app loads the reference layers only, see
`atlas.registry.startup.open_served_atlas_with_problems`). Saves can come from anywhere: this server,
another app server on the same database, ``atlas import`` on the command line. `LiveAtlas` asks the store
for its cheap change stamp at most every `check_every_s` seconds (a ``stat`` of the file, or one one-row
query) and, when it moved,
loads the new version in a background thread while every session keeps the snapshot it has; the next
run after the load sees the new one. Nothing is dropped: a session in the middle of an import keeps its
base version, and its save meets the usual conflict check if someone saved meanwhile.

Everything a server derives from the atlas (filtered views, rendered map layers, gap matrices) lives in
the `Snapshot` it came from (`Snapshot.cached`), so a new version never meets a stale derived value and
the old ones go with the old snapshot.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from atlas.core import settings
from atlas.core.errors import AtlasError, Problem
from atlas.core.model import Atlas
from atlas.registry.startup import open_atlas_with_problems, open_store
from atlas.registry.store import RegistryStore

T = TypeVar("T")
LOG = logging.getLogger(__name__)
_LOAD_NUMBERS = itertools.count(1)


@dataclass
class Snapshot:
    """One load of the atlas, with the registry stamp it was loaded at and what was derived from it."""

    atlas: Atlas | None
    """None when the data did not validate (`problems` says why)."""
    problems: list[Problem]
    stamp: str
    token: str
    """Unique per load (two loads of one stamp differ): tells snapshots apart."""
    _memo: dict[str, OrderedDict[Hashable, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _building: dict[tuple[str, Hashable], threading.Lock] = field(default_factory=dict, repr=False)

    def cached(self, kind: str, key: Hashable, build: Callable[[], T], *, max_entries: int = 32) -> T:
        """`build()` once per (`kind`, `key`) for this snapshot, keeping the `max_entries` latest of each kind.

        Concurrent callers of one key wait for the first one's build instead of repeating it.
        """
        with self._lock:
            entries = self._memo.setdefault(kind, OrderedDict())
            if key in entries:
                entries.move_to_end(key)
                return entries[key]  # type: ignore[no-any-return]
            building = self._building.setdefault((kind, key), threading.Lock())
        with building:
            with self._lock:
                if key in entries:
                    return entries[key]  # type: ignore[no-any-return]
            value = build()
            with self._lock:
                entries[key] = value
                while len(entries) > max_entries:
                    entries.popitem(last=False)
                self._building.pop((kind, key), None)
        return value


class LiveAtlas:
    """The current `Snapshot` of a data folder's atlas, reloaded when the registry's stamp changes."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        check_every_s: float | None = None,
        store: RegistryStore | None = None,
        load: Callable[[Path], tuple[Atlas | None, list[Problem]]] = open_atlas_with_problems,
    ) -> None:
        self.data_dir = data_dir or settings.data_dir()
        self.check_every_s = settings.reload_check_seconds() if check_every_s is None else check_every_s
        self._store = store
        self._load = load
        self._lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._reloading: threading.Thread | None = None

    @property
    def store(self) -> RegistryStore:
        if self._store is None:
            self._store = open_store(self.data_dir)
        return self._store

    def current(self) -> Snapshot:
        """The snapshot to serve now; starts a background reload when the registry changed.

        The first call loads synchronously (there is nothing to show before). A snapshot whose data did
        not validate is loaded again, synchronously, once `check_every_s` has passed, so that a fixed
        data folder shows without a restart.

        Raises
        ------
        AtlasError
            The registry cannot be read (e.g. the database is unreachable) and nothing was loaded yet.
        """
        snapshot = self._snapshot
        if snapshot is None:
            return self.reload_now()
        if time.monotonic() - self._checked_at < self.check_every_s:
            return snapshot
        if snapshot.atlas is None:
            return self.reload_now()
        self._checked_at = time.monotonic()
        try:
            stamp = self.store.stamp()
        except AtlasError as exc:
            LOG.warning("registry change check failed: %s", exc)
            return snapshot
        if stamp != snapshot.stamp:
            self._reload_in_background()
        return snapshot

    def reload_now(self) -> Snapshot:
        """Load the registry as it is now and serve it from here on (after this server's own save)."""
        with self._lock:
            stamp = self.store.stamp()
            if self._snapshot is not None and self._snapshot.stamp == stamp and self._snapshot.atlas is not None:
                self._checked_at = time.monotonic()
                return self._snapshot
            snapshot = self._load_snapshot(stamp)
            self._snapshot = snapshot
            self._checked_at = time.monotonic()
            return snapshot

    def wait_for_reload(self, timeout_s: float | None = None) -> None:
        """Block until a background reload (if one runs) has finished: for tests and benchmarks."""
        thread = self._reloading
        if thread is not None:
            thread.join(timeout_s)

    def _load_snapshot(self, stamp: str) -> Snapshot:
        atlas, problems = self._load(self.data_dir)
        return Snapshot(atlas, problems, stamp, f"{stamp}#{next(_LOAD_NUMBERS)}")

    def _reload_in_background(self) -> None:
        with self._thread_lock:
            if self._reloading is not None and self._reloading.is_alive():
                return
            self._reloading = threading.Thread(target=self._reload, name="atlas-reload", daemon=True)
            self._reloading.start()

    def _reload(self) -> None:
        try:
            self.reload_now()
        except AtlasError as exc:  # keep serving what we have; the next check tries again
            LOG.warning("registry reload failed: %s", exc)
        except Exception:  # a bug must not kill the serving snapshot either; it is logged with its traceback
            LOG.exception("registry reload failed")
