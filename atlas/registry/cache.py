"""A columnar cache of the validated registry, so that a restart with an unchanged registry loads in seconds.

Loading a million-project ``projects.csv`` (parse, validate, build the search keys) takes half a minute.
When nothing it depends on has changed, the projects layer `build_atlas` made and the problems the load
found are read back from Arrow columns instead (`atlas.registry.columnar`), and only the small tables are
read again. Embedded file store only, and only for registries of `settings.registry_cache_min_bytes()`
and more; ``ATLAS_CACHE_DIR=off`` switches it off (`settings.cache_dir`).

Two files per data folder in the cache folder: ``projects-<key>.arrow`` (Arrow IPC, LZ4: at 10⁶ projects
it reads in well under a second where Parquet took 0.6-2.5 s, at about a third of the CSV's size) and
``projects-<key>.json``, the index naming what the payload was made from:

- the registry's version token (`files.version_of`: the SHA-256 of its bytes). A stat stamp (device,
  inode, size, mtime, ctime) recorded beside it spares hashing the file on every start; a stamp is only
  recorded for a file unchanged for `RACY_S`, so any later write gives the file another stamp;
- a fingerprint of every other data file (hashed: they are small) and of the code and libraries that
  shape the result (`CACHE_FORMAT`, the sources of `atlas.core` and `atlas.data`, library versions);
- the payload's SHA-256, checked before it is read: a partial or damaged payload is never used.

Anything that does not match, or fails to read, means an ordinary load, after which the cache is
written again; a cache that cannot be written costs a log line, never an error for the user. Files are
written to a temp file and renamed into place (``os.replace``), with the umask's permissions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pypinyin
import shapely

from atlas.core import settings
from atlas.core.atomic import create_new, temp_path, write_atomically
from atlas.core.errors import Problem
from atlas.core.model import Atlas
from atlas.data.load import load_atlas_with_problems, load_atlas_with_typed_projects
from atlas.registry.columnar import (
    CacheFormatError,
    frame_to_table,
    problems_from_json,
    problems_to_json,
    table_to_frame,
)
from atlas.registry.store import PROJECTS_LABEL

CACHE_FORMAT: Final[int] = 1
"""Bump when the files' layout or the meaning of their content changes."""
RACY_S: Final[float] = 2.0
"""A registry changed this recently may still change within its current timestamp (FAT and SMB count in
2-second steps): its stat stamp is not recorded, and its bytes are hashed again after a load."""
TEMP_MAX_AGE_S: Final[float] = 3600.0
"""Temp files of a writer killed mid-write are removed by the next writer once they are this old."""
CODE_SOURCES: Final[tuple[str, ...]] = ("core/*.py", "data/*.py", "registry/cache.py", "registry/columnar.py")
"""The atlas's sources (relative to the package) whose change may change what a load gives."""
_HASH_CHUNK: Final[int] = 1 << 20

Outcome = Literal["hit", "written", "not written", "not cached"]
logger = logging.getLogger(__name__)

_CACHE_ERRORS: Final = (OSError, ValueError, TypeError, KeyError, IndexError, pa.ArrowException)
"""What reading a damaged or foreign cache may raise (`CacheFormatError` and `ArrowInvalid` are ValueErrors)."""


@dataclass(frozen=True)
class CachedLoad:
    """What `load_with_cache` gives: the load's result, and whether the cache served or stored it (and why)."""

    atlas: Atlas | None
    problems: list[Problem]
    outcome: Outcome
    reason: str = ""


def load_with_cache(data_dir: Path, *, registry: Path | None = None) -> CachedLoad:
    """`load_atlas_with_problems(data_dir)` with the registry file `registry`, from the cache when it is valid.

    `registry` defaults to the folder's own ``projects/projects.csv``. A miss loads as usual and then
    writes the cache (for an atlas without errors); see the module's doc.
    """
    slot = cache_slot(data_dir, registry=registry)
    if isinstance(slot, str):
        atlas, problems = load_atlas_with_problems(data_dir, projects_file=registry)
        return CachedLoad(atlas, problems, "not cached", slot)
    found = slot.read()
    if found is not None:
        return found
    return slot.load_and_write()


def cache_slot(data_dir: Path, *, registry: Path | None = None) -> _Slot | str:
    """The cache files of a registry file (default `data_dir`'s own), or why it is not cached (off, small, missing)."""
    directory = settings.cache_dir()
    if directory is None:
        return "caching is off (ATLAS_CACHE_DIR)"
    registry = registry or data_dir / PROJECTS_LABEL
    try:
        size = registry.stat().st_size
    except OSError as exc:
        return f"no registry file: {exc.strerror or exc}"
    if size < settings.registry_cache_min_bytes():
        return f"registry of {size:,} bytes, below the cache threshold"
    folder = data_dir.resolve()
    place = f"{folder}\0{registry.resolve()}" if registry != data_dir / PROJECTS_LABEL else str(folder)
    key = hashlib.sha256(place.encode("utf-8")).hexdigest()[:16]
    return _Slot(folder, registry, directory / f"projects-{key}.json", directory / f"projects-{key}.arrow")


@dataclass(frozen=True)
class _Slot:
    data_dir: Path
    registry: Path
    index: Path
    payload: Path

    # --- reading ------------------------------------------------------------------------------------

    def read(self) -> CachedLoad | None:
        """The cached load when every key still matches and the payload is whole, else None (never raises)."""
        try:
            index = json.loads(self.index.read_bytes())
        except FileNotFoundError:
            return None
        except _CACHE_ERRORS as exc:
            logger.info("registry cache %s ignored: %s", self.index, exc)
            return None
        try:
            return self._read(index)
        except _CACHE_ERRORS as exc:
            logger.info("registry cache %s ignored: %s", self.index, exc)
            return None

    def _read(self, index: Any) -> CachedLoad | None:
        if not isinstance(index, dict) or index.get("keys") != self._keys():
            return None
        stamp = _stamp(self.registry)
        recorded = index["registry"]
        if recorded["stamp"] is None or stamp != tuple(recorded["stamp"]):
            if file_token(self.registry) != recorded["token"]:
                return None
            if not _racy(stamp):  # the same bytes under another stamp (touched, copied back): remember it
                index["registry"]["stamp"] = list(stamp)
                with contextlib.suppress(OSError):  # a read-only cache still serves
                    _write_atomically(self.index, json.dumps(index, ensure_ascii=False).encode("utf-8"))
        payload = self.payload.read_bytes()
        if hashlib.sha256(payload).hexdigest() != index["payload"]["sha256"]:
            raise CacheFormatError("the payload's SHA-256 differs from the index's (partial or damaged file)")
        table = pa.ipc.open_file(pa.py_buffer(payload)).read_all()
        del payload
        projects = table_to_frame(table)
        del table
        problems = problems_from_json(index["problems"])
        atlas = load_atlas_with_typed_projects(self.data_dir, projects)
        if atlas is None:
            return None
        pa.default_memory_pool().release_unused()  # the decompressed codes; no cycles here to collect
        return CachedLoad(atlas, problems, "hit")

    # --- writing ------------------------------------------------------------------------------------

    def load_and_write(self) -> CachedLoad:
        """An ordinary load of the folder, then the cache written for it when the registry held still."""
        try:
            before = _stamp(self.registry)
            token = file_token(self.registry)
        except OSError:
            atlas, problems = load_atlas_with_problems(self.data_dir, projects_file=self.registry)
            return CachedLoad(atlas, problems, "not written", "the registry file could not be read")
        atlas, problems = load_atlas_with_problems(self.data_dir, projects_file=self.registry)
        if atlas is None:
            return CachedLoad(atlas, problems, "not written", "the data has errors")
        try:
            after = _stamp(self.registry)
            if after != before or (_racy(before) and file_token(self.registry) != token):
                return CachedLoad(atlas, problems, "not written", "the registry changed while it was loaded")
            self._write(atlas.projects, problems, token, None if _racy(after) else after)
        except CacheFormatError as exc:
            return CachedLoad(atlas, problems, "not written", str(exc))
        except OSError as exc:
            logger.warning("registry cache %s not written: %s", self.payload, exc)
            return CachedLoad(atlas, problems, "not written", f"cannot write the cache: {exc.strerror or exc}")
        return CachedLoad(atlas, problems, "written")

    def _write(self, projects: gpd.GeoDataFrame, problems: list[Problem], token: str,
               stamp: tuple[int, ...] | None) -> None:
        table = frame_to_table(projects)
        encoded = problems_to_json(problems)
        self.payload.parent.mkdir(parents=True, exist_ok=True)
        _remove_old_temp_files(self.payload.parent)
        temp = temp_path(self.payload)
        try:
            with os.fdopen(create_new(temp), "wb") as handle:
                options = pa.ipc.IpcWriteOptions(compression="lz4")
                with pa.ipc.new_file(handle, table.schema, options=options) as writer:
                    writer.write_table(table, max_chunksize=max(table.num_rows, 1))
            digest = file_token(temp, length=None)
            os.replace(temp, self.payload)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        index = {
            "keys": self._keys(),
            "registry": {"token": token, "stamp": None if stamp is None else list(stamp)},
            "payload": {"sha256": digest, "rows": table.num_rows, "written_at": time.time()},
            "problems": encoded,
        }
        _write_atomically(self.index, json.dumps(index, ensure_ascii=False).encode("utf-8"))

    def _keys(self) -> dict[str, Any]:
        return {"format": CACHE_FORMAT, "data_dir": str(self.data_dir), "registry": str(self.registry),
                "code": code_fingerprint(),
                "reference": reference_fingerprint(self.data_dir)}


# --- keys ---------------------------------------------------------------------------------------------


def file_token(path: Path, *, length: int | None = 16) -> str:
    """The SHA-256 of a file's bytes, read in chunks; its first 16 hex digits are the version token
    `atlas.registry.files.version_of` gives the same bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    text = digest.hexdigest()
    return text if length is None else text[:length]


def reference_fingerprint(data_dir: Path) -> str:
    """SHA-256 over every data file but the registry (names and bytes): the tables the projects are checked against."""
    digest = hashlib.sha256()
    for name, relative in sorted(settings.DATA_FILES.items()):
        if name == "projects":
            continue
        digest.update(relative.encode("utf-8") + b"\0")
        try:
            digest.update(hashlib.sha256((data_dir / relative).read_bytes()).digest())
        except FileNotFoundError:
            digest.update(b"missing")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """`CACHE_FORMAT`, the loading code's sources, Python's and the libraries' versions, as one hash."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0{unicodedata.unidata_version}\0".encode())
    for module in (pd, np, pa, gpd, shapely, pypinyin):
        digest.update(f"{module.__name__}={getattr(module, '__version__', '?')}\0".encode())
    for pattern in CODE_SOURCES:
        for path in sorted(settings.PACKAGE_DIR.glob(pattern)):
            digest.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stamp(path: Path) -> tuple[int, ...]:
    """What changes whenever the file's bytes change: replaced (inode), rewritten (size, mtime, ctime)."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _racy(stamp: tuple[int, ...]) -> bool:
    """Whether the file changed so recently that a further change could keep its timestamps (see `RACY_S`)."""
    return time.time_ns() - max(stamp[3], stamp[4]) < RACY_S * 1e9


# --- files --------------------------------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data, durable=False)


def _remove_old_temp_files(folder: Path) -> None:
    now = time.time()
    for leftover in folder.glob(".projects-*.tmp"):
        try:
            if now - leftover.stat().st_mtime > TEMP_MAX_AGE_S:
                leftover.unlink()
        except OSError:
            continue
