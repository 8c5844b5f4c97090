"""Streamlit pieces of the registry page: the remembered import check, the column-mapping step, the click map."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from atlas.core.errors import AtlasError, DataValidationError
from atlas.core.i18n import column_label, t
from atlas.core.model import Atlas
from atlas.core.schema import PROJECT_COLUMNS, Lang, Layer
from atlas.importer.headers import LONLAT
from atlas.importer.project_list import ImportResult, import_registry
from atlas.maps.atlas_map import build_base_map, build_layer_groups
from atlas.maps.popups import folium_location
from atlas.maps.registry_view import RegistryDiff, diff_layer
from atlas.registry.positions import save_moved_position
from atlas.registry.store import RegistryStore
from atlas.reports.import_report import problems_frame, rejected_to_bytes, report_to_bytes
from ui.downloads import Download, download_row
from ui.state import get_atlas

MAP_TARGETS = ["", *PROJECT_COLUMNS, LONLAT]
"""Choices of the mapping step ("" = do not import)."""


@dataclass(frozen=True)
class ImportCheck:
    """An import result with the registry table and version it was checked against (the save's base)."""

    result: ImportResult
    existing: pd.DataFrame
    base_version: str


def checked_import(
    data: bytes, *, filename: str, crs: str, mapping: dict[str, str], source: str, atlas: Atlas, store: RegistryStore
) -> ImportCheck | str:
    """The import check of this upload and these choices, computed once and kept for the session.

    Keeping it keeps the base version: if someone saves before "accept", the save is refused as a conflict
    instead of silently re-checking against the newer registry. Returns the error line for an unreadable file.
    """
    key = hashlib.sha256(data + repr((filename, crs, sorted(mapping.items()), source)).encode()).hexdigest()
    memo = st.session_state.get("registry_check")
    if memo is not None and memo[0] == key:
        cached: ImportCheck | str = memo[1]
        return cached
    existing, version = store.read()
    try:
        check: ImportCheck | str = ImportCheck(
            import_registry(data, filename=filename, crs=crs, atlas=atlas, column_map=mapping,
                            default_source=source, existing=existing),
            existing,
            version,
        )
    except AtlasError as exc:
        check = str(exc)
    st.session_state["registry_check"] = (key, check)
    return check


def forget_import() -> None:
    """Drop the remembered check (after a save, or when a new file is chosen)."""
    st.session_state.pop("registry_check", None)


def new_upload() -> None:
    """A new file was chosen: forget the last check, its column mapping and the last import's map."""
    for key in ("registry_check", "registry_mapping", "registry_added"):
        st.session_state.pop(key, None)


def mapping_step(result: ImportResult, mapping: dict[str, str], lang: Lang) -> dict[str, str]:
    """A select box per header the importer did not recognise (or the user mapped); returns header → column."""
    headers = list(dict.fromkeys([*mapping, *result.unknown_headers]))
    chosen: dict[str, str] = {}
    if not headers:
        return chosen
    with st.expander(t("registry_mapping", lang, n=len(result.unknown_headers)),
                     expanded=bool(result.missing) or not len(result.accepted)):
        st.caption(t("registry_mapping_help", lang))
        for header in headers:
            current = mapping.get(header, "")
            choice = st.selectbox(
                header, MAP_TARGETS, index=MAP_TARGETS.index(current) if current in MAP_TARGETS else 0,
                key="registry_map_" + hashlib.sha1(header.encode()).hexdigest()[:12],
                format_func=lambda c: t("registry_ignore", lang) if c == "" else c,
            )
            if choice:
                chosen[header] = choice
    return chosen


def problems_view(result: ImportResult, lang: Lang, *, errors_only: bool) -> pd.DataFrame:
    """The report table with headers in `lang` (cells stay as the user wrote them)."""
    frame = problems_frame(result)
    if errors_only:
        frame = frame[frame["severity"] == "error"]
    frame = frame.assign(severity=frame["severity"].map(lambda s: t(f"severity_{s}", lang))).fillna("")
    return frame.rename(columns={c: column_label(c, lang) for c in frame.columns})


@st.cache_resource(show_spinner=False, max_entries=8)
def _base_map(lang: Lang, basemap: str) -> folium.Map:
    """The atlas's offline base map (vendored Leaflet, legend, scale), built once per language and basemap."""
    return build_base_map(get_atlas(), lang=lang, basemap=basemap)


def click_map(
    groups: list[folium.FeatureGroup],
    *,
    lang: Lang,
    key: str,
    height: int = 460,
    basemap: str = "none",
    centre: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> dict[str, Any]:
    """A map of prefecture and county outlines with `groups` on top; returns `last_clicked` ({"lat", "lng"}) or {}.

    `centre` is (lon, lat). Only "none" and "osm" basemaps are offered here: both are WGS84, so a click
    is a WGS84 position (AMap tiles are GCJ-02 and would shift it).
    """
    outlines = build_layer_groups(get_atlas(), lang=lang, basemap=basemap, layers={Layer.PREFECTURES, Layer.COUNTIES})
    result = st_folium(
        copy.deepcopy(_base_map(lang, basemap)),
        feature_group_to_add=[*outlines.values(), *groups],
        key=key,
        height=height,
        width="stretch",
        center=None if centre is None else folium_location(lon=centre[0], lat=centre[1]),
        zoom=zoom,
        returned_objects=["last_clicked"],
    )
    clicked = (result or {}).get("last_clicked")
    return clicked if isinstance(clicked, dict) else {}


def data_changed(notice: str) -> None:
    """After a save: every cached atlas, map and validation is stale (for every session); say what was saved."""
    st.cache_resource.clear()
    forget_import()
    st.session_state["registry_saves"] = st.session_state.get("registry_saves", 0) + 1
    st.session_state["registry_notice"] = notice
    st.rerun()


def save_or_explain(store: RegistryStore, projects: pd.DataFrame, *, base_version: str, author: str, message: str,
                    lang: Lang) -> str | None:
    """Save, or show why not (someone saved meanwhile, or the data would not validate) and return None."""
    try:
        return store.save(projects, base_version=base_version, author=author, message=message)
    except (AtlasError, DataValidationError) as exc:
        st.error(t("registry_not_saved", lang, message=exc))
        return None


def save_position(store: RegistryStore, record_id: str, click: tuple[float, float, str], *, author: str,
                  counties: gpd.GeoDataFrame, lang: Lang) -> None:
    """Save a clicked position (lon, lat, the version it was clicked on), or show why it was not saved."""
    lon, lat, base = click
    try:
        saved = save_moved_position(store, record_id, lon=lon, lat=lat, base_version=base, author=author,
                                    today=dt.date.today(), counties=counties)
    except (AtlasError, DataValidationError) as exc:
        st.error(t("registry_not_saved", lang, message=exc))
        return
    st.session_state.pop("registry_clicked", None)
    data_changed(t("registry_position_saved", lang, version=saved))


def show_import(check: ImportCheck, *, store: RegistryStore, author: str, basename: str, lang: Lang) -> None:
    """The report (counts, every problem, downloads) and the accept button that saves the valid rows."""
    result = check.result
    for column, key, value in zip(st.columns(3), ["rows_read", "accepted", "rejected"],
                                  [result.rows_read, len(result.accepted), len(result.rejected)], strict=True):
        column.metric(t(f"registry_{key}", lang), value)
    st.subheader(t("registry_report", lang))
    only_errors = st.toggle(t("registry_only_errors", lang), key="registry_only_errors")
    st.dataframe(problems_view(result, lang, errors_only=only_errors), hide_index=True, width="stretch")
    if len(result.rejected):
        st.caption(t("registry_download_rejected", lang))
        download_row([Download(f, lambda f=f: rejected_to_bytes(result, f)) for f in ("csv", "xlsx")],
                     basename=f"{basename}-rejected", key="registry-rejected")
    st.caption(t("registry_download_report", lang))
    download_row([Download("xlsx", lambda: report_to_bytes(result, "xlsx"))], basename=f"{basename}-report",
                 key="registry-report")
    if not len(result.accepted):
        st.warning(t("registry_nothing_valid", lang))
        return
    st.subheader(t("registry_preview", lang))
    shown = ["id", f"name_{lang}", "stage", "status", "zone_id", "county_adcode", "lon", "lat"]
    st.dataframe(result.accepted[shown].rename(columns=lambda c: column_label(c, lang)), hide_index=True,
                 width="stretch")
    if st.button(t("registry_accept", lang, n=len(result.accepted)), type="primary", key="registry_accept"):
        new = pd.concat([check.existing, result.accepted], ignore_index=True)
        version = save_or_explain(store, new, base_version=check.base_version, author=author,
                                  message=f"import {result.filename}", lang=lang)
        if version is not None:
            st.session_state["registry_added"] = (check.base_version, version)
            data_changed(t("registry_saved", lang, version=version, n=len(result.accepted)))


def show_changes(diff: RegistryDiff, *, lang: Lang, key: str) -> None:
    """Changed records as a table and on a small map (added green, changed orange, removed grey)."""
    shown = diff.records.rename(columns={"change": t("registry_col_change", lang),
                                         "columns": t("registry_col_columns", lang)})
    shown = shown.rename(columns=lambda c: column_label(c, lang))
    st.dataframe(shown, hide_index=True, width="stretch")
    click_map([diff_layer(diff, lang=lang)], lang=lang, key=key, height=400)
