"""Writing the site's files incrementally: unchanged files are left alone, stale ones of an earlier build removed.

The folder holds a manifest (`MANIFEST`) of every file the last build wrote, each with a key when the caller
gave one. A file whose key is unchanged is not produced again (that is how a data release that touches one
zone re-renders only that zone's downloads); a file produced again with the same bytes is not rewritten (so
its modification time stays, and ``rsync`` or a web server's cache sees no change). Files of the last build
that this build does not produce are deleted; files the atlas did not write are never touched, and a non-empty
folder that is not a site is refused.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Final

from atlas.core.errors import AtlasError
from atlas.core.messages import msg

MANIFEST: Final[str] = ".atlas-site.json"
ZIP_ABOVE_BYTES: Final[int] = 100_000
"""A download larger than this is written zipped (``name.ext.zip``): a 10⁵-project CSV is 45 MB, zipped 5 MB
(at the highest level, which costs a second or two a build and saves a twentieth of the zipped bytes).
XLSX files are zips already: they are re-packed at the highest compression instead (a quarter smaller)."""
_ZIP_DATE: Final[tuple[int, int, int, int, int, int]] = (2020, 1, 1, 0, 0, 0)
"""A fixed timestamp inside zips, so the same data gives the same bytes and the file is not rewritten."""


class SiteWriter:
    """Writes files below one folder, remembering what it wrote (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, dict[str, str]] = {}
        self.changed_paths: set[str] = set()
        self._previous = self._read_manifest()

    def _read_manifest(self) -> dict[str, dict[str, str]]:
        if self.root.exists() and not self.root.is_dir():
            raise AtlasError(msg("site_not_folder", path=str(self.root)))
        manifest = self.root / MANIFEST
        if not manifest.exists():
            if self.root.exists() and any(self.root.iterdir()):
                raise AtlasError(msg("site_folder_not_empty", path=str(self.root)))
            return {}
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            return {str(k): dict(v) for k, v in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # a damaged manifest: everything is produced again, nothing old is deleted

    def _path(self, relative: str) -> Path:
        parts = PurePosixPath(relative).parts
        if not parts or any(p in ("", ".", "..") for p in parts) or PurePosixPath(relative).is_absolute():
            raise ValueError(f"not a path inside the site: {relative!r}")
        return self.root.joinpath(*parts)

    def reuse(self, relative: str, key: str) -> bool:
        """True (and the file counts as written) when the last build wrote `relative` with this `key` and it is
        still there."""
        old = self._previous.get(relative)
        if old is not None and old.get("key") == key and self._path(relative).is_file():
            self.written[relative] = {"key": key}
            return True
        return False

    def write(self, relative: str, data: bytes | str, *, key: str = "") -> str:
        """Write `data` at `relative` (a POSIX path below the root) unless the same bytes are already there."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path = self._path(relative)
        if not (path.is_file() and path.stat().st_size == len(raw) and path.read_bytes() == raw):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                os.replace(tmp, path)
            except OSError as exc:
                Path(tmp).unlink(missing_ok=True)
                raise AtlasError(msg("site_write_failed", path=str(path), reason=exc.strerror or str(exc))) from exc
            self.changed_paths.add(relative)
        self.written[relative] = {"key": key}
        return relative

    def write_download(self, relative: str, produce: Callable[[], bytes], *, key: str = "") -> str:
        """Write a download, zipped as ``relative + ".zip"`` when larger than `ZIP_ABOVE_BYTES`; return its path.

        With a `key` that the last build used, nothing is produced and the earlier file (zipped or not) stays.
        """
        for candidate in (relative, relative + ".zip"):
            if key and self.reuse(candidate, key):
                return candidate
        data = produce()
        if relative.endswith(".xlsx"):
            return self.write(relative, _repacked(data), key=key)
        if len(data) <= ZIP_ABOVE_BYTES:
            return self.write(relative, data, key=key)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            info = zipfile.ZipInfo(PurePosixPath(relative).name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)  # a ZipInfo does not take the archive's level
        return self.write(relative + ".zip", buffer.getvalue(), key=key)

    @property
    def changed(self) -> int:
        """Files this build wrote (new or different bytes)."""
        return len(self.changed_paths)

    @property
    def kept(self) -> int:
        """Files of this build left exactly as an earlier build wrote them."""
        return len(self.written) - len(self.changed_paths)

    def finish(self) -> int:
        """Delete the last build's files that this build did not write, save the manifest; return the bytes of
        the site."""
        for relative in sorted(set(self._previous) - set(self.written)):
            path = self._path(relative)
            path.unlink(missing_ok=True)
            for parent in path.parents:
                if parent == self.root or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = json.dumps({"files": dict(sorted(self.written.items()))}, ensure_ascii=False, indent=0)
        (self.root / MANIFEST).write_text(manifest, encoding="utf-8")
        return sum(self._path(r).stat().st_size for r in self.written)


def _repacked(book: bytes) -> bytes:
    """The same zip (an XLSX) with every member deflated at level 9 and a fixed date."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info), compresslevel=9)
    return out.getvalue()
