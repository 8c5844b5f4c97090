"""The project registry's storage API: read, save with a version check, history, and what changed.

Two backends implement `RegistryStore`: the embedded file store (`atlas.registry.files`, the default,
nothing to start) and PostgreSQL + PostGIS (`atlas.registry.postgis`, when ``ATLAS_DATABASE_URL`` is set).
Both validate a new table together with the rest of the atlas before writing anything, refuse a save
whose base version is no longer current (`RegistryConflict`), and keep every earlier version.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from atlas.core import schema, settings
from atlas.core.errors import AtlasError, DataValidationError, Problem, raise_if_any
from atlas.core.messages import Message, msg
from atlas.data.load import read_raw_data
from atlas.data.tables import SHARED_TEXT_MIN_ROWS, upgrade_legacy_columns
from atlas.data.validate import validate_raw_data

PROJECTS_LABEL: Final[str] = settings.DATA_FILES["projects"]
"""How problems and messages name the registry (the file a load reads)."""

EMPTY_VERSION: Final[str] = "0"
"""Version token of a registry that has never been saved (no file, or an empty database)."""

RELEASE_AUTHOR: Final[str] = "atlas data"
"""Author of the versions a data release made (the seed, and every `atlas data upgrade`)."""
_RELEASE_PREFIX: Final[str] = "data release "


def release_message(release: str, what: str) -> str:
    """The history message of a version a data release made: ``data release 2026.1: <what>``."""
    return f"{_RELEASE_PREFIX}{release}: {what}"


def base_release(history: list[RegistryVersion]) -> tuple[str, str] | None:
    """(release id, version) of the newest version a data release made, or None: the registry's base release.

    Recorded in the version's own history message (`release_message`: the seed, an upgrade, `atlas db
    load`, a restore), so it is written in the same atomic save as the rows.
    """
    for entry in history:
        if entry.message.startswith(_RELEASE_PREFIX):
            release = entry.message[len(_RELEASE_PREFIX):].split(":", 1)[0].strip()
            if release:
                return release, entry.version
    return None


CHANGE_COLUMNS: Final[tuple[str, ...]] = ("id", "change", "columns")
CSV_SLICE_ROWS: Final[int] = 50_000
ARROW_TEXT_MIN_ROWS: Final[int] = SHARED_TEXT_MIN_ROWS
"""A registry this big keeps Arrow-backed text columns as they are (small ones become Python strings)."""


@dataclass(frozen=True)
class RegistryVersion:
    """One saved state of the registry: who saved it, when, why, and how many rows it holds."""

    version: str
    saved_at: str
    author: str
    message: str
    rows: int


class RegistryConflict(AtlasError):
    """Someone saved since you read: the message names both versions, who saved the newer one and when."""

    def __init__(self, *, base_version: str, current: RegistryVersion, reason: str | Message = "") -> None:
        self.base_version = base_version
        self.current = current
        who = current.author or msg("unknown_author")
        when = msg("conflict_when", when=current.saved_at) if current.saved_at else ""
        why = msg("conflict_why", why=current.message) if current.message else ""
        what = reason or msg("conflict_versions", base=base_version, current=current.version)
        super().__init__(msg("registry_conflict", what=what, who=who, when=when, why=why))


class RegistryStore(Protocol):
    """Where the project registry lives; every backend keeps the same promises."""

    def read(self) -> tuple[pd.DataFrame, str]:
        """The projects as text cells (columns `schema.PROJECT_COLUMNS`) and the current version token."""
        ...

    def save(self, projects: pd.DataFrame, *, base_version: str, author: str, message: str) -> str:
        """Validate, check `base_version` is current, write atomically keeping history; return the new version.

        Raises
        ------
        DataValidationError
            The table (with the rest of the atlas) would not load; nothing was written.
        RegistryConflict
            Someone saved since `base_version` was read; nothing was written.
        """
        ...

    def history(self) -> list[RegistryVersion]:
        """Every saved version, newest first (the first one is the current version)."""
        ...

    def read_version(self, version: str) -> pd.DataFrame:
        """The projects as they were at `version` (AtlasError when there is no such version)."""
        ...

    def stamp(self) -> str:
        """A cheap token that changes whenever the current version does (no data is read).

        A running app asks for it every few seconds to notice saves made elsewhere (the CLI, another
        app server); it is not the version token itself, only a way to know when to read that again.
        """
        ...


def _cell_text(value: Any) -> str:
    """A cell as the stripped text a CSV would hold; None/NaN (unknown) become "", 500.0 becomes "500"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an editor's numeric column holds 500.0 where the user typed 500
    return str(value).strip()


def normalise_projects(projects: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Text cells in `schema.PROJECT_COLUMNS` order; missing or unknown columns are problems.

    An unknown column is refused rather than dropped: saving must never lose what a user typed. A
    column under its old name (`schema.LEGACY_COLUMNS`: ``notes``) is taken as its new one (``notes_en``).
    """
    projects = upgrade_legacy_columns(projects, schema.LEGACY_COLUMNS)
    expected = list(schema.PROJECT_COLUMNS)
    names = [str(c) for c in projects.columns]
    valid = f"(expected columns: {', '.join(expected)})"
    problems = [
        Problem(PROJECTS_LABEL, f"required column is missing {valid}", column=c) for c in expected if c not in names
    ]
    problems += [
        Problem(PROJECTS_LABEL, f"unknown column would not be saved {valid}", column=c)
        for c in names
        if c not in expected
    ]
    problems += [
        Problem(PROJECTS_LABEL, "column appears more than once", column=c)
        for c in sorted({c for c in names if names.count(c) > 1})
    ]
    if len(set(names)) != len(names):
        return pd.DataFrame(columns=expected, dtype=object), problems
    blank = [""] * len(projects)
    cells = {c: _column_text(projects[c]) if c in names else blank for c in expected}
    # Text columns stay as they came: Arrow-backed (a big import) or Python strings (everything else).
    # An explicit dtype per column: pandas would otherwise infer (and copy) object text into Arrow strings.
    columns = {c: pd.Series(v, dtype=v.dtype if isinstance(v, pd.api.extensions.ExtensionArray) else object)
               for c, v in cells.items()}
    return pd.DataFrame(columns, columns=expected), problems


def _column_text(values: pd.Series) -> list[str] | np.ndarray | pd.api.extensions.ExtensionArray:
    """`_cell_text` of every cell; a column of plain strings (a registry read or imported) in one pass.

    An Arrow-backed text column (a big import) stays in Arrow: a million rows never become Python strings.
    """
    if isinstance(values.dtype, pd.StringDtype) and len(values) >= ARROW_TEXT_MIN_ROWS and not values.isna().any():
        stripped = values.str.strip()
        return values.array if stripped.equals(values) else stripped.array  # usually stripped already
    if all(type(v) is str for v in values):
        return values.astype(object).str.strip().to_numpy(dtype=object)
    return [_cell_text(v) for v in values]


def validate_projects(projects: pd.DataFrame, data_dir: Path) -> pd.DataFrame:
    """The normalised table if the atlas would load with it, else one `DataValidationError` listing all.

    The other tables come from `data_dir`, so a save is checked exactly as `load_atlas` would check it.
    """
    frame, problems = normalise_projects(projects)
    raise_if_any(problems)
    raw, read_problems = read_raw_data(data_dir, projects=frame)
    raise_if_any(read_problems + validate_raw_data(raw))
    return frame


def projects_to_csv_bytes(projects: pd.DataFrame, *, normalised: bool = False) -> bytes:
    """The registry file's bytes: UTF-8, no BOM, "\\n" line ends, like the shipped file.

    `normalised` says `projects` comes from `normalise_projects`/`validate_projects` already. Written in
    slices, so a million-row registry never exists as one Python string.
    """
    frame = projects
    if not normalised:
        frame, problems = normalise_projects(projects)
        raise_if_any(problems)
    return bytes(csv_payload(frame))


def csv_payload(frame: pd.DataFrame) -> bytearray:
    """`projects_to_csv_bytes` of a normalised table, grown in place (no second copy of a big registry)."""
    out = bytearray(",".join(frame.columns).encode("utf-8") + b"\n")
    for start in range(0, len(frame), CSV_SLICE_ROWS):
        part = frame.iloc[start : start + CSV_SLICE_ROWS]
        out += part.to_csv(index=False, header=False, lineterminator="\n").encode("utf-8")
    return out


def projects_from_csv_bytes(data: bytes, *, label: str = PROJECTS_LABEL) -> pd.DataFrame:
    """Parse registry bytes read once (so the frame and its version token describe the same bytes)."""
    if not data.strip():
        return normalise_projects(pd.DataFrame(columns=list(schema.PROJECT_COLUMNS)))[0]
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError([Problem(label, f"not UTF-8 text ({exc.reason})")]) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError([Problem(label, f"not a readable CSV: {exc}")]) from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = upgrade_legacy_columns(frame, schema.LEGACY_COLUMNS)
    for column in schema.PROJECT_OPTIONAL_COLUMNS:  # a registry written before these columns existed
        if column not in frame.columns:
            frame[column] = ""
    missing = [c for c in schema.PROJECT_COLUMNS if c not in frame.columns]
    raise_if_any(
        Problem(label, f"required column is missing (expected columns: {', '.join(schema.PROJECT_COLUMNS)})", column=c)
        for c in missing
    )
    return normalise_projects(frame[list(schema.PROJECT_COLUMNS)])[0]


def registry_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per id that differs between two registry tables: added, removed or changed (which columns).

    Rows keep the order of `new` (added and changed), then removed ids in the order of `old`.
    Cells compare as text, so "" and a missing value are the same (unknown).
    """
    old_rows = _rows_by_id(old)
    new_rows = _rows_by_id(new)
    columns = list(dict.fromkeys([*old.columns, *new.columns]))
    records: list[dict[str, str]] = []
    for key, row in new_rows.items():
        before = old_rows.get(key)
        if before is None:
            records.append({"id": key, "change": "added", "columns": ""})
            continue
        differing = [c for c in columns if c != "id" and _cell_text(before.get(c)) != _cell_text(row.get(c))]
        if differing:
            records.append({"id": key, "change": "changed", "columns": ",".join(differing)})
    records += [{"id": key, "change": "removed", "columns": ""} for key in old_rows if key not in new_rows]
    return pd.DataFrame(records, columns=list(CHANGE_COLUMNS))


def _rows_by_id(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows keyed by their id text (the first row wins when an id repeats)."""
    rows: dict[str, dict[str, Any]] = {}
    if "id" not in frame.columns:
        return rows
    for record in frame.to_dict(orient="records"):
        rows.setdefault(_cell_text(record["id"]), {str(k): v for k, v in record.items()})
    return rows
