"""Project registry: import a bureau's list, correct a position on the map, see and undo saved versions."""

from __future__ import annotations

import streamlit as st

from atlas.core.errors import AtlasError, error_text
from atlas.core.i18n import MISSING_MARK, names_by_id, t
from atlas.core.schema import label
from atlas.maps.registry_view import changes_since, position_layer, registry_diff, versions_frame
from atlas.registry.positions import county_at, undo_last_save
from atlas.registry.rights import SignedStore
from atlas.registry.startup import open_store
from ui.auth import current_account, sign_in_form
from ui.layout import page_title
from ui.registry import (
    checked_import,
    choice_steps,
    click_map,
    data_changed,
    import_options,
    new_upload,
    release_notice,
    save_position,
    show_changes,
    show_import,
)
from ui.state import page_context

atlas, filters, lang = page_context()
account = current_account()
store = SignedStore(open_store(), account)  # every save is checked against the account's rights and signed by it
author = account.name if account else ""
page_title(t("page_registry", lang))
st.caption(t("registry_intro", lang))
if account is None:
    st.info(t("registry_sign_in_to_edit", lang))
    sign_in_form(lang, key="registry_sign_in")
elif not account.can_edit:
    st.info(t("registry_read_only", lang, name=account.name))
if account is not None and account.is_admin:
    release_notice(store, lang)  # administrators merge shipped data releases (`atlas data upgrade`)
if notice := st.session_state.pop("registry_notice", None):
    st.success(notice)
saves = st.session_state.get("registry_saves", 0)
# One section at a time (not st.tabs): a map drawn in a hidden tab has no size and stays blank,
# and only the chosen section's work runs on each rerun. A visitor who may not edit sees the history only.
# Its own key for each: a browser keeps a widget's last value, which must not carry over a sign-in or sign-out.
editing = account is not None and account.can_edit
sections = ["import", "edit", "history"] if editing else ["history"]
section = st.radio(t("registry_section", lang), sections, key="registry_section" + ("" if editing else "_read"),
                   horizontal=True, label_visibility="collapsed", format_func=lambda k: t(f"registry_tab_{k}", lang))

if section == "import":
    upload = st.file_uploader(t("registry_upload", lang), type=["csv", "txt", "xlsx", "xlsm"],
                              key=f"registry_file_{saves}", on_change=new_upload)  # a save empties it
    options = import_options(lang)
    if upload is not None:
        check = checked_import(upload.getvalue(), filename=upload.name, options=options, atlas=atlas, store=store,
                               lang=lang)
        if isinstance(check, str):
            st.error(check)
        else:
            choice_steps(check, options, atlas, lang)
            show_import(check, store=store, author=author, basename=upload.name.rsplit(".", 1)[0], lang=lang,
                        atlas=atlas)
    if added := st.session_state.get("registry_added"):
        st.subheader(t("registry_added_map", lang))
        show_changes(registry_diff(store.read_version(added[0]), store.read_version(added[1])), lang=lang,
                     key=f"registry-added-{saves}")

elif section == "edit":
    projects, version = store.read()
    names = names_by_id(projects, lang)
    record_id = st.selectbox(t("registry_pick_project", lang), list(names), key="registry_move_id",
                             format_func=lambda i: f"{names[i]} ({i})")
    record = projects[projects["id"] == record_id].iloc[0].to_dict()
    st.caption(t("registry_current_position", lang, lon=record["lon"], lat=record["lat"],
                 precision=label(str(record["position_precision"]), lang), km=record["uncertainty_km"]))
    st.caption(t("registry_click_hint", lang))
    basemap = st.radio(t("registry_basemap", lang), ["none", "osm"], key="registry_basemap", horizontal=True,
                       format_func=lambda b: t(f"basemap_{b}", lang))
    click = st.session_state.get("registry_clicked", {}).get(record_id)  # (lon, lat, version it was made on)
    clicked = None if click is None else (click[0], click[1])
    stored = (float(record["lon"]), float(record["lat"])) if record["lon"] and record["lat"] else None
    last = click_map([position_layer(record, lang=lang, new=clicked)], lang=lang, basemap=basemap, centre=stored,
                     zoom=10, key=f"registry-move-{record_id}-{basemap}-{saves}")
    if last and (last["lng"], last["lat"]) != clicked:
        st.session_state["registry_clicked"] = {record_id: (last["lng"], last["lat"], version)}
        st.rerun()
    if clicked:
        county = county_at(atlas.counties, lon=clicked[0], lat=clicked[1])
        where = f"{names_by_id(atlas.counties, lang, id_column='adcode')[county]} {county}" if county else "—"
        st.info(t("registry_new_position", lang, lon=round(clicked[0], 6), lat=round(clicked[1], 6), county=where))
        if st.button(t("registry_save_position", lang), type="primary", key="registry_save_position"):
            save_position(store, record_id, click, author=author, counties=atlas.counties, lang=lang)
    history = store.history()
    if len(history) > 1:
        last_save = history[0]
        st.caption(t("registry_last_save", lang, version=last_save.version, author=last_save.author,
                     when=last_save.saved_at, message=last_save.message))
        if st.button(t("registry_undo", lang), key="registry_undo"):
            try:
                data_changed(t("registry_undone", lang, version=undo_last_save(store, author=author)))
            except AtlasError as exc:
                st.error(t("registry_not_saved", lang, message=error_text(exc, lang)))

else:
    history = store.history()
    if not history:
        st.info(t("registry_no_history", lang))
    else:
        table = versions_frame(history)
        st.dataframe(table.rename(columns={c: t(f"registry_col_{c}", lang) for c in table.columns}),
                     hide_index=True, placeholder=MISSING_MARK, width="stretch")
        since = st.selectbox(t("registry_since", lang), [v.version for v in history], key="registry_since",
                             index=min(1, len(history) - 1))
        diff = changes_since(store, since)
        if diff.records.empty:
            st.info(t("registry_no_changes", lang))
        else:
            st.caption(t("registry_changes", lang, n=len(diff.records), version=since))
            show_changes(diff, lang=lang, key=f"registry-history-{saves}")
