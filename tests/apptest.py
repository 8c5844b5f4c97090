"""The one place the tests touch a Streamlit internal: AppTest runs the app as the real server does.

Written for Streamlit 1.67 (tests/test_pinned_versions.py checks that this is the installed version).
AppTest resets ``PagesManager.uses_pages_directory`` before every run; because the project has a ``pages/``
folder, each run would then start in Streamlit's legacy multipage mode, as only a real server's very
first run does (ui/navigation.py handles that run with public API; the browser suite checks it on a fresh
server). Keeping the flag off makes every AppTest run take app.py's `st.navigation`, like every later run
of a real server.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from atlas.registry.account_stores import open_accounts
from atlas.registry.accounts import new_account
from atlas.registry.files import FileStore
from ui.auth import SESSION_KEY


@pytest.fixture
def navigation_not_pages_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest run in the test goes through app.py's navigation (see the module docstring)."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(PagesManager, "__init__", init)


def add_account(data_dir: Path, name: str, role: str = "editor", *, password: str = "a long password",
                prefectures: tuple[str, ...] = ()) -> None:
    """Create an account in the accounts store beside `data_dir`'s registry (the test's own temp copy)."""
    accounts = open_accounts(FileStore(data_dir))
    accounts.put(new_account(name, role, password=password, prefectures=prefectures), new=True)


def sign_in_session(at: AppTest, name: str) -> None:
    """Make `at`'s session signed in as `name`, as the sign-in form does after a right password."""
    at.session_state[SESSION_KEY] = (name, time.time())
