"""A writer killed with SIGKILL at random moments, repeatedly: the registry is always the old or the new table.

The writer is a real child process (forked from a preloaded fork server, so twenty kills take seconds,
not minutes). After each kill the registry must read back as exactly one of the two tables the writer
alternates between, the whole atlas must load and validate from it, and every history entry must read.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from atlas.registry.startup import open_atlas
from atlas.registry.store import RegistryStore, projects_to_csv_bytes
from tests.storage.conftest import edited, tiny_projects, with_new_row
from tests.storage.save_loop import save_forever

KILLS = 20
SEED = 20240611
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(
    ["atlas.data.load", "atlas.registry.files", "atlas.registry.postgis", "tests.storage.save_loop"]
)


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.01)


def saves_done(progress: Path) -> int:
    return progress.read_text(encoding="utf-8").count("\n") if progress.exists() else 0


@pytest.fixture
def plain_main(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `__main__` without a file for the writer processes to re-run.

    An AppTest earlier in the session leaves app.py as ``sys.modules["__main__"]``; forkserver children
    would then run the whole app (outside Streamlit) before the writer.
    """
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


@pytest.mark.usefixtures("plain_main")
def test_a_writer_killed_mid_save_leaves_the_old_or_the_new_table_and_a_readable_history(
    use_store: RegistryStore, backend: str, tiny_data_dir: Path, tmp_path: Path
):
    first = tiny_projects()
    second = with_new_row(edited(first, "foil", status="operating", notes_en="crash test"))
    paths = []
    for name, frame in (("first.csv", first), ("second.csv", second)):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(projects_to_csv_bytes(frame))
    url = os.environ.get("ATLAS_DATABASE_URL", "")
    progress = tmp_path / "progress.txt"
    rng = random.Random(SEED)
    outcomes = []
    for _ in range(KILLS):
        done = saves_done(progress)
        writer = _CONTEXT.Process(
            target=save_forever, args=(backend, str(tiny_data_dir), url, str(progress), *map(str, paths)), daemon=True
        )
        writer.start()
        wait_for(lambda d=done, w=writer: saves_done(progress) > d or not w.is_alive(), timeout=120, what="a save")
        assert writer.is_alive(), f"the writer died by itself (exit code {writer.exitcode})"
        time.sleep(rng.uniform(0, 0.4))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=30)
        assert writer.exitcode == -signal.SIGKILL

        frame, version = use_store.read()
        is_first, is_second = frame.equals(first), frame.equals(second)
        assert is_first or is_second, f"after a kill the registry is neither table:\n{frame}"
        outcomes.append("first" if is_first else "second")
        atlas = open_atlas(tiny_data_dir)  # validates every table, the registry included
        assert sorted(atlas.projects["id"]) == sorted(frame["id"])
        history = use_store.history()
        assert history[0].version == version
        for entry in history[:3]:
            snapshot = use_store.read_version(entry.version)
            assert snapshot.equals(first) or snapshot.equals(second)
    assert len(set(outcomes)) == 2, f"kills always found the same table ({outcomes}): the writer never alternated"
    pd.testing.assert_frame_equal(use_store.read_version(history[-1].version), first)
