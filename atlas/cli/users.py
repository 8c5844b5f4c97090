"""`atlas users add|list|passwd|remove`: the accounts that may sign in to the app (run by an admin on the server).

Passwords are read from standard input only (``--password-stdin``): never from the command line, where
other users of the server could see them in the process list or the shell history.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, Final

from atlas.core.errors import AtlasError
from atlas.core.messages import msg
from atlas.registry.account_stores import open_accounts
from atlas.registry.accounts import AccountStore, Role, checked_name, new_account, set_password
from atlas.registry.startup import open_store

COMMANDS: Final[frozenset[str]] = frozenset({"users"})
"""Subcommand names this module registers and runs."""


def _codes(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add `atlas users ...` to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser("users", help="accounts that may sign in to the app, and their rights")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role],
                     help="viewer: reads; editor: imports, corrects positions, undoes; admin: also sees the accounts")
    add.add_argument("--prefecture", dest="prefectures", type=_codes, action="extend", default=[],
                     metavar="ADCODE[,ADCODE...]", help="an editor may change projects in these prefectures only")
    how = add.add_mutually_exclusive_group(required=True)
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument("--oidc-only", action="store_true",
                     help="no password: the account signs in through the organisation's OpenID Connect provider")
    formats(add, ("table", "json"))
    listed = actions.add_parser("list", help="every account (never a password or its hash)")
    formats(listed, ("table", "json"))
    passwd = actions.add_parser("passwd", help="set an account's password (and lift a lock)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", required=True,
                        help="read the new password from standard input")
    formats(passwd, ("table", "json"))
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    formats(remove, ("table", "json"))


def _password_from_stdin() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise AtlasError(msg("account_password_missing"))
    return line


def run(args: argparse.Namespace) -> int:
    """Run one `atlas users` action; a bad name, role or password is one `AtlasError` line (exit 2)."""
    accounts = open_accounts(open_store())
    report = _act(accounts, args)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.action == "list":
        for account in report["accounts"]:
            scope = ",".join(account["prefectures"]) or "*"
            print(f"{account['name']}\t{account['role']}\t{scope}\t{account['locked_until'] or '-'}")
    else:
        print(report["summary"])
    return 0


def _act(accounts: AccountStore, args: argparse.Namespace) -> dict[str, Any]:
    if args.action == "list":
        return {"accounts": [a.public() for a in accounts.all()]}
    if args.action == "add":
        password = None if args.oidc_only else _password_from_stdin()
        account = new_account(args.name, args.role, password=password, prefectures=tuple(args.prefectures))
        accounts.put(account, new=True)
        return {"account": account.public(), "summary": f"added {account.role.value} {account.name!r}"}
    if args.action == "passwd":
        account = set_password(accounts, args.name, _password_from_stdin())
        return {"account": account.public(), "summary": f"password of {account.name!r} changed"}
    name = checked_name(args.name)
    if not accounts.remove(name):
        raise AtlasError(msg("account_unknown", name=name))
    return {"removed": name, "summary": f"removed {name!r}"}
