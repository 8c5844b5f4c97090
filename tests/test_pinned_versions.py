"""Loud failures when Streamlit or streamlit-folium change under the app.

The app relies on behaviour of these two packages that is not a documented promise. pyproject.toml caps them
at the versions it was written for and requirements/*.txt pins them; these tests say *what* to re-check when
someone raises a cap, instead of a blank map or a file-name page list in production.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version

import pytest
import streamlit as st
import streamlit_folium
from packaging.requirements import Requirement
from streamlit import config

from atlas.core import settings

WRITTEN_FOR = {
    "streamlit": (
        "1.67",
        "ui/navigation.py: a server starts in the legacy pages/ mode until the first st.navigation call, "
        "client.showSidebarNavigation=false hides both the legacy list and st.navigation's sidebar menu, "
        "st.page_link takes a Page; tests/apptest.py: PagesManager.uses_pages_directory",
    ),
    "streamlit-folium": (
        "0.27",
        "atlas/maps/offline.py: st_folium loads default_js/default_css links once in order (data: URIs work), "
        "strips <script src> from the header, evals feature_group_to_add scripts on reruns and mutates the map; "
        "ui/folium_component.py: calls its private render helpers and _component_func with st_folium's arguments",
    ),
}


@pytest.mark.parametrize("package", sorted(WRITTEN_FOR))
def test_the_installed_version_is_the_one_the_app_was_written_for(package):
    written_for, relies_on = WRITTEN_FOR[package]
    installed = version(package)
    assert installed.startswith(written_for + "."), (
        f"{package} {installed} is installed, but the app was written for {written_for}.x and relies on: "
        f"{relies_on}. Check each of these against the new version, then update WRITTEN_FOR, the cap in "
        "pyproject.toml and the lock (make lock)."
    )


@pytest.mark.parametrize("package", sorted(WRITTEN_FOR))
def test_pyproject_caps_the_package_and_the_lock_pins_the_installed_version(package):
    project = tomllib.loads((settings.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirement = next(Requirement(r) for r in project["project"]["dependencies"] if Requirement(r).name == package)
    assert any(spec.operator == "<" for spec in requirement.specifier), f"{package} has no upper bound"
    assert version(package) in requirement.specifier
    for lock in ("app.txt", "test.txt"):
        text = (settings.REPO_ROOT / "requirements" / lock).read_text(encoding="utf-8")
        assert f"\n{package}=={version(package)} " in text, f"requirements/{lock} does not pin {package}"


def test_the_streamlit_behaviour_the_navigation_uses_is_still_there():
    assert config.get_option("client.showSidebarNavigation") is False, "read from .streamlit/config.toml"
    assert "position" in inspect.signature(st.navigation).parameters
    assert "hidden" in inspect.getsource(st.navigation), "st.navigation(position='hidden') is how the app hides it"
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory"), "tests/apptest.py switches the legacy mode off by it"


def test_the_streamlit_folium_behaviour_the_offline_map_uses_is_still_there():
    parameters = inspect.signature(streamlit_folium.st_folium).parameters
    assert {"feature_group_to_add", "returned_objects", "key", "height"} <= set(parameters)
    assert callable(streamlit_folium._get_header), "tests/test_offline.py reads the header it sends"


def test_the_streamlit_folium_helpers_the_cached_map_renders_with_are_still_there():
    """ui/folium_component.py renders once with these and calls the component as st_folium does."""
    for name in ("_get_html", "_get_header", "_get_map_string", "_get_feature_group_string", "get_full_id",
                 "generate_js_hash", "_component_func"):
        assert callable(getattr(streamlit_folium, name, None)), f"streamlit_folium.{name} is gone"
    source = inspect.getsource(streamlit_folium.st_folium)
    for argument in ("script=", "header=", "html=", "feature_group=", "css_links=", "js_links=", "on_change=",
                     "wrap_longitude="):
        assert argument in source, f"st_folium no longer passes {argument} to the component"
