"""Streamlit pieces of the registry page: the remembered import check, the column-mapping step, the click map."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas.core import settings
from atlas.core.errors import AtlasError, DataValidationError, error_text
from atlas.core.i18n import MISSING_MARK, column_label, localise_frame, record_labels, t
from atlas.core.model import Atlas
from atlas.core.schema import PROJECT_COLUMNS, Lang, Layer
from atlas.data.release import read_release
from atlas.importer.headers import LONLAT, PLACE
from atlas.importer.options import ImportOptions, options_from_json, options_to_json
from atlas.importer.project_list import ImportResult, import_registry
from atlas.importer.vocabulary import build_vocabularies
from atlas.maps.popups import folium_location
from atlas.maps.registry_view import RegistryDiff, diff_layer
from atlas.registry.positions import save_moved_position
from atlas.registry.store import RegistryStore, base_release
from atlas.reports.import_report import problems_frame, rejected_to_bytes, report_to_bytes
from ui.downloads import Download, download_row
from ui.folium_component import render_group, show_rendered
from ui.layout import SMALL_MAP_HEIGHT_PX
from ui.map_view import rendered_base_map, rendered_layer
from ui.state import get_atlas, reload_atlas_now

RELEASE_CHECK_TTL_S = 300
"""How long the registry page trusts its "newer release" answer for an unchanged registry and data folder."""
MAP_TARGETS = ["", *PROJECT_COLUMNS, LONLAT, PLACE]
"""Choices of the mapping step ("" = do not import)."""


@dataclass(frozen=True)
class ImportCheck:
    """An import result with the registry table and version it was checked against (the save's base)."""

    result: ImportResult
    existing: pd.DataFrame
    base_version: str


def checked_import(
    data: bytes, *, filename: str, options: ImportOptions, atlas: Atlas, store: RegistryStore, lang: Lang
) -> ImportCheck | str:
    """The import check of this upload and these choices, computed once and kept for the session.

    Keeping it keeps the base version: if someone saves before "accept", the save is refused as a conflict
    instead of silently re-checking against the newer registry. Returns the error line for an unreadable file.
    The upload limits (`settings.import_max_bytes`, `settings.IMPORT_MAX_ROWS`) apply here, not to the CLI.
    """
    key = hashlib.sha256(data + filename.encode() + options_to_json(options) + lang.encode()).hexdigest()
    memo = st.session_state.get("registry_check")
    if memo is not None and memo[0] == key:
        cached: ImportCheck | str = memo[1]
        return cached
    existing, version = store.read()
    try:
        check: ImportCheck | str = ImportCheck(
            import_registry(data, filename=filename, crs=options.crs or "wgs84", atlas=atlas,
                            column_map=options.columns, value_map=options.values, defaults=options.defaults,
                            default_source=options.source, existing=existing,
                            max_bytes=settings.import_max_bytes(), max_rows=settings.IMPORT_MAX_ROWS),
            existing,
            version,
        )
    except AtlasError as exc:
        check = exc.text(lang)
    st.session_state["registry_check"] = (key, check)
    return check


def forget_import() -> None:
    """Drop the remembered check (after a save, or when a new file is chosen)."""
    st.session_state.pop("registry_check", None)


def new_upload() -> None:
    """A new file was chosen: forget the last check, its column mapping and the last import's map.

    Value mappings and whole-file values stay: next month's list uses the same words.
    """
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


def import_options(lang: Lang) -> ImportOptions:
    """The choices this session reads uploads with: datum, default source, column/value mappings, defaults.

    A mapping file loaded here (one saved last month, or by `atlas import --save-mapping`) replaces them.
    """
    crs = st.radio(t("registry_crs", lang), ["wgs84", "gcj02", "bd09"], key="registry_crs", horizontal=True,
                   format_func=lambda c: t(f"crs_{c}", lang))
    source = st.text_input(t("registry_default_source", lang), key="registry_source")
    state = st.session_state
    options = ImportOptions(columns=state.get("registry_mapping", {}), values=state.get("registry_values", {}),
                            defaults=state.get("registry_defaults", {}), source=source, crs=crs)
    loaded = mapping_file_controls(options, lang)
    if loaded is not None:
        state["registry_mapping"], state["registry_values"] = loaded.columns, loaded.values
        state["registry_defaults"] = loaded.defaults
        if loaded.source:
            state["registry_source"] = loaded.source
        if loaded.crs in ("wgs84", "gcj02", "bd09"):
            state["registry_crs"] = loaded.crs
        state.pop("registry_check", None)
        st.rerun()
    return options


def choice_steps(check: ImportCheck, options: ImportOptions, atlas: Atlas, lang: Lang) -> None:
    """The column-mapping, value-mapping and whole-file-default steps; a changed choice checks the file again."""
    state = st.session_state
    for key, chosen in (
        ("registry_mapping", mapping_step(check.result, options.columns, lang)),
        ("registry_values", value_mapping_step(check.result, options.values, atlas, lang)),
        ("registry_defaults", defaults_step(options, atlas, lang)),
    ):
        if chosen != state.get(key, {}):
            state[key] = chosen
            st.rerun()


def value_mapping_step(result: ImportResult, values: dict[str, dict[str, str]], atlas: Atlas, lang: Lang
                       ) -> dict[str, dict[str, str]]:
    """For each word a column's vocabulary did not know, a choice pre-filled with the best suggestion.

    Applied (to every row with that word) only when the user confirms, so a guess is never taken silently.
    Returns column → word → value, the words already mapped included.
    """
    unknown = {c: words for c, words in result.unknown_values.items() if words}
    chosen = {c: dict(v) for c, v in values.items()}
    if not unknown and not values:
        return chosen
    vocabularies = build_vocabularies(atlas)
    count = sum(len(w) for w in unknown.values())
    with st.expander(t("registry_values", lang, n=count), expanded=bool(unknown)), \
            st.form("registry_values_form", border=False):
        st.caption(t("registry_values_help", lang))
        picks: dict[tuple[str, str], str] = {}
        for column, words in unknown.items():
            vocabulary = vocabularies[column]
            options = ["", *vocabulary.shown]
            for word, suggestions in words.items():
                rows = result.rows_with_unknown.get(column, {}).get(word, 0)
                best = suggestions[0] if suggestions else ""
                picks[(column, word)] = st.selectbox(
                    t("registry_value_choice", lang, column=column_label(column, lang), word=word, n=rows),
                    options, index=options.index(best) if best in options else 0,
                    key="registry_value_" + hashlib.sha1(f"{column}\x1f{word}".encode()).hexdigest()[:12],
                    format_func=lambda v, vocab=vocabulary: vocab.shown.get(v, t("registry_value_none", lang)),
                )
        if st.form_submit_button(t("registry_values_apply", lang)):
            for (column, word), value in picks.items():
                if value:
                    chosen.setdefault(column, {})[word] = value
    return chosen


def defaults_step(options: ImportOptions, atlas: Atlas, lang: Lang) -> dict[str, str]:
    """Optional values for the whole file (stage, status, zone), for lists that leave a column out."""
    vocabularies = build_vocabularies(atlas)
    chosen = dict(options.defaults)
    with st.expander(t("registry_defaults", lang), expanded=bool(options.defaults)):
        st.caption(t("registry_defaults_help", lang))
        for column in ("stage", "status", "zone_id"):
            vocabulary = vocabularies[column]
            ids = ["", *vocabulary.shown]
            current = vocabulary.resolve(options.defaults.get(column, "")) or ""
            value = st.selectbox(column_label(column, lang), ids, index=ids.index(current) if current in ids else 0,
                                 key=f"registry_default_{column}",
                                 format_func=lambda v, vocab=vocabulary: vocab.shown.get(v, t("registry_none", lang)))
            if value:
                chosen[column] = value
            else:
                chosen.pop(column, None)
    return chosen


def mapping_file_controls(options: ImportOptions, lang: Lang) -> ImportOptions | None:
    """Load a saved mapping file, or save the current choices as one; returns the loaded options, if any."""
    left, right = st.columns(2)
    with left:
        upload = st.file_uploader(t("registry_mapping_file", lang), type=["json"], key="registry_mapping_file")
    with right:
        st.download_button(t("registry_mapping_save", lang), options_to_json(options),
                           file_name="atlas-import-mapping.json", mime="application/json",
                           key="registry_mapping_download")
    if upload is None or st.session_state.get("registry_mapping_loaded") == upload.file_id:
        return None
    st.session_state["registry_mapping_loaded"] = upload.file_id
    try:
        return options_from_json(upload.getvalue(), filename=upload.name)
    except AtlasError as exc:
        st.error(exc.text(lang))
        return None


def problems_view(result: ImportResult, lang: Lang, *, errors_only: bool) -> pd.DataFrame:
    """The report table with headers and messages in `lang` (cells stay as the user wrote them)."""
    frame = problems_frame(result, lang)
    if errors_only:
        frame = frame[frame["severity"] == "error"]
    frame = frame.assign(severity=frame["severity"].map(lambda s: t(f"severity_{s}", lang))).fillna("")
    return frame.rename(columns={c: column_label(c, lang) for c in frame.columns})


def click_map(
    groups: list[folium.FeatureGroup],
    *,
    lang: Lang,
    key: str,
    height: int = SMALL_MAP_HEIGHT_PX,
    basemap: str = "none",
    centre: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> dict[str, Any]:
    """A map of prefecture and county outlines with `groups` on top; returns `last_clicked` ({"lat", "lng"}) or {}.

    `centre` is (lon, lat). Only "none" and "osm" basemaps are offered here: both are WGS84, so a click
    is a WGS84 position (AMap tiles are GCJ-02 and would shift it).
    """
    outlines = [rendered_layer(get_atlas(), None, layer, index, lang=lang, basemap=basemap)
                for index, layer in enumerate((Layer.PREFECTURES, Layer.COUNTIES))]
    mine = [render_group(group, len(outlines) + index) for index, group in enumerate(groups)]
    result = show_rendered(
        rendered_base_map(lang, basemap),
        [*outlines, *mine],
        key=key,
        height=height,
        center=None if centre is None else folium_location(lon=centre[0], lat=centre[1]),
        zoom=zoom,
        returned_objects=["last_clicked"],
    )
    clicked = (result or {}).get("last_clicked")
    return clicked if isinstance(clicked, dict) else {}


def data_changed(notice: str) -> None:
    """After a save: load the new version for every session now (caches go with the old one); say what was saved."""
    reload_atlas_now()
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
        st.error(t("registry_not_saved", lang, message=error_text(exc, lang)))
        return None


def save_position(store: RegistryStore, record_id: str, click: tuple[float, float, str], *, author: str,
                  counties: gpd.GeoDataFrame, lang: Lang) -> None:
    """Save a clicked position (lon, lat, the version it was clicked on), or show why it was not saved."""
    lon, lat, base = click
    try:
        saved = save_moved_position(store, record_id, lon=lon, lat=lat, base_version=base, author=author,
                                    today=dt.date.today(), counties=counties)
    except (AtlasError, DataValidationError) as exc:
        st.error(t("registry_not_saved", lang, message=error_text(exc, lang)))
        return
    st.session_state.pop("registry_clicked", None)
    data_changed(t("registry_position_saved", lang, version=saved))


def show_import(
    check: ImportCheck, *, store: RegistryStore, author: str, basename: str, lang: Lang, atlas: Atlas
) -> None:
    """The report (counts, every problem, downloads) and the accept button that saves the valid rows."""
    result = check.result
    for column, key, value in zip(st.columns(3), ["rows_read", "accepted", "rejected"],
                                  [result.rows_read, len(result.accepted), len(result.rejected)], strict=True):
        column.metric(t(f"registry_{key}", lang), value)
    st.subheader(t("registry_report", lang))
    only_errors = st.toggle(t("registry_only_errors", lang), key="registry_only_errors")
    st.dataframe(problems_view(result, lang, errors_only=only_errors), hide_index=True, placeholder=MISSING_MARK,
                 width="stretch")
    if len(result.rejected):
        st.caption(t("registry_download_rejected", lang))
        download_row([Download(f, lambda f=f: rejected_to_bytes(result, f)) for f in ("csv", "xlsx")],
                     basename=f"{basename}-rejected", key="registry-rejected")
    st.caption(t("registry_download_report", lang))
    download_row([Download("xlsx", lambda: report_to_bytes(result, "xlsx", lang=lang))], basename=f"{basename}-report",
                 key="registry-report")
    if not len(result.accepted):
        st.warning(t("registry_nothing_valid", lang))
        return
    st.subheader(t("registry_preview", lang))
    shown = ["id", f"name_{lang}", "stage", "status", "zone_id", "county_adcode", "lon", "lat", "notes_zh", "notes_en"]
    preview = localise_frame(result.accepted[shown], lang, names=record_labels(atlas, lang))
    st.dataframe(preview, hide_index=True, placeholder=MISSING_MARK, width="stretch")
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
    st.dataframe(shown, hide_index=True, placeholder=MISSING_MARK, width="stretch")
    click_map([diff_layer(diff, lang=lang)], lang=lang, key=key)


def release_notice(store: RegistryStore, lang: Lang) -> None:
    """Tell whoever manages the registry that a newer shipped data release can be merged (`atlas data upgrade`).

    The registry page calls it for administrators only: they are the ones who run the upgrade on the server.
    """
    try:
        data_dir = settings.data_dir()
        shipped = read_release(data_dir).release
        base = _base_release(store.stamp(), str(data_dir), settings.database_url() or "", store)
    except AtlasError:
        return  # the page reports an unreachable registry or a broken data folder itself
    if base is not None and base != shipped:
        st.info(t("registry_release_notice", lang, release=shipped))


@st.cache_data(ttl=RELEASE_CHECK_TTL_S, show_spinner=False)
def _base_release(stamp: str, data_dir: str, database_url: str, _store: RegistryStore) -> str | None:
    """The registry's base release (from its history), read again when its stamp or the configuration change."""
    found = base_release(_store.history())
    return None if found is None else found[0]
