"""A writer that saves two known registry tables in turn, forever: the crash test kills it with SIGKILL.

Run in a child process (see test_store_crash.py). Each completed save appends one line to `progress`,
so the test knows the writer is busy saving before it picks a random moment to kill it.
"""

from __future__ import annotations

import os
from pathlib import Path

from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.store import RegistryStore, projects_from_csv_bytes


def save_forever(backend: str, data_dir: str, url: str, progress: str, first: str, second: str) -> None:
    """Alternate the registry between the tables in files `first` and `second` until killed."""
    root = Path(data_dir)
    store: RegistryStore = FileStore(root) if backend == "files" else PostgisStore(url, data_dir=root)
    tables = [projects_from_csv_bytes(Path(p).read_bytes()) for p in (first, second)]
    while True:
        frame, version = store.read()
        target = tables[1] if frame.equals(tables[0]) else tables[0]
        store.save(target, base_version=version, author=f"writer {os.getpid()}", message="crash-test save")
        with open(progress, "a", encoding="utf-8") as handle:
            handle.write("saved\n")
