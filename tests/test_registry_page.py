"""The registry page under AppTest: it renders, saves a clicked position, undoes it, and lists the history.

Editing needs a signed-in editor: `editor` creates one in the test's own data folder (tests/apptest.py).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from atlas.data.load import load_atlas
from atlas.registry.releases import upgrade_registry
from atlas.registry.startup import open_store
from tests.apptest import add_account, sign_in_session
from tests.test_app_pages import (  # noqa: F401 (autouse fixtures)
    APP,
    navigation,
    navigation_not_pages_folder,
    run_app,
    tiny_data,
)

PAGE = "pages/registry.py"


@pytest.fixture
def editor(tiny_data_dir) -> str:
    add_account(tiny_data_dir, "wangmin", "editor")
    return "wangmin"


def run_signed_in(name: str, page: str = PAGE, **params: str) -> AppTest:
    """`run_app`, with the session signed in as `name` before the page runs."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    sign_in_session(at, name)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_registry_page_follows_the_language_of_the_permalink(editor):
    at = run_signed_in(editor, lang="en")
    assert at.title[0].value == "Registry"
    assert at.radio(key="registry_section").options == ["Import a list", "Correct a position", "History"]
    assert at.query_params["lang"] == "en"


def test_a_clicked_position_is_saved_with_provenance_and_can_be_undone(tiny_data_dir, editor):
    at = run_signed_in(editor, lang="en")
    at.radio(key="registry_section").set_value("edit").run()
    at.selectbox(key="registry_move_id").set_value("wheels").run()
    at.session_state["registry_clicked"] = {"wheels": (106.2, 26.3, open_store(tiny_data_dir).read()[1])}
    at.run()
    assert "New position: 106.2, 26.3 (WGS84, Qingzhen City 520181)" in [i.value for i in at.info]
    at.button(key="registry_save_position").click().run()
    assert not at.exception and at.success[0].value.startswith("Saved as version")
    moved = load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels"]
    assert (moved["lon"], moved["position_source"], moved["position_precision"]) == (
        106.2, "digitised: wangmin", "exact")
    at.button(key="registry_undo").click().run()
    assert at.success[0].value.startswith("Undone")
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.45
    messages = [v.message for v in open_store(tiny_data_dir).history()]
    assert messages[0].startswith("undo 'move wheels' by wangmin") and messages[1] == "move wheels"
    assert [v.author for v in open_store(tiny_data_dir).history()[:2]] == ["wangmin", "wangmin"]  # signed history


def test_a_save_made_meanwhile_by_someone_else_is_a_conflict_not_an_overwrite(tiny_data_dir, editor):
    store = open_store(tiny_data_dir)
    at = run_signed_in(editor, lang="en")
    at.radio(key="registry_section").set_value("edit").run()
    at.selectbox(key="registry_move_id").set_value("wheels").run()
    projects, version = store.read()
    at.session_state["registry_clicked"] = {"wheels": (106.2, 26.3, version)}
    at.run()
    store.save(projects.assign(notes_en="checked by a colleague"), base_version=version, author="李雷", message="notes")
    at.button(key="registry_save_position").click().run()
    assert "Not saved: the project registry changed since you read it" in at.error[0].value
    assert "李雷" in at.error[0].value
    assert load_atlas(tiny_data_dir).projects.set_index("id").loc["wheels", "lon"] == 106.45  # nothing written


def test_the_history_tab_shows_what_changed_since_a_version(tiny_data_dir):
    store = open_store(tiny_data_dir)
    projects, version = store.read()
    store.save(projects[projects["id"] != "foil"], base_version=version, author="x", message="drop foil")
    at = run_app(PAGE, lang="en")
    assert at.radio(key="registry_section_read").value == "history"  # a visitor may read the history
    assert "1 records changed since version" in " ".join(c.value for c in at.caption)
    changes = at.dataframe[-1].value
    assert list(changes["ID"]) == ["foil"] and list(changes["Change"]) == ["removed"]


def test_the_page_tells_of_a_newer_shipped_release_until_it_is_merged(tiny_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_STATE_DIR", str(tmp_path / "state"))  # the registry apart from the data, as deployed
    add_account(tiny_data_dir, "root", "admin")  # beside the registry, now in the state folder
    add_account(tiny_data_dir, "wangmin", "editor")
    release = tiny_data_dir / "release.json"
    release.write_text('{"release": "r1"}', encoding="utf-8")
    assert not [i.value for i in run_signed_in("root", lang="en").info if "r1" in i.value]  # seeded: up to date
    release.write_text('{"release": "r2"}', encoding="utf-8")
    notices = [i.value for i in run_signed_in("root", lang="en").info]
    assert any(n.startswith("A newer shipped data release r2 is available") for n in notices)
    assert not [i.value for i in run_signed_in("wangmin", lang="en").info if "r2" in i.value]  # admins run upgrades
    upgrade_registry(open_store(tiny_data_dir))
    assert not [i.value for i in run_signed_in("root", lang="en").info if "r2" in i.value]
