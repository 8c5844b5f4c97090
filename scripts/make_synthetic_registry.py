"""A synthetic project registry of any size, for benchmarks and scale tests — never real data.

Writes N projects in the ``projects.csv`` format (`atlas.core.schema.PROJECT_COLUMNS`), each plainly
marked as synthetic (id ``syn-...``, names tagged ``[合成]`` / ``[synthetic]``, source
``synthetic (scripts/make_synthetic_registry.py, seed S)``, which the loader accepts with one
warning per file). It is meant to replace ``projects/projects.csv`` in a *copy* of ``data/``
(``ATLAS_DATA_DIR``); it is never written into ``data/`` (default output: ``$ATLAS_WORK_DIR/bench/``).

What is realistic about it:

* positions are uniform inside real Guizhou county polygons (``data/geo/counties.geojson``), the
  county drawn with probability proportional to its area (computed in the equal-area CRS) and a
  boost for counties that host a zone; ``county_adcode`` is the county the point was drawn in;
* ``zone_id`` is a real zone of that county for most projects there;
* stage and cluster types agree with ``policy/chains.csv`` (a stage outside every chain, such as
  ``supporting``, has no cluster); status, precision and uncertainty follow plausible mixes;
* capacities come with the unit of their stage, and are left empty (unknown) for a third of the
  records, as are investment and year for some: unknown stays empty, never 0.

Usage::

    python scripts/make_synthetic_registry.py --n 100000 --seed 1  # <work dir>/bench/projects-100000-1.csv
    python scripts/make_synthetic_registry.py --n 1000000 --seed 1 -o /tmp/p.csv
    python scripts/make_synthetic_registry.py --n 1000 --seed 1 --format parquet  # string columns

Deterministic: the same N and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO_ROOT: Final[Path] = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from atlas.core import schema, settings  # noqa: E402  (the repo root must be on sys.path first)

DEFAULT_OUT_DIR: Final[Path] = settings.work_dir() / "bench"
"""The benchmarks' folder (`bench.registry.OUT`), outside the checkout."""
SOURCE_TEMPLATE: Final[str] = "synthetic (scripts/make_synthetic_registry.py, seed {seed})"
NOTE_ZH: Final[str] = "合成数据，非真实项目"
NOTE_EN: Final[str] = "synthetic, not a real project"
AS_OF: Final[str] = "2026-01"
ZONE_COUNTY_BOOST: Final[float] = 4.0
"""How much likelier a county with a zone is than its area alone says (industry clusters in zones)."""

BRANDS: Final[tuple[tuple[str, str], ...]] = (
    ("鑫源", "Xinyuan"), ("华宇", "Huayu"), ("黔源", "Qianyuan"), ("恒达", "Hengda"), ("金桥", "Jinqiao"),
    ("宏盛", "Hongsheng"), ("瑞丰", "Ruifeng"), ("东方", "Dongfang"), ("永兴", "Yongxing"), ("中联", "Zhonglian"),
    ("盛发", "Shengfa"), ("天成", "Tiancheng"), ("博远", "Boyuan"), ("安泰", "Antai"), ("新锐", "Xinrui"),
    ("兴业", "Xingye"), ("银河", "Yinhe"), ("乌江", "Wujiang"), ("苗岭", "Miaoling"), ("云岭", "Yunling"),
    ("龙腾", "Longteng"), ("嘉禾", "Jiahe"), ("海诚", "Haicheng"), ("众鑫", "Zhongxin"),
)
STAGE_PRODUCTS: Final[dict[str, tuple[str, str, str, float]]] = {
    # stage: (product zh, product en, capacity unit, median capacity)
    "bauxite-alumina": ("氧化铝", "alumina", "kt/a", 400.0),
    "primary-aluminium": ("电解铝", "primary aluminium", "kt/a", 200.0),
    "lightweight-materials": ("铝型材", "aluminium profiles", "kt/a", 30.0),
    "equipment-manufacturing": ("铝车厢", "aluminium truck bodies", "sets/a", 5000.0),
    "alloys-and-products": ("铝箔", "aluminium foil", "kt/a", 20.0),
    "end-products": ("铝家具", "aluminium furniture", "pieces/a", 50000.0),
    "aluminium-based-materials": ("高纯氧化铝", "high-purity alumina", "t/a", 2000.0),
    "deep-processing-products": ("陶瓷基板", "ceramic substrates", "pieces/a", 200000.0),
    "scrap-recycling": ("再生铝", "recycled aluminium", "kt/a", 50.0),
    "supporting": ("炭素", "carbon anodes", "kt/a", 100.0),
}
STAGE_WEIGHTS: Final[dict[str, float]] = {
    "bauxite-alumina": 0.08, "primary-aluminium": 0.05, "lightweight-materials": 0.15,
    "equipment-manufacturing": 0.08, "alloys-and-products": 0.2, "end-products": 0.14,
    "aluminium-based-materials": 0.1, "deep-processing-products": 0.06, "scrap-recycling": 0.1, "supporting": 0.04,
}
STATUS_WEIGHTS: Final[dict[str, float]] = {
    "operating": 0.45, "commissioning": 0.05, "under-construction": 0.15, "signed": 0.1,
    "planned": 0.15, "suspended": 0.04, "unknown": 0.06,
}
PRECISION_WEIGHTS: Final[dict[str, float]] = {"exact": 0.2, "town": 0.3, "county": 0.5}
ZONE_SHARE: Final[float] = 0.6
"""Share of the projects in a zone's county that are recorded in that zone."""


def _read_inputs(data_dir: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    counties = gpd.read_file(data_dir / settings.DATA_FILES["counties"], engine="pyogrio")
    zones = pd.read_csv(data_dir / settings.DATA_FILES["zones"], dtype=str, keep_default_na=False)
    chains = pd.read_csv(data_dir / settings.DATA_FILES["chains"], dtype=str, keep_default_na=False)
    return counties.sort_values("adcode").reset_index(drop=True), zones, chains


def _weights(values: dict[str, float]) -> tuple[list[str], np.ndarray]:
    keys = list(values)
    p = np.asarray([values[k] for k in keys], dtype=float)
    return keys, p / p.sum()


def sample_points_in_counties(
    counties: gpd.GeoDataFrame, county_index: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform lon/lat points inside each row's county, by vectorised rejection sampling in its bounding box."""
    lon = np.empty(len(county_index))
    lat = np.empty(len(county_index))
    for k in np.unique(county_index):
        rows = np.flatnonzero(county_index == k)
        polygon = counties.geometry.iloc[k]
        shapely.prepare(polygon)
        west, south, east, north = polygon.bounds
        fill_ratio = max(polygon.area / ((east - west) * (north - south)), 0.05)
        filled = 0
        while filled < len(rows):
            wanted = len(rows) - filled
            tries = int(wanted / fill_ratio * 1.3) + 16
            x, y = rng.uniform(west, east, tries), rng.uniform(south, north, tries)
            inside = np.flatnonzero(shapely.contains_xy(polygon, x, y))[:wanted]
            lon[rows[filled:filled + len(inside)]] = x[inside]
            lat[rows[filled:filled + len(inside)]] = y[inside]
            filled += len(inside)
    return lon, lat


def _clusters_by_stage(chains: pd.DataFrame) -> dict[str, list[str]]:
    order = [c.value for c in schema.ClusterType]
    found: dict[str, list[str]] = {}
    for stage, group in chains.groupby("stage"):
        found[str(stage)] = sorted(set(group["cluster_type"]), key=order.index)
    return found


def _cluster_cells(stages: np.ndarray, chains: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Per row, a ';'-joined set of clusters whose chain holds the row's stage (empty for some rows)."""
    by_stage = _clusters_by_stage(chains)
    cells = np.full(len(stages), "", dtype=object)
    pick = rng.random(len(stages))
    for stage in np.unique(stages):
        rows = np.flatnonzero(stages == stage)
        options = by_stage.get(str(stage), [])
        if not options:
            continue
        # every cluster of the stage for 30 % of rows, one of them for 65 %, none for 5 %
        one = np.asarray(options, dtype=object)[rng.integers(0, len(options), len(rows))]
        cells[rows] = np.where(pick[rows] < 0.30, ";".join(options), np.where(pick[rows] < 0.95, one, ""))
    return cells


def _optional_numbers(values: np.ndarray, known: np.ndarray, decimals: int) -> np.ndarray:
    text = np.char.mod(f"%.{decimals}f", np.round(values, decimals)).astype(object)
    text[~known] = ""
    return text


def make_registry(n: int, seed: int, data_dir: Path | None = None) -> pd.DataFrame:
    """N synthetic projects as text cells, one column per `schema.PROJECT_COLUMNS` (unknown columns empty).

    Parameters
    ----------
    n
        Number of projects (>= 0).
    seed
        Seed of numpy's PCG64 generator: the same (n, seed) gives the same table.
    data_dir
        Data folder whose counties, zones and chains are used; default `atlas.core.settings.data_dir()`.
    """
    rng = np.random.default_rng(seed)
    counties, zones, chains = _read_inputs(data_dir or settings.data_dir())
    zone_of_county: dict[str, list[str]] = {}
    for zone_id, codes in zip(zones["id"], zones["county_adcodes"], strict=True):
        for code in (c.strip() for c in codes.split(schema.LIST_SEPARATOR) if c.strip()):
            zone_of_county.setdefault(code, []).append(zone_id)
    area = counties.to_crs(settings.EQUAL_AREA_CRS).area.to_numpy()
    boost = np.where(counties["adcode"].isin(list(zone_of_county)), ZONE_COUNTY_BOOST, 1.0)
    county_index = rng.choice(len(counties), n, p=area * boost / (area * boost).sum())
    lon, lat = sample_points_in_counties(counties, county_index, rng)

    stage_keys, stage_p = _weights(STAGE_WEIGHTS)
    stages = np.asarray(stage_keys, dtype=object)[rng.choice(len(stage_keys), n, p=stage_p)]
    status_keys, status_p = _weights(STATUS_WEIGHTS)
    precision_keys, precision_p = _weights(PRECISION_WEIGHTS)
    precisions = np.asarray(precision_keys, dtype=object)[rng.choice(len(precision_keys), n, p=precision_p)]
    radius = {p.value: f"{km:g}" for p, km in schema.PRECISION_UNCERTAINTY_KM.items()}
    adcodes = counties["adcode"].to_numpy(dtype=object)[county_index]
    zone_pick = rng.random(n)
    zone_ids = np.asarray([zone_of_county.get(code, [""])[0] for code in counties["adcode"]], dtype=object)[
        county_index]
    zone_ids = np.where(zone_pick < ZONE_SHARE, zone_ids, "")

    product = {s: STAGE_PRODUCTS[s] for s in stage_keys}
    units = np.asarray([product[s][2] for s in stages], dtype=object)
    capacity = rng.lognormal(0.0, 0.8, n) * np.asarray([product[s][3] for s in stages])
    has_capacity = rng.random(n) >= 0.33
    units = np.where(has_capacity, units, "")
    brand = rng.integers(0, len(BRANDS), n)
    serial = np.char.mod("%07d", np.arange(n)).astype(object)
    county_zh = counties["name_zh"].to_numpy(dtype=object)[county_index]
    county_en = counties["name_en"].to_numpy(dtype=object)[county_index]
    brand_zh = np.asarray([b[0] for b in BRANDS], dtype=object)[brand]
    brand_en = np.asarray([b[1] for b in BRANDS], dtype=object)[brand]
    product_zh = np.asarray([product[s][0] for s in stages], dtype=object)
    product_en = np.asarray([product[s][1] for s in stages], dtype=object)
    columns: dict[str, object] = {
        "id": "syn-" + serial,
        # "·" splits the Chinese into runs that recur across rows, as pinyin is computed per run
        "name_zh": "[合成] " + county_zh + "·" + brand_zh + product_zh + "项目 #" + serial,
        "name_en": "[synthetic] " + brand_en + " " + product_en + " project #" + serial + " (" + county_en + ")",
        "source": SOURCE_TEMPLATE.format(seed=seed),
        "as_of": AS_OF,
        "company_zh": brand_zh + "铝业有限公司（合成）",
        "company_en": brand_en + " Aluminium Co. (synthetic)",
        "cluster_types": _cluster_cells(stages, chains, rng),
        "stage": stages,
        "status": np.asarray(status_keys, dtype=object)[rng.choice(len(status_keys), n, p=status_p)],
        "capacity": _optional_numbers(capacity, has_capacity, 1),
        "capacity_unit": units,
        "investment_cny_m": _optional_numbers(rng.lognormal(5.5, 1.2, n), rng.random(n) >= 0.5, 1),
        "year": _optional_numbers(rng.integers(2005, 2027, n).astype(float), rng.random(n) >= 0.1, 0),
        "zone_id": zone_ids,
        "county_adcode": adcodes,
        "lon": np.char.mod("%.5f", lon).astype(object),
        "lat": np.char.mod("%.5f", lat).astype(object),
        "position_precision": precisions,
        "uncertainty_km": pd.Series(precisions, dtype=object).map(radius).to_numpy(dtype=object),
        "notes_zh": NOTE_ZH,
        "notes_en": NOTE_EN,
    }
    frame = pd.DataFrame({c: columns.get(c, "") for c in schema.PROJECT_COLUMNS}, index=pd.RangeIndex(n))
    return frame.astype(str) if n else frame


def write_registry(frame: pd.DataFrame, path: Path, *, fmt: str) -> Path:
    """Write the table as UTF-8 CSV (the import format) or as Parquet with string columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _refuse_data_dir(path: Path) -> None:
    shipped = (REPO_ROOT / "data").resolve()
    if path.resolve().is_relative_to(shipped):
        raise SystemExit(f"refusing to write synthetic data into {shipped} (the shipped data): choose another -o")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of projects")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", type=Path, help="output file (default <work dir>/bench/projects-N-SEED.EXT)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--data-dir", type=Path, help="data folder with counties, zones, chains (default data/)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error(f"--n must be >= 0, got {args.n}")
    path = args.output or DEFAULT_OUT_DIR / f"projects-{args.n}-{args.seed}.{args.format}"
    _refuse_data_dir(path)
    write_registry(make_registry(args.n, args.seed, args.data_dir), path, fmt=args.format)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
