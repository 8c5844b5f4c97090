"""Accounts (admins only): who may sign in, with which role and prefectures; managed with `atlas users`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from atlas.core.errors import AtlasError
from atlas.core.i18n import t
from ui.auth import accounts, current_account, sign_in_form
from ui.state import page_context

_, _, lang = page_context()
account = current_account()
st.title(t("page_accounts", lang))
if account is None:
    st.info(t("accounts_sign_in", lang))
    sign_in_form(lang, key="accounts_sign_in")
elif not account.is_admin:
    st.warning(t("accounts_admins_only", lang, name=account.name))
else:
    st.caption(t("accounts_intro", lang))
    try:
        rows = [a.public() for a in accounts().all()]
    except AtlasError as exc:
        st.error(exc.text(lang))
        rows = []
    table = pd.DataFrame(rows, columns=["name", "role", "prefectures", "password", "locked_until", "created_at"])
    table["role"] = table["role"].map(lambda r: t(f"role_{r}", lang))
    table["prefectures"] = table["prefectures"].map(lambda p: ", ".join(p) or t("account_all_prefectures", lang))
    st.dataframe(table.rename(columns=lambda c: t(f"accounts_col_{c}", lang)), hide_index=True, width="stretch")
