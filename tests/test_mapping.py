"""The atlas map: layers, tooltips, escaping, precision styling, compact project payload, no CDN."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from atlas.core import schema
from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.core.schema import Layer
from atlas.maps.atlas_map import build_atlas_map, build_base_map, build_layer_groups, legend_html, map_to_html
from atlas.maps.layers import zone_icon_html
from atlas.maps.offline import remote_asset_urls
from atlas.maps.points import CanvasPoints, project_payload

CRS = "EPSG:4326"
SRC = "https://example.org/policy"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'


def _boundaries(rows: list[tuple[str, str, str, str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"adcode": a, "name_zh": zh, "name_en": en, "parent_adcode": p, "source": SRC, "as_of": "2024",
          "position_precision": "exact"} for a, zh, en, p, _ in rows],
        geometry=[g for *_, g in rows], crs=CRS,
    )


def _points(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([{c: r.get(c, np.nan) for c in columns} | {k: v for k, v in r.items() if k not in columns}
                          for r in rows])
    return gpd.GeoDataFrame(frame, geometry=[Point(r["lon"], r["lat"]) for r in rows], crs=CRS)


def _table(columns: tuple[str, ...], rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, np.nan) for c in columns} for r in rows or []], columns=list(columns))


def make_atlas(**overrides: Any) -> Atlas:
    """1 province, 2 prefectures, 3 counties, 3 zones (county ±25 km, town, the wuzhengdao area),
    roles, 3 projects (exact, county, town), 1 recycling base, 1 deposit — all literal, EPSG:4326."""
    zones = _points([
        {"id": "qingzhen", "name_zh": "清镇经济开发区", "name_en": "Qingzhen ED Zone", "source": SRC,
         "as_of": "2024", "kind": "zone", "county_adcodes": ["520181"], "prefecture_adcode": "520100",
         "lon": 106.47, "lat": 26.56, "position_precision": "county", "uncertainty_km": 25.0,
         "position_note_zh": "县城", "position_note_en": "county seat", "area_geometry": None},
        {"id": "zunyi-heping", "name_zh": "和平经济开发区", "name_en": "Heping ED Zone", "source": "政策文件 II.(2)",
         "as_of": "2024-05", "kind": "zone", "county_adcodes": ["520304"], "prefecture_adcode": "520300",
         "lon": 107.5, "lat": 27.3, "position_precision": "town", "uncertainty_km": np.nan, "area_geometry": None},
        {"id": "wuzhengdao", "name_zh": "务正道铝土矿资源区", "name_en": "Wu-Zheng-Dao bauxite area", "source": SRC,
         "as_of": "2024", "kind": "resource-area", "county_adcodes": ["520181", "520102", "520304"],
         "prefecture_adcode": "520300", "lon": 107.2, "lat": 27.6, "position_precision": "region",
         "uncertainty_km": 60.0, "area_geometry": box(106.2, 27.1, 107.8, 27.9)},
    ], schema.ZONE_COLUMNS)
    roles = _table(schema.ZONE_ROLE_COLUMNS, [
        {"zone_id": "qingzhen", "kind": "cluster", "cluster_type": "lightweight-materials",
         "policy_section": "II.(1)", "summary_zh": "轻量化材料", "summary_en": "lightweight materials",
         "source": SRC, "as_of": "2024"},
        {"zone_id": "qingzhen", "kind": "cluster", "cluster_type": "alloy-products", "policy_section": "II.(2)",
         "summary_zh": "铝合金制品", "summary_en": "alloy products", "source": SRC, "as_of": "2024"},
        {"zone_id": "zunyi-heping", "kind": "cluster", "cluster_type": "non-metallic-materials",
         "policy_section": "II.(3)", "summary_zh": "铝基非金属材料", "summary_en": "non-metallic",
         "source": SRC, "as_of": "2024"},
        {"zone_id": "wuzhengdao", "kind": "resource-area", "cluster_type": "", "policy_section": "II.(3)",
         "summary_zh": "铝土矿资源", "summary_en": "bauxite", "source": SRC, "as_of": "2024"},
    ])
    projects = _points([
        {"id": "prj-001", "name_zh": "清镇电解铝", "name_en": "Qingzhen smelter", "source": SRC, "as_of": "2020",
         "cluster_types": ["lightweight-materials", "alloy-products"], "stage": "primary-aluminium",
         "status": "operating", "lon": 106.41, "lat": 26.6, "position_precision": "exact", "uncertainty_km": 0.5},
        {"id": "prj-002", "name_zh": "轮毂项目", "name_en": "Wheel hubs", "source": SRC, "as_of": "2025",
         "cluster_types": ["lightweight-materials"], "stage": "lightweight-materials", "status": "planned",
         "lon": 106.45, "lat": 26.55, "position_precision": "county", "uncertainty_km": 25.0},
        {"id": "prj-003", "name_zh": "氧化铝", "name_en": "Alumina", "source": SRC, "as_of": "2025",
         "cluster_types": [], "stage": "bauxite-alumina", "status": "under-construction",
         "lon": 107.4, "lat": 27.5, "position_precision": "town", "uncertainty_km": 10.0},
    ], schema.PROJECT_COLUMNS)
    recycling = _points([
        {"id": "rb-1", "name_zh": "清镇废铝预处理基地", "name_en": "Qingzhen scrap base", "source": SRC,
         "as_of": "2024", "kind": "pretreatment-base", "status": "planned", "capacity": 100.0,
         "capacity_unit": "kt/a", "zone_id": "qingzhen", "lon": 106.5, "lat": 26.5,
         "position_precision": "exact", "policy_section": "III.(4)"},
    ], schema.RECYCLING_BASE_COLUMNS)
    deposits = _points([
        {"id": "dep-1", "name_zh": "猫场铝土矿", "name_en": "Maochang bauxite", "source": SRC, "as_of": "2013",
         "kind": "deposit", "county_adcodes": ["520181"], "quantity_mt": 150.0, "quantity_definition": "resource",
         "quantity_year": 2013, "lon": 106.3, "lat": 26.7, "position_precision": "county", "uncertainty_km": 20.0},
    ], schema.DEPOSIT_COLUMNS)
    atlas = Atlas(
        province=_boundaries([("520000", "贵州省", "Guizhou", "", box(106, 26, 108, 28))]),
        prefectures=_boundaries([("520100", "贵阳市", "Guiyang", "520000", box(106, 26, 107, 28)),
                                 ("520300", "遵义市", "Zunyi", "520000", box(107, 26, 108, 28))]),
        counties=_boundaries([("520181", "清镇市", "Qingzhen", "520100", box(106, 26, 107, 27)),
                              ("520102", "南明区", "Nanming", "520100", box(106, 27, 107, 28)),
                              ("520304", "播州区", "Bozhou", "520300", box(107, 26, 108, 28))]),
        zones=zones, zone_roles=roles, projects=projects, recycling_bases=recycling, deposits=deposits,
        cluster_types=_table(schema.CLUSTER_TYPE_COLUMNS), stages=_table(schema.STAGE_COLUMNS),
        chains=_table(schema.CHAIN_COLUMNS), products=_table(schema.PRODUCT_COLUMNS),
        targets=_table(schema.TARGET_COLUMNS), sections=_table(schema.SECTION_COLUMNS),
        departments=_table(schema.DEPARTMENT_COLUMNS), responsibilities=_table(schema.RESPONSIBILITY_COLUMNS),
    )
    return dataclasses.replace(atlas, **overrides)


def _rename(frame: gpd.GeoDataFrame, row: int, **cells: Any) -> gpd.GeoDataFrame:
    out = frame.copy()
    for column, value in cells.items():
        out.at[row, column] = value
    return out


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return make_atlas()


@pytest.fixture(scope="module")
def html_zh(atlas: Atlas) -> str:
    return map_to_html(build_atlas_map(atlas, lang="zh"))


def _script_json_text(text: str) -> str:
    """How a string appears inside our script JSON (UTF-8, <>& escaped)."""
    return json.dumps(text, ensure_ascii=False)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")


def test_standalone_map_loads_no_script_or_stylesheet_from_a_remote_host(html_zh: str) -> None:
    assert remote_asset_urls(html_zh) == []
    assert not re.search(r"<(script|link)\b[^>]*(src|href)=[\"']?(https?:)?//", html_zh)
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome", "unpkg"):
        assert cdn not in html_zh


def test_standalone_map_inlines_leaflet_and_requests_no_tiles_by_default(html_zh: str) -> None:
    assert html_zh.index("Leaflet 1.9.4") < html_zh.index("</head>") < html_zh.index("L.map(")
    assert "sourceMappingURL" not in html_zh
    assert "L.tileLayer" not in html_zh.split("</head>")[1]
    assert "tile.openstreetmap" not in html_zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_layer_is_a_named_feature_group_in_the_layer_control(atlas: Atlas, lang: schema.Lang) -> None:
    m = build_atlas_map(atlas, lang=lang)
    html = map_to_html(m)
    for layer in Layer:
        name = schema.label(layer, lang)
        assert json.dumps(name) + " :" in html, name  # LayerControl keys are ASCII-escaped JSON
    assert "L.control.layers(" in html
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert [g.options["atlas_layer"] for g in groups] == [
        "province", "prefectures", "counties", "zones", "deposits", "recycling-bases", "projects"]


def test_layers_not_asked_for_are_left_out(atlas: Atlas) -> None:
    groups = build_layer_groups(atlas, layers={Layer.COUNTIES, "projects"})
    assert list(groups) == [Layer.COUNTIES, Layer.PROJECTS]


def test_unknown_layer_basemap_language_or_zone_is_a_named_error(atlas: Atlas) -> None:
    with pytest.raises(AtlasError, match="rivers"):
        build_layer_groups(atlas, layers={"rivers"})
    with pytest.raises(AtlasError, match="google"):
        build_atlas_map(atlas, basemap="google")
    with pytest.raises(AtlasError, match="fr"):
        build_atlas_map(atlas, lang="fr")  # type: ignore[arg-type]
    with pytest.raises(AtlasError, match="nowhere"):
        build_atlas_map(atlas, highlight_zone="nowhere")


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", ["清镇市", "520181", "遵义市", "贵州省", "清镇经济开发区", "产业集群：铝及铝合金装备轻量化材料产业集群"]),
    ("en", ["Qingzhen", "520181", "Zunyi", "Guizhou", "Qingzhen ED Zone"]),
])
def test_tooltips_name_boundaries_and_zones_in_the_map_language(
    atlas: Atlas, lang: schema.Lang, expected: list[str]
) -> None:
    html = map_to_html(build_atlas_map(atlas, lang=lang))
    for text in expected:
        assert _script_json_text(text) in html, text
    assert html.count("bindTooltip(") >= 3


def test_zone_popup_card_gives_roles_sections_precision_uncertainty_sources_and_date(atlas: Atlas) -> None:
    html = map_to_html(build_atlas_map(atlas, lang="en"))
    for text in ["Heping ED Zone", "II.(3)", "±25 km", "county seat", "2024-05", "政策文件 II.(2)",
                 'href=\\"https://example.org/policy\\"', "rel=\\\"noopener noreferrer\\\""]:
        assert _script_json_text(text) in html or text in html, text


def test_resource_area_is_drawn_as_a_dashed_polygon(atlas: Atlas) -> None:
    html = map_to_html(build_atlas_map(atlas, layers={Layer.ZONES}))
    assert '"dashArray":"8 5"' in html
    assert '"type":"Polygon"' in html


def test_resource_area_without_its_own_polygon_is_drawn_as_the_union_of_its_counties(atlas: Atlas) -> None:
    zones = _rename(atlas.zones, 2, area_geometry=None)
    html = map_to_html(build_atlas_map(make_atlas(zones=zones), layers={Layer.ZONES}))
    assert '"dashArray":"8 5"' in html
    # the three fixture counties together cover the province box
    assert "[106.0,26.0]" in html and "[108.0,28.0]" in html


def test_county_and_exact_precision_look_different() -> None:
    exact = zone_icon_html(["#1f77b4"], exact=True, highlighted=False)
    county = zone_icon_html(["#1f77b4"], exact=False, highlighted=False)
    assert exact != county
    assert "solid" in exact and "dashed" in county and "radial-gradient" in county


def test_approximate_zone_gets_an_uncertainty_ring_of_its_radius_and_exact_one_none(atlas: Atlas) -> None:
    zones = _rename(atlas.zones, 1, position_precision="exact", uncertainty_km=0.5)
    groups = build_layer_groups(make_atlas(zones=zones), layers={Layer.ZONES})
    circles = [c for c in groups[Layer.ZONES]._children.values() if isinstance(c, folium.Circle)]
    assert [c.options["radius"] for c in circles] == [25_000]  # wuzhengdao shows its area instead
    assert all(c.options["dashArray"] and c.options["interactive"] is False for c in circles)
    html = map_to_html(build_atlas_map(make_atlas(zones=zones), layers={Layer.ZONES}))
    assert html.count('data-precision=\\"exact\\"') == 1
    assert html.count('data-precision=\\"approximate\\"') == 2


def test_multi_cluster_zone_marker_is_segmented() -> None:
    icon = zone_icon_html(["#1f77b4", "#d62728"], exact=False, highlighted=False)
    assert "conic-gradient(#1f77b4 0.0% 50.0%, #d62728 50.0% 100.0%)" in icon


HOSTILE_CASES = {
    "project": lambda a, s: {"projects": _rename(a.projects, 0, name_zh=s)},
    "zone": lambda a, s: {"zones": _rename(a.zones, 0, name_zh=s, name_en=s, position_note_zh=s)},
    "county": lambda a, s: {"counties": _rename(a.counties, 0, name_zh=s)},
    "role summary": lambda a, s: {"zone_roles": _rename(a.zone_roles, 0, summary_zh=s)},
    "deposit": lambda a, s: {"deposits": _rename(a.deposits, 0, name_zh=s, kind=s)},
    "recycling base": lambda a, s: {"recycling_bases": _rename(a.recycling_bases, 0, name_zh=s, source=s)},
    "source": lambda a, s: {"zones": _rename(a.zones, 1, source=f"javascript:alert(1);{s}")},
}


@pytest.mark.parametrize("hostile", [XSS_SCRIPT, XSS_IMG])
@pytest.mark.parametrize("case", list(HOSTILE_CASES))
def test_hostile_names_never_reach_the_page_unescaped(atlas: Atlas, case: str, hostile: str) -> None:
    m = build_atlas_map(make_atlas(**HOSTILE_CASES[case](atlas, hostile)), lang="zh")
    html = map_to_html(m)
    assert hostile not in html
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert html.count("<script>alert(1)") == 0
    assert "href=\\\"javascript:" not in html and 'href="javascript:' not in html
    assert "alert(1)" in html  # the record is there, escaped, not dropped


def test_legend_escapes_and_counts_zones_and_projects_per_cluster(atlas: Atlas) -> None:
    legend = legend_html(atlas, lang="en", basemap="none")
    assert "(1 zones · 2 projects)" in legend  # lightweight: qingzhen; prj-001 and prj-002
    assert "(1 zones · 0 projects)" in legend  # non-metallic: heping
    assert "No basemap" in legend
    hostile = make_atlas(zones=_rename(atlas.zones, 0, name_en=XSS_SCRIPT))
    assert XSS_SCRIPT not in legend_html(hostile, lang="en", basemap="none")


def test_the_apps_cached_base_map_has_no_counts_that_could_go_stale(atlas: Atlas) -> None:
    legend = legend_html(atlas, lang="en", basemap="none", counts=False)
    assert "zones ·" not in legend and "projects)" not in legend
    assert "Lightweight" in legend
    html = map_to_html(build_base_map(atlas, lang="en", legend_counts=False))
    assert '"bottomright"' in html and "1 zones" not in html


def test_project_payload_decodes_to_the_original_positions_within_11_m(atlas: Atlas) -> None:
    payload = project_payload(atlas.projects, lang="en")
    xs = np.cumsum(payload["x"]) + payload["ox"]  # type: ignore[operator]
    lon = xs / payload["s"]
    lat = (np.asarray(payload["y"]) + payload["oy"]) / payload["s"]  # type: ignore[operator]
    ids = [payload["ip"] + rest for rest in payload["i"]]  # type: ignore[attr-defined, operator]
    truth = atlas.projects.set_index("id")
    assert np.allclose(lon, truth.loc[ids, "lon"], atol=1e-4)
    assert np.allclose(lat, truth.loc[ids, "lat"], atol=1e-4)
    assert payload["n"] == list(truth.loc[ids, "name_en"])


def _synthetic_projects(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    clusters = [["lightweight-materials"], ["alloy-products"], ["non-metallic-materials"],
                ["lightweight-materials", "alloy-products"], []]
    return pd.DataFrame({
        "id": [f"prj-{i:06d}" for i in range(n)],
        "name_zh": [f"项目{i}" for i in range(n)],
        "name_en": [f"Project {i}" for i in range(n)],
        "cluster_types": [clusters[j] for j in rng.choice(5, n, p=[0.35, 0.3, 0.15, 0.1, 0.1])],
        "status": rng.choice([s.value for s in schema.ProjectStatus], n),
        "position_precision": rng.choice([p.value for p in schema.PositionPrecision], n),
        "lon": rng.uniform(103.6, 109.6, n),
        "lat": rng.uniform(24.6, 29.2, n),
    })


def test_project_layer_costs_at_most_20_bytes_per_point_besides_the_names() -> None:
    n = 10_000
    points = CanvasPoints(project_payload(_synthetic_projects(n), lang="zh"))
    structural = len((points.data_js + points.ids_js).encode("utf-8"))  # positions, styles, ids
    names = len(points.names_js.encode("utf-8"))  # "项目1234": 10 UTF-8 bytes + a separator
    assert structural / n <= 20
    assert (structural + names) / n <= 32


def test_whole_page_grows_by_at_most_32_bytes_per_project() -> None:
    n = 10_000
    projects = _synthetic_projects(n).assign(source=SRC, as_of="2024", geometry=None)
    full = map_to_html(build_atlas_map(make_atlas(projects=projects), layers={Layer.PROJECTS}))
    empty = map_to_html(build_atlas_map(make_atlas(projects=projects.iloc[:0]), layers={Layer.PROJECTS}))
    assert (len(full.encode("utf-8")) - len(empty.encode("utf-8"))) / n <= 32


def test_projects_are_one_canvas_payload_not_one_marker_each() -> None:
    projects = _synthetic_projects(2_000).assign(
        source=SRC, as_of="2024", geometry=None)
    m = build_atlas_map(make_atlas(projects=projects), layers={Layer.PROJECTS})
    html = map_to_html(m)
    assert html.count("L.Path.extend(") == 1 and "L.circleMarker(" not in html and "L.marker(" not in html
    assert "prefer_canvas" not in html and '"preferCanvas": true' in html


def test_base_map_and_groups_can_be_sent_separately_for_streamlit(atlas: Atlas) -> None:
    base = build_base_map(atlas, lang="en")
    assert not [c for c in base._children.values() if isinstance(c, folium.FeatureGroup)]
    assert base.default_js[0][1].startswith("data:text/javascript;base64,")
    groups = build_layer_groups(atlas, lang="en")
    for group in groups.values():
        script = group._template.module.script(group)
        assert "L.featureGroup(" in script


@pytest.mark.parametrize(("basemap", "host"), [
    ("osm", "tile.openstreetmap.org"), ("amap", "autonavi.com")])
def test_tiles_come_only_from_the_chosen_basemap(atlas: Atlas, basemap: str, host: str) -> None:
    html = map_to_html(build_atlas_map(atlas, basemap=basemap))
    assert host in html
    assert remote_asset_urls(html) == []


def test_tianditu_needs_a_key_and_is_left_out_without_one(atlas: Atlas) -> None:
    without = map_to_html(build_atlas_map(atlas, basemap="tianditu"))
    assert "tianditu.gov.cn" not in without
    with_key = map_to_html(build_atlas_map(atlas, basemap="tianditu", tianditu_key="k&ey"))
    assert "vec_w" in with_key and "cva_w" in with_key and "tk=k%26ey" in with_key


def test_amap_basemap_shifts_every_geometry_to_gcj02(atlas: Atlas) -> None:
    wgs = build_layer_groups(atlas, layers={Layer.ZONES})[Layer.ZONES]
    gcj = build_layer_groups(atlas, basemap="amap", layers={Layer.ZONES})[Layer.ZONES]
    marker = next(c for c in wgs._children.values() if isinstance(c, folium.Marker))
    shifted = next(c for c in gcj._children.values() if isinstance(c, folium.Marker))
    d_lat, d_lon = (s - w for s, w in zip(shifted.location, marker.location, strict=True))
    assert 0.001 < abs(d_lat) + abs(d_lon) < 0.02  # a few hundred metres in Guizhou


def test_map_fits_guizhou_or_the_highlighted_zone(atlas: Atlas) -> None:
    whole = map_to_html(build_atlas_map(atlas))
    assert "fitBounds(" in whole and "[[26.0, 106.0], [28.0, 108.0]]" in whole
    zoomed = map_to_html(build_atlas_map(atlas, highlight_zone="qingzhen"))
    assert "[[26.0, 106.0], [28.0, 108.0]]" not in zoomed
    assert "box-shadow" in zoomed


def test_a_deep_copy_of_the_base_map_renders_the_same_script(atlas: Atlas) -> None:
    """The app caches the base map and hands st_folium a deep copy (st_folium mutates its map)."""
    base = build_base_map(atlas, lang="zh")
    copied = copy.deepcopy(base)
    assert copied.get_root().render() == base.get_root().render()
