"""Who may change what: a registry store seen through a signed-in account.

`SignedStore` wraps any `RegistryStore`: reads pass through; a save is refused unless the account may edit,
and, for an editor with a prefecture scope, unless every row the save adds, changes or removes lies (before
and after) in one of the account's prefectures. A refused save names the rows and writes nothing. The saved
version's author is always the account's name: the person who signed in, not what anyone typed.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from atlas.core.errors import AtlasError
from atlas.core.messages import listing, msg
from atlas.registry.accounts import Account
from atlas.registry.store import EMPTY_VERSION, RegistryStore, RegistryVersion, normalise_projects

NAMED_ROWS_MAX: Final[int] = 10
"""A refusal names this many rows, then says how many more."""


def prefecture_of(county_adcode: str) -> str:
    """The prefecture adcode of a county adcode (``520181`` → ``520100``); "" for a missing code."""
    code = county_adcode.strip()
    return code[:4] + "00" if len(code) == 6 and code.isdigit() else ""


def touched_rows(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Every row of `old` or `new` that is not the same in both (added, changed or removed), as text cells.

    A row appears in its new form, its old form, or both, in table order (new rows first). Rows are compared
    by a hash of all their cells, computed column-wise: a 10⁵-row registry takes well under a second.
    """
    a = normalise_projects(old)[0]
    b = normalise_projects(new)[0]
    a_hash = pd.util.hash_pandas_object(a.astype(object), index=False).to_numpy()
    b_hash = pd.util.hash_pandas_object(b.astype(object), index=False).to_numpy()
    b_only = ~np.isin(b_hash, a_hash)
    a_only = ~np.isin(a_hash, b_hash)
    return pd.concat([b[b_only], a[a_only]], ignore_index=True)


def outside_scope(account: Account, old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Ids of the rows a save from `old` to `new` would touch outside the account's prefectures (none: [])."""
    if not account.prefectures:
        return []
    rows = touched_rows(old, new)
    if rows.empty:
        return []
    outside = ~rows["county_adcode"].map(prefecture_of).isin(account.prefectures)
    return list(dict.fromkeys(rows.loc[outside, "id"]))


class NotAllowed(AtlasError):
    """The signed-in account may not make this save; nothing was written."""


def check_save(account: Account | None, old: pd.DataFrame, new: pd.DataFrame) -> None:
    """Raise `NotAllowed` unless `account` may save `new` over `old` (role, then prefecture scope)."""
    if account is None or not account.can_edit:
        raise NotAllowed(msg("rights_read_only", name=account.name if account else ""))
    ids = outside_scope(account, old, new)
    if ids:
        more = len(ids) - NAMED_ROWS_MAX
        raise NotAllowed(msg("rights_outside_scope", name=account.name, prefectures=listing(account.prefectures),
                             rows=listing(ids[:NAMED_ROWS_MAX]),
                             more=msg("rights_more_rows", n=more) if more > 0 else ""))


class SignedStore:
    """`store` as `account` may use it: the same reads, saves checked and signed with the account's name."""

    def __init__(self, store: RegistryStore, account: Account | None) -> None:
        self.store = store
        self.account = account

    def __repr__(self) -> str:
        return f"SignedStore({self.store!r}, {self.account.name if self.account else None!r})"

    def read(self) -> tuple[pd.DataFrame, str]:
        return self.store.read()

    def history(self) -> list[RegistryVersion]:
        return self.store.history()

    def read_version(self, version: str) -> pd.DataFrame:
        return self.store.read_version(version)

    def stamp(self) -> str:
        return self.store.stamp()

    def save(self, projects: pd.DataFrame, *, base_version: str, author: str = "", message: str) -> str:
        """Check the rights against `base_version`'s table, then save as the account (`author` is ignored)."""
        account = self.account
        if account is None or not account.can_edit:
            raise NotAllowed(msg("rights_read_only", name=account.name if account else ""))
        if account.prefectures:
            old = normalise_projects(pd.DataFrame())[0] if base_version == EMPTY_VERSION else (
                self.store.read_version(base_version))
            check_save(account, old, projects)
        return self.store.save(projects, base_version=base_version, author=account.name, message=message)
