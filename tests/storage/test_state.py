"""The bureau's registry across data releases and backups, in both backends: seed, upgrade, backup, restore."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from atlas.core.errors import AtlasError
from atlas.registry.backup import read_backup, restore_backup, write_backup
from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.releases import release_status, upgrade_registry
from atlas.registry.store import base_release
from tests.conftest import TINY_TABLES, write_table
from tests.storage.conftest import NEW_ROW, REGISTRY_TEMPLATE, edited, with_new_row

Store = FileStore | PostgisStore


def ship_release(data_dir: Path, release: str, projects: list[dict[str, str]]) -> None:
    """What a release commit does to a data folder: new shipped projects and a new release id."""
    write_table(data_dir, "projects", projects)
    (data_dir / "release.json").write_text(json.dumps({"release": release}), encoding="utf-8")


@pytest.fixture
def release_dir(tiny_data_dir: Path) -> Path:
    """The tiny data folder as release r1."""
    ship_release(tiny_data_dir, "r1", TINY_TABLES["projects"])
    return tiny_data_dir


@pytest.fixture
def seeded(backend: str, release_dir: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """The registry on first use: the file store seeds itself; a new database is seeded by `atlas data upgrade`."""
    store: Store = (FileStore(release_dir, folder=tmp_path / "state" / "registry") if backend == "files"
                    else PostgisStore(request.getfixturevalue("registry_url"), data_dir=release_dir))
    if isinstance(store, PostgisStore):
        upgrade_registry(store, release_dir)
    store.read()  # first use: while the data folder holds r1
    return store


def test_first_use_makes_the_shipped_projects_version_one_naming_their_release(seeded: Store) -> None:
    history = seeded.history()
    assert len(history) == 1
    assert base_release(history) == ("r1", history[0].version)
    assert seeded.read()[0]["id"].tolist() == ["smelter", "wheels", "foil"]
    status = release_status(seeded)
    assert (status.base_release, status.shipped_release, status.upgrade_available) == ("r1", "r1", False)


def bureau_edits(store: Store) -> str:
    """The bureau corrects the smelter's capacity and adds its own gallium project."""
    frame, version = store.read()
    return store.save(with_new_row(edited(frame, "smelter", capacity="600")), base_version=version,
                      author="王敏", message="bureau edits")


def release_r2(data_dir: Path) -> None:
    """r2 changes the smelter (as the bureau did, differently) and the wheels, drops the foil, adds a plant."""
    rows = [dict(r) for r in TINY_TABLES["projects"] if r["id"] != "foil"]
    rows[0]["capacity"] = "550"
    rows[1]["as_of"] = "2026"
    rows.append({**NEW_ROW, "id": "new-plant", "name_zh": "新厂", "name_en": "New plant"})
    ship_release(data_dir, "r2", rows)


def test_an_upgrade_keeps_every_bureau_edit_brings_every_shipped_change_and_lists_the_conflict(
    seeded: Store, release_dir: Path
) -> None:
    bureau_edits(seeded)
    release_r2(release_dir)
    assert release_status(seeded).upgrade_available

    result = upgrade_registry(seeded, release_dir)

    merged = seeded.read()[0].set_index("id")
    assert list(merged.index) == ["smelter", "wheels", "gallium", "new-plant"]
    assert merged.loc["smelter", "capacity"] == "600"  # both changed: kept as the bureau has it
    assert merged.loc["wheels", "as_of"] == "2026"  # untouched by the bureau: updated
    assert (result.merge.updated, result.merge.added, result.merge.retired) == (["wheels"], ["new-plant"], ["foil"])
    conflict = result.merge.conflicts.iloc[0].to_dict()
    assert conflict == {"id": "smelter", "conflict": "both-changed", "column": "capacity", "base": "500",
                        "bureau": "600", "release": "550"}
    history = seeded.history()
    assert len(history) == 3 and history[0].version == result.saved_version
    status = release_status(seeded)
    assert (status.base_release, status.upgrade_available) == ("r2", False)
    assert status.changes is not None and (status.changes.added, status.changes.changed) == (["gallium"], ["smelter"])


def test_a_dry_run_upgrade_saves_nothing(seeded: Store, release_dir: Path) -> None:
    release_r2(release_dir)
    before = seeded.history()
    result = upgrade_registry(seeded, release_dir, dry_run=True)
    assert result.saved_version is None and result.merge.retired == ["foil"]
    assert seeded.history() == before


def test_a_backup_restores_into_an_empty_registry_with_identical_content_and_history(
    backend: str, seeded: Store, release_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    bureau_edits(seeded)
    summary = write_backup(seeded, tmp_path / "backup.zip")
    assert (summary.versions, summary.rows, summary.base_release) == (2, 4, "r1")

    cluster = request.getfixturevalue("pg_cluster") if backend == "postgis" else None
    target: Store = (FileStore(release_dir, folder=tmp_path / "elsewhere" / "registry") if cluster is None
                     else PostgisStore(cluster.new_database(REGISTRY_TEMPLATE), data_dir=release_dir))
    try:
        restored = restore_backup(target, tmp_path / "backup.zip", author="test")

        assert restored.mode == "history"
        pd.testing.assert_frame_equal(target.read()[0], seeded.read()[0])
        assert [(v.saved_at, v.author, v.message, v.rows) for v in target.history()] == [
            (v.saved_at, v.author, v.message, v.rows) for v in seeded.history()]
        assert release_status(target).base_release == "r1"
    finally:
        if isinstance(target, PostgisStore) and cluster is not None:
            cluster.drop_database(target.url)


def test_restoring_onto_a_registry_in_use_adds_a_version_and_deletes_no_history(seeded: Store, tmp_path: Path) -> None:
    write_backup(seeded, tmp_path / "backup.zip")
    bureau_edits(seeded)
    before = seeded.history()

    restored = restore_backup(seeded, tmp_path / "backup.zip", author="test")

    assert restored.mode == "new-version"
    after = seeded.history()
    assert after[1:] == before and "restored from backup.zip" in after[0].message
    assert seeded.read()[0]["id"].tolist() == ["smelter", "wheels", "foil"]


@pytest.mark.parametrize("damage", ["truncated", "foreign", "tampered"])
def test_a_damaged_or_foreign_archive_is_refused_naming_the_file_and_changes_nothing(
    seeded: Store, tmp_path: Path, damage: str
) -> None:
    good = tmp_path / "backup.zip"
    write_backup(seeded, good)
    bad = tmp_path / f"{damage}.zip"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "foreign":
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("notes.txt", "holiday photos")
    else:
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as archive:
            for item in source.infolist():
                data = source.read(item)
                archive.writestr(item, data.replace(b"smelter", b"smelted") if item.filename.startswith("registry/")
                                 else data)
    bureau_edits(seeded)
    before = (seeded.history(), seeded.read()[0])

    with pytest.raises(AtlasError) as caught:
        restore_backup(seeded, bad, author="test")

    assert str(bad) in caught.value.text("en") and str(bad) in caught.value.text("zh")
    assert "nothing was changed" in caught.value.text("en") and "未做任何更改" in caught.value.text("zh")
    assert seeded.history() == before[0]
    pd.testing.assert_frame_equal(seeded.read()[0], before[1])


def test_backups_taken_while_saves_run_are_each_one_whole_version(seeded: Store, tmp_path: Path) -> None:
    frame, _ = seeded.read()
    tables = [frame, with_new_row(frame)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def save_loop() -> None:
        try:
            n = 0
            while not stop.is_set():
                _, version = seeded.read()
                seeded.save(tables[n % 2], base_version=version, author="loop", message=f"save {n}")
                n += 1
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    writer = threading.Thread(target=save_loop)
    writer.start()
    try:
        for i in range(5):
            archive = read_backup(Path(write_backup(seeded, tmp_path / f"b{i}.zip").file))
            assert archive.history[-1][1] == archive.current  # the current table is the newest version's
            assert archive.manifest["current"]["version"] == archive.history[-1][0].version
    finally:
        stop.set()
        writer.join()
    assert not errors


def test_a_registry_kept_in_the_data_folder_before_releases_is_adopted_with_its_history(
    release_dir: Path, tmp_path: Path
) -> None:
    old = FileStore(release_dir)  # how a clone kept it: data/projects/projects.csv with history/ beside it
    frame, version = old.read()
    old.save(edited(frame, "wheels", status="operating"), base_version=version, author="王敏", message="fix wheels")
    legacy = old.history()

    store = FileStore(release_dir, folder=tmp_path / "state" / "registry")

    history = store.history()
    assert history[1:] == legacy  # every old version, then the adoption
    assert base_release(history) == ("before-releases", history[0].version)
    assert store.read()[0].set_index("id").loc["wheels", "status"] == "operating"
    release_r2(release_dir)
    merged = upgrade_registry(store, release_dir)  # the shipped file as first found is the base
    assert set(merged.merge.conflicts["id"]) == {"wheels"} and merged.merge.updated == ["smelter"]
    assert store.read()[0].set_index("id").loc["wheels", "status"] == "operating"


def test_an_accounts_file_beside_the_registry_is_backed_up_and_restored(release_dir: Path, tmp_path: Path) -> None:
    store = FileStore(release_dir, folder=tmp_path / "state" / "registry")
    store.read()
    (store.folder / "accounts.json").write_text('{"admin": "hash"}', encoding="utf-8")
    summary = write_backup(store, tmp_path / "backup.zip")
    assert summary.beside == ["accounts.json"]

    target = FileStore(release_dir, folder=tmp_path / "new" / "registry")
    restore_backup(target, tmp_path / "backup.zip", author="test")

    assert (target.folder / "accounts.json").read_text(encoding="utf-8") == '{"admin": "hash"}'
