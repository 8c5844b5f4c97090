"""Fixes of issue 14, each checked against its source: pinned on the shipped data so a later edit cannot undo them."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from atlas.analysis.quality import COARSE_PRECISIONS, COARSE_TEXT, mirror_hosts_in, quality_flags
from atlas.core import schema, settings
from atlas.core.i18n import t
from atlas.core.i18n_text import COLUMN_LABELS
from atlas.data.load import load_atlas_with_problems
from atlas.maps.popups import UI_LABELS
from atlas.reports.profile_page import PRECISION_TEXT
from tests.conftest import TINY_TABLES, write_table

MORE_THAN_TARGETS = (
    "output-value",  # I.(2) "more than 100 billion yuan"
    "processing-capacity",  # II "more than 2 million tons/year"
    "primary-aluminium-local-conversion",  # II "more than 95%"
    "alumina-local-conversion",  # III "more than 70%"
    "recycled-aluminium-share",  # III "to more than 20%"
    "leading-enterprises-10bn",  # IV "more than one"
    "backbone-enterprises-1bn",  # IV "more than 15"
    "new-specialised-enterprises",  # IV "more than five"
    "red-mud-utilisation",  # V "more than 10%"
)
"""The targets whose wording in the policy's translation (seed 002) is "more than X"."""

SOLE_SOURCE_MIRRORS = ("haobaobe.cn", "usllm.cn", "shpa18.com", "chaguwang.cn", "86079.cn", "kcrb.cn")
"""Re-posting hosts found as the only (or the main) source of shipped records in the issue-14 review."""


def _record(frame: pd.DataFrame, record_id: str) -> pd.Series:
    rows = frame[frame["id"] == record_id]
    assert len(rows) == 1, record_id
    return rows.iloc[0]


def _targets() -> pd.DataFrame:
    return pd.read_csv(settings.REPO_ROOT / "data" / settings.DATA_FILES["targets"], dtype=str, keep_default_na=False)


# --- targets: one comparator for one wording ------------------------------------------------------


def test_every_more_than_target_uses_the_same_comparator_and_it_includes_the_number():
    targets = _targets().set_index("id")
    assert set(MORE_THAN_TARGETS) <= set(targets.index)
    assert {targets.loc[i, "operator"] for i in MORE_THAN_TARGETS} == {">="}  # X以上 includes X


def test_no_target_uses_a_strict_comparator_where_another_uses_at_least():
    assert ">" not in set(_targets()["operator"])


def test_the_two_to_three_cluster_target_keeps_its_upper_bound_in_the_note():
    row = _targets().set_index("id").loc["clusters-20bn"]
    assert (row["operator"], row["value"]) == (">=", "2")
    assert "two to three" in row["latest_note_en"] and "两到三个" in row["latest_note_zh"]


# --- projects: each record claims only what its sources say ---------------------------------------


@pytest.mark.parametrize(
    ("record_id", "prefecture"), [("gzchalco-coils-sheets", "520100"), ("huangguoshu-anshun-smelter", "520400")]
)
def test_a_project_whose_source_names_only_the_city_is_placed_at_prefecture_precision(
    shipped_atlas, record_id, prefecture
):
    row = _record(shipped_atlas.projects, record_id)
    assert row["position_precision"] == schema.PositionPrecision.PREFECTURE
    assert row["county_adcode"] == prefecture  # no county is claimed: the source names none
    area = _record(shipped_atlas.prefectures.rename(columns={"adcode": "id"}), prefecture).geometry
    assert area.covers(Point(row["lon"], row["lat"]))
    assert row["uncertainty_km"] > 50  # the disc of a prefecture's area, not a county's


def test_the_guiyang_coil_project_is_no_longer_counted_in_a_county_its_source_does_not_name(shipped_atlas):
    row = _record(shipped_atlas.projects, "gzchalco-coils-sheets")
    assert row["county_adcode"] not in set(shipped_atlas.counties["adcode"])
    assert "Guiyang" in row["notes_en"] and "not sourced" in row["notes_en"]
    assert "贵阳" in row["notes_zh"] and "实际厂址无来源" in row["notes_zh"]


def test_the_huangguoshu_potline_stores_no_product_figure_as_smelting_capacity(shipped_atlas):
    row = _record(shipped_atlas.projects, "huangguoshu-anshun-smelter")
    assert row["stage"] == "primary-aluminium"  # the record is the 240 kA potline
    assert math.isnan(row["capacity"]) and row["capacity_unit"] == ""
    assert "180 kt/a" in row["notes_en"] and "铝制品" in row["notes_en"]
    assert "18万吨/年" in row["notes_zh"] and "产能留空" in row["notes_zh"]


def test_the_zunyi_smelter_is_operating_without_the_capacity_of_an_upgrade_only_begun(shipped_atlas):
    row = _record(shipped_atlas.projects, "zunyi-aluminium-smelter")
    assert row["status"] == "operating"
    assert "renjio.com" in row["source"]  # the December 2025 report of the plant at work
    assert (row["year"], row["as_of"]) == (2025, "2025-12-25")
    assert math.isnan(row["capacity"]) and row["capacity_unit"] == ""
    assert "300 kt/a" in row["notes_en"] and "2016" in row["notes_en"]
    assert "30万吨/年" in row["notes_zh"] and "2016年10月" in row["notes_zh"]


def test_the_gal_refinery_year_and_as_of_follow_its_latest_source(shipped_atlas):
    row = _record(shipped_atlas.projects, "gal-qingzhen-alumina")
    assert "cmgroup.net/news/guizhou-galuminium-800-ktpy-aa-line-online-q3-2020" in row["source"]
    assert (row["year"], row["as_of"]) == (2020, "2020")
    assert row["status"] == "operating" and row["capacity"] == 800


# --- mirrors: every re-posting host a record rests on is flagged ---------------------------------


@pytest.mark.parametrize("host", SOLE_SOURCE_MIRRORS)
def test_every_sole_source_host_is_listed_with_its_reason(host):
    assert host in settings.MIRROR_HOSTS and len(settings.MIRROR_HOSTS[host]) > 20
    assert f"`{host}`" in (settings.REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")


def test_every_shipped_record_citing_a_listed_mirror_is_flagged_with_that_host(shipped_atlas):
    flags = quality_flags(shipped_atlas)
    mirrors = flags[flags["flag"] == "mirror-source"].set_index(["layer", "id"])
    citing = {
        (layer, str(record_id)): mirror_hosts_in(str(source))
        for layer, frame in (("projects", shipped_atlas.projects), ("deposits", shipped_atlas.deposits))
        for record_id, source in zip(frame["id"], frame["source"], strict=True)
    }
    for host in SOLE_SOURCE_MIRRORS:
        records = [key for key, hosts in citing.items() if host in hosts]
        assert records, f"no shipped record cites {host}"
        for key in records:
            assert host in mirrors.loc[key, "detail_en"], key


def test_m_86079_matches_its_listed_host():
    assert mirror_hosts_in("http://m.86079.cn/news/show-122950.html") == ["86079.cn"]


# --- the prefecture precision is known wherever precisions are listed ----------------------------


@pytest.mark.parametrize("precision", list(schema.PositionPrecision))
def test_every_precision_has_labels_a_default_radius_and_texts(precision):
    assert precision in schema.LABELS and precision in schema.PRECISION_UNCERTAINTY_KM
    assert f"precision_{precision}" in COLUMN_LABELS  # the inventory's column of that precision
    assert precision.value in t("precision_explained", "en")
    if precision != schema.PositionPrecision.EXACT:
        assert precision.value in UI_LABELS["approx_symbol"][1]
        assert precision.value in PRECISION_TEXT
    if precision in COARSE_PRECISIONS:
        assert precision in COARSE_TEXT


def _validate_with_foil(tiny_data_dir: Path, **cells: str) -> list[str]:
    projects = [dict(r) for r in TINY_TABLES["projects"]]
    foil = next(r for r in projects if r["id"] == "foil")  # in 南明区 520102 of 贵阳市 520100
    foil.update(cells)
    write_table(tiny_data_dir, "projects", projects)
    _, problems = load_atlas_with_problems(tiny_data_dir)
    return [f"{p.column}: {p.message}" for p in problems if p.severity == "error"]


def test_a_prefecture_code_is_accepted_with_prefecture_precision(tiny_data_dir):
    assert _validate_with_foil(tiny_data_dir, county_adcode="520100", position_precision="prefecture") == []


def test_a_prefecture_code_is_refused_with_any_finer_precision(tiny_data_dir):
    errors = _validate_with_foil(tiny_data_dir, county_adcode="520100", position_precision="county")
    assert len(errors) == 1 and errors[0].startswith("county_adcode: unknown value")
    assert "520100" not in errors[0]  # the valid values listed are counties only


def test_a_prefecture_precision_point_must_lie_in_its_prefecture(tiny_data_dir):
    errors = _validate_with_foil(tiny_data_dir, county_adcode="520300", position_precision="prefecture")
    assert len(errors) == 1 and errors[0].startswith("lon: position is")
