"""`atlas gaps` in this process: every JSON cell says whether the policy assigns its cluster to its zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.cli import main


@pytest.fixture
def tiny_env(tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI reads the tiny data folder, as files (no registry database)."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tiny_data_dir))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    return tiny_data_dir


def _cells(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    status = main(["gaps", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert status == 0, err
    cells: list[dict[str, object]] = json.loads(out)
    return cells


@pytest.mark.usefixtures("tiny_env")
def test_gaps_json_gives_each_cell_assigned_as_a_boolean_beside_its_state(capsys: pytest.CaptureFixture[str]) -> None:
    cells = _cells(capsys, "--cluster", "alloy-products")
    assert len(cells) == 2 * 4
    assert all(list(c) == ["zone", "cluster_type", "stage", "assigned", "state", "project_ids"] for c in cells)
    assert {(c["zone"], c["assigned"]) for c in cells} == {("qingzhen", False), ("zunyi-heping", True)}
    assert {c["state"] for c in cells if c["zone"] == "zunyi-heping"} == {"assigned-empty"}


@pytest.mark.usefixtures("tiny_env")
def test_gaps_json_shows_a_project_in_a_zone_not_assigned_the_cluster_as_present_not_assigned(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cells = {(c["zone"], c["cluster_type"], c["stage"]): c for c in _cells(capsys)}
    smelter = cells[("qingzhen", "alloy-products", "primary-aluminium")]
    assert smelter == {
        "zone": "qingzhen",
        "cluster_type": "alloy-products",
        "stage": "primary-aluminium",
        "assigned": False,
        "state": "present-not-assigned",
        "project_ids": ["smelter"],
    }
    # the same plant where the cluster is assigned fills the stage
    assigned = cells[("qingzhen", "lightweight-materials", "primary-aluminium")]
    assert (assigned["assigned"], assigned["state"]) == (True, "operating")
    # not assigned and nothing there: "not assigned", not a gap
    empty = cells[("qingzhen", "alloy-products", "end-products")]
    assert (empty["assigned"], empty["state"], empty["project_ids"]) == (False, "not-assigned", [])
