"""The published static site (`atlas site`): what a reader with a USB stick and no network gets.

The shipped atlas is built once per module into a temp folder; tests read its files. The browser tests
(`tests/browser/test_site.py`) open the same kind of folder from ``file://``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.maps.offline import remote_asset_urls
from atlas.site import DataVersion, build_site, mapdata
from atlas.site.build import without_copied_position
from atlas.site.writer import MANIFEST
from tests.cli_runner import run_atlas

VERSION = DataVersion(token="abc123def456", date="2026-12-01")
HOSTILE = '<img src=x onerror="alert(1)">&`${x}</script>'


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.loads.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.loads.append(str(values["href"]))


def links_of(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def local_target(page: Path, href: str) -> Path | None:
    """The file a relative link points at; None for web links (sources) and in-page anchors."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


@pytest.fixture(scope="module")
def site(shipped_atlas: Atlas, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "atlas-site"
    build_site(shipped_atlas, out, version=VERSION, langs=("zh", "en"))
    return out


def test_every_page_is_reachable_from_the_index_and_every_link_resolves(site):
    seen, queue, broken = set(), [site / "index.html"], []
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        for href in links_of(page).links:
            target = local_target(page, href)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif target.suffix == ".html":
                queue.append(target)
    pages = {p.resolve() for p in site.rglob("*.html")}
    assert not broken
    assert pages - seen == set()
    assert len(pages) == 2 * (4 + 7)  # index, gaps, targets, sources and seven zones, in two languages


def test_no_page_loads_anything_from_the_web(site):
    for page in site.rglob("*.html"):
        parsed = links_of(page)
        assert remote_asset_urls(page.read_text(encoding="utf-8")) == [], page
        for src in parsed.loads:
            target = local_target(page, src)
            assert target is not None and target.is_file(), f"{page}: {src}"


def test_every_page_has_the_footer_with_data_version_sources_and_licence(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert 'class="atlas-footer"' in text, page
        assert VERSION.token in text and VERSION.date in text, page
        assert "CC BY 4.0" in text and "sources.html" in text, page


def test_each_zone_page_offers_its_five_downloads_in_its_language(site):
    for lang, folder in (("zh", site / "zones"), ("en", site / "en" / "zones")):
        for page in folder.glob("*.html"):
            downloads = [re.sub(r"\.zip$", "", h) for h in links_of(page).links if "downloads/" in h]
            kinds = {h.rsplit(".", 1)[-1] for h in downloads}
            assert kinds == {"xlsx", "csv", "geojson", "gpkg", "pdf"}, page
            assert all(f".{lang}." in h for h in downloads if not h.endswith((".geojson", ".gpkg")))


def test_the_data_folder_holds_every_layer_as_geojson_geopackage_and_csv(site):
    for layer in ("province", "prefectures", "counties", "zones", "projects", "recycling-bases", "deposits"):
        for fmt in ("geojson", "gpkg", "csv"):
            assert list((site / "data").glob(f"{layer}.{fmt}*")), (layer, fmt)


def _read_layer(path: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(f"/vsizip/{path}/{path.stem}" if path.suffix == ".zip" else path)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geo_files_give_a_points_position_as_its_geometry_and_the_csv_as_lon_lat(site, shipped_atlas, fmt):
    (geo,) = (site / "data").glob(f"projects.{fmt}*")
    (csv,) = (site / "data").glob("projects.csv*")
    projects, table = _read_layer(geo), pd.read_csv(csv, encoding="utf-8-sig")
    assert "lon" not in projects.columns and "lat" not in projects.columns
    placed = shipped_atlas.projects.dropna(subset=["lon"]).set_index("id")
    by_id = projects.set_index("id").loc[placed.index]
    np.testing.assert_array_equal(by_id.geometry.x, placed["lon"])
    np.testing.assert_array_equal(by_id.geometry.y, placed["lat"])
    assert {"lon", "lat"} <= set(table.columns)
    (path,) = (site / "downloads").glob(f"qingzhen.{fmt}*")
    if fmt == "gpkg":
        assert "lon" not in pyogrio.read_dataframe(path, layer="projects").columns
    else:  # one layer of features of every kind: only the zone's own point has lon/lat
        profile = _read_layer(path)
        assert profile.loc[profile["layer"] != "zone", "lon"].isna().all()


@pytest.mark.parametrize(
    ("points", "lon", "lat", "dropped"),
    [
        ([Point(106.5, 26.5), None], [106.5, np.nan], [26.5, np.nan], True),
        ([Point(106.5, 26.5), Point(106.5, 26.6)], [106.5, 106.5], [26.5, 26.5], False),  # one says otherwise
        ([Point(106.5, 26.5), None], [106.5, 107.0], [26.5, 27.0], False),  # a position without a point
        ([box(106, 26, 107, 27), Point(1, 2)], [106.5, 1.0], [26.5, 2.0], False),  # a centre beside an outline
    ],
)
def test_lon_lat_are_left_out_of_a_geo_file_only_when_they_repeat_the_points_exactly(points, lon, lat, dropped):
    frame = gpd.GeoDataFrame({"id": ["a", "b"], "lon": lon, "lat": lat}, geometry=points, crs="EPSG:4326")
    kept = set(without_copied_position(frame).columns)
    assert ({"lon", "lat"} <= kept) is not dropped


def test_the_english_copy_is_linked_from_the_chinese_index_and_back(site):
    assert "en/index.html" in links_of(site / "index.html").links
    assert "../index.html" in links_of(site / "en" / "index.html").links
    assert '<html lang="en"' in (site / "en" / "index.html").read_text(encoding="utf-8")


def test_text_from_the_data_is_escaped_on_every_page_and_in_the_map_data(shipped_atlas, tmp_path):
    zones = shipped_atlas.zones.copy()
    zones.loc[0, "name_en"] = HOSTILE
    zones.loc[0, "name_zh"] = HOSTILE
    projects = shipped_atlas.projects.copy()
    projects.loc[0, "name_zh"] = HOSTILE
    hostile = dataclasses.replace(shipped_atlas, zones=zones, projects=projects)
    out = tmp_path / "site"
    build_site(hostile, out, version=VERSION, langs=("en",))
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<img src=x" not in text, path
        assert text.count("</script>") == text.count("<script"), path
    for path in (out / "data" / "map").rglob("*.js"):
        assert "<" not in path.read_text(encoding="utf-8"), path
    assert "&lt;img src=x" in (out / "index.html").read_text(encoding="utf-8")


def test_a_second_build_of_the_same_data_rewrites_nothing_and_a_dropped_language_leaves_no_stale_files(
        shipped_atlas, site, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(site, out)
    files = len(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    again = build_site(shipped_atlas, out, version=VERSION, langs=("zh", "en"))
    assert again.changed == 0 and again.files == files
    only_zh = build_site(shipped_atlas, out, version=VERSION, langs=("zh",))
    assert not (out / "en").exists()
    assert only_zh.files < files
    assert set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) == {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}


def test_a_folder_that_is_not_a_site_is_refused_and_left_alone(shipped_atlas, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(AtlasError, match="not empty") as caught:
        build_site(shipped_atlas, tmp_path, version=VERSION)
    assert "不为空" in caught.value.text("zh")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_unknown_language_is_one_clear_error(shipped_atlas, tmp_path):
    with pytest.raises(AtlasError, match="unknown language 'fr'"):
        build_site(shipped_atlas, tmp_path / "s", version=VERSION, langs=("zh", "fr"))


def test_name_templates_give_back_every_name_and_share_the_repeated_words():
    zh = ["清镇市 铝项目 #12", "清镇市 铝项目 #13", "兴仁市·年产10万吨铝 #7", ""]
    en = ["Qingzhen project 12", "Qingzhen project 13", "Xingren 100 kt #7", "x"]
    data = mapdata.name_templates(zh, en)
    assert decode_names(data) == list(zip(zh, en, strict=True))
    assert len(str(data["t"]).split("\n")) == 3  # the first two names share one template
    assert "qingzhenshi" in str(data["wp"])


def decode_names(data: dict[str, object]) -> list[tuple[str, str]]:
    """What site.js does with `name_templates` (in Python, to check the format)."""
    words = str(data["w"]).split("\n")
    pairs = [[("".join(words[int(n, 36)] for n in half.split(",")) if half else "") for half in line.split("\t")]
             for line in str(data["t"]).split("\n")]
    out = []
    for row in str(data["r"]).split("\n"):
        parts = row.split(";")
        zh_runs = parts[1].split(",") if parts[1] else []
        en_runs = (parts[2].split(",") if parts[2] else []) if len(parts) > 2 else zh_runs
        zh, en = pairs[int(parts[0], 36)]
        out.append((_fill(zh, zh_runs), _fill(en, en_runs)))
    return out


def _fill(template: str, runs: list[str]) -> str:
    it = iter(runs)
    return re.sub(mapdata.HOLE, lambda _: next(it), template)


def _synthetic_projects(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "id": [f"p-{i:05d}" for i in range(n)], "name_zh": [f"项目{i}" for i in range(n)], "name_en": "",
        "lon": rng.uniform(104, 109, n), "lat": rng.uniform(25, 29, n),
        "cluster_types": [["alloy-products"] if i % 3 else [] for i in range(n)],
        "status": np.where(np.arange(n) % 2, "operating", "planned"), "position_precision": "county",
    })


def test_a_large_registry_is_binned_with_counts_per_filter_key_and_tiled_without_losing_a_point():
    ordered = mapdata.ordered_projects(_synthetic_projects(5_000))
    bins = mapdata.binned_points(ordered)
    assert sum(bins["n"]) == 5_000  # type: ignore[arg-type]
    tiles = mapdata.point_tiles(ordered, lang="en")
    assert sum(len(t["y"]) for t in tiles.values()) == 5_000  # type: ignore[arg-type]
    assert set(tiles) == set(bins["tiles"])  # type: ignore[arg-type]
    statuses = bins["sid"]
    assert sorted(statuses) == ["operating", "planned"]  # type: ignore[arg-type]


def test_the_search_data_is_aligned_with_the_point_order_of_the_map():
    projects = _synthetic_projects(50)
    ordered = mapdata.ordered_projects(projects)
    payload = mapdata.project_payload(ordered, lang="zh", names=False)
    ids = [str(payload["ip"]) + i for i in payload["i"]]  # type: ignore[attr-defined]
    names = [zh for zh, _ in decode_names(mapdata.name_templates(list(ordered["name_zh"]), [""] * 50))]
    assert [f"项目{int(i[2:])}" for i in ids] == names


def test_data_scripts_cannot_end_their_script_element():
    text = mapdata.data_script("x", {"a": "</script><script>alert(1)</script>"})
    assert "</script" not in text.lower() and "<" not in text


def test_the_command_writes_the_site_where_o_says(tmp_path):
    out = tmp_path / "pub"
    result = run_atlas("site", "-o", str(out), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "wrote the site to" in result.stdout
    assert (out / "index.html").is_file() and not (out / "en").exists()
    bad = run_atlas("site", "-o", str(tmp_path / "x"), "--lang", "de")
    assert bad.returncode == 2 and "unknown language 'de'" in bad.stderr and "Traceback" not in bad.stderr


def test_the_status_legend_lists_statuses_in_life_cycle_order_as_everywhere_else():
    from atlas.core.palette import STATUS_ORDER
    from atlas.site.mapdata import _combo_status

    ordered = pd.DataFrame({"cluster_types": ["", "", "", "", ""],
                            "status": ["planned", None, "operating", "under-construction", "planned"]})
    _, statuses, _, codes = _combo_status(ordered)
    assert statuses == [s for s in STATUS_ORDER if s in {"planned", "unknown", "operating", "under-construction"}]
    assert [statuses[c] for c in codes] == ["planned", "unknown", "operating", "under-construction", "planned"]
