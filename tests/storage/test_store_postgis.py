"""The database backend's own promises: typed geometry with an index, row versions, clear connection errors."""

from __future__ import annotations

import psycopg
import pytest

from atlas.core import schema
from atlas.core.errors import AtlasError
from atlas.registry.db_schema import apply_migrations, shipped_migrations
from atlas.registry.postgis import PostgisStore, describe_url
from atlas.registry.startup import open_atlas, open_store
from atlas.registry.store import RegistryConflict
from tests.storage.conftest import edited, tiny_projects

CLOSED_PORT_URL = "postgresql://atlas:s3cret@127.0.0.1:9/nowhere"
"""Port 9 (discard) has no PostgreSQL: a connection is refused at once."""


@pytest.fixture
def database(registry_url, tiny_data_dir) -> PostgisStore:
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    store.save(tiny_projects(), base_version="0", author="fixture", message="tiny")
    return store


def test_a_database_url_selects_the_postgis_store(monkeypatch, registry_url, tiny_data_dir):
    monkeypatch.setenv("ATLAS_DATABASE_URL", registry_url)
    store = open_store(tiny_data_dir)
    assert isinstance(store, PostgisStore) and store.url == registry_url


def test_an_empty_registry_reads_as_version_zero_with_no_history(registry_url, tiny_data_dir):
    store = PostgisStore(registry_url, data_dir=tiny_data_dir)
    frame, version = store.read()
    assert version == "0" and frame.empty and list(frame.columns) == list(schema.PROJECT_COLUMNS)
    assert store.history() == []


def test_points_are_stored_as_wgs84_geometries_with_a_gist_index(database):
    with psycopg.connect(database.url) as conn:
        srid, kind = conn.execute(
            "SELECT Find_SRID('public', 'projects', 'geom'), GeometryType(geom) FROM projects"
        ).fetchone()
        point = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM projects WHERE id = 'wheels'").fetchone()
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'projects' AND indexdef ILIKE '%gist%'"
        ).fetchone()
    assert (srid, kind) == (4326, "POINT")
    assert point == (106.45, 26.55)
    assert index is not None and "geom" in index[0]


def test_row_versions_count_up_only_for_rows_that_changed(database):
    frame, v1 = database.read()
    v2 = database.save(edited(frame, "wheels", status="signed"), base_version=v1, author="a", message="m")
    database.save(edited(database.read()[0], "wheels", capacity="3"), base_version=v2, author="a", message="m")
    with psycopg.connect(database.url) as conn:
        versions = dict(conn.execute("SELECT id, row_version FROM projects").fetchall())
        snapshots = conn.execute("SELECT count(*) FROM projects_history").fetchone()
    assert versions == {"smelter": 1, "wheels": 3, "foil": 1}
    assert snapshots == (9,)  # three full snapshots: nothing a save replaced is lost


def test_a_write_outside_the_atlas_is_caught_by_row_versions(database):
    frame, version = database.read()
    with psycopg.connect(database.url) as conn:
        conn.execute("UPDATE projects SET capacity = '1', row_version = row_version + 1 WHERE id = 'foil'")
    with pytest.raises(RegistryConflict, match="foil were written outside the atlas"):
        database.save(edited(frame, "smelter", year="2019"), base_version=version, author="a", message="m")
    with psycopg.connect(database.url) as conn:
        assert conn.execute("SELECT year FROM projects WHERE id = 'smelter'").fetchone() == ("2020",)


def test_the_schema_holds_every_registry_column(registry_url):
    with psycopg.connect(registry_url) as conn:
        columns = {
            r[0]
            for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'projects'")
        }
    assert set(schema.PROJECT_COLUMNS) <= columns


def test_migrations_are_applied_once_and_recorded(registry_url):
    with psycopg.connect(registry_url, autocommit=True) as conn:
        assert apply_migrations(conn) == []
        recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert recorded == [m.name for m in shipped_migrations()]


def test_an_uninitialised_database_says_to_run_db_init(postgis_url, tiny_data_dir):
    with pytest.raises(AtlasError, match="not initialised: run `atlas db init`"):
        PostgisStore(postgis_url, data_dir=tiny_data_dir).read()


def test_an_unreachable_database_is_one_clear_error_without_the_password(tiny_data_dir):
    with pytest.raises(AtlasError) as caught:
        PostgisStore(CLOSED_PORT_URL, data_dir=tiny_data_dir).read()
    text = str(caught.value)
    assert text.startswith("cannot reach the registry database 127.0.0.1:9/nowhere")
    assert "s3cret" not in text and "\n" not in text


def test_opening_the_atlas_with_an_unreachable_database_is_one_clear_error(monkeypatch, tiny_data_dir):
    monkeypatch.setenv("ATLAS_DATABASE_URL", CLOSED_PORT_URL)
    with pytest.raises(AtlasError, match="cannot reach the registry database"):
        open_atlas(tiny_data_dir)


def test_a_url_that_is_not_postgresql_is_refused(tiny_data_dir):
    with pytest.raises(AtlasError, match="must be a postgresql:// URL"):
        PostgisStore("mysql://x@y/z", data_dir=tiny_data_dir).read()


def test_describe_url_never_shows_the_password():
    assert describe_url("postgresql://u:pw@db.example:6543/atlas") == "db.example:6543/atlas"


def test_the_test_cluster_says_what_to_install_when_postgresql_is_missing(monkeypatch, tmp_path):
    from tests.storage import pg_cluster

    installed = pg_cluster.PG_BIN
    monkeypatch.setattr(pg_cluster, "PG_BIN", tmp_path)
    assert "install Debian's postgresql-15" in (pg_cluster.missing_software() or "")
    monkeypatch.setattr(pg_cluster, "PG_BIN", installed)
    monkeypatch.setattr(pg_cluster, "POSTGIS_CONTROL", tmp_path / "postgis.control")
    assert "postgresql-15-postgis-3" in (pg_cluster.missing_software() or "")
