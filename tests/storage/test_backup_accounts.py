"""The bureau's accounts in a backup, in both backends and across them: hashes only, never overwritten on restore."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas.core.errors import AtlasError
from atlas.registry.account_stores import PostgisAccounts, open_accounts
from atlas.registry.accounts import LOCKOUT_FAILURES, Role, new_account, sign_in
from atlas.registry.backup import read_backup, restore_backup, write_backup
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.releases import upgrade_registry
from tests.accounts_support import NOW, PASSWORD, quick_hashes
from tests.cli_runner import run_atlas
from tests.storage.conftest import REGISTRY_TEMPLATE, Cluster

Store = FileStore | PostgisStore


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    quick_hashes(monkeypatch)


@pytest.fixture
def places(tiny_data_dir: Path, tmp_path: Path, pg_cluster: Cluster) -> Iterator[dict[str, Store]]:
    """Two empty registries of each backend (a server and its replacement); `registry` opens them on first use."""
    urls = [pg_cluster.new_database(REGISTRY_TEMPLATE) for _ in range(2)]
    yield {"files": FileStore(tiny_data_dir, folder=tmp_path / "state" / "registry"),
           "files-new": FileStore(tiny_data_dir, folder=tmp_path / "new-state" / "registry"),
           "postgis": PostgisStore(urls[0], data_dir=tiny_data_dir),
           "postgis-new": PostgisStore(urls[1], data_dir=tiny_data_dir)}
    for url in urls:
        pg_cluster.drop_database(url)


def registry(store: Store) -> Store:
    """`store` in use: the shipped projects as version 1 (the file store seeds itself, a database by upgrade)."""
    if isinstance(store, PostgisStore):
        upgrade_registry(store, store.data_dir)
    store.read()
    return store


def add_accounts(store: Store) -> None:
    """The bureau's admin, and an editor for Guiyang who has just locked herself out."""
    accounts = open_accounts(store)
    accounts.put(new_account("root", Role.ADMIN, password=PASSWORD, now=NOW), new=True)
    accounts.put(new_account("王敏", Role.EDITOR, password=PASSWORD, prefectures=("520100",), now=NOW), new=True)
    for _ in range(LOCKOUT_FAILURES):
        sign_in(accounts, "王敏", "a guess", now=NOW)


def test_an_account_added_in_database_mode_survives_backup_drop_and_restore(
    tiny_data_dir: Path, tmp_path: Path, pg_cluster: Cluster
) -> None:
    store = PostgisStore(pg_cluster.new_database(REGISTRY_TEMPLATE), data_dir=tiny_data_dir)
    add_accounts(registry(store))
    summary = write_backup(store, tmp_path / "backup.zip")
    assert summary.accounts == 2
    pg_cluster.drop_database(store.url)  # the server is lost

    again = PostgisStore(pg_cluster.new_database(REGISTRY_TEMPLATE), data_dir=tiny_data_dir)
    try:
        restored = restore_backup(again, tmp_path / "backup.zip", author="test")

        assert (restored.mode, restored.accounts_added, restored.accounts_kept) == ("history", ["root", "王敏"], [])
        accounts = PostgisAccounts(again.url)
        created = "2026-05-01T08:00:00Z"
        assert [(a.name, a.role, a.prefectures, a.created_at) for a in accounts.all()] == [
            ("root", Role.ADMIN, (), created), ("王敏", Role.EDITOR, ("520100",), created)]
        assert sign_in(accounts, "root", PASSWORD) is not None
        assert sign_in(accounts, "王敏", PASSWORD) is not None  # lockouts are not backed up
    finally:
        pg_cluster.drop_database(again.url)


@pytest.mark.parametrize("backend", ["files", "postgis"])
def test_a_backup_holds_password_hashes_never_a_password_and_no_sign_in_log(
    backend: str, places: dict[str, Store], tmp_path: Path
) -> None:
    store = registry(places[backend])
    add_accounts(store)

    write_backup(store, tmp_path / "backup.zip")

    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert not [name for name, data in members.items() if PASSWORD.encode() in data]
    assert not [name for name in members if "sign-in" in name]
    records = json.loads(members["beside/users.json"])
    assert [(r["name"], r["password_hash"][:10], r["failures"], r["locked_until"]) for r in records] == [
        ("root", "$argon2id$", 0, ""), ("王敏", "$argon2id$", 0, "")]


@pytest.mark.parametrize(("source", "target"), [("files", "postgis-new"), ("postgis", "files-new")])
def test_a_backup_of_one_backend_restores_its_accounts_into_the_other(
    source: str, target: str, places: dict[str, Store], tmp_path: Path
) -> None:
    add_accounts(registry(places[source]))
    write_backup(places[source], tmp_path / "backup.zip")

    restored = restore_backup(places[target], tmp_path / "backup.zip", author="test")

    assert restored.mode == "history" and restored.accounts_added == ["root", "王敏"]
    accounts = open_accounts(places[target])
    assert [(a.name, a.role, a.prefectures) for a in accounts.all()] == [
        ("root", Role.ADMIN, ()), ("王敏", Role.EDITOR, ("520100",))]
    assert sign_in(accounts, "王敏", PASSWORD) is not None
    assert places[target].read()[0].equals(places[source].read()[0])


@pytest.mark.parametrize("backend", ["files", "postgis"])
def test_a_restore_adds_missing_accounts_and_leaves_those_here_as_they_are(
    backend: str, places: dict[str, Store], tmp_path: Path
) -> None:
    store = registry(places[backend])
    add_accounts(store)
    write_backup(store, tmp_path / "backup.zip")
    accounts = open_accounts(store)
    accounts.put(new_account("root", Role.ADMIN, password="a newer passphrase"))  # changed after the backup
    accounts.put(new_account("zhao", Role.VIEWER, password=PASSWORD), new=True)  # added after it
    assert accounts.remove("王敏")  # removed after it

    restored = restore_backup(store, tmp_path / "backup.zip", author="test")

    assert (restored.accounts_added, restored.accounts_kept) == (["王敏"], ["root"])
    assert [a.name for a in accounts.all()] == ["root", "zhao", "王敏"]
    assert sign_in(accounts, "root", "a newer passphrase") is not None  # the backup's old password did not return
    assert sign_in(accounts, "root", PASSWORD) is None


def test_an_archive_whose_accounts_are_unreadable_is_refused_before_anything_is_written(
    places: dict[str, Store], tmp_path: Path
) -> None:
    store = registry(places["files"])
    add_accounts(store)
    write_backup(store, tmp_path / "backup.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(bad, "w") as archive:
        manifest = json.loads(source.read("manifest.json"))
        broken = b'[{"name": "root", "role": "superuser"}]'
        manifest["files"]["beside/users.json"] = {"sha256": hashlib.sha256(broken).hexdigest(),
                                                  "bytes": len(broken)}
        for name in source.namelist():
            data = {"manifest.json": json.dumps(manifest).encode(), "beside/users.json": broken}.get(name)
            archive.writestr(name, data if data is not None else source.read(name))
    target = places["postgis-new"]

    with pytest.raises(AtlasError, match=r"users\.json is not a list of accounts.*nothing was changed"):
        read_backup(bad)
    with pytest.raises(AtlasError):
        restore_backup(target, bad, author="test")

    assert target.is_empty() and PostgisAccounts(target.url).all() == []


def test_the_cli_backs_up_and_restores_database_accounts_and_says_so(
    places: dict[str, Store], tmp_path: Path, tiny_data_dir: Path
) -> None:
    source, target = registry(places["postgis"]), places["postgis-new"]
    add_accounts(source)
    env = {"ATLAS_DATA_DIR": str(tiny_data_dir)}
    backup = run_atlas("backup", "-o", str(tmp_path / "b.zip"), env={**env, "ATLAS_DATABASE_URL": source.url})
    assert backup.returncode == 0, backup.stderr
    assert "with 2 account(s) (password hashes only)" in backup.stdout

    restore = run_atlas("restore", str(tmp_path / "b.zip"), env={**env, "ATLAS_DATABASE_URL": target.url})
    again = run_atlas("restore", str(tmp_path / "b.zip"), env={**env, "ATLAS_DATABASE_URL": target.url})

    assert restore.returncode == 0, restore.stderr
    assert "accounts restored: root, 王敏" in restore.stdout
    assert "accounts already here, left as they are (not overwritten from the backup): root, 王敏" in again.stdout
