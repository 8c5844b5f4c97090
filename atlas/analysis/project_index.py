"""Per-row integer codes of a projects frame, so a million projects filter and summarise in milliseconds.

`filter_projects` and `summarise_projects` compare strings and walk cluster lists row by row; at
10⁶ rows that costs seconds. A `ProjectIndex` factorises each column the filters and summaries
use once (status, stage, zone, county, capacity unit: a code per row into the distinct values;
cluster lists: a code per row into the distinct lists), so a filter becomes a lookup table per
column indexed by the codes, and a summary becomes `numpy.bincount` over codes.

Every decision is taken once per *distinct value* with the same expression the row-wise code
uses, so results are identical, not approximately equal.

Indexes are cached by the identity of the frame (`index_of`), and a frame that `filter_projects`
cut from an indexed frame is remembered with its row positions (`remember_subset`), so the app's
filtered view is summarised without re-indexing. Frames are treated as immutable, as everywhere
in the atlas: a frame changed in place after it was indexed would be summarised from stale codes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from typing import Final, cast

import numpy as np
import pandas as pd

INDEX_MIN_ROWS: Final[int] = 20_000
"""Frames from this size on are indexed; below it pandas' own row-wise path is as fast."""

_CODED_COLUMNS: Final[tuple[str, ...]] = ("status", "stage", "zone_id", "county_adcode", "capacity_unit")


@dataclass(frozen=True, eq=False)
class Codes:
    """One column as ``codes`` (int32 per row) into ``values`` (its distinct values); NaN gets code ``len(values)``."""

    codes: np.ndarray
    values: tuple[object, ...]
    dtype: object = object
    """The column's dtype, so that `mapped` evaluates a function on values typed as the column was."""

    @classmethod
    def of(cls, column: pd.Series) -> Codes:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        values = tuple(uniques.tolist())
        return cls(np.where(codes < 0, len(values), codes).astype(np.int32), values, column.dtype)

    def lookup(self, table: np.ndarray) -> np.ndarray:
        """``table[code]`` per row: `table` holds one entry per value and a last one for NaN."""
        result: np.ndarray = table[self.codes]
        return result

    def matches(self, wanted: Collection[object]) -> np.ndarray:
        """Rows whose value is in `wanted`, as ``Series.isin`` decides (NaN never matches a string)."""
        chosen = pd.Series(self.values, dtype=object).isin(list(wanted)).to_numpy(dtype=bool)
        return self.lookup(np.append(chosen, False))

    def mapped(self, function: Callable[[pd.Series], pd.Series]) -> Codes:
        """Codes of ``function(column)``, computed on the distinct values only (`function` must be element-wise)."""
        result = function(pd.Series([*self.values, np.nan], dtype=self.dtype))  # type: ignore[call-overload]
        new = Codes.of(result)
        return Codes(new.codes[self.codes], new.values, new.dtype)

    def take(self, rows: np.ndarray) -> Codes:
        return Codes(self.codes[rows], self.values, self.dtype)


@dataclass(frozen=True, eq=False)
class ProjectIndex:
    """Codes of the columns that filters and summaries read, row-aligned with the indexed frame."""

    clusters: Codes
    """Per row, a code into the distinct cluster-list cells (each value is one of the cell objects)."""
    columns: dict[str, Codes]
    investment: np.ndarray
    capacity: np.ndarray

    def __len__(self) -> int:
        return len(self.investment)

    def take(self, rows: np.ndarray) -> ProjectIndex:
        """The index of the rows at positions `rows` (a subset frame)."""
        return ProjectIndex(
            self.clusters.take(rows),
            {name: codes.take(rows) for name, codes in self.columns.items()},
            self.investment[rows],
            self.capacity[rows],
        )

    def cluster_rows(self, wanted: Collection[str]) -> np.ndarray:
        """Rows whose cluster list shares a value with `wanted` (one set intersection per distinct list)."""
        chosen = set(wanted)
        table = np.asarray([bool(chosen.intersection(cast(Iterable[object], cell))) for cell in self.clusters.values],
                           dtype=np.bool_)
        return self.clusters.lookup(np.append(table, False))


def build_index(frame: pd.DataFrame) -> ProjectIndex:
    """Factorise `frame`'s filter and summary columns, one pass each (cluster lists: `factorize_cells`)."""
    codes, values = factorize_cells(frame["cluster_types"].to_numpy(dtype=object))
    clusters = Codes(codes, tuple(values))
    return ProjectIndex(
        clusters,
        {name: Codes.of(frame[name]) for name in _CODED_COLUMNS},
        frame["investment_cny_m"].to_numpy(dtype=float),
        frame["capacity"].to_numpy(dtype=float),
    )


def factorize_cells(cells: np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Codes of unhashable cells (lists) by content, and the first cell of each code, in order of appearance.

    Factorised by object identity first (one vectorised pass: rows loaded by `atlas.data.load` share a
    list per distinct text), then the few distinct objects by content.
    """
    identities = np.fromiter((id(cell) for cell in cells), dtype=np.int64, count=len(cells))
    by_identity = pd.factorize(identities)[0]
    _, first_rows = np.unique(by_identity, return_index=True)
    by_content: dict[Hashable, int] = {}
    values: list[object] = []
    merged = np.zeros(len(first_rows), dtype=np.int32)
    for position, row in enumerate(first_rows):
        key = _content_key(cells[row])
        if key not in by_content:
            by_content[key] = len(values)
            values.append(cells[row])
        merged[position] = by_content[key]
    return merged[by_identity], values


def _content_key(cell: object) -> Hashable:
    return tuple(cell) if isinstance(cell, list | tuple) else ("\0cell", repr(cell))


@dataclass(frozen=True, eq=False)
class _Entry:
    frame: weakref.ref[pd.DataFrame]
    index: ProjectIndex


_CACHE: dict[int, _Entry] = {}


def _forget(key: int) -> Callable[[object], None]:
    def drop(_: object) -> None:
        _CACHE.pop(key, None)

    return drop


def _store(frame: pd.DataFrame, index: ProjectIndex) -> ProjectIndex:
    key = id(frame)
    _CACHE[key] = _Entry(weakref.ref(frame, _forget(key)), index)
    return index


def cached_index(frame: pd.DataFrame) -> ProjectIndex | None:
    """The index of this very frame object, if one was built or remembered (else None)."""
    entry = _CACHE.get(id(frame))
    if entry is None or entry.frame() is not frame or len(entry.index) != len(frame):
        return None
    return entry.index


def index_of(frame: pd.DataFrame) -> ProjectIndex | None:
    """The cached index of `frame`, built now if the frame has `INDEX_MIN_ROWS` rows or more; else None."""
    found = cached_index(frame)
    if found is not None or len(frame) < INDEX_MIN_ROWS:
        return found
    return _store(frame, build_index(frame))


def remember_subset(subset: pd.DataFrame, index: ProjectIndex, rows: np.ndarray) -> None:
    """Cache the index of `subset` = the rows at positions `rows` of an indexed frame (taken lazily cheap)."""
    _store(subset, index.take(rows))


def count_by_cluster(projects: pd.DataFrame, clusters: Iterable[str]) -> dict[str, int]:
    """How many projects list each cluster type (``c in cell``, decided once per distinct cell when indexed)."""
    index = index_of(projects)
    if index is None:
        return {c: int(projects["cluster_types"].map(lambda cs, c=c: c in cs).sum()) for c in clusters}
    per_cell = np.bincount(index.clusters.codes, minlength=len(index.clusters.values))
    return {c: int(sum(n for n, cell in zip(per_cell, index.clusters.values, strict=True)
                       if c in cast(Iterable[object], cell))) for c in clusters}
