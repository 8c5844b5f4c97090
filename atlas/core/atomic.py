"""Replace a file so that a crash leaves the old or the new one, and colleagues can still read it.

`tempfile.mkstemp` creates its file with mode 0600 and ``os.replace`` keeps the temp file's mode, so
an export written that way could be read only by its owner, whatever the umask says. Here the temp
file is created with ``os.open(..., 0o666)`` (or the caller's `mode`), so the process's umask decides,
as it does for any ordinary new file; a file that must stay private (the accounts) passes 0o600.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

TEMP_SUFFIX: Final[str] = ".tmp"
"""Leftover temp files (a process killed mid-write) end in this; their owners clear them."""


def temp_path(path: Path) -> Path:
    """A fresh hidden sibling of `path`: same folder, so the rename is atomic on every filesystem."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def create_new(path: Path, *, mode: int = 0o666) -> int:
    """A new file opened for writing (fails if it exists); its permissions are `mode` less the umask."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)


def write_atomically(path: Path, data: bytes | bytearray, *, mode: int = 0o666, durable: bool = True) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`.

    With `durable` the data and the rename are fsynced (a power cut keeps the old or the new file);
    caches, which can be rebuilt, pass ``durable=False``.
    """
    temp = temp_path(path)
    try:
        with os.fdopen(create_new(temp, mode=mode), "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
