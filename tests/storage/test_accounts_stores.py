"""The same accounts and rights on both backends: the file beside the registry, and the database's table."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import psycopg
import pytest

from atlas.registry.account_stores import FileAccounts, PostgisAccounts, open_accounts
from atlas.registry.accounts import LOCKOUT_FAILURES, Role, new_account, sign_in
from atlas.registry.postgis import PostgisStore
from atlas.registry.rights import NotAllowed, SignedStore
from tests.accounts_support import NOW, PASSWORD, quick_hashes
from tests.cli_runner import run_atlas
from tests.storage.conftest import edited


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    quick_hashes(monkeypatch)


@pytest.fixture
def accounts(store):
    found = open_accounts(store)
    for name, role, scope in [("wang", Role.EDITOR, ("520100",)), ("zhao", Role.EDITOR, ("520300",)),
                              ("li", Role.VIEWER, ())]:
        found.put(new_account(name, role, password=PASSWORD, prefectures=scope), new=True)
    return found


def stored_text(accounts) -> str:
    """Everything the accounts store holds, as text (the file, or every row of the table)."""
    if isinstance(accounts, FileAccounts):
        return accounts.path.read_text(encoding="utf-8")
    with psycopg.connect(accounts.url) as conn:
        return json.dumps([list(map(str, row)) for row in conn.execute("SELECT * FROM atlas_accounts")])


def test_each_backend_keeps_its_accounts_in_its_own_place(store, accounts):
    expected = PostgisAccounts if isinstance(store, PostgisStore) else FileAccounts
    assert isinstance(accounts, expected)
    assert [(a.name, a.role, a.prefectures) for a in accounts.all()] == [
        ("li", Role.VIEWER, ()), ("wang", Role.EDITOR, ("520100",)), ("zhao", Role.EDITOR, ("520300",))]


def test_no_backend_stores_a_password_as_typed(accounts):
    text = stored_text(accounts)
    assert PASSWORD not in text and "$argon2id$" in text


def test_lockout_holds_on_both_backends_and_failures_are_recorded(store, accounts):
    for _ in range(LOCKOUT_FAILURES):
        assert sign_in(accounts, "wang", "guess", now=NOW) is None
    assert sign_in(accounts, "wang", PASSWORD, now=NOW + timedelta(minutes=1)) is None
    assert sign_in(accounts, "wang", PASSWORD, now=NOW + timedelta(hours=1)).name == "wang"
    if isinstance(accounts, PostgisAccounts):
        with psycopg.connect(accounts.url) as conn:
            rows = conn.execute("SELECT account, reason FROM atlas_sign_in_failures ORDER BY at").fetchall()
    else:
        rows = [(r["account"], r["reason"]) for r in map(json.loads, accounts.failures_path.read_text().splitlines())]
    assert len(rows) == LOCKOUT_FAILURES + 1 and {a for a, _ in rows} == {"wang"} and rows[-1][1] == "locked"


def test_a_scoped_editors_save_outside_the_scope_is_refused_and_nothing_written(store, accounts):
    projects, version = store.read()
    with pytest.raises(NotAllowed, match=r"520300 only.*: wheels\. Nothing was written"):
        SignedStore(store, accounts.get("zhao")).save(edited(projects, "wheels", notes_en="x"), base_version=version,
                                                      message="notes")
    assert store.read()[1] == version


def test_a_save_in_the_scope_is_written_with_the_account_as_author(store, accounts):
    projects, version = store.read()
    signed = SignedStore(store, accounts.get("wang"))
    signed.save(edited(projects, "wheels", notes_en="checked"), base_version=version, author="typed", message="notes")
    assert store.history()[0].author == "wang"
    with pytest.raises(NotAllowed, match="may read but not change"):
        SignedStore(store, accounts.get("li")).save(store.read()[0], base_version=store.read()[1], message="m")


def test_the_cli_manages_accounts_in_the_database(monkeypatch, registry_url, tiny_data_dir):
    env = {"ATLAS_DATABASE_URL": registry_url, "ATLAS_DATA_DIR": str(tiny_data_dir)}
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    added = run_atlas("users", "add", "root", "--role", "admin", "--password-stdin", env=env)
    assert added.returncode == 0, added.stderr
    listed = json.loads(run_atlas("users", "list", "--format", "json", env=env).stdout)["accounts"]
    assert [(a["name"], a["role"]) for a in listed] == [("root", "admin")]
    assert sign_in(PostgisAccounts(registry_url), "root", PASSWORD) is not None
    assert not list(tiny_data_dir.rglob("users.json"))  # database mode writes no accounts file
    assert run_atlas("users", "remove", "root", env=env).returncode == 0
    assert PostgisAccounts(registry_url).all() == []
