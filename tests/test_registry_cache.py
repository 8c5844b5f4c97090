"""The registry cache serves exactly what a fresh load gives, and only while nothing it depends on changed."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from atlas.core import settings
from atlas.core.errors import Problem
from atlas.core.messages import listing, msg
from atlas.core.model import Atlas
from atlas.data import tables
from atlas.data.load import load_atlas_with_problems
from atlas.registry import cache, columnar, startup
from atlas.registry.cache import file_token, load_with_cache
from atlas.registry.columnar import CacheFormatError, problems_equal, problems_from_json, problems_to_json
from atlas.registry.files import version_of
from tests.test_synthetic_registry import make

ROWS = 400


@pytest.fixture(scope="module")
def synthetic_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("synthetic"), ROWS, 3)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own; every registry cached; shared text from 50 rows on, as at scale."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(folder))
    monkeypatch.setenv("ATLAS_CACHE_MIN_BYTES", "0")
    monkeypatch.setattr(tables, "SHARED_TEXT_MIN_ROWS", 50)
    monkeypatch.setattr(tables, "ARROW_CSV_MIN_BYTES", 0)
    monkeypatch.setattr(tables, "release_freed_memory", lambda: None)  # 27 full collections a load: seconds here
    return folder


@pytest.fixture
def data(tmp_path: Path, synthetic_registry: Path) -> Path:
    """A copy of the shipped data with the synthetic registry."""
    folder = tmp_path / "data"
    shutil.copytree(settings.REPO_ROOT / "data", folder)
    shutil.copyfile(synthetic_registry, folder / settings.DATA_FILES["projects"])
    return folder


@pytest.fixture
def no_plain_load(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within this, a load that does not come from the cache fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("loaded from the CSV, not from the cache")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "load_atlas_with_problems", refuse)
        yield


def assert_same_atlas(got: Atlas | None, expected: Atlas | None) -> None:
    assert got is not None and expected is not None
    for field in dataclasses.fields(Atlas):
        left, right = getattr(got, field.name), getattr(expected, field.name)
        if isinstance(right, gpd.GeoDataFrame):
            assert_geodataframe_equal(left, right, check_dtype=True, check_like=False)
            assert left.crs == right.crs and left.geometry.name == right.geometry.name
        else:
            pd.testing.assert_frame_equal(left, right)
    for column in expected.projects.columns:  # shared text and lists stay shared: one object per distinct value
        mine, theirs = got.projects[column], expected.projects[column]
        assert mine.dtype == theirs.dtype, column
        if theirs.dtype == object and column != "geometry":
            assert mine.map(id).nunique() == theirs.map(id).nunique(), column


def fresh(data: Path) -> tuple[Atlas | None, list[Problem]]:
    return load_atlas_with_problems(data)


def test_a_second_open_is_served_from_the_cache_and_equals_a_fresh_load(data: Path, cache_dir: Path,
                                                                        no_plain_load: None) -> None:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(cache, "load_atlas_with_problems", load_atlas_with_problems)
        first = load_with_cache(data)
    assert first.outcome == "written", first.reason
    assert any(str(t) == "object" and c != "cluster_types" for c, t in first.atlas.projects.dtypes.items()), \
        "the test registry should hold shared text"
    second = load_with_cache(data)
    assert second.outcome == "hit"
    atlas, problems = fresh(data)
    assert_same_atlas(second.atlas, atlas)
    assert problems_equal(second.problems, problems) and problems[0].severity == "warning"
    assert problems[0].text("zh") == second.problems[0].text("zh")


def test_the_app_s_startup_function_uses_the_cache(data: Path, cache_dir: Path, monkeypatch) -> None:
    first = startup.open_atlas_with_problems(data)
    monkeypatch.setattr(cache, "load_atlas_with_problems", lambda *a, **k: pytest.fail("not from the cache"))
    second = startup.open_atlas_with_problems(data)
    assert_same_atlas(second[0], first[0])
    assert problems_equal(second[1], first[1])


def test_the_stat_stamp_spares_hashing_an_unchanged_registry(data: Path, cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    assert load_with_cache(data).outcome == "written"
    monkeypatch.setattr(cache, "file_token", lambda *a, **k: pytest.fail("hashed although the stamp matched"))
    assert load_with_cache(data).outcome == "hit"


def test_a_touched_but_unchanged_registry_is_still_served_and_its_new_stamp_remembered(data, cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    assert load_with_cache(data).outcome == "written"
    registry = data / settings.DATA_FILES["projects"]
    os.utime(registry, ns=(registry.stat().st_atime_ns, registry.stat().st_mtime_ns - 10 * 10**9))
    assert load_with_cache(data).outcome == "hit"  # hashed: same bytes
    monkeypatch.setattr(cache, "file_token", lambda *a, **k: pytest.fail("hashed again"))
    assert load_with_cache(data).outcome == "hit"


def test_a_registry_edited_in_place_with_its_size_and_mtime_kept_is_loaded_again(data, cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    registry = data / settings.DATA_FILES["projects"]
    assert load_with_cache(data).outcome == "written"
    before = registry.stat()
    text = registry.read_bytes()
    edited = text.replace(b"#0000007", b"#9999997", 1)
    assert edited != text and len(edited) == len(text)
    with registry.open("r+b") as handle:  # same inode, same size
        handle.write(edited)
    os.utime(registry, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the mtime put back
    assert registry.stat().st_size == before.st_size and registry.stat().st_mtime_ns == before.st_mtime_ns
    again = load_with_cache(data)
    assert again.outcome == "written"
    assert again.atlas is not None and again.atlas.projects["name_zh"].str.contains("#9999997").any()
    assert_same_atlas(again.atlas, fresh(data)[0])


def test_a_recently_changed_registry_is_hashed_even_when_its_stamp_matches(data, cache_dir, monkeypatch):
    """A file changed within `RACY_S` may change again without a new stamp (coarse clocks): no stamp is
    recorded for it, so the next open hashes it. Here every stat field stays the same across the edit."""
    now = time.time_ns()
    monkeypatch.setattr(cache, "_stamp", lambda path: (1, 2, 3, now, now))
    monkeypatch.setattr(cache, "RACY_S", 10**6)
    registry = data / settings.DATA_FILES["projects"]
    assert load_with_cache(data).outcome == "written"
    assert json.loads(next(cache_dir.glob("*.json")).read_text())["registry"]["stamp"] is None
    assert load_with_cache(data).outcome == "hit"
    registry.write_bytes(registry.read_bytes().replace(b"#0000007", b"#9999997", 1))
    again = load_with_cache(data)
    assert again.outcome == "written"
    assert again.atlas is not None and again.atlas.projects["name_zh"].str.contains("#9999997").any()


def test_a_changed_reference_file_invalidates_the_cache(data: Path, cache_dir: Path) -> None:
    assert load_with_cache(data).outcome == "written"
    zones = data / settings.DATA_FILES["zones"]
    zones.write_bytes(zones.read_bytes().replace("清镇".encode(), "清鎮".encode(), 1))
    again = load_with_cache(data)
    assert again.outcome == "written"
    assert again.atlas is not None and "清鎮" in "".join(again.atlas.zones["name_zh"])
    assert load_with_cache(data).outcome == "hit"


def test_a_changed_cache_format_or_code_invalidates_the_cache(data: Path, cache_dir: Path, monkeypatch) -> None:
    assert load_with_cache(data).outcome == "written"
    monkeypatch.setattr(cache, "CACHE_FORMAT", cache.CACHE_FORMAT + 1)
    cache.code_fingerprint.cache_clear()
    try:
        assert load_with_cache(data).outcome == "written"
    finally:
        cache.code_fingerprint.cache_clear()


@pytest.mark.parametrize("damage", ["truncated payload", "flipped byte", "garbage index", "index of another shape",
                                    "payload missing"])
def test_a_damaged_cache_is_ignored_and_rebuilt(data: Path, cache_dir: Path, damage: str) -> None:
    assert load_with_cache(data).outcome == "written"
    payload, index = next(cache_dir.glob("*.arrow")), next(cache_dir.glob("*.json"))
    content = payload.read_bytes()
    if damage == "truncated payload":
        payload.write_bytes(content[: len(content) // 2])
    elif damage == "flipped byte":
        middle = len(content) // 2
        payload.write_bytes(content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1:])
    elif damage == "garbage index":
        index.write_bytes(b"\x00{not json")
    elif damage == "index of another shape":
        index.write_text(json.dumps({"keys": json.loads(index.read_text())["keys"], "registry": []}))
    else:
        payload.unlink()
    again = load_with_cache(data)
    assert again.outcome == "written"
    assert_same_atlas(again.atlas, fresh(data)[0])
    assert load_with_cache(data).outcome == "hit"


def test_a_payload_with_the_right_hash_but_wrong_columns_is_ignored(data: Path, cache_dir: Path) -> None:
    assert load_with_cache(data).outcome == "written"
    payload, index_path = next(cache_dir.glob("*.arrow")), next(cache_dir.glob("*.json"))
    payload.write_bytes(b"not arrow at all")
    index = json.loads(index_path.read_text())
    index["payload"]["sha256"] = file_token(payload, length=None)
    index_path.write_text(json.dumps(index))
    assert load_with_cache(data).outcome == "written"


def test_the_cache_goes_to_atlas_cache_dir_and_nothing_is_written_under_the_repository(data, cache_dir) -> None:
    def files() -> set[Path]:
        skipped = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "artifacts"}
        return {p for p in settings.REPO_ROOT.rglob("*") if not skipped.intersection(p.parts)}

    before = files()
    assert load_with_cache(data).outcome == "written"
    assert load_with_cache(data).outcome == "hit"
    assert files() == before
    written = sorted(p.suffix for p in cache_dir.iterdir())
    assert written == [".arrow", ".json"]


def test_cache_files_get_the_umask_s_permissions(data: Path, cache_dir: Path) -> None:
    previous = os.umask(0o002)
    try:
        assert load_with_cache(data).outcome == "written"
    finally:
        os.umask(previous)
    assert {p.stat().st_mode & 0o777 for p in cache_dir.iterdir()} == {0o664}
    assert not list(cache_dir.glob(".*.tmp"))


def test_off_switches_the_cache_off(data: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_CACHE_DIR", "off")
    assert settings.cache_dir() is None
    assert [load_with_cache(data).outcome for _ in range(2)] == ["not cached"] * 2
    assert not cache_dir.exists()


def test_small_registries_are_not_cached(data: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_CACHE_MIN_BYTES")
    assert settings.registry_cache_min_bytes() == settings.REGISTRY_CACHE_MIN_BYTES
    loaded = load_with_cache(data)
    assert loaded.outcome == "not cached" and "threshold" in loaded.reason
    assert not cache_dir.exists()


def test_a_registry_with_errors_is_not_cached(data: Path, cache_dir: Path) -> None:
    registry = data / settings.DATA_FILES["projects"]
    registry.write_bytes(registry.read_bytes().replace(b",operating,", b",dreaming,", 1))
    loaded = load_with_cache(data)
    assert loaded.atlas is None and loaded.outcome == "not written"
    assert any(p.severity == "error" for p in loaded.problems)
    assert not list(cache_dir.glob("*.arrow"))


def test_with_a_database_the_cache_is_not_used(data: Path, cache_dir: Path, monkeypatch) -> None:
    class Database:
        def read(self) -> tuple[pd.DataFrame, str]:
            return pd.read_csv(data / settings.DATA_FILES["projects"], dtype=str, keep_default_na=False), "v"

    monkeypatch.setenv("ATLAS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(startup, "PostgisStore", lambda url, data_dir: Database())
    monkeypatch.setattr(cache, "load_with_cache", lambda *a, **k: pytest.fail("the cache was used"))
    atlas, _ = startup.open_atlas_with_problems(data)
    assert atlas is not None and len(atlas.projects) == ROWS
    assert not cache_dir.exists()


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "mine"))
    assert settings.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("ATLAS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == tmp_path / "xdg" / "guizhou-aluminium-atlas"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/invalid")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.cache_dir() == tmp_path / "home" / ".cache" / "guizhou-aluminium-atlas"
    for word in ("off", "OFF", "0", "none"):
        monkeypatch.setenv("ATLAS_CACHE_DIR", word)
        assert settings.cache_dir() is None


def test_the_file_token_is_the_registry_version_token(tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    path.write_bytes(b"id\n" + b"x" * 3_000_000)
    assert file_token(path) == version_of(path.read_bytes())


def test_problems_with_nested_catalogue_messages_read_back_in_both_languages() -> None:
    problems = [
        Problem.of("f.csv", msg("outside_guizhou_box", box=(103.5, 24.5, 109.7, 29.3)), 4, "lon", "1, 2"),
        Problem.of("f.csv", msg("where_message", where=msg("where_file", file="a"), message=listing(["x", 2, 0.5])),
                   severity="warning"),
        Problem("f.csv", "plain text", None, None, None),
        Problem.of("f.csv", msg("synthetic_records", n=3), 2, "source", "s", severity="warning"),
    ]
    back = problems_from_json(json.loads(json.dumps(problems_to_json(problems))))
    assert problems_equal(back, problems)
    assert [p.describe("zh") for p in back] == [p.describe("zh") for p in problems]


def test_a_problem_the_cache_cannot_represent_means_no_cache(data: Path, cache_dir: Path, monkeypatch) -> None:
    odd = Problem.of("f.csv", msg("synthetic_records", n=object()), severity="warning")
    with pytest.raises(CacheFormatError):
        problems_to_json([odd])
    real = cache.load_atlas_with_problems
    monkeypatch.setattr(cache, "load_atlas_with_problems", lambda d, **k: (real(d, **k)[0], [odd]))
    loaded = load_with_cache(data)
    assert loaded.outcome == "not written" and loaded.problems == [odd]
    assert not list(cache_dir.glob("*.json"))


def test_frames_the_cache_cannot_represent_are_refused() -> None:
    points = gpd.points_from_xy([106.0], [26.0], crs=settings.STORAGE_CRS)
    with pytest.raises(CacheFormatError):
        columnar.frame_to_table(gpd.GeoDataFrame({"a": [{"x": 1}]}, geometry=points, crs=settings.STORAGE_CRS))
    with pytest.raises(CacheFormatError):
        columnar.frame_to_table(gpd.GeoDataFrame({"a": ["x"]}, geometry=points, crs=settings.STORAGE_CRS, index=[5]))
