"""The atlas's own accounts: roles, prefecture scope, Argon2 password hashes, sign-in with lockout.

Where accounts are kept is `atlas.registry.account_stores` (a file beside the registry's state, or a table
in the registry database); this module holds what every store shares. A password is only ever held as an
Argon2id hash (salted, deliberately slow); it is never logged, shown or stored as typed. A refused sign-in
always reads the same, whether the name is unknown, the password wrong or the account locked, so the form
does not tell a guesser which accounts exist.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.messages import listing, msg

LOG: Final = logging.getLogger("atlas.sign_in")
"""Every refused sign-in is logged here (time, account as typed, why) at WARNING."""

LOCKOUT_FAILURES: Final[int] = 5
"""Consecutive failed sign-ins after which an account is locked for `settings.lockout_minutes()`."""

NAME_MAX: Final[int] = 64
_PREFECTURE = re.compile(r"^52\d\d00$")
_HASHER: Final = PasswordHasher()  # argon2id with the library's recommended cost (RFC 9106 low-memory profile)
_DUMMY_HASH: Final[str] = _HASHER.hash("an account that does not exist")
"""Checked against when the name is unknown, so an unknown name costs as long as a wrong password."""


class Role(StrEnum):
    """What an account may do: read, change the registry, or also manage accounts."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    """One person: a name, a role, the prefectures they may change (empty: all), and their password's hash.

    `password_hash` is empty for an account that signs in only through the organisation's OpenID Connect
    provider (`st.login`). `failures` counts consecutive refused sign-ins; `locked_until` is ISO 8601 UTC or "".
    """

    name: str
    role: Role
    prefectures: tuple[str, ...] = ()
    password_hash: str = ""
    failures: int = 0
    locked_until: str = ""
    created_at: str = ""

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def public(self) -> dict[str, object]:
        """What `atlas users list` and the admin page show: never the hash."""
        return {"name": self.name, "role": self.role.value, "prefectures": list(self.prefectures),
                "password": bool(self.password_hash), "locked_until": self.locked_until,
                "created_at": self.created_at}


class AccountStore(Protocol):
    """Where accounts live; a store keeps whole accounts and a log of refused sign-ins."""

    def get(self, name: str) -> Account | None:
        """The account called `name`, or None."""
        ...

    def all(self) -> list[Account]:
        """Every account, by name."""
        ...

    def put(self, account: Account, *, new: bool = False) -> None:
        """Write `account` (replacing the one of that name); with `new`, refuse a name that exists."""
        ...

    def remove(self, name: str) -> bool:
        """Delete the account; False when there was none."""
        ...

    def log_failure(self, name: str, at: datetime, reason: str) -> None:
        """Keep a record of one refused sign-in (time, the name as typed, why)."""
        ...


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


def checked_name(name: str) -> str:
    """The account name stripped and NFC-normalised, or an `AtlasError` saying what a name may be."""
    clean = unicodedata.normalize("NFC", name.strip())
    if not clean or len(clean) > NAME_MAX or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in clean):
        raise AtlasError(msg("account_name_invalid", name=clean[:NAME_MAX], most=NAME_MAX))
    return clean


def checked_prefectures(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Prefecture adcodes (``52xx00``), sorted and unique; anything else is an `AtlasError` naming it."""
    clean = sorted({c.strip() for c in codes if c.strip()})
    bad = [c for c in clean if not _PREFECTURE.match(c)]
    if bad:
        raise AtlasError(msg("account_prefecture_invalid", codes=listing(bad)))
    return tuple(clean)


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` (a fresh salt each time); a password must have 8 characters or more."""
    if len(password) < settings.PASSWORD_MIN_CHARS:
        raise AtlasError(msg("account_password_short", most=settings.PASSWORD_MIN_CHARS))
    return _HASHER.hash(password)


def new_account(name: str, role: Role | str, *, password: str | None, prefectures: tuple[str, ...] = (),
                now: datetime | None = None) -> Account:
    """A checked account; `password` None makes an account that signs in only through OpenID Connect."""
    try:
        chosen = Role(role)
    except ValueError:
        raise AtlasError(msg("account_role_invalid", role=role, valid=listing(list(Role), alternatives=True))) from None
    return Account(checked_name(name), chosen, checked_prefectures(prefectures),
                   hash_password(password) if password is not None else "",
                   created_at=utc_text(now or datetime.now(UTC)))


def _verified(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash or _DUMMY_HASH, password)) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_locked(account: Account, now: datetime) -> bool:
    until = parse_utc(account.locked_until)
    return until is not None and now < until


def sign_in(accounts: AccountStore, name: str, password: str, *, now: datetime | None = None) -> Account | None:
    """The account when `name` and `password` match and the account is not locked; else None.

    Every refusal costs one Argon2 check (an unknown name too), is logged with time and name, and counts
    against an existing account: the `LOCKOUT_FAILURES`-th in a row locks it for `settings.lockout_minutes()`,
    during which even the right password is refused.
    """
    at = now or datetime.now(UTC)
    try:
        clean = checked_name(name)
    except AtlasError:
        clean = ""
    account = accounts.get(clean) if clean else None
    matches = _verified(account.password_hash if account else "", password)
    if account is not None and matches and not is_locked(account, at):
        if account.failures or account.locked_until:
            account = replace(account, failures=0, locked_until="")
            accounts.put(account)
        return account
    reason = "unknown account" if account is None else "locked" if is_locked(account, at) else "wrong password"
    if account is not None and reason == "wrong password":
        failures = account.failures + 1
        locked = ""
        if failures >= LOCKOUT_FAILURES:
            locked, failures = utc_text(at + timedelta(minutes=settings.lockout_minutes())), 0
            reason = f"wrong password, locked until {locked}"
        accounts.put(replace(account, failures=failures, locked_until=locked))
    LOG.warning("sign-in refused at %s for account %r: %s", utc_text(at), clean or name[:NAME_MAX], reason)
    accounts.log_failure(clean or name[:NAME_MAX], at, reason)
    return None


def set_password(accounts: AccountStore, name: str, password: str) -> Account:
    """Give an account a new password (and lift a lock); `AtlasError` when there is no such account."""
    account = accounts.get(checked_name(name))
    if account is None:
        raise AtlasError(msg("account_unknown", name=name))
    changed = replace(account, password_hash=hash_password(password), failures=0, locked_until="")
    accounts.put(changed)
    return changed
