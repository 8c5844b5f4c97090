"""The planning pages under AppTest: chain gaps, compare (``zones=``), targets (``dept=``), flags on data and map."""

from __future__ import annotations

from tests.test_app_pages import navigation, navigation_not_pages_folder, run_app, tiny_data  # noqa: F401  (autouse fixtures)


def test_gaps_page_shows_the_matrix_of_the_chosen_cluster_and_a_cell_lists_its_projects():
    at = run_app("pages/gaps.py", lang="en", cluster="lightweight-materials")
    assert at.radio(key="gaps_cluster").value == "lightweight-materials"
    matrix = at.dataframe[0].value
    assert list(matrix["Zone"]) == ["Qingzhen ED Zone", "Zunyi Heping (Goujiang) ED Zone"]
    assert at.info[0].value.startswith("Click a cell")
    at.session_state["gaps-matrix-lightweight-materials"] = {"selection": {"cells": [[0, "lightweight-materials"]]}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.subheader[0].value == r"Qingzhen ED Zone · lightweight\-materials: planned"  # markdown-escaped data
    assert list(at.dataframe[1].value["ID"]) == ["wheels"]


def test_gaps_page_switches_cluster():
    at = run_app("pages/gaps.py", lang="en")
    at.radio(key="gaps_cluster").set_value("alloy-products").run()
    heping = at.dataframe[0].value.set_index("Zone").loc["Zunyi Heping (Goujiang) ED Zone"]
    assert heping["Gaps"] == 4


def test_compare_page_restores_zones_from_the_permalink_and_keeps_them_in_the_url():
    at = run_app("pages/compare.py", lang="en", zones="zunyi-heping,qingzhen")
    assert at.multiselect(key="compare_zones").value == ["zunyi-heping", "qingzhen"]
    roles = at.table[0].value
    assert list(roles.columns) == ["Item", "Zunyi Heping (Goujiang) ED Zone", "Qingzhen ED Zone"]
    assert [s.value for s in at.subheader][:2] == ["Policy roles", "Chain coverage"]
    assert at.query_params["zones"] == "zunyi-heping,qingzhen"
    proximity = at.dataframe[0].value
    assert "Distance (km, geodesic)" in proximity.columns


def test_compare_page_asks_for_two_zones_when_one_is_chosen():
    at = run_app("pages/compare.py", lang="en", zones="qingzhen")
    assert "at least two zones" in at.warning[0].value
    at.multiselect(key="compare_zones").set_value(["qingzhen", "zunyi-heping"]).run()
    assert not at.warning and len(at.table) == 5 and len(at.dataframe) == 1
    assert at.query_params["zones"] == "qingzhen,zunyi-heping"


def test_targets_page_says_no_data_and_filters_responsibilities_by_department():
    at = run_app("pages/targets.py", lang="en", dept="miit")
    assert any(c.value.startswith("**no data**") for c in at.caption)
    assert at.selectbox(key="targets_dept").value == "miit"
    responsibilities = at.table[0].value
    assert list(responsibilities["Policy section"]) == ["II.(1)"]
    assert list(responsibilities["Lead department"]) == [True]
    assert "What the section asks (paraphrased)" in responsibilities.columns
    at.selectbox(key="targets_dept").set_value("").run()
    assert "dept" not in at.query_params
    assert len(at.dataframe) == 1  # every department: a scrollable table
    national = at.table[-1].value
    assert list(national["Policy section"]) == ["II.(1)"]


def test_data_page_lists_quality_flags_with_counts():
    at = run_app("pages/data.py", lang="en")
    subheaders = [s.value for s in at.subheader]
    assert "Data-quality flags" in subheaders
    flags = at.dataframe[-1].value
    assert {"Flag", "Detail"} <= set(flags.columns)
    assert "policy role with no project" in set(flags["Flag"])


def test_map_quality_overlay_toggles_on():
    at = run_app(lang="en")
    at.toggle(key="map_quality_flags").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.toggle(key="map_quality_flags").value is True
