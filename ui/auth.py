"""Signing in and out of the app: the form, the session's account, and Streamlit's own OpenID Connect login.

The session remembers only the account's name and when it signed in (in `st.session_state`, on the server,
never in the URL or the page); every run reads the account again from the store, so a removed account or a
changed role takes effect at once. With an ``[auth]`` section in ``.streamlit/secrets.toml`` the app offers
Streamlit's `st.login` (the organisation's OpenID Connect provider) instead of local passwords; the identity's
e-mail (or name) is then looked up among the accounts for its rights, and unknown identities may read.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

import streamlit as st

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.i18n import t
from atlas.core.schema import Lang
from atlas.registry.account_stores import open_accounts
from atlas.registry.accounts import Account, AccountStore, Role, sign_in
from atlas.registry.startup import open_store

SESSION_KEY: Final[str] = "_atlas_account"
"""Session state: (account name, time.time() of the sign-in)."""


def accounts() -> AccountStore:
    """The accounts that go with the configured registry (file or database)."""
    return open_accounts(open_store())


def oidc_configured(secrets: Mapping[str, Any]) -> bool:
    """True when the secrets configure Streamlit's OpenID Connect login (an ``[auth]`` section)."""
    section = secrets.get("auth")
    return isinstance(section, Mapping) and bool(section.get("redirect_uri"))


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except (FileNotFoundError, OSError):
        return {}


def account_for_identity(store: AccountStore, claims: Mapping[str, Any]) -> Account:
    """The account of an OpenID Connect identity: the one named by its e-mail (or name), else a viewer."""
    for claim in ("email", "preferred_username", "name"):
        value = str(claims.get(claim) or "").strip()
        if value and (found := store.get(value)) is not None:
            return found
    return Account(str(claims.get("email") or claims.get("name") or "?"), Role.VIEWER)


def current_account() -> Account | None:
    """The signed-in account of this session, or None (signed out, expired, or the account is gone)."""
    if oidc_configured(_secrets()) and st.user.is_logged_in:
        return account_for_identity(accounts(), st.user.to_dict())
    held = st.session_state.get(SESSION_KEY)
    if held is None:
        return None
    name, since = held
    if time.time() - since > settings.session_hours() * 3600:
        st.session_state.pop(SESSION_KEY, None)
        return None
    try:
        return accounts().get(name)
    except AtlasError as exc:
        st.error(str(exc))
        return None


def sign_in_form(lang: Lang, *, key: str = "sign_in") -> None:
    """The sign-in form (or the organisation's login button); a refusal never says which part was wrong."""
    if oidc_configured(_secrets()):
        if st.button(t("sign_in_oidc", lang), key=f"{key}_oidc", type="primary"):
            st.login()
        return
    with st.form(key, clear_on_submit=True):
        st.markdown(f"**{t('sign_in_title', lang)}**")
        name = st.text_input(t("sign_in_name", lang), key=f"{key}_name", autocomplete="username")
        password = st.text_input(t("sign_in_password", lang), key=f"{key}_password", type="password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("sign_in_button", lang), type="primary")
    if not submitted:
        return
    try:
        account = sign_in(accounts(), name, password)
    except AtlasError as exc:
        st.error(exc.text(lang))
        return
    if account is None:
        st.error(t("sign_in_refused", lang, minutes=f"{settings.lockout_minutes():g}"))
        return
    st.session_state[SESSION_KEY] = (account.name, time.time())
    st.rerun()


def sign_out() -> None:
    """End this session's sign-in (and the OpenID Connect login, when that is how it signed in)."""
    st.session_state.pop(SESSION_KEY, None)
    if oidc_configured(_secrets()) and st.user.is_logged_in:
        st.logout()


def account_box(account: Account | None, lang: Lang) -> None:
    """In the sidebar: who is signed in, with a sign-out button (nothing for a signed-out visitor)."""
    if account is None:
        return
    with st.sidebar:
        scope = ", ".join(account.prefectures) or t("account_all_prefectures", lang)
        st.caption(t("signed_in_as", lang, name=account.name, role=t(f"role_{account.role.value}", lang),
                     scope=scope))
        if st.button(t("sign_out_button", lang), key="sign_out"):
            sign_out()
            st.rerun()


def require_sign_in(account: Account | None, lang: Lang) -> None:
    """A sign-in-only atlas (`settings.sign_in_required`): a signed-out visitor sees the form and nothing else."""
    if account is None and settings.sign_in_required():
        st.title(t("app_title", lang))
        st.info(t("sign_in_required", lang))
        sign_in_form(lang, key="sign_in_gate")
        st.stop()
