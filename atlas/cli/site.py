"""`atlas site`: publish the atlas as a static site (a thin wrapper over `atlas.site.build_site`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atlas.analysis.query import Filters, check_filters, filtered_atlas
from atlas.core import settings
from atlas.core.messages import msg
from atlas.core.model import Atlas
from atlas.core.schema import Lang
from atlas.registry.startup import open_store
from atlas.site import DataVersion, build_site

COMMANDS = ("site",)


def register(sub: Any, filters: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``atlas site -o DIR [--lang zh,en] [filters]``."""
    p = sub.add_parser("site", help="publish the atlas as a static site (works from disk with no network)")
    p.add_argument("-o", "--output", required=True, type=Path, help="a new or empty folder, or an earlier site")
    p.add_argument("--lang", dest="langs", default="zh,en", help="languages, comma-separated; the first is the root")
    p.add_argument("--km", type=float, default=settings.NEARBY_KM_DEFAULT, help="radius of 'nearby' (km)")
    filters(p)


def data_version() -> DataVersion:
    """The current registry version token and the date it was saved."""
    history = open_store().history()
    if not history:
        return DataVersion(token="-", date="-")
    return DataVersion(token=history[0].version, date=history[0].saved_at[:10])


def run(atlas: Atlas, args: argparse.Namespace, filters: Filters) -> int:
    langs = [v.strip() for v in str(args.langs).split(",") if v.strip()]
    ui_lang: Lang = "zh" if langs[:1] == ["zh"] else "en"
    check_filters(atlas, filters)
    view = filtered_atlas(atlas, filters)
    tty = sys.stderr.isatty()
    report = build_site(view, args.output, version=data_version(), langs=langs, nearby_km=args.km,
                        progress=(lambda note: print(f"  {note}", file=sys.stderr, flush=True)) if tty else None)
    print(msg("site_written", path=str(report.path), files=report.files, mb=f"{report.bytes / 1e6:.1f}",
              seconds=f"{report.seconds:.1f}", changed=report.changed, kept=report.kept).text(ui_lang))
    return 0
