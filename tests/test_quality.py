"""Data-quality flags on the tiny fixture: each flag fires where it should and nowhere else."""

from __future__ import annotations

import dataclasses

import pytest

from atlas.analysis.quality import FLAG_COLUMNS, FLAGS, flag_counts, flag_label, mirror_hosts_in, quality_flags
from atlas.core import settings


def _flagged(flags, flag):
    return sorted(zip(flags.loc[flags["flag"] == flag, "layer"], flags.loc[flags["flag"] == flag, "id"], strict=True))


def _edit(atlas, layer, record_id, **cells):
    frame = getattr(atlas, layer).copy()
    row = frame.index[frame["id"] == record_id][0]
    for column, value in cells.items():
        frame.at[row, column] = value
    return dataclasses.replace(atlas, **{layer: frame})


def test_the_tiny_fixture_raises_exactly_the_expected_flags(tiny_atlas):
    flags = quality_flags(tiny_atlas)
    assert list(flags.columns) == list(FLAG_COLUMNS)
    assert _flagged(flags, "outside-zone-county") == []
    assert _flagged(flags, "zone-county-no-zone") == []  # foil's county 520102 holds no zone
    # a zone with no projects: its cluster role is unfilled
    assert _flagged(flags, "role-without-project") == [("zone-roles", "zunyi-heping/cluster/alloy-products")]
    assert _flagged(flags, "coarse-position") == [
        ("projects", "foil"),
        ("projects", "smelter"),
        ("recycling-bases", "qingzhen-pretreatment"),
        ("zones", "qingzhen"),
    ]
    assert _flagged(flags, "missing-capacity") == [("recycling-bases", "qingzhen-pretreatment")]
    assert _flagged(flags, "missing-year") == [
        ("projects", "foil"),
        ("projects", "wheels"),
        ("recycling-bases", "qingzhen-pretreatment"),
    ]
    assert _flagged(flags, "mirror-source") == []


def test_a_project_outside_its_zones_county_is_flagged_with_both_counties(tiny_atlas):
    atlas = _edit(tiny_atlas, "projects", "wheels", county_adcode="520102")
    row = quality_flags(atlas).query("flag == 'outside-zone-county'").iloc[0]
    assert (row["layer"], row["id"]) == ("projects", "wheels")
    assert "520102" in row["detail_en"] and "520181" in row["detail_en"]
    assert row["lon"] == pytest.approx(106.45)


def test_a_project_with_no_zone_inside_a_zones_county_is_flagged(tiny_atlas):
    atlas = _edit(tiny_atlas, "projects", "foil", county_adcode="520181")
    assert _flagged(quality_flags(atlas), "zone-county-no-zone") == [("projects", "foil")]


def test_role_flags_carry_the_zones_position_for_the_map(tiny_atlas):
    row = quality_flags(tiny_atlas).query("flag == 'role-without-project'").iloc[0]
    assert (row["lon"], row["lat"]) == (107.5, 27.0)
    assert "II.(2)" in row["detail_en"] and "no project of that cluster" in row["detail_en"]


@pytest.mark.parametrize(
    ("source", "hosts"),
    [
        ("https://www.renjio.com/a ; II.(1)", ["renjio.com"]),
        ("http://m.yu-yang.com.cn/news/1.html", ["yu-yang.com.cn"]),
        ("http://www.360elib.com:2027/x", ["360elib.com"]),
        ("https://notrenjio.com/a", []),
        ("https://www.gov.cn/renjio.com", []),
        ("II.(1)", []),
    ],
)
def test_mirror_hosts_match_the_host_or_a_subdomain_only(source, hosts):
    assert mirror_hosts_in(source) == hosts


def test_a_record_citing_a_mirror_is_flagged_and_names_the_host(tiny_atlas):
    atlas = _edit(tiny_atlas, "deposits", "maochang", source="https://example.org/x ; http://adcg.com.cn/news/1.html")
    row = quality_flags(atlas).query("flag == 'mirror-source'").iloc[0]
    assert (row["layer"], row["id"]) == ("deposits", "maochang")
    assert "adcg.com.cn" in row["detail_zh"] and "adcg.com.cn" in row["detail_en"]


def test_every_mirror_host_says_why_it_is_listed_and_the_readme_names_the_setting():
    assert settings.MIRROR_HOSTS and all(len(why) > 20 for why in settings.MIRROR_HOSTS.values())
    assert "MIRROR_HOSTS" in (settings.REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")


def test_counts_list_every_flag_even_at_zero(tiny_atlas):
    counts = flag_counts(quality_flags(tiny_atlas)).set_index("flag")
    assert list(counts.index) == list(FLAGS)
    assert counts.loc["outside-zone-county", "total"] == 0
    assert counts.loc["coarse-position", "total"] == 4 and counts.loc["coarse-position", "projects"] == 2
    assert flag_label("mirror-source", "zh") == "来源为转载网站"


def test_shipped_data_flags_the_mirrors_the_readme_names(shipped_atlas):
    flags = quality_flags(shipped_atlas)
    mirrors = flags[flags["flag"] == "mirror-source"]
    assert {"national-tasks", "projects"} <= set(mirrors["layer"])
    assert not flags.duplicated(["layer", "id", "flag"]).any()
