"""Accounts and rights in the library and the CLI: hashed passwords, lockout, prefecture scope, signed saves."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.registry.account_stores import FileAccounts, accounts_path, open_accounts
from atlas.registry.accounts import LOCKOUT_FAILURES, Role, new_account, set_password, sign_in
from atlas.registry.files import FileStore
from atlas.registry.positions import move_record, undo_last_save
from atlas.registry.rights import NotAllowed, SignedStore, outside_scope, touched_rows
from tests.accounts_support import NOW, PASSWORD, quick_hashes
from tests.cli_runner import run_atlas


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    quick_hashes(monkeypatch)


@pytest.fixture
def registry(tiny_data_dir: Path) -> FileStore:
    return FileStore(tiny_data_dir)


@pytest.fixture
def accounts(registry: FileStore) -> FileAccounts:
    store = open_accounts(registry)
    assert isinstance(store, FileAccounts)
    for name, role, scope in [("wang", Role.EDITOR, ("520100",)), ("zhao", Role.EDITOR, ("520300",)),
                              ("li", Role.VIEWER, ()), ("root", Role.ADMIN, ())]:
        store.put(new_account(name, role, password=PASSWORD, prefectures=scope), new=True)
    return store


def test_accounts_live_beside_the_registry_history_not_in_the_source_tree(registry, accounts):
    assert accounts.path == accounts_path(registry) == registry.history_dir.parent / "users.json"
    assert accounts.path.is_file() and settings.REPO_ROOT not in accounts.path.parents
    assert accounts.path.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_the_users_store_holds_no_plaintext_password(accounts):
    text = accounts.path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "correct" not in text
    assert all(a.password_hash.startswith("$argon2id$") for a in accounts.all())
    hashes = [a.password_hash for a in accounts.all()]
    assert len(set(hashes)) == len(hashes)  # one salt per account: the same password hashes differently


def test_the_right_password_signs_in_and_a_wrong_one_or_an_unknown_name_is_refused(accounts):
    assert sign_in(accounts, " wang ", PASSWORD, now=NOW).name == "wang"
    assert sign_in(accounts, "wang", "wrong password", now=NOW) is None
    assert sign_in(accounts, "nobody", PASSWORD, now=NOW) is None


def test_five_failures_lock_the_account_even_against_the_right_password_until_the_period_ends(accounts):
    for _ in range(LOCKOUT_FAILURES):
        assert sign_in(accounts, "wang", "guess", now=NOW) is None
    assert accounts.get("wang").locked_until
    assert sign_in(accounts, "wang", PASSWORD, now=NOW + timedelta(minutes=1)) is None
    later = NOW + timedelta(minutes=settings.lockout_minutes() + 1)
    assert sign_in(accounts, "wang", PASSWORD, now=later).name == "wang"
    assert accounts.get("wang").failures == 0 and not accounts.get("wang").locked_until


def test_a_new_password_lifts_the_lock(accounts):
    for _ in range(LOCKOUT_FAILURES):
        sign_in(accounts, "wang", "guess", now=NOW)
    set_password(accounts, "wang", "another long one")
    assert sign_in(accounts, "wang", "another long one", now=NOW).name == "wang"


def test_refused_sign_ins_are_logged_with_time_and_account_never_the_password(accounts, caplog):
    with caplog.at_level(logging.WARNING, logger="atlas.sign_in"):
        sign_in(accounts, "wang", "hunter2-guess", now=NOW)
        sign_in(accounts, "nobody", "hunter2-guess", now=NOW)
    assert "2026-05-01T08:00:00Z" in caplog.text and "'wang'" in caplog.text and "'nobody'" in caplog.text
    lines = [json.loads(line) for line in accounts.failures_path.read_text(encoding="utf-8").splitlines()]
    assert [(r["at"], r["account"]) for r in lines] == [("2026-05-01T08:00:00Z", "wang"),
                                                        ("2026-05-01T08:00:00Z", "nobody")]
    assert "hunter2" not in caplog.text + accounts.failures_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "role", "password", "prefectures", "says"),
    [
        ("", "editor", PASSWORD, (), "account name"),
        ("a\nb", "editor", PASSWORD, (), "account name"),
        ("wang2", "boss", PASSWORD, (), "unknown role"),
        ("wang2", "editor", "short", (), "too short"),
        ("wang2", "editor", PASSWORD, ("5201",), "not a prefecture adcode"),
    ],
)
def test_a_bad_account_is_refused_with_a_message_naming_what_is_wrong(name, role, password, prefectures, says):
    with pytest.raises(AtlasError, match=says):
        new_account(name, role, password=password, prefectures=prefectures)


def test_an_account_name_cannot_be_added_twice(accounts):
    with pytest.raises(AtlasError, match="exists already"):
        accounts.put(new_account("wang", "viewer", password=PASSWORD), new=True)


# --- rights ---------------------------------------------------------------------------------------


def test_a_scoped_editor_saves_in_their_prefecture_signed_with_their_name(registry, accounts):
    store = SignedStore(registry, accounts.get("wang"))
    projects, version = store.read()
    store.save(projects.assign(notes_en="checked"), base_version=version, author="typed by someone", message="notes")
    assert registry.history()[0].author == "wang"


def test_a_save_touching_another_prefecture_is_refused_naming_the_rows_and_nothing_is_written(registry, accounts):
    store = SignedStore(registry, accounts.get("zhao"))  # Zunyi (520300); the tiny projects are in Guiyang
    projects, version = store.read()
    with pytest.raises(NotAllowed, match=r"520300.*smelter, wheels, foil") as refused:
        store.save(projects.assign(notes_en="x"), base_version=version, author="zhao", message="notes")
    assert "Nothing was written" in str(refused.value) and "市州" in refused.value.text("zh")
    assert registry.read()[1] == version and len(registry.history()) == 1


def test_moving_a_project_out_of_the_editors_prefecture_is_refused_too(registry, accounts, tiny_atlas):
    store = SignedStore(registry, accounts.get("wang"))  # Guiyang may not put a project into Zunyi
    projects, version = store.read()
    moved = move_record(projects, "wheels", lon=107.5, lat=27.0, today="2026-05-01", author="wang",
                        counties=tiny_atlas.counties)
    assert outside_scope(accounts.get("wang"), projects, moved) == ["wheels"]
    with pytest.raises(NotAllowed, match="wheels"):
        store.save(moved, base_version=version, message="move wheels")
    assert registry.read()[1] == version


def test_viewers_and_signed_out_visitors_cannot_save(registry, accounts):
    projects, version = registry.read()
    for account in (accounts.get("li"), None):
        with pytest.raises(NotAllowed, match="may read but not change"):
            SignedStore(registry, account).save(projects, base_version=version, message="m")
    assert len(registry.history()) == 1


def test_an_admin_and_an_unscoped_editor_may_change_every_prefecture_and_undo(registry, accounts):
    store = SignedStore(registry, accounts.get("root"))
    projects, version = store.read()
    store.save(projects.assign(notes_en="admin"), base_version=version, message="notes")
    undo_last_save(store, author="ignored")
    assert [v.author for v in registry.history()[:2]] == ["root", "root"]


def test_touched_rows_holds_old_and_new_forms_of_changed_rows_only(registry):
    projects, _ = registry.read()
    new = move_record(projects, "wheels", lon=107.5, lat=27.0, today="2026-05-01", author="x")
    touched = touched_rows(projects, new)
    assert sorted(touched["id"]) == ["wheels", "wheels"]


# --- CLI ------------------------------------------------------------------------------------------


def users(monkeypatch, data: Path, *args: str, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_atlas("users", *args, env={"ATLAS_DATA_DIR": str(data), "ATLAS_DATABASE_URL": None})


def test_the_cli_adds_lists_changes_and_removes_accounts(monkeypatch, tiny_data_dir):
    added = users(monkeypatch, tiny_data_dir, "add", "wang", "--role", "editor", "--prefecture", "520100,520300",
                  "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "added editor 'wang'" in added.stdout
    users(monkeypatch, tiny_data_dir, "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    listed = json.loads(users(monkeypatch, tiny_data_dir, "list", "--format", "json").stdout)["accounts"]
    assert [(a["name"], a["role"], a["prefectures"]) for a in listed] == [
        ("root", "admin", []), ("wang", "editor", ["520100", "520300"])]
    assert "argon2" not in json.dumps(listed) and PASSWORD not in json.dumps(listed)
    path = accounts_path(FileStore(tiny_data_dir))
    assert PASSWORD not in path.read_text(encoding="utf-8")
    changed = users(monkeypatch, tiny_data_dir, "passwd", "wang", "--password-stdin", stdin="a new password\n")
    assert changed.returncode == 0
    assert sign_in(FileAccounts(path), "wang", "a new password") is not None
    assert users(monkeypatch, tiny_data_dir, "remove", "wang").returncode == 0
    assert FileAccounts(path).get("wang") is None


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("add", "wang", "--role", "editor", "--password-stdin"), "", "no password read"),
        (("add", "wang", "--role", "editor", "--password-stdin"), "short\n", "too short"),
        (("add", "wang", "--role", "editor", "--prefecture", "guiyang", "--password-stdin"), PASSWORD, "adcode"),
        (("passwd", "nobody", "--password-stdin"), PASSWORD, "no account called 'nobody'"),
        (("remove", "nobody"), "", "no account called 'nobody'"),
    ],
)
def test_bad_cli_input_is_one_line_and_exit_2(monkeypatch, tiny_data_dir, args, stdin, says):
    result = users(monkeypatch, tiny_data_dir, *args, stdin=stdin)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_an_oidc_only_account_has_no_password_and_cannot_sign_in_with_one(monkeypatch, tiny_data_dir):
    assert users(monkeypatch, tiny_data_dir, "add", "wang@example.gov.cn", "--role", "editor",
                 "--oidc-only").returncode == 0
    accounts = FileAccounts(accounts_path(FileStore(tiny_data_dir)))
    assert accounts.get("wang@example.gov.cn").password_hash == ""
    assert sign_in(accounts, "wang@example.gov.cn", "") is None
