"""`atlas` subcommands for the project registry: import and database set-up."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

COMMANDS: Final[frozenset[str]] = frozenset()
"""Subcommand names this module registers and runs (they load what they need themselves)."""


def register(sub: Any, formats: Callable[..., None]) -> None:
    """Add the registry subcommands to the `atlas` parser (`sub` is its subparsers action)."""


def run(args: argparse.Namespace) -> int:
    """Run one registry subcommand; return the exit status."""
    raise AssertionError(f"not a registry command: {args.command}")
