"""`atlas` subcommands for planning analysis: chain gaps, proximity, comparison, data quality."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, Final

import pandas as pd

from atlas.gaps import gap_cells_for_file, gap_matrix_long, gap_matrix_text
from atlas.model import Atlas
from atlas.safe import neutralise_frame

COMMANDS: Final[frozenset[str]] = frozenset({"gaps"})
"""Subcommand names this module registers and runs."""


def register(
    sub: Any,
    formats: Callable[..., None],
    filters: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the planning subcommands to the `atlas` parser (`sub` is its subparsers action)."""
    p = sub.add_parser("gaps", help="chain-gap matrix: zones x chain stages per cluster type")
    p.add_argument(
        "--cluster", action="append", default=[], metavar="ID", help="cluster type id (repeatable; default: all)"
    )
    formats(p, ("table", "csv", "json"))


def run(atlas: Atlas, args: argparse.Namespace) -> int:
    """Run one planning subcommand on the loaded atlas; return the exit status."""
    if args.command == "gaps":
        return _gaps(atlas, args)
    raise AssertionError(f"not a planning command: {args.command}")


def _gaps(atlas: Atlas, args: argparse.Namespace) -> int:
    long = gap_matrix_long(atlas, cluster_types=args.cluster or None)
    if args.format == "json":
        cells = [
            {"zone": z, "cluster_type": c, "stage": s, "state": st, "project_ids": list(ids)}
            for z, c, s, st, ids in long[["zone", "cluster_type", "stage", "state", "project_ids"]].itertuples(
                index=False
            )
        ]
        _print_json(cells)
    elif args.format == "csv":
        _print_csv(gap_cells_for_file(long, args.lang))
    else:
        print("\n\n".join(gap_matrix_text(long, str(c), args.lang) for c in dict.fromkeys(long["cluster_type"])))
    return 0


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))


def _print_csv(frame: pd.DataFrame) -> None:
    sys.stdout.write(neutralise_frame(frame).to_csv(index=False))
