"""The `atlas` command: every job of the atlas without a browser (load/check, filter and summarise, export,
maps, profiles, planning analyses, imports, database set-up). Thin wrappers: the work is in the layers below.
"""

from __future__ import annotations

from atlas.cli.commands import main

__all__ = ["main"]
