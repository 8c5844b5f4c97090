"""`atlas` subcommands for planning analysis: chain gaps, proximity, comparison, data quality."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

from atlas.model import Atlas

COMMANDS: Final[frozenset[str]] = frozenset()
"""Subcommand names this module registers and runs."""


def register(
    sub: Any,
    formats: Callable[..., None],
    filters: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the planning subcommands to the `atlas` parser (`sub` is its subparsers action)."""


def run(atlas: Atlas, args: argparse.Namespace) -> int:
    """Run one planning subcommand on the loaded atlas; return the exit status."""
    raise AssertionError(f"not a planning command: {args.command}")
