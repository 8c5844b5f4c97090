"""Shared app state: the cached atlas, the language and the sidebar filters mirrored in the URL (permalink)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Final, TypeVar

import streamlit as st

from atlas.analysis.query import Filters, filtered_atlas
from atlas.core import settings
from atlas.core.errors import AtlasError, DataValidationError, Problem, raise_if_any
from atlas.core.memory import release_freed_memory
from atlas.core.model import Atlas
from atlas.core.schema import Lang, ProjectStatus
from atlas.registry.live import LiveAtlas, Snapshot
from atlas.registry.startup import open_served_atlas_with_problems
from ui.navigation import ensure_frame

FILTER_PARAMS: Final[dict[str, str]] = {
    "cluster": "cluster_types",
    "zone": "zones",
    "prefecture": "prefectures",
    "stage": "stages",
    "status": "statuses",
}
"""Permalink query parameter → `Filters` field (comma-separated ids, as in the CLI)."""
WIDGET_PREFIX: Final[str] = "filter_"
"""Session-state key prefix of the sidebar's filter widgets."""
VIEW_PREFIX: Final[str] = "view_"
"""Session-state key prefix of the filter values themselves (plain keys, not widget keys).

Streamlit gives the frame's widgets a different id on every page (the id includes the page), so a
widget's own state does not survive a page switch. The values live in these plain keys; the sidebar
seeds its widgets from them on each run and copies changes back in `on_change`.
"""
LANG_KEY: Final[str] = "view_lang"
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _live_atlas(data_dir: str, database_url: str) -> LiveAtlas:
    """One live atlas per server process (per data folder and database, which tests vary).

    With a database it holds the reference layers only; pages ask the database for projects (`ui.projects`).
    """
    return LiveAtlas(Path(data_dir), load=open_served_atlas_with_problems)


def _live() -> LiveAtlas:
    return _live_atlas(str(settings.data_dir()), settings.database_url() or "")


_PINNED: dict[int, Snapshot] = {}
"""The snapshot each running script thread started with (see `pinned_snapshot`)."""


@contextlib.contextmanager
def pinned_snapshot() -> Iterator[None]:
    """Serve one whole script run from one snapshot, even if a reload finishes meanwhile (app.py wraps the run)."""
    ident = threading.get_ident()
    with contextlib.suppress(AtlasError):  # get_atlas() meets the same error inside the run and shows it
        _PINNED[ident] = _live().current()
    try:
        yield
    finally:
        _PINNED.pop(ident, None)


def served() -> Snapshot:
    """This run's snapshot of the server's atlas: loaded once per server, replaced when the registry changes."""
    return _PINNED.get(threading.get_ident()) or _live().current()


def reload_atlas_now() -> None:
    """After this server's own save: load the new version now, so the next run (of every session) shows it."""
    _live().reload_now()


def derived(kind: str, key: Hashable, build: Callable[[], T], *, max_entries: int = 32) -> T:
    """`build()` once per server and atlas version (shared by sessions; read-only), see `Snapshot.cached`."""
    return served().cached(kind, key, build, max_entries=max_entries)


def _served_atlas() -> Atlas:
    snapshot = served()
    raise_if_any(snapshot.problems)
    assert snapshot.atlas is not None  # no error-severity problem means every table was built
    return snapshot.atlas


def _built_view(atlas: Atlas, filters: Filters) -> Atlas:
    view = filtered_atlas(atlas, filters)
    release_freed_memory()
    return view


def filtered_view(atlas: Atlas, filters: Filters) -> Atlas:
    """`filtered_atlas` of the server's atlas, shared by reruns and sessions with the same filters (read-only).

    Every pan of a big map reruns the page: a fresh view each time (a 10⁶-row registry: ~200 MB,
    freed only when the previous run's cycles are collected) would stack up; a shared one is built once.
    """
    snapshot = served()
    if filters.is_empty or atlas is not snapshot.atlas:
        return filtered_atlas(atlas, filters)
    key = (filters.cluster_types, filters.zones, filters.prefectures, filters.stages, filters.statuses, filters.text)
    return snapshot.cached("filtered-view", key, lambda: _built_view(atlas, filters), max_entries=2)


def validation_problems() -> list[Problem]:
    """Errors and warnings of the data folder, checked once per load like the atlas itself."""
    return served().problems


def get_atlas() -> Atlas:
    """The validated atlas, loaded once per server; invalid data stops the page with every problem listed."""
    try:
        return _served_atlas()
    except DataValidationError as exc:
        st.error("数据校验未通过 · The data did not validate:")
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        st.stop()
        raise  # unreachable: st.stop() raises
    except AtlasError as exc:  # e.g. the registry database (ATLAS_DATABASE_URL) cannot be reached
        st.error(f"数据无法读取 · The data could not be read: {exc}")
        st.stop()
        raise


def vocabularies(atlas: Atlas) -> dict[str, list[str]]:
    """The valid ids of each filter, in display order."""
    return {
        "cluster_types": [str(c) for c in atlas.cluster_types["id"]],
        "zones": [str(z) for z in atlas.zones["id"]],
        "prefectures": [str(p) for p in atlas.prefectures["adcode"]],
        "stages": [str(s) for s in atlas.stages["id"]],
        "statuses": [str(s) for s in ProjectStatus],
    }


def restore_from_url(atlas: Atlas) -> list[str]:
    """Seed the widgets from the permalink once per session; return the ignored (unknown) values."""
    if st.session_state.get("_restored_from_url"):
        return []
    params = st.query_params
    valid = vocabularies(atlas)
    ignored = []
    for param, field in FILTER_PARAMS.items():
        values = [v.strip() for v in params.get(param, "").split(",") if v.strip()]
        ignored += [f"{param}={v}" for v in values if v not in valid[field]]
        st.session_state[VIEW_PREFIX + field] = [v for v in values if v in valid[field]]
    st.session_state[VIEW_PREFIX + "text"] = params.get("q", "")
    lang = params.get("lang", "zh")
    st.session_state[LANG_KEY] = lang if lang in ("zh", "en") else "zh"
    st.session_state["_restored_from_url"] = True
    st.session_state["_url_params"] = {key: params.get(key, "") for key in params}  # pages' own params (ui.planning)
    return ignored


def current_lang() -> Lang:
    """The chosen language: the switch's value, or before the sidebar first ran, the permalink's ``lang``."""
    lang = st.session_state.get(LANG_KEY) or st.query_params.get("lang", "zh")
    return "en" if lang == "en" else "zh"


def current_filters() -> Filters:
    """The filters as the user set them (sidebar, legend or permalink)."""
    state = st.session_state
    return Filters(
        **{field: tuple(state.get(VIEW_PREFIX + field, [])) for field in FILTER_PARAMS.values()},
        text=str(state.get(VIEW_PREFIX + "text", "")),
    )


def bind_widget(widget_key: str, value_key: str) -> None:
    """Seed a widget from its plain value key before it is drawn (see `VIEW_PREFIX`)."""
    if value_key in st.session_state:
        st.session_state[widget_key] = st.session_state[value_key]


def store_widget(widget_key: str, value_key: str) -> None:
    """`on_change` callback: keep a widget's new value in its plain key, which outlives page switches."""
    st.session_state[value_key] = st.session_state[widget_key]


def write_url(filters: Filters, lang: Lang) -> None:
    """Mirror the current view in the URL so it can be bookmarked or sent (only non-empty parameters)."""
    wanted = {"lang": lang}
    for param, field in FILTER_PARAMS.items():
        values = getattr(filters, field)
        if values:
            wanted[param] = ",".join(values)
    if filters.text.strip():
        wanted["q"] = filters.text.strip()
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def page_context() -> tuple[Atlas, Filters, Lang]:
    """What every page starts from: the atlas, the sidebar's filters and the language (see `ensure_frame`)."""
    ensure_frame(current_lang())
    return get_atlas(), st.session_state.get("atlas_filters", Filters()), current_lang()
