"""Accounts for the browser suite: create one in a test's data copy, sign a page in through the real form."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from atlas.registry.account_stores import open_accounts
from atlas.registry.accounts import new_account
from atlas.registry.files import FileStore

from .conftest import wait_for_app

PASSWORD = "a long password"
SIGN_IN = {"zh": ("用户名", "密码", "登录"), "en": ("Username", "Password", "Sign in")}


def add_account(data_dir: Path, name: str, role: str = "editor", *, password: str = PASSWORD,
                prefectures: tuple[str, ...] = ()) -> None:
    """An account in the accounts store beside `data_dir`'s registry (a test's throw-away copy of data/)."""
    open_accounts(FileStore(data_dir)).put(new_account(name, role, password=password, prefectures=prefectures),
                                           new=True)


def sign_in(page: Page, name: str, password: str = PASSWORD, *, lang: str = "en") -> None:
    """Fill the page's sign-in form and submit it, as a user would; waits until the app has answered it.

    The form clears on submit, so the submission has been handled once the password box is empty again
    (or gone, after a successful sign-in); waiting for idle alone can return before the rerun starts.
    """
    username, password_label, button = SIGN_IN[lang]
    page.get_by_label(username, exact=True).fill(name)
    password_box = page.get_by_label(password_label, exact=True)
    password_box.fill(password)
    handle = password_box.element_handle()
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function("box => !box.isConnected || box.value === ''", arg=handle, timeout=60_000)
    wait_for_app(page)
