"""Planning map layers rendered to HTML: gap colours, geodesic rings, quality flags, escaping, no remote assets."""

from __future__ import annotations

import json
import re

import pytest
from pyproj import Geod

from atlas.analysis.gaps import gap_matrix_long
from atlas.analysis.proximity import nearby_zone
from atlas.analysis.quality import quality_flags
from atlas.core.schema import Layer
from atlas.maps.atlas_map import build_atlas_map, map_to_html
from atlas.maps.offline import remote_asset_urls
from atlas.maps.planning import (
    COVERED_COLOUR,
    GAP_COLOUR,
    NOT_ASSIGNED_COLOUR,
    gap_zone_group,
    proximity_group,
    quality_group,
    record_names,
)


def _page(atlas, group) -> str:
    m = build_atlas_map(atlas, layers={Layer.COUNTIES})
    m.add_child(group)
    return map_to_html(m)


def test_gap_layer_colours_zones_by_their_gaps_and_counts_them(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    html = _page(tiny_atlas, gap_zone_group(tiny_atlas, long, "alloy-products", lang="en"))
    heping = re.search(
        r'atlas-gap-zone\\" data-gaps=\\"(\d)\\" data-assigned=\\"(\w+)\\"[^>]*background:([#\w]+)', html
    )
    assert heping is not None, html[-3000:]
    found = re.findall(r'data-gaps=\\"(\d)\\" data-assigned=\\"(\w+)\\"[^>]*?background:(#\w+)', html)
    assert sorted(found) == sorted([("0", "false", NOT_ASSIGNED_COLOUR), ("4", "true", GAP_COLOUR)])
    lightweight = _page(tiny_atlas, gap_zone_group(tiny_atlas, long, "lightweight-materials", lang="en"))
    assert "4 gaps of 4 stages" not in lightweight and "1 gaps of 4 stages" in lightweight
    assert GAP_COLOUR in lightweight and COVERED_COLOUR not in lightweight.split("atlas-gap-zone", 1)[1][:300]


def test_gap_layer_counts_no_gaps_where_the_cluster_is_not_assigned_and_says_what_is_there(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    html = _page(tiny_atlas, gap_zone_group(tiny_atlas, long, "alloy-products", lang="en"))
    # qingzhen holds no alloy cluster; its smelter and pre-treatment base are there anyway
    assert 'data-gaps=\\"0\\" data-assigned=\\"false\\"' in html
    assert "cluster not assigned" in html and "projects at 2 stage(s) (not assigned, no gaps counted)" in html
    zh = _page(tiny_atlas, gap_zone_group(tiny_atlas, long, "alloy-products", lang="zh"))
    assert "2 个环节有项目（未指定，不计缺口）" in zh
    lightweight = _page(tiny_atlas, gap_zone_group(tiny_atlas, long, "lightweight-materials", lang="en"))
    assert "not assigned, no gaps counted" not in lightweight  # zunyi-heping: nothing there either


def test_proximity_ring_is_geodesic_and_items_show_distance_with_uncertainty(tiny_atlas):
    found = nearby_zone(tiny_atlas, "qingzhen", km=70)
    html = _page(tiny_atlas, proximity_group(tiny_atlas, "qingzhen", found, km=70, lang="en"))
    rings = re.findall(r'L\.geoJSON\((\{"type":"FeatureCollection".*?\}), \{', html)
    ring = next(json.loads(r) for r in rings if "atlas-proximity-ring" in html and '"t":' in r and "within 70" in r)
    lon, lat = 106.5, 26.5
    for x, y in ring["features"][0]["geometry"]["coordinates"][0]:
        assert Geod(ellps="WGS84").inv(lon, lat, x, y)[2] == pytest.approx(70_000, abs=0.01)
    assert "possibly within" in html and "± 45.0 km" in html  # foil: county zone ±25 + foil ±20


def test_quality_layer_marks_each_flagged_record_once_and_escapes_names(tiny_atlas):
    flags = quality_flags(tiny_atlas)
    html = _page(tiny_atlas, quality_group(flags, lang="zh", names=record_names(tiny_atlas, "zh")))
    positions = flags.dropna(subset=["lon", "lat"]).drop_duplicates(["lon", "lat"])
    assert html.count('class=\\"atlas-quality-flag\\"') == len(positions)
    # the zone point and its pre-treatment base share a position: one marker lists both records
    assert 'data-records=\\"2\\"' in html
    assert "<script>alert(1)</script>" not in html  # foil's hostile Chinese name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.replace("\\u003c", "<").replace("\\u003e", ">").replace(
        "\\u0026", "&"
    )


def test_planning_layers_fetch_nothing_from_the_internet(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    for group in (
        gap_zone_group(tiny_atlas, long, "lightweight-materials", lang="zh"),
        proximity_group(tiny_atlas, "qingzhen", nearby_zone(tiny_atlas, "qingzhen", km=50), km=50, lang="zh"),
        quality_group(quality_flags(tiny_atlas), lang="zh"),
    ):
        assert remote_asset_urls(_page(tiny_atlas, group)) == []
