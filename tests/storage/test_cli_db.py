"""`atlas db init|migrate|load` as a user runs it (in-process, `tests.cli_runner`; a bad action in a real
process), on a throw-away database."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from atlas.core import settings
from atlas.registry.db_schema import shipped_migrations
from tests.cli_runner import CliResult, run_atlas, run_atlas_process
from tests.storage.test_store_postgis import CLOSED_PORT_URL


def atlas(*args: str, url: str | None, data_dir: Path | None = None, process: bool = False) -> CliResult:
    """`atlas ARGS` with exactly this database URL and data folder (unset when None), in-process unless `process`."""
    run = run_atlas_process if process else run_atlas
    return run(*args, env={"ATLAS_DATABASE_URL": url, "ATLAS_DATA_DIR": None if data_dir is None else str(data_dir)})


def one_error_line(result: CliResult) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_db_init_creates_the_schema_once_and_migrate_then_has_nothing_to_do(postgis_url):
    first = atlas("db", "init", "--format", "json", url=postgis_url)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["applied"] == [m.name for m in shipped_migrations()] and report["pending"] == []
    again = atlas("db", "init", url=postgis_url)
    assert again.returncode == 0 and "up to date" in again.stdout
    migrate = atlas("db", "migrate", url=postgis_url)
    assert migrate.returncode == 0 and "up to date" in migrate.stdout


def test_db_migrate_on_an_uninitialised_database_says_to_run_init(postgis_url):
    assert "run `atlas db init` first" in one_error_line(atlas("db", "migrate", url=postgis_url))


def test_db_load_copies_the_shipped_projects_in_as_version_1(registry_url):
    result = atlas("db", "load", "--format", "json", "--author", "ops", url=registry_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    shipped_rows = len((settings.REPO_ROOT / "data/projects/projects.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert (report["version"], report["rows"]) == ("1", shipped_rows)
    with psycopg.connect(registry_url) as conn:
        assert conn.execute("SELECT count(*), count(geom) FROM projects").fetchone() == (shipped_rows, shipped_rows)
        assert conn.execute("SELECT author FROM registry_versions").fetchone() == ("ops",)


def test_db_load_refuses_to_overwrite_a_registry_without_replace_and_adds_a_version_with_it(
    registry_url, tiny_data_dir
):
    assert atlas("db", "load", url=registry_url, data_dir=tiny_data_dir).returncode == 0
    refused = one_error_line(atlas("db", "load", url=registry_url, data_dir=tiny_data_dir))
    assert "already holds version 1" in refused and "--replace" in refused
    replaced = atlas("db", "load", "--replace", url=registry_url, data_dir=tiny_data_dir)
    assert replaced.returncode == 0 and "as version 2" in replaced.stdout


def test_db_load_of_invalid_data_lists_the_problems_and_writes_nothing(registry_url, tiny_data_dir):
    path = tiny_data_dir / "projects" / "projects.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("operating", "finished"), encoding="utf-8")
    result = atlas("db", "load", url=registry_url, data_dir=tiny_data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "column 'status'" in result.stderr and "'finished'" in result.stderr
    with psycopg.connect(registry_url) as conn:
        assert conn.execute("SELECT version FROM registry_head").fetchone() == (0,)


def test_commands_read_the_registry_from_the_database_when_a_url_is_set(registry_url, tiny_data_dir):
    assert atlas("db", "load", url=registry_url, data_dir=tiny_data_dir).returncode == 0
    with psycopg.connect(registry_url) as conn:
        conn.execute("UPDATE projects SET name_en = 'Renamed in the database' WHERE id = 'wheels'")
    result = atlas("projects", "--format", "json", url=registry_url, data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert "Renamed in the database" in {p["name_en"] for p in json.loads(result.stdout)}


def test_db_without_a_database_url_is_one_clear_line():
    assert "ATLAS_DATABASE_URL is not set" in one_error_line(atlas("db", "init", url=None))


def test_an_unreachable_database_is_one_clear_line_for_db_and_for_other_commands():
    for args in (("db", "init"), ("db", "load"), ("projects",), ("validate",)):
        line = one_error_line(atlas(*args, url=CLOSED_PORT_URL))
        assert "cannot reach the registry database 127.0.0.1:9/nowhere" in line and "s3cret" not in line


def test_a_bad_db_action_is_one_line_with_exit_2():
    # a real process: argparse's exit status and message as the shell sees them
    line = one_error_line(atlas("db", "drop", url=None, process=True))
    assert "invalid choice" in line
