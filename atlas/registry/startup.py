"""Opening the configured registry, and loading the atlas with the registry's projects.

Loading (`atlas.data.load`) never opens a store: these startup functions do, and hand the store's
projects to the loader. With the embedded file store the loader reads the store's own file (its fast
column-wise reader; the file lives in `settings.registry_dir`, seeded from the data folder on first use),
through the registry cache (`atlas.registry.cache`) when the file is large; with PostgreSQL the store's
table is handed over as text cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from atlas.core import schema, settings
from atlas.core.errors import Problem, raise_if_any
from atlas.core.model import Atlas
from atlas.data.load import load_atlas_with_problems
from atlas.registry.cache import load_with_cache
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.store import RegistryStore


def open_store(data_dir: Path | None = None) -> RegistryStore:
    """The configured registry: PostgreSQL when ``ATLAS_DATABASE_URL`` is set, else the file store.

    Parameters
    ----------
    data_dir
        The data folder (its other tables validate every save); default `settings.data_dir()`.
    """
    root = data_dir or settings.data_dir()
    url = settings.database_url()
    if url:
        return PostgisStore(url, data_dir=root)
    return FileStore(root)


def open_atlas_with_problems(data_dir: Path | None = None) -> tuple[Atlas | None, list[Problem]]:
    """The atlas with the configured registry's projects, and every problem (errors and warnings).

    Raises `AtlasError` when the registry database cannot be reached.
    """
    root = data_dir or settings.data_dir()
    store = open_store(root)
    if isinstance(store, FileStore):
        store.ensure_seeded()
        loaded = load_with_cache(root, registry=store.path)
        return loaded.atlas, loaded.problems
    return load_atlas_with_problems(root, projects=store.read()[0])


def open_served_atlas_with_problems(data_dir: Path | None = None) -> tuple[Atlas | None, list[Problem]]:
    """What an app server holds: the whole atlas with the file store, the reference layers only with PostgreSQL.

    In database mode the atlas's ``projects`` is empty: pages ask the database for the projects they show
    (`atlas.maps.project_source`), so app servers do not grow with the registry. The registry was validated
    by the save that wrote it; the other tables are validated here as in file mode.
    """
    root = data_dir or settings.data_dir()
    if not settings.database_url():
        return open_atlas_with_problems(root)
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in schema.PROJECT_COLUMNS})
    return load_atlas_with_problems(root, projects=empty)


def open_atlas(data_dir: Path | None = None) -> Atlas:
    """Like `open_atlas_with_problems`, but raise one `DataValidationError` listing every problem."""
    atlas, problems = open_atlas_with_problems(data_dir)
    raise_if_any(problems)
    assert atlas is not None  # no error-severity problem means every table was built
    return atlas
