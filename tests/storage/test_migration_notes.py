"""Migration 007: a registry database from before bilingual notes upgrades with its notes as English."""

from __future__ import annotations

import psycopg

from atlas.core import schema
from atlas.registry.db_schema import apply_migrations, shipped_migrations
from atlas.registry.postgis import PostgisStore
from tests.storage.conftest import tiny_projects

BEFORE = "007_bilingual_notes"


def _database_before_007(url: str) -> None:
    """The schema as `atlas db init` made it before 007, with one saved version whose row has a note."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())")
        for migration in shipped_migrations():
            if migration.name < BEFORE:
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (migration.name,))
        row = tiny_projects().iloc[0]
        old_columns = [c for c in schema.PROJECT_COLUMNS if c not in ("notes_zh", "notes_en")]
        names = ", ".join([*old_columns, "notes"])
        cells = [str(row[c]) for c in old_columns] + ["expansion approved in 2024"]
        marks = ", ".join(["%s"] * len(cells))
        conn.execute("INSERT INTO registry_versions (version, author, message, row_count) VALUES (1, 'old', 'v1', 1)")
        conn.execute(f"INSERT INTO projects (row_no, {names}, changed_in) VALUES (1, {marks}, 1)", cells)
        conn.execute(f"INSERT INTO projects_history (version, row_no, {names}, row_version, changed_in) "
                     f"VALUES (1, 1, {marks}, 1, 1)", cells)
        conn.execute("UPDATE registry_head SET version = 1")


def test_an_old_registry_database_migrates_its_notes_to_english_and_keeps_working(postgis_url, tiny_data_dir):
    _database_before_007(postgis_url)
    store = PostgisStore(postgis_url, data_dir=tiny_data_dir)

    with psycopg.connect(postgis_url) as conn:
        assert apply_migrations(conn) == [m.name for m in shipped_migrations() if m.name >= BEFORE]
    projects, version = store.read()
    assert version == "1" and list(projects.columns) == list(schema.PROJECT_COLUMNS)
    assert (projects.loc[0, "notes_en"], projects.loc[0, "notes_zh"]) == ("expansion approved in 2024", "")
    assert store.read_version("1").loc[0, "notes_en"] == "expansion approved in 2024"  # history migrated too

    projects.loc[0, "notes_zh"] = "2024年批准扩建"
    saved = store.save(projects, base_version=version, author="李雷", message="Chinese note")
    again = store.read()[0]
    assert (again.loc[0, "notes_zh"], again.loc[0, "notes_en"]) == ("2024年批准扩建", "expansion approved in 2024")
    assert store.read_version("1").loc[0, "notes_zh"] == "" and saved == "2"
