"""The synthetic benchmark registry: valid for the loader, deterministic, plainly synthetic, never in data/.

The script's `main` runs in this process; one test runs it as a command."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from atlas.core import schema, settings
from atlas.data.load import load_atlas_with_problems

SCRIPT = settings.REPO_ROOT / "scripts" / "make_synthetic_registry.py"


@functools.cache
def script() -> ModuleType:
    """The script as a module, imported once: `make` calls its `main` in this process (~1 s less than a child)."""
    spec = importlib.util.spec_from_file_location("make_synthetic_registry", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make(tmp_path: Path, n: int, seed: int, name: str = "projects.csv", *extra: str) -> Path:
    """`make_synthetic_registry.py --n N --seed SEED -o tmp_path/name EXTRA`, run in this process."""
    out = tmp_path / name
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        status = script().main(["--n", str(n), "--seed", str(seed), "-o", str(out), *extra])
    assert status == 0 and printed.getvalue() == f"{out}\n"
    return out


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("synthetic"), 400, 7)


def test_a_synthetic_registry_in_a_copy_of_data_loads_with_one_warning_only(registry: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(settings.REPO_ROOT / "data", data)
    shutil.copy(registry, data / settings.DATA_FILES["projects"])
    atlas, problems = load_atlas_with_problems(data)
    assert atlas is not None, "\n".join(map(str, problems))
    assert len(atlas.projects) == 400
    assert [p.severity for p in problems] == ["warning"]
    assert "400 record(s) are synthetic" in problems[0].message


def test_every_record_says_it_is_synthetic(registry: Path):
    frame = pd.read_csv(registry, dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(schema.PROJECT_COLUMNS)
    assert frame["id"].str.startswith("syn-").all()
    assert frame["name_zh"].str.startswith("[合成]").all() and frame["name_en"].str.startswith("[synthetic]").all()
    assert (frame["source"] == "synthetic (scripts/make_synthetic_registry.py, seed 7)").all()


def test_points_lie_in_the_county_they_name(registry: Path):
    frame = pd.read_csv(registry, dtype=str, keep_default_na=False)
    counties = gpd.read_file(settings.REPO_ROOT / "data" / settings.DATA_FILES["counties"]).set_index("adcode")
    polygons = counties.geometry.loc[frame["county_adcode"]].to_numpy()
    points = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    # 5-decimal rounding may move a point ~1 m across its border
    assert (shapely.distance(polygons, points) < 1e-4).all()


def test_stages_fit_the_chains_of_the_clusters_named(registry: Path):
    frame = pd.read_csv(registry, dtype=str, keep_default_na=False)
    chains = pd.read_csv(settings.REPO_ROOT / "data" / settings.DATA_FILES["chains"], dtype=str)
    stages_of = chains.groupby("cluster_type")["stage"].apply(set).to_dict()
    for stage, clusters in zip(frame["stage"], frame["cluster_types"], strict=True):
        assert all(stage in stages_of[c] for c in clusters.split(";") if c)
    assert frame["cluster_types"].eq("").any() and frame["capacity"].eq("").any()  # unknowns stay empty


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(registry: Path, tmp_path: Path):
    assert make(tmp_path, 400, 7).read_bytes() == registry.read_bytes()
    assert make(tmp_path, 400, 8, "other.csv").read_bytes() != registry.read_bytes()


def test_parquet_output_holds_the_same_table(registry: Path, tmp_path: Path):
    parquet = make(tmp_path, 400, 7, "projects.parquet", "--format", "parquet")
    csv = pd.read_csv(registry, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(pd.read_parquet(parquet).astype(str), csv, check_dtype=False)


def test_it_refuses_to_write_into_the_shipped_data():
    # the script run as a user runs it: its entry point, exit status and message
    target = settings.REPO_ROOT / "data" / "projects" / "synthetic.csv"
    done = subprocess.run([sys.executable, str(SCRIPT), "--n", "3", "-o", str(target)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "refusing" in done.stderr
    assert not target.exists()
