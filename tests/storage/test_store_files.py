"""The file store's own promises: history written before the file, leftovers ignored, hand edits noticed, lock."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from atlas.core.errors import AtlasError
from atlas.registry import files as store_files
from atlas.registry.files import UNRECORDED_MESSAGE, FileStore, version_of, write_atomically
from atlas.registry.startup import open_store
from atlas.registry.store import RegistryConflict
from tests.storage.conftest import edited


def history_files(store: FileStore) -> list[str]:
    return sorted(p.name for p in store.history_dir.iterdir()) if store.history_dir.exists() else []


def test_without_a_database_url_the_registry_is_the_data_folders_csv(monkeypatch, tiny_data_dir):
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    store = open_store(tiny_data_dir)
    assert isinstance(store, FileStore) and store.path == tiny_data_dir / "projects" / "projects.csv"


def test_the_shipped_file_is_the_current_version_until_the_first_save(tiny_data_dir):
    store = FileStore(tiny_data_dir)
    [only] = store.history()
    assert only.version == version_of(store.path.read_bytes())
    assert (only.author, only.message, only.rows) == ("", UNRECORDED_MESSAGE, 3)
    assert history_files(store) == []


def test_a_save_keeps_the_previous_file_and_the_new_one_in_history_with_metadata(tiny_data_dir):
    store = FileStore(tiny_data_dir)
    old_bytes = store.path.read_bytes()
    frame, base = store.read()
    new = store.save(edited(frame, "foil", status="operating"), base_version=base, author="a", message="m")
    names = history_files(store)
    assert [n.rsplit("_", 1)[1] for n in names] == [f"{base}.csv", f"{base}.json", f"{new}.csv", f"{new}.json"]
    assert (store.history_dir / names[0]).read_bytes() == old_bytes
    assert (store.history_dir / names[2]).read_bytes() == store.path.read_bytes()
    meta = json.loads((store.history_dir / names[3]).read_text(encoding="utf-8"))
    assert {k: meta[k] for k in ("version", "author", "message", "rows")} == {
        "version": new,
        "author": "a",
        "message": "m",
        "rows": 3,
    }


def test_a_crash_after_history_but_before_the_replace_leaves_the_old_file_and_a_hidden_entry(
    tiny_data_dir, monkeypatch
):
    store = FileStore(tiny_data_dir)
    frame, base = store.read()
    old_bytes = store.path.read_bytes()

    def crash_on_the_main_file(path: Path, data: bytes) -> None:
        if path == store.path:
            raise OSError(5, "simulated crash")
        write_atomically(path, data)

    monkeypatch.setattr(store_files, "write_atomically", crash_on_the_main_file)
    with pytest.raises(AtlasError, match="cannot save"):
        store.save(edited(frame, "foil", status="operating"), base_version=base, author="a", message="lost")
    assert store.path.read_bytes() == old_bytes
    assert len(history_files(store)) == 4  # the unfinished save's entry is on disk ...
    assert [h.version for h in store.history()] == [base]  # ... but not shown
    monkeypatch.undo()
    new = store.save(edited(frame, "foil", status="signed"), base_version=base, author="b", message="kept")
    assert [h.version for h in store.history()] == [new, base]
    assert len(history_files(store)) == 4  # the next save removed the unfinished entry


def test_temp_file_leftovers_are_ignored_and_removed_by_the_next_save(tiny_data_dir):
    store = FileStore(tiny_data_dir)
    frame, base = store.read()
    (store.path.parent / ".projects.csv.abc123.tmp").write_bytes(b"id,half a wri")
    store.history_dir.mkdir()
    (store.history_dir / ".000001_x.json.tmp").write_bytes(b"{")
    assert store.read()[1] == base and [h.version for h in store.history()] == [base]
    store.save(frame, base_version=base, author="a", message="m")
    assert not list(store.path.parent.rglob("*.tmp"))


def test_a_hand_edit_of_the_csv_is_a_new_version_kept_in_history_and_older_bases_conflict(tiny_data_dir):
    store = FileStore(tiny_data_dir)
    frame, shipped = store.read()
    v1 = store.save(edited(frame, "foil", status="operating"), base_version=shipped, author="a", message="m")
    store.path.write_text(store.path.read_text(encoding="utf-8").replace("Wheel hub", "Wheel rim"), encoding="utf-8")
    with pytest.raises(RegistryConflict, match="not saved through the atlas"):
        store.save(frame, base_version=v1, author="b", message="stale")
    by_hand, hand_version = store.read()
    v3 = store.save(edited(by_hand, "foil", status="signed"), base_version=hand_version, author="c", message="m")
    assert [h.version for h in store.history()] == [v3, hand_version, v1, shipped]
    assert store.read_version(hand_version)["name_en"].tolist()[1] == "Wheel rim project"
    assert store.read_version(v3)["name_en"].tolist()[1] == "Wheel rim project"


def test_a_save_waits_for_the_lock_and_then_says_clearly_that_the_registry_is_busy(tiny_data_dir):
    store = FileStore(tiny_data_dir, lock_timeout=0.3)
    frame, base = store.read()
    store.lock_path.touch()
    with store.lock_path.open("rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        with pytest.raises(AtlasError, match="locked by another save") as caught:
            store.save(frame, base_version=base, author="a", message="m")
    assert str(store.lock_path) in str(caught.value)
    assert store.read()[1] == base


def test_an_unwritable_folder_is_one_clear_error(tiny_data_dir):
    if os.geteuid() == 0:
        # root writes anywhere: make the folder unusable another way (the history path is a file)
        (tiny_data_dir / "projects" / "history").write_text("not a folder", encoding="utf-8")
    else:
        (tiny_data_dir / "projects").chmod(0o555)
    store = FileStore(tiny_data_dir)
    frame, base = store.read()
    try:
        with pytest.raises(AtlasError, match="cannot save the registry"):
            store.save(frame, base_version=base, author="a", message="m")
    finally:
        (tiny_data_dir / "projects").chmod(0o755)
    assert store.read()[1] == base


def test_write_atomically_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_an_empty_folder_is_an_empty_registry_at_version_zero(tmp_path):
    store = FileStore(tmp_path)
    frame, version = store.read()
    assert version == "0" and frame.empty and store.history() == []
    assert isinstance(frame, pd.DataFrame)


def test_saved_registry_files_follow_the_umask_so_a_colleague_account_can_read_them(tiny_data_dir):
    old = os.umask(0o022)
    try:
        store = FileStore(tiny_data_dir)
        frame, base = store.read()
        store.save(edited(frame, "foil", status="operating"), base_version=base, author="a", message="m")
    finally:
        os.umask(old)
    written = [store.path, *store.history_dir.iterdir()]
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o644)}
