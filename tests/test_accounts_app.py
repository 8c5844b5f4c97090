"""Signing in to the app under AppTest: the form, what each role sees, the admin page, the sign-in-only setting."""

from __future__ import annotations

import time
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from atlas.core import settings
from atlas.registry.account_stores import FileAccounts, accounts_path
from atlas.registry.accounts import Account, Role, new_account
from atlas.registry.files import FileStore
from tests.apptest import add_account
from tests.test_app_pages import (  # noqa: F401 (autouse fixtures)
    APP,
    navigation,
    navigation_not_pages_folder,
    run_app,
    tiny_data,
)
from tests.test_registry_page import run_signed_in
from ui.auth import SESSION_KEY, account_for_identity, oidc_configured

REGISTRY = "pages/registry.py"
ACCOUNTS = "pages/accounts.py"
PASSWORD = "a long password"


def labels(at: AppTest) -> list[str]:
    return [w.label for w in at.text_input] + [b.label for b in at.button]


def sign_in_with_form(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="registry_sign_in_name").set_value(name)
    at.text_input(key="registry_sign_in_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def test_a_signed_out_visitor_sees_the_sign_in_form_and_nothing_that_writes():
    at = run_app(REGISTRY, lang="en")
    assert {"Username", "Password", "Sign in"} <= set(labels(at))
    assert at.radio(key="registry_section_read").options == ["History"]
    assert not at.get("file_uploader") and "registry_save_position" not in [b.key for b in at.button]
    assert "registry_undo" not in [b.key for b in at.button]


def test_the_form_reads_in_chinese_too():
    at = run_app(REGISTRY, lang="zh")
    assert {"用户名", "密码", "登录"} <= set(labels(at))


def test_the_right_password_signs_an_editor_in_and_sign_out_ends_it(tiny_data_dir):
    add_account(tiny_data_dir, "wangmin", "editor")
    at = sign_in_with_form(run_app(REGISTRY, lang="en"), "wangmin", PASSWORD)
    assert not at.exception and not at.error
    assert at.radio(key="registry_section").options == ["Import a list", "Correct a position", "History"]
    assert any("Signed in: wangmin (editor, all prefectures)" in c.value for c in at.sidebar.caption)
    assert PASSWORD not in str(at.session_state[SESSION_KEY]) and at.session_state[SESSION_KEY][0] == "wangmin"
    assert PASSWORD not in " ".join(f"{k}={v}" for k, v in at.query_params.items())
    at.button(key="sign_out").click().run()
    assert at.radio(key="registry_section_read").options == ["History"]


@pytest.mark.parametrize(("name", "password"), [("wangmin", "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal(tiny_data_dir, name, password):
    add_account(tiny_data_dir, "wangmin", "editor")
    at = sign_in_with_form(run_app(REGISTRY, lang="en"), name, password)
    assert [e.value for e in at.error] == [
        "Sign-in failed: wrong username or password, or too many failed attempts (the account is then locked "
        "for 15 minutes)."]
    assert at.radio(key="registry_section_read").options == ["History"]


def test_a_viewer_is_told_they_may_only_read(tiny_data_dir):
    add_account(tiny_data_dir, "li", "viewer")
    at = run_signed_in("li", lang="en")
    assert "Account li may read only." in [i.value for i in at.info]
    assert at.radio(key="registry_section_read").options == ["History"]


def test_a_sign_in_expires_after_the_session_hours(tiny_data_dir, monkeypatch):
    add_account(tiny_data_dir, "wangmin", "editor")
    monkeypatch.setenv("ATLAS_SESSION_HOURS", "1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SESSION_KEY] = ("wangmin", time.time() - 2 * 3600)
    at.run()
    at.switch_page(REGISTRY).run()
    assert at.radio(key="registry_section_read").options == ["版本历史"] and SESSION_KEY not in at.session_state


def test_a_removed_account_is_signed_out_on_its_next_run(tiny_data_dir):
    add_account(tiny_data_dir, "wangmin", "editor")
    at = run_signed_in("wangmin", lang="en")
    FileAccounts(accounts_path(FileStore(tiny_data_dir))).remove("wangmin")
    at.run()
    assert at.radio(key="registry_section_read").options == ["History"]


def test_the_accounts_page_lists_accounts_for_an_admin_only(tiny_data_dir):
    add_account(tiny_data_dir, "root", "admin")
    add_account(tiny_data_dir, "zhao", "editor", prefectures=("520300",))
    at = run_signed_in("root", ACCOUNTS, lang="en")
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["root", "zhao"] and list(table["Prefectures it may change"]) == [
        "all prefectures", "520300"]
    assert not any("argon2" in str(v) for v in table.to_numpy().ravel())
    editor = run_signed_in("zhao", ACCOUNTS, lang="en")
    assert not editor.dataframe and "admins only" in editor.warning[0].value
    anonymous = run_app(ACCOUNTS, lang="en")
    assert not anonymous.dataframe and "Password" in labels(anonymous)


def test_a_sign_in_only_atlas_shows_a_signed_out_visitor_the_form_and_nothing_else(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("ATLAS_SIGN_IN_REQUIRED", "yes")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert "This atlas is for signed-in users only." in [i.value for i in at.info]
    assert {"Username", "Password", "Sign in"} <= set(labels(at)) and not at.sidebar.multiselect
    add_account(tiny_data_dir, "li", "viewer")
    at.text_input(key="sign_in_gate_name").set_value("li")
    at.text_input(key="sign_in_gate_password").set_value(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception and at.sidebar.multiselect  # the atlas itself, with its filters


def test_xsrf_protection_stays_on():
    config = tomllib.loads((settings.REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"].get("enableXsrfProtection", True) is True


def test_oidc_login_is_offered_only_when_the_secrets_configure_it():
    assert not oidc_configured({})
    assert not oidc_configured({"auth": "not a section"})
    assert oidc_configured({"auth": {"redirect_uri": "http://atlas.bureau/oauth2callback", "cookie_secret": "x",
                                     "client_id": "atlas", "client_secret": "y",
                                     "server_metadata_url": "https://id.bureau/.well-known/openid-configuration"}})


def test_an_oidc_identity_gets_the_rights_of_the_account_named_by_its_email(tiny_data_dir):
    accounts = FileAccounts(accounts_path(FileStore(tiny_data_dir)))
    accounts.put(new_account("wang@bureau.gov.cn", "editor", password=None, prefectures=("520100",)), new=True)
    known = account_for_identity(accounts, {"email": "wang@bureau.gov.cn", "name": "Wang", "is_logged_in": True})
    assert (known.name, known.role, known.prefectures) == ("wang@bureau.gov.cn", Role.EDITOR, ("520100",))
    stranger = account_for_identity(accounts, {"email": "li@bureau.gov.cn", "is_logged_in": True})
    assert stranger == Account("li@bureau.gov.cn", Role.VIEWER)
