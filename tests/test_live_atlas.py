"""A running server's atlas: loaded once, reloaded when someone saves elsewhere, derived values per version."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from atlas.core import settings
from atlas.core.errors import Problem
from atlas.core.model import Atlas
from atlas.registry.files import FileStore
from atlas.registry.live import LiveAtlas
from atlas.registry.startup import open_atlas_with_problems


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(settings.REPO_ROOT / "data", tmp_path / "data"))


class CountingLoad:
    """The real loader, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data_dir: Path) -> tuple[Atlas | None, list[Problem]]:
        self.calls += 1
        return open_atlas_with_problems(data_dir)


def save_without_first_project(data_dir: Path) -> int:
    store = FileStore(data_dir)
    projects, version = store.read()
    store.save(projects.iloc[1:], base_version=version, author="someone else", message="drop one")
    return len(projects) - 1


def test_every_session_is_served_from_one_load_while_nothing_changes(data_copy: Path):
    load = CountingLoad()
    live = LiveAtlas(data_copy, check_every_s=0, load=load)
    first = live.current()
    for _ in range(5):
        assert live.current() is first
    assert load.calls == 1
    assert first.atlas is not None and len(first.atlas.projects) > 0


def test_a_save_made_elsewhere_is_loaded_in_the_background_and_served_to_the_next_run(data_copy: Path):
    load = CountingLoad()
    live = LiveAtlas(data_copy, check_every_s=0, load=load)
    old = live.current()
    remaining = save_without_first_project(data_copy)  # e.g. `atlas import` on the command line

    assert live.current() is old  # the run that notices keeps what it has; the load runs beside it
    live.wait_for_reload(timeout_s=60)
    new = live.current()
    assert new is not old and new.token != old.token
    assert new.atlas is not None and len(new.atlas.projects) == remaining
    assert old.atlas is not None and len(old.atlas.projects) == remaining + 1  # untouched for runs holding it
    assert load.calls == 2


def test_the_registry_is_asked_only_every_few_seconds(data_copy: Path):
    live = LiveAtlas(data_copy, check_every_s=3600)
    old = live.current()
    save_without_first_project(data_copy)
    assert live.current() is old
    live.wait_for_reload(timeout_s=60)
    assert live.current() is old  # not checked yet: the check interval has not passed
    assert live.reload_now() is not old  # this server's own save reloads at once


def test_values_derived_from_one_version_are_built_once_and_never_served_for_the_next(data_copy: Path):
    live = LiveAtlas(data_copy, check_every_s=0)
    builds: list[int] = []

    def count_projects() -> int:
        snapshot_atlas = live.current().atlas
        assert snapshot_atlas is not None
        builds.append(len(snapshot_atlas.projects))
        return builds[-1]

    old = live.current()
    assert old.cached("count", None, count_projects) == old.cached("count", None, count_projects)
    assert len(builds) == 1
    save_without_first_project(data_copy)
    new = live.reload_now()
    assert new.cached("count", None, count_projects) == builds[0] - 1
    assert len(builds) == 2


def test_a_derived_value_asked_for_by_many_sessions_at_once_is_built_once(data_copy: Path):
    snapshot = LiveAtlas(data_copy).current()
    builds: list[int] = []

    def slow() -> str:
        builds.append(1)
        time.sleep(0.2)
        return "built"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(snapshot.cached("slow", "k", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["built"] * 8 and len(builds) == 1


def test_only_the_latest_entries_of_a_kind_are_kept(data_copy: Path):
    snapshot = LiveAtlas(data_copy).current()
    for n in range(5):
        snapshot.cached("view", n, lambda n=n: n, max_entries=2)
    rebuilt: list[int] = []
    snapshot.cached("view", 0, lambda: rebuilt.append(0) or 0, max_entries=2)
    snapshot.cached("view", 4, lambda: rebuilt.append(4) or 4, max_entries=2)
    assert rebuilt == [0]


def test_data_that_did_not_validate_is_read_again_once_fixed(data_copy: Path):
    projects = data_copy / "projects" / "projects.csv"
    good = projects.read_bytes()
    projects.write_bytes(good.replace(b"\n", b"\nbroken,row\n", 1))
    live = LiveAtlas(data_copy, check_every_s=0)
    broken = live.current()
    assert broken.atlas is None and any(p.severity == "error" for p in broken.problems)
    projects.write_bytes(good)
    fixed = live.current()
    assert fixed.atlas is not None and not any(p.severity == "error" for p in fixed.problems)
