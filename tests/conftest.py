"""Shared fixtures: a tiny literal data folder (two zones, three projects) and the shipped atlas."""

from __future__ import annotations

import csv
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import geopandas as gpd
import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase
from shapely.geometry import box

from atlas.core import schema, settings
from atlas.core.model import Atlas
from atlas.data.load import load_atlas

# Timing is not what property tests check (benchmarks do): no per-example deadline on a busy 2-core CI box.
# Failing examples are remembered in the work folder, not in a .hypothesis/ folder of the checkout.
hypothesis_settings.register_profile(
    "atlas", deadline=None, print_blob=True,
    database=DirectoryBasedExampleDatabase(settings.work_dir() / "hypothesis"),
)
hypothesis_settings.load_profile("atlas")

SRC = "https://example.org/source"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The registry cache of every test (and of the app and CLI they start) goes to a temp folder, never ~/.cache."""
    saved = os.environ.get("ATLAS_CACHE_DIR")
    folder = tmp_path_factory.mktemp("atlas-cache")
    os.environ["ATLAS_CACHE_DIR"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("ATLAS_CACHE_DIR", None)
    else:
        os.environ["ATLAS_CACHE_DIR"] = saved


@pytest.fixture(scope="session", autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The state folder (`settings.state_dir`) of every test, and of the app and CLI they start, is a temp folder.

    Set through ``XDG_DATA_HOME`` (the default's parent), not ``ATLAS_STATE_DIR``: a data folder copy a test
    points ``ATLAS_DATA_DIR`` at keeps its own registry (`settings.registry_dir`); only the shipped data's
    registry goes to the state folder. A developer's own ``ATLAS_STATE_DIR`` is set aside meanwhile.
    """
    saved = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "ATLAS_STATE_DIR")}
    folder = tmp_path_factory.mktemp("atlas-state-home")
    os.environ["XDG_DATA_HOME"] = str(folder)
    os.environ.pop("ATLAS_STATE_DIR", None)
    yield settings.state_dir()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


TINY_TABLES: dict[str, list[dict[str, str]]] = {
    "zones": [
        {
            "id": "qingzhen",
            "name_zh": "清镇经济开发区",
            "name_en": "Qingzhen ED Zone",
            "source": "II.(1)",
            "as_of": "2024",
            "kind": "zone",
            "county_adcodes": "520181",
            "prefecture_adcode": "520100",
            "lon": "106.5",
            "lat": "26.5",
            "position_precision": "county",
            "uncertainty_km": "25",
        },
        {
            "id": "zunyi-heping",
            "name_zh": "和平（苟江）经济开发区",
            "name_en": "Zunyi Heping (Goujiang) ED Zone",
            "source": SRC,
            "as_of": "2024-05",
            "kind": "zone",
            "county_adcodes": "520304",
            "prefecture_adcode": "520300",
            "lon": "107.5",
            "lat": "27.0",
            "position_precision": "town",
            "uncertainty_km": "10",
        },
    ],
    "zone_roles": [
        {
            "zone_id": "qingzhen",
            "kind": "cluster",
            "cluster_type": "lightweight-materials",
            "policy_section": "II.(1)",
            "summary_zh": "发展装备轻量化材料",
            "summary_en": "Develop lightweight materials",
            "source": "II.(1)",
            "as_of": "2024",
        },
        {
            "zone_id": "qingzhen",
            "kind": "recycling-base",
            "cluster_type": "",
            "policy_section": "III.(4)",
            "summary_zh": "布局废铝回收预处理基地",
            "summary_en": "Host a scrap pre-treatment base",
            "source": "III.(4)",
            "as_of": "2024",
        },
        {
            "zone_id": "zunyi-heping",
            "kind": "cluster",
            "cluster_type": "alloy-products",
            "policy_section": "II.(2)",
            "summary_zh": "发展铝箔、铝线",
            "summary_en": "Develop foil and wire",
            "source": "II.(2)",
            "as_of": "2024",
        },
    ],
    "projects": [
        {
            "id": "smelter",
            "name_zh": "清镇电解铝",
            "name_en": "Qingzhen smelter",
            "source": SRC,
            "as_of": "2020",
            "company_zh": "某铝业",
            "company_en": "Some Aluminium",
            "cluster_types": "lightweight-materials;alloy-products",
            "stage": "primary-aluminium",
            "status": "operating",
            "capacity": "500",
            "capacity_unit": "kt/a",
            "investment_cny_m": "1000",
            "year": "2020",
            "zone_id": "qingzhen",
            "county_adcode": "520181",
            "lon": "106.4",
            "lat": "26.6",
            "position_precision": "county",
            "uncertainty_km": "25",
        },
        {
            "id": "wheels",
            "name_zh": "轮毂项目",
            "name_en": "Wheel hub project",
            "source": SRC,
            "as_of": "2025",
            "cluster_types": "lightweight-materials",
            "stage": "lightweight-materials",
            "status": "planned",
            "capacity": "2",
            "capacity_unit": "Mt/a",
            "zone_id": "qingzhen",
            "county_adcode": "520181",
            "lon": "106.45",
            "lat": "26.55",
            "position_precision": "town",
            "uncertainty_km": "10",
        },
        {
            "id": "foil",
            "name_zh": "<script>alert(1)</script>",
            "name_en": '=HYPERLINK("http://x")',
            "source": SRC,
            "as_of": "2025",
            "cluster_types": "alloy-products",
            "stage": "alloys-and-products",
            "status": "under-construction",
            "capacity": "100",
            "capacity_unit": "kt/a",
            "investment_cny_m": "",
            "county_adcode": "520102",
            "lon": "106.5",
            "lat": "27.5",
            "position_precision": "county",
            "uncertainty_km": "20",
        },
    ],
    "recycling_bases": [
        {
            "id": "qingzhen-pretreatment",
            "name_zh": "清镇废铝预处理基地",
            "name_en": "Qingzhen pre-treatment base",
            "source": "III.(4)",
            "as_of": "2024",
            "kind": "pretreatment-base",
            "status": "planned",
            "zone_id": "qingzhen",
            "county_adcode": "520181",
            "lon": "106.5",
            "lat": "26.5",
            "position_precision": "county",
            "uncertainty_km": "25",
            "policy_section": "III.(4)",
        },
    ],
    "deposits": [
        {
            "id": "maochang",
            "name_zh": "猫场铝土矿",
            "name_en": "Maochang bauxite",
            "source": SRC,
            "as_of": "2013",
            "kind": "deposit",
            "county_adcodes": "520181",
            "quantity_mt": "150",
            "quantity_definition": "resource",
            "quantity_year": "2013",
            "lon": "106.6",
            "lat": "26.6",
            "position_precision": "town",
            "uncertainty_km": "10",
        },
    ],
    "cluster_types": [
        {
            "id": c,
            "name_zh": schema.LABELS[c][0],
            "name_en": schema.LABELS[c][1],
            "policy_section": s,
            "chain_zh": "…",
            "chain_en": "…",
            "source": s,
            "as_of": "2024",
        }
        for c, s in [
            ("lightweight-materials", "II.(1)"),
            ("alloy-products", "II.(2)"),
            ("non-metallic-materials", "II.(3)"),
        ]
    ],
    "stages": [
        {"id": s, "name_zh": s, "name_en": s, "source": "II", "as_of": "2024"}
        for s in [
            "bauxite-alumina",
            "primary-aluminium",
            "lightweight-materials",
            "equipment-manufacturing",
            "alloys-and-products",
            "end-products",
            "aluminium-based-materials",
            "deep-processing-products",
            "scrap-recycling",
            "supporting",
        ]
    ],
    "chains": [
        {"cluster_type": c, "position": str(i), "stage": s, "source": sec, "as_of": "2024"}
        for c, sec, stages in [
            (
                "lightweight-materials",
                "II.(1)",
                ["primary-aluminium", "lightweight-materials", "equipment-manufacturing", "scrap-recycling"],
            ),
            (
                "alloy-products",
                "II.(2)",
                ["primary-aluminium", "alloys-and-products", "end-products", "scrap-recycling"],
            ),
            (
                "non-metallic-materials",
                "II.(3)",
                ["bauxite-alumina", "aluminium-based-materials", "deep-processing-products"],
            ),
        ]
        for i, s in enumerate(stages, start=1)
    ],
    "products": [
        {
            "cluster_type": "alloy-products",
            "product_zh": "铝箔",
            "product_en": "aluminium foil",
            "policy_section": "II.(2)",
            "source": "II.(2)",
            "as_of": "2024",
        },
    ],
    "targets": [
        {
            "id": "output-value",
            "indicator_zh": "铝产业总产值",
            "indicator_en": "Aluminium industry output value",
            "operator": ">",
            "value": "100",
            "unit": "bn CNY",
            "target_year": "2030",
            "policy_section": "I.(2)",
            "source": "I.(2)",
            "as_of": "2024",
        },
    ],
    "sections": [
        {"id": s, "title_zh": s, "title_en": s, "summary_zh": "…", "summary_en": "…", "source": SRC, "as_of": "2024"}
        for s in ["I.(2)", "II", "II.(1)", "II.(2)", "II.(3)", "III.(4)"]
    ],
    "departments": [
        {
            "id": "miit",
            "name_zh": "省工业和信息化厅",
            "name_en": "Provincial Department of Industry and Information Technology",
            "source": "II.(1)",
            "as_of": "2024",
        }
    ],
    "responsibilities": [{"policy_section": "II.(1)", "department_id": "miit", "source": "II.(1)", "as_of": "2024"}],
    "national_tasks": [
        {
            "id": "n4",
            "section": "4",
            "title_zh": "技术进步",
            "title_en": "Technology",
            "summary_zh": "发展高附加值铝合金",
            "summary_en": "Develop high-value alloys",
            "source": SRC,
            "as_of": "2024",
        },
    ],
    "national_links": [
        {
            "national_task_id": "n4",
            "policy_section": "II.(1)",
            "why_zh": "高端铝合金",
            "why_en": "High-end alloys",
            "source": "II.(1)",
            "as_of": "2024",
        },
    ],
}

TINY_BOUNDARIES = {
    "province": [("520000", "贵州省", "Guizhou Province", "", box(106, 26, 108, 28))],
    "prefectures": [
        ("520100", "贵阳市", "Guiyang City", "520000", box(106, 26, 107, 28)),
        ("520300", "遵义市", "Zunyi City", "520000", box(107, 26, 108, 28)),
    ],
    "counties": [
        ("520181", "清镇市", "Qingzhen City", "520100", box(106, 26, 107, 27)),
        ("520102", "南明区", "Nanming District", "520100", box(106, 27, 107, 28)),
        ("520304", "播州区", "Bozhou District", "520300", box(107, 26, 108, 28)),
    ],
}

COLUMNS = {
    "zones": schema.ZONE_COLUMNS,
    "zone_roles": schema.ZONE_ROLE_COLUMNS,
    "projects": schema.PROJECT_COLUMNS,
    "recycling_bases": schema.RECYCLING_BASE_COLUMNS,
    "deposits": schema.DEPOSIT_COLUMNS,
    "cluster_types": schema.CLUSTER_TYPE_COLUMNS,
    "stages": schema.STAGE_COLUMNS,
    "chains": schema.CHAIN_COLUMNS,
    "products": schema.PRODUCT_COLUMNS,
    "targets": schema.TARGET_COLUMNS,
    "sections": schema.SECTION_COLUMNS,
    "departments": schema.DEPARTMENT_COLUMNS,
    "responsibilities": schema.RESPONSIBILITY_COLUMNS,
    "national_tasks": schema.NATIONAL_TASK_COLUMNS,
    "national_links": schema.NATIONAL_LINK_COLUMNS,
}


def write_table(root: Path, name: str, rows: list[dict[str, str]]) -> Path:
    """Write one table of the data folder with the schema's column order (missing cells empty)."""
    path = root / settings.DATA_FILES[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS[name]))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS[name]})
    return path


def write_tiny_data(root: Path) -> Path:
    for name, rows in TINY_TABLES.items():
        write_table(root, name, rows)
    for name, rows in TINY_BOUNDARIES.items():
        frame = gpd.GeoDataFrame(
            [
                {
                    "adcode": a,
                    "name_zh": zh,
                    "name_en": en,
                    "parent_adcode": p,
                    "source": SRC,
                    "as_of": "2024",
                    "position_precision": "exact",
                }
                for a, zh, en, p, _ in rows
            ],
            geometry=[g for *_, g in rows],
            crs="EPSG:4326",
        )
        path = root / settings.DATA_FILES[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return root


@pytest.fixture(scope="session")
def tiny_data_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny data folder written once per session: never hand it to a test, `tiny_data_dir` copies it."""
    return write_tiny_data(tmp_path_factory.mktemp("tiny-template") / "data")


@pytest.fixture
def tiny_data_dir(tmp_path: Path, tiny_data_template: Path) -> Path:
    """A complete, valid data folder small enough to reason about by hand (the test's own copy: change it freely).

    Copied without the template's timestamps, so its files are as new as if the test had written them."""
    return Path(shutil.copytree(tiny_data_template, tmp_path / "data", copy_function=shutil.copyfile))


@pytest.fixture(scope="session")
def tiny_atlas_pickle(tiny_data_template: Path) -> bytes:
    """The tiny atlas, loaded once per session and pickled (loading takes ~0.1 s, unpickling ~5 ms)."""
    return pickle.dumps(load_atlas(tiny_data_template))


@pytest.fixture
def tiny_atlas(tiny_atlas_pickle: bytes) -> Atlas:
    """The tiny data folder loaded: the test's own copy, sharing no frame, list or geometry with any other test."""
    return cast(Atlas, pickle.loads(tiny_atlas_pickle))


@pytest.fixture(scope="session")
def shipped_atlas() -> Iterator[Atlas]:
    """The real data shipped in `data/` (loaded once per test session)."""
    yield load_atlas(settings.REPO_ROOT / "data")


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py marked its items `browser`
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``-n 2 --dist loadgroup`` (make test): one worker runs the browser suite, the other the rest.

    The browser tests share one running app and one chromium per worker, and the storage tests one
    throw-away PostgreSQL cluster, so each set stays on one worker instead of starting its servers twice.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif "storage" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("postgis"))
