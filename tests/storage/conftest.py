"""Fixtures of the storage suite: one throw-away PostgreSQL + PostGIS cluster per session, a fresh
database per test (copied from a template, so it is quick), and `store` over both backends.

PostgreSQL 15 and PostGIS are required: when they are missing these tests FAIL saying how to install
them (`make system-deps`); they never skip, so CI cannot pass without exercising the database.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from atlas.core import schema, settings
from atlas.core.model import Atlas
from atlas.data.load import load_atlas
from atlas.registry.db_schema import apply_migrations
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.store import RegistryStore, normalise_projects
from tests.conftest import TINY_TABLES
from tests.storage.pg_cluster import DATABASE, ClusterUnavailable, throwaway_cluster
from tests.test_synthetic_registry import script

BACKENDS = ["files", "postgis"]
REGISTRY_TEMPLATE = "atlas_registry_template"
"""A database with PostGIS and every migration applied; `DATABASE` has PostGIS only."""


@dataclass
class Cluster:
    """The session's server: makes and drops per-test databases."""

    base_url: str
    _counter: itertools.count[int]

    def url(self, database: str) -> str:
        return self.base_url.rsplit("/", 1)[0] + "/" + database

    def new_database(self, template: str) -> str:
        name = f"test_{next(self._counter)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A private PostgreSQL 15 + PostGIS server on 127.0.0.1, stopped and deleted after the session."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_cluster())
        except ClusterUnavailable as exc:
            pytest.fail(f"the storage tests need a local PostgreSQL 15 + PostGIS: {exc}", pytrace=False)
        cluster = Cluster(url, itertools.count(1))
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {REGISTRY_TEMPLATE} TEMPLATE {DATABASE}")
        with psycopg.connect(cluster.url(REGISTRY_TEMPLATE), autocommit=True) as conn:
            apply_migrations(conn)
        yield cluster


@pytest.fixture
def postgis_url(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh database with PostGIS and no registry schema (what `atlas db init` starts from)."""
    url = pg_cluster.new_database(DATABASE)
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture
def registry_url(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, migrated, empty registry database."""
    url = pg_cluster.new_database(REGISTRY_TEMPLATE)
    yield url
    pg_cluster.drop_database(url)


@dataclass(frozen=True)
class SyntheticRegistry:
    """A saved synthetic registry (shared by the session's tests: read it, never save to it)."""

    url: str
    projects: pd.DataFrame
    atlas: Atlas


SYNTHETIC_ROWS = 3000


@pytest.fixture(scope="session")
def synthetic_registry(pg_cluster: Cluster) -> Iterator[SyntheticRegistry]:
    """`SYNTHETIC_ROWS` synthetic projects (scripts/make_synthetic_registry.py, seed 5) saved as version 1, and
    the atlas the app would build from them in memory (the shipped data/ is only read)."""
    frame = normalise_projects(script().make_registry(SYNTHETIC_ROWS, 5).astype(object))[0]
    url = pg_cluster.new_database(REGISTRY_TEMPLATE)
    data = settings.REPO_ROOT / "data"
    PostgisStore(url, data_dir=data).save(frame, base_version="0", author="test", message="synthetic")
    yield SyntheticRegistry(url, frame, load_atlas(data, projects=frame))
    pg_cluster.drop_database(url)


def tiny_projects() -> pd.DataFrame:
    """The tiny fixture's projects exactly as a store reads them back (text cells, schema order)."""
    return normalise_projects(pd.DataFrame(TINY_TABLES["projects"]))[0]


NEW_ROW = {
    "id": "gallium",
    "name_zh": "镓项目",
    "name_en": "Gallium line",
    "source": "https://example.org/gallium",
    "as_of": "2025",
    "stage": "bauxite-alumina",
    "status": "planned",
    "county_adcode": "520181",
    "lon": "106.42",
    "lat": "26.58",
    "position_precision": "town",
    "uncertainty_km": "10",
}


def edited(frame: pd.DataFrame, project_id: str, **cells: str) -> pd.DataFrame:
    out = frame.copy()
    for column, value in cells.items():
        out.loc[out["id"] == project_id, column] = value
    return out


def with_new_row(frame: pd.DataFrame) -> pd.DataFrame:
    row = {c: NEW_ROW.get(c, "") for c in schema.PROJECT_COLUMNS}
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tiny_data_dir: Path, request: pytest.FixtureRequest) -> RegistryStore:
    """The tiny registry in either backend, holding the tiny projects as its one version."""
    if backend == "files":
        return FileStore(tiny_data_dir)
    url = request.getfixturevalue("registry_url")
    database = PostgisStore(url, data_dir=tiny_data_dir)
    database.save(tiny_projects(), base_version="0", author="fixture", message="the tiny projects")
    return database


@pytest.fixture
def use_store(monkeypatch: pytest.MonkeyPatch, store: RegistryStore) -> RegistryStore:
    """`store`, with ATLAS_DATABASE_URL set for the database backend so `open_atlas` reads it too."""
    if isinstance(store, PostgisStore):
        monkeypatch.setenv("ATLAS_DATABASE_URL", store.url)
    else:
        monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    return store
