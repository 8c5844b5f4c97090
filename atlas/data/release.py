"""Which release of the shipped data a data folder holds (its ``release.json``): what a registry merged."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from atlas.core.errors import AtlasError
from atlas.core.messages import msg

RELEASE_FILE: Final[str] = "release.json"
"""The data folder's release manifest: ``{"release": "2026.1", "published": "2026-12-05", "notes": "..."}``."""
UNVERSIONED: Final[str] = "unversioned"
"""The release id of a data folder without a manifest (a test's tiny folder, data older than release ids)."""
_RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class DataRelease:
    """A shipped data release: its id (compared as text, never ordered) and when it was published."""

    release: str
    published: str = ""
    notes: str = ""


def read_release(data_dir: Path) -> DataRelease:
    """The release `data_dir` holds; `UNVERSIONED` when it has no manifest, an `AtlasError` when it is unreadable."""
    path = Path(data_dir) / RELEASE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DataRelease(UNVERSIONED)
    except (OSError, ValueError) as exc:
        raise AtlasError(msg("release_unreadable", file=str(path), reason=str(exc))) from exc
    release = raw.get("release") if isinstance(raw, dict) else None
    if not isinstance(release, str) or not _RELEASE_ID.match(release.strip()):
        reason = 'no "release" id (letters, digits, ".", "-", "_"; at most 64)'
        raise AtlasError(msg("release_unreadable", file=str(path), reason=reason))
    return DataRelease(release.strip(), str(raw.get("published", "")), str(raw.get("notes", "")))
