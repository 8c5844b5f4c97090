"""The chain-gap matrix on the tiny fixture: every cell's state and the records behind it, tables and files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from atlas.analysis.gaps import (
    GAP_STATES,
    gap_cell_at,
    gap_counts_by_zone,
    gap_matrix_long,
    gap_matrix_states,
    gap_matrix_text,
    gap_matrix_wide,
    items_behind,
    styled_gap_matrix,
)
from atlas.core.errors import AtlasError
from atlas.core.palette import COVERAGE_COLOURS
from atlas.reports.export import gap_matrix_to_bytes


def _cell(long, cluster, zone, stage):
    rows = long[(long["cluster_type"] == cluster) & (long["zone"] == zone) & (long["stage"] == stage)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("cluster", "zone", "stage", "state", "ids"),
    [
        ("lightweight-materials", "qingzhen", "primary-aluminium", "operating", ["smelter"]),
        ("lightweight-materials", "qingzhen", "lightweight-materials", "planned", ["wheels"]),
        ("lightweight-materials", "qingzhen", "equipment-manufacturing", "assigned-empty", []),
        ("lightweight-materials", "qingzhen", "scrap-recycling", "planned", ["qingzhen-pretreatment"]),
        ("lightweight-materials", "zunyi-heping", "primary-aluminium", "not-assigned", []),
        # a zone with no projects: every stage of its assigned cluster is a gap
        ("alloy-products", "zunyi-heping", "primary-aluminium", "assigned-empty", []),
        ("alloy-products", "zunyi-heping", "alloys-and-products", "assigned-empty", []),
        ("alloy-products", "zunyi-heping", "end-products", "assigned-empty", []),
        # a project with no zone (foil) fills no cell
        ("alloy-products", "qingzhen", "alloys-and-products", "not-assigned", []),
        # not assigned, yet covered: the cell says a project is there and the policy does not ask for it
        ("alloy-products", "qingzhen", "primary-aluminium", "present-not-assigned", ["smelter"]),
        ("alloy-products", "qingzhen", "scrap-recycling", "present-not-assigned", ["qingzhen-pretreatment"]),
        ("non-metallic-materials", "qingzhen", "bauxite-alumina", "not-assigned", []),
    ],
)
def test_each_cell_has_the_state_and_records_the_data_imply(tiny_atlas, cluster, zone, stage, state, ids):
    cell = _cell(gap_matrix_long(tiny_atlas), cluster, zone, stage)
    assert cell["state"] == state
    assert cell["project_ids"] == ids


def test_every_zone_appears_for_every_cluster_and_stage(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    assert len(long) == 2 * (4 + 4 + 3)
    assert set(long["state"]) <= set(GAP_STATES)
    assert "foil" not in {i for ids in long["project_ids"] for i in ids}


def test_one_cluster_can_be_asked_for_and_an_unknown_one_is_refused(tiny_atlas):
    long = gap_matrix_long(tiny_atlas, cluster_types=["alloy-products"])
    assert set(long["cluster_type"]) == {"alloy-products"}
    with pytest.raises(AtlasError, match="unknown cluster type 'steel'; valid: lightweight-materials"):
        gap_matrix_long(tiny_atlas, cluster_types=["steel"])


def test_states_pivot_has_zones_in_atlas_order_and_stages_in_chain_order(tiny_atlas):
    states = gap_matrix_states(gap_matrix_long(tiny_atlas), "lightweight-materials")
    assert list(states.index) == ["qingzhen", "zunyi-heping"]
    assert list(states.columns) == tiny_atlas.chain_of("lightweight-materials")


def test_wide_matrix_reads_like_the_policy_table_with_counts_and_gaps(tiny_atlas):
    wide = gap_matrix_wide(gap_matrix_long(tiny_atlas), "alloy-products", "en")
    assert list(wide.columns) == [
        "Zone",
        "Assigned by policy",
        "primary-aluminium",
        "alloys-and-products",
        "end-products",
        "scrap-recycling",
        "Gaps",
    ]  # the tiny stages are named by their ids
    heping = wide[wide["Zone"] == "Zunyi Heping (Goujiang) ED Zone"].iloc[0]
    assert heping["Gaps"] == 4 and heping["primary-aluminium"] == "GAP"
    qingzhen = wide[wide["Zone"] == "Qingzhen ED Zone"].iloc[0]
    assert qingzhen["primary-aluminium"] == "present, not assigned (1)" and qingzhen["Assigned by policy"] == "no"
    assert qingzhen["Gaps"] == 0
    zh = gap_matrix_wide(gap_matrix_long(tiny_atlas), "alloy-products", "zh")
    assert zh.iloc[1, 2] == "缺口" and zh.iloc[0, 2] == "有项目（未指定） (1)"


def test_a_selected_wide_cell_maps_back_to_its_zone_stage_and_records(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    cell = gap_cell_at(long, "lightweight-materials", row=0, column="lightweight-materials", lang="en")
    assert cell is not None
    assert (cell["zone"], cell["stage"], cell["project_ids"]) == ("qingzhen", "lightweight-materials", ["wheels"])
    assert gap_cell_at(long, "lightweight-materials", row=0, column="Zone", lang="en") is None
    assert gap_cell_at(long, "lightweight-materials", row=9, column="lightweight-materials", lang="en") is None


def test_records_behind_a_cell_include_recycling_bases_in_order(tiny_atlas):
    items = items_behind(tiny_atlas, ["qingzhen-pretreatment", "smelter", "nope"])
    assert list(items["id"]) == ["qingzhen-pretreatment", "smelter"]
    assert list(items["layer"]) == ["recycling-bases", "projects"]


def test_styled_matrix_paints_gaps_red_and_leaves_names_unpainted(tiny_atlas):
    html = styled_gap_matrix(gap_matrix_long(tiny_atlas), "alloy-products", "en").to_html()
    gap, present, operating = (COVERAGE_COLOURS[s] for s in ("assigned-empty", "present-not-assigned", "operating"))
    assert f"background-color: {gap}" in html  # zunyi-heping's gaps
    assert f"background-color: {present}" in html  # qingzhen's smelter: there, but the cluster is not assigned
    assert f"background-color: {operating}" not in html  # ... so nothing is painted "operating"
    lightweight = styled_gap_matrix(gap_matrix_long(tiny_atlas), "lightweight-materials", "en").to_html()
    assert f"background-color: {operating}" in lightweight  # where the cluster is assigned, it is


def test_gap_counts_per_zone_separate_assigned_from_not(tiny_atlas):
    counts = gap_counts_by_zone(gap_matrix_long(tiny_atlas), "lightweight-materials").set_index("zone")
    assert counts.loc["qingzhen"].to_dict() == {"assigned": True, "stages": 4, "covered": 3, "gaps": 1}
    assert counts.loc["zunyi-heping"].to_dict() == {"assigned": False, "stages": 4, "covered": 0, "gaps": 0}


def test_terminal_table_names_the_cluster_and_explains_the_states(tiny_atlas):
    text = gap_matrix_text(gap_matrix_long(tiny_atlas), "lightweight-materials", "en")
    assert text.splitlines()[0] == "Lightweight aluminium materials for equipment (lightweight-materials)"
    assert "GAP" in text and "operating (1)" in text and "no project covers the stage" in text


def test_xlsx_has_a_sheet_per_cluster_and_the_cells_and_csv_has_one_row_per_cell(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    book = openpyxl.load_workbook(io.BytesIO(gap_matrix_to_bytes(long, "xlsx", lang="zh")))
    assert book.sheetnames == [
        "铝及铝合金装备轻量化材料产业集群",
        "中高端铝合金制品产业集群",
        "铝基非金属材料产业集群",
        "明细",
    ]
    assert book["明细"].max_row == len(long) + 1
    csv_text = gap_matrix_to_bytes(long, "csv", lang="en").decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == len(long) + 1
    assert "qingzhen-pretreatment" in csv_text
    with pytest.raises(ValueError, match="unknown format"):
        gap_matrix_to_bytes(long, "pdf", lang="en")


def test_shipped_data_has_a_gap_matrix_for_every_cluster(shipped_atlas):
    long = gap_matrix_long(shipped_atlas)
    assert set(long["cluster_type"]) == set(shipped_atlas.cluster_types["id"])
    assert (long["state"] == "assigned-empty").any()


def test_every_cell_says_whether_the_policy_assigns_its_cluster_to_its_zone(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    roles = tiny_atlas.zone_roles[tiny_atlas.zone_roles["kind"] == "cluster"]
    policy = set(zip(roles["zone_id"], roles["cluster_type"], strict=True))
    assert long["assigned"].map(type).eq(bool).all()
    cells = long[["zone", "cluster_type", "assigned"]].itertuples(index=False)
    assert all(assigned == ((zone, cluster) in policy) for zone, cluster, assigned in cells)
    columns = list(long.columns)
    assert columns.index("assigned") + 1 == columns.index("state")  # read side by side


def test_a_project_in_a_zone_not_assigned_the_cluster_is_never_shown_as_filling_it(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    not_assigned = long[~long["assigned"]]
    assert set(not_assigned["state"]) == {"present-not-assigned", "not-assigned"}
    assert not_assigned["state"].eq("present-not-assigned").eq(not_assigned["project_ids"].map(bool)).all()
    assigned = long[long["assigned"]]
    assert not set(assigned["state"]) & {"present-not-assigned", "not-assigned"}


def test_gaps_are_counted_only_where_the_cluster_is_assigned(tiny_atlas):
    counts = gap_counts_by_zone(gap_matrix_long(tiny_atlas), "alloy-products").set_index("zone")
    # qingzhen holds no alloy cluster: its smelter and pre-treatment base cover 2 stages, yet 0 gaps for 2 empty ones
    assert counts.loc["qingzhen"].to_dict() == {"assigned": False, "stages": 4, "covered": 2, "gaps": 0}
    assert counts.loc["zunyi-heping"].to_dict() == {"assigned": True, "stages": 4, "covered": 0, "gaps": 4}


def test_terminal_table_shows_present_not_assigned_and_the_legend_explains_it(tiny_atlas):
    long = gap_matrix_long(tiny_atlas)
    en = gap_matrix_text(long, "alloy-products", "en")
    assert "present, not assigned (1)" in en
    assert "present, not assigned: the policy gives the zone no such cluster, yet a project covers the stage" in en
    zh = gap_matrix_text(long, "alloy-products", "zh")
    assert "有项目（未指定） (1)" in zh and "有项目（未指定）：政策未给该开发区指定此集群，但该环节有项目" in zh


def test_csv_and_xlsx_cells_carry_assigned_beside_the_state_in_the_users_language(tiny_atlas):
    long = gap_matrix_long(tiny_atlas, cluster_types=["alloy-products"])
    rows = list(csv.DictReader(io.StringIO(gap_matrix_to_bytes(long, "csv", lang="en").decode("utf-8-sig"))))
    header = list(rows[0])
    assert header[header.index("Assigned by policy") + 1] == "Coverage"
    smelter = next(r for r in rows if r["Zone ID"] == "qingzhen" and r["Stage ID"] == "primary-aluminium")
    assert (smelter["Assigned by policy"], smelter["Coverage"]) == ("no", "present, not assigned")
    assert smelter["Projects behind it"] == "smelter"
    gap = next(r for r in rows if r["Zone ID"] == "zunyi-heping" and r["Stage ID"] == "primary-aluminium")
    assert (gap["Assigned by policy"], gap["Coverage"]) == ("yes", "GAP")
    book = openpyxl.load_workbook(io.BytesIO(gap_matrix_to_bytes(long, "xlsx", lang="zh")))
    cells = list(book["明细"].iter_rows(values_only=True))
    head = list(cells[0])
    found = {(r[head.index("开发区编号")], r[head.index("环节编号")]): r for r in cells[1:]}
    smelter_zh = found[("qingzhen", "primary-aluminium")]
    assert (smelter_zh[head.index("政策指定")], smelter_zh[head.index("覆盖情况")]) == ("否", "有项目（未指定）")
    matrix = list(book["中高端铝合金制品产业集群"].iter_rows(values_only=True))
    assert matrix[1][:3] == ("清镇经济开发区", "否", "有项目（未指定） (1)") and matrix[1][-1] == 0

