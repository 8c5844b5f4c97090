"""The one place the tests touch a Streamlit internal: AppTest runs the app as the real server does.

Written for Streamlit 1.67 (tests/test_pinned_versions.py checks that this is the installed version).
AppTest resets ``PagesManager.uses_pages_directory`` before every run; because the project has a ``pages/``
folder, each run would then start in Streamlit's legacy multipage mode, as only a real server's very
first run does (ui/navigation.py handles that run with public API; the browser suite checks it on a fresh
server). Keeping the flag off makes every AppTest run take app.py's `st.navigation`, like every later run
of a real server.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture
def navigation_not_pages_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest run in the test goes through app.py's navigation (see the module docstring)."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(PagesManager, "__init__", init)
