"""Shipped data releases and the bureau's registry: which release it is based on, and merging a newer one in.

A release ships the curated projects in ``data/projects/projects.csv`` with its id in ``data/release.json``.
The registry records the release it is based on in the history entry of the version that release made
(`store.base_release`), and the store keeps that release's shipped projects, so an upgrade is a three-way
merge: the base release, the bureau's registry, the new release. Shipped records the bureau never touched
take the release's values, new ones are added, removed ones retired (dropped from the current version; the
history keeps them); a record both changed stays as the bureau has it and is listed as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import pandas as pd

from atlas.core import schema
from atlas.core.errors import AtlasError
from atlas.core.messages import msg
from atlas.data.release import read_release
from atlas.registry.store import (
    EMPTY_VERSION,
    PROJECTS_LABEL,
    RELEASE_AUTHOR,
    RegistryStore,
    base_release,
    normalise_projects,
    projects_from_csv_bytes,
    projects_to_csv_bytes,
    release_message,
)

CONFLICT_COLUMNS: Final[tuple[str, ...]] = ("id", "conflict", "column", "base", "bureau", "release")
"""The conflict report: one row per differing column (or one per record when a side removed it)."""
CONFLICT_KINDS: Final[dict[str, str]] = {
    "both-changed": "the bureau and the release both changed the record",
    "bureau-removed": "the bureau removed the record, the release changed it",
    "release-removed": "the release removed the record, the bureau changed it",
    "both-added": "the bureau and the release both added a record with this id, differently",
}


class ReleaseKeeper(RegistryStore, Protocol):
    """A store that keeps each merged release's shipped projects (both backends do), over its data folder."""

    data_dir: Path

    def keep_release(self, release: str, data: bytes | bytearray) -> None: ...

    def release_projects(self, release: str) -> bytes | None: ...


@dataclass(frozen=True)
class BureauChanges:
    """What the bureau did to the shipped records of its base release: ids added, changed, removed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseStatus:
    """`atlas data status`: the registry's base release, the bureau's changes, and the shipped release."""

    version: str
    base_release: str | None
    shipped_release: str
    changes: BureauChanges | None
    """None when the base release's shipped records are not kept (they cannot be compared)."""

    @property
    def upgrade_available(self) -> bool:
        return self.base_release is not None and self.base_release != self.shipped_release


@dataclass(frozen=True)
class MergeResult:
    """The merged registry and what the merge did, by id."""

    merged: pd.DataFrame
    updated: list[str]
    added: list[str]
    retired: list[str]
    conflicts: pd.DataFrame


@dataclass(frozen=True)
class UpgradeResult:
    """`atlas data upgrade`: the merge from `base_release` to `release`, and the version it saved (if any)."""

    base_release: str
    release: str
    merge: MergeResult
    saved_version: str | None
    up_to_date: bool = False
    """The registry is already based on `release`: nothing was merged."""


def _rows(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Rows by id as text cells in `schema.PROJECT_COLUMNS` order (the first row wins when an id repeats)."""
    normal, _ = normalise_projects(frame)
    rows: dict[str, tuple[str, ...]] = {}
    for cells in normal.itertuples(index=False, name=None):
        rows.setdefault(str(cells[0]), tuple(str(c) for c in cells))
    return rows


def bureau_changes(base: pd.DataFrame, ours: pd.DataFrame) -> BureauChanges:
    """Ids the bureau added, changed or removed relative to the shipped records of its base release."""
    old, new = _rows(base), _rows(ours)
    return BureauChanges(
        added=[k for k in new if k not in old],
        changed=[k for k in new if k in old and new[k] != old[k]],
        removed=[k for k in old if k not in new],
    )


def merge_release(base: pd.DataFrame, ours: pd.DataFrame, theirs: pd.DataFrame) -> MergeResult:
    """Three-way merge of the registry (`ours`) with a new release (`theirs`) over their common `base`.

    Record by record: untouched by the bureau → the release's record (updated, or retired when the
    release removed it); untouched by the release → the bureau's; new in the release → added; changed
    by both (differently) → the bureau's, listed in `conflicts`. Rows keep the registry's order, with
    the release's new records after them in the release's order.
    """
    old, mine, new = _rows(base), _rows(ours), _rows(theirs)
    columns = schema.PROJECT_COLUMNS
    result: list[tuple[str, ...]] = []
    updated: list[str] = []
    retired: list[str] = []
    conflicts: list[dict[str, str]] = []
    for key, cells in mine.items():
        was, shipped = old.get(key), new.get(key)
        if was is None:  # the bureau's own record, or both added one
            result.append(cells)
            if shipped is not None and shipped != cells:
                conflicts += _conflict_rows(key, "both-added", None, cells, shipped)
        elif cells == was:  # untouched by the bureau: the release decides
            if shipped is None:
                retired.append(key)
                continue
            result.append(shipped)
            if shipped != was:
                updated.append(key)
        else:
            result.append(cells)
            if shipped is None:
                conflicts += _conflict_rows(key, "release-removed", was, cells, None)
            elif shipped not in (was, cells):
                conflicts += _conflict_rows(key, "both-changed", was, cells, shipped)
    added = [key for key in new if key not in old and key not in mine]
    result += [new[key] for key in added]
    conflicts += [
        row
        for key in old
        if key not in mine and key in new and new[key] != old[key]
        for row in _conflict_rows(key, "bureau-removed", old[key], None, new[key])
    ]
    merged = pd.DataFrame(result, columns=list(columns), dtype=object)
    return MergeResult(merged, updated, added, retired, pd.DataFrame(conflicts, columns=list(CONFLICT_COLUMNS)))


def _conflict_rows(
    key: str, kind: str, base: tuple[str, ...] | None, ours: tuple[str, ...] | None, theirs: tuple[str, ...] | None
) -> list[dict[str, str]]:
    """One report row per column where the bureau's and the release's values differ (one row if a side removed it)."""
    if ours is None or theirs is None:
        return [{"id": key, "conflict": kind, "column": "", "base": "", "bureau": "" if ours is None else "(kept)",
                 "release": "" if theirs is None else "(changed)"}]
    rows = []
    for i, column in enumerate(schema.PROJECT_COLUMNS):
        if ours[i] != theirs[i]:
            rows.append({"id": key, "conflict": kind, "column": column, "base": "" if base is None else base[i],
                         "bureau": ours[i], "release": theirs[i]})
    return rows


def _base_projects(store: ReleaseKeeper, release: str) -> pd.DataFrame | None:
    data = store.release_projects(release)
    return None if data is None else projects_from_csv_bytes(data, label=f"release {release} ({PROJECTS_LABEL})")


def release_status(store: ReleaseKeeper, data_dir: Path | None = None) -> ReleaseStatus:
    """The registry's base release and version, the bureau's changes since it, and the release `data_dir` ships.

    `data_dir` defaults to the store's own data folder.
    """
    root = data_dir or store.data_dir
    ours, version = store.read()
    found = base_release(store.history())
    base = None if found is None else found[0]
    shipped = _base_projects(store, base) if base is not None else None
    changes = None if shipped is None else bureau_changes(shipped, ours)
    return ReleaseStatus(version, base, read_release(root).release, changes)


def upgrade_registry(store: ReleaseKeeper, data_dir: Path | None = None, *, dry_run: bool = False) -> UpgradeResult:
    """Merge the data folder's release into the registry as a new version (`merge_release`); nothing when `dry_run`.

    Raises
    ------
    AtlasError
        The registry records no base release, or its shipped records are not kept.
    DataValidationError
        The merged registry would not load with the new release's other tables; nothing was written.
    RegistryConflict
        Someone saved while the merge ran; nothing was written (run it again).
    """
    root = data_dir or store.data_dir
    release = read_release(root).release
    shipped_bytes = (root / PROJECTS_LABEL).read_bytes()
    ours, version = store.read()
    found = base_release(store.history())
    if found is None and version == EMPTY_VERSION:  # an empty registry (a new database): the release seeds it
        found = (release, version)
        base = projects_from_csv_bytes(b"")
    elif found is None:
        raise AtlasError(msg("upgrade_no_base", release="?"))
    else:
        kept = _base_projects(store, found[0])
        if kept is None:
            raise AtlasError(msg("upgrade_no_base", release=found[0]))
        base = kept
    theirs = projects_from_csv_bytes(shipped_bytes, label=str(root / PROJECTS_LABEL))
    merge = merge_release(base, ours, theirs)
    if found[0] == release and version != EMPTY_VERSION:
        return UpgradeResult(found[0], release, merge, None, up_to_date=True)
    if dry_run:
        return UpgradeResult(found[0], release, merge, None)
    store.keep_release(release, projects_to_csv_bytes(theirs))
    what = (f"upgrade from {found[0]}: {len(merge.updated)} updated, {len(merge.added)} added, "
            f"{len(merge.retired)} retired, {merge.conflicts['id'].nunique()} conflict(s) kept as the bureau has them"
            if version != EMPTY_VERSION else f"seeded from {root / PROJECTS_LABEL}")
    message = release_message(release, what)
    saved = store.save(merge.merged, base_version=version, author=RELEASE_AUTHOR, message=message)
    return UpgradeResult(found[0], release, merge, saved)


def conflict_summary(conflicts: pd.DataFrame) -> list[dict[str, Any]]:
    """One entry per conflicting id: its kind and the columns involved (for the CLI's listing)."""
    out = []
    for key, rows in conflicts.groupby("id", sort=False):
        columns = [c for c in rows["column"] if c]
        out.append({"id": str(key), "conflict": str(rows["conflict"].iloc[0]), "columns": columns})
    return out
