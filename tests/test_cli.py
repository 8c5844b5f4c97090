"""The `atlas` command as a user runs it, including its error paths: in-process (`tests.cli_runner`), with
real processes for the installed script and a failing command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyogrio
import pytest
from pypdf import PdfReader

from tests.cli_runner import CliResult, run_atlas, run_atlas_process
from tests.conftest import TINY_TABLES, write_table


def atlas(*args: str, data_dir: Path | None = None) -> CliResult:
    """`atlas ARGS` in this process, reading `data_dir` when given (ATLAS_DATA_DIR)."""
    return run_atlas(*args, env={} if data_dir is None else {"ATLAS_DATA_DIR": str(data_dir)})


def assert_one_clean_error_line(result: CliResult) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_validate_passes_on_valid_data(tiny_data_dir):
    result = atlas("validate", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_validate_lists_every_planted_problem_and_exits_1(tiny_data_dir):
    projects = [dict(r) for r in TINY_TABLES["projects"]]
    projects[0]["status"] = "finished"
    projects[1]["lat"] = "-26.5"
    write_table(tiny_data_dir, "projects", projects)
    result = atlas("validate", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert not report["valid"]
    cells = {(p["row"], p["column"]) for p in report["problems"]}
    assert {(2, "status"), (3, "lon")} <= cells


def test_a_command_on_broken_data_says_so_without_a_traceback(tiny_data_dir):
    # a real `python -m atlas` process: the entry point, its exit status and its stderr on a pipe
    (tiny_data_dir / "geo" / "zones.csv").write_text("garbage\n\x00\x01", encoding="utf-8")
    result = run_atlas_process("zones", env={"ATLAS_DATA_DIR": str(tiny_data_dir)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "geo/zones.csv" in result.stderr


def test_zones_json_carries_position_honesty_and_roles(tiny_data_dir):
    result = atlas("zones", "--format", "json", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    zones = {z["id"]: z for z in json.loads(result.stdout)}
    qingzhen = zones["qingzhen"]
    for key in (
        "id",
        "kind",
        "name_zh",
        "name_en",
        "county_adcodes",
        "prefecture_adcode",
        "lon",
        "lat",
        "position_precision",
        "uncertainty_km",
        "source",
        "as_of",
        "roles",
    ):
        assert key in qingzhen
    assert qingzhen["county_adcodes"] == ["520181"]
    assert qingzhen["position_precision"] == "county"
    assert {r["kind"] for r in qingzhen["roles"]} == {"cluster", "recycling-base"}
    assert set(qingzhen["roles"][0]) >= {"kind", "cluster_type", "policy_section", "summary_zh", "summary_en"}


def test_zones_can_be_filtered_by_cluster(tiny_data_dir):
    result = atlas("zones", "--format", "json", "--cluster", "alloy-products", data_dir=tiny_data_dir)
    assert [z["id"] for z in json.loads(result.stdout)] == ["zunyi-heping"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_aggregate_prints_every_format(tiny_data_dir, fmt):
    result = atlas("aggregate", "--by", "cluster-type", "--format", fmt, data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert "lightweight" in result.stdout.lower() or "轻量化" in result.stdout


def test_aggregate_in_chinese_has_chinese_headers(tiny_data_dir):
    result = atlas("aggregate", "--by", "zone", "--format", "csv", "--lang", "zh", data_dir=tiny_data_dir)
    assert result.stdout.splitlines()[0].startswith("分组,名称")


def test_targets_lists_the_2030_targets(tiny_data_dir):
    result = atlas("targets", "--format", "json", data_dir=tiny_data_dir)
    (target,) = json.loads(result.stdout)
    assert target["operator"] == ">" and target["value"] == 100


def test_export_counties_geojson_carries_adcodes(tiny_data_dir, tmp_path):
    out = tmp_path / "counties.geojson"
    result = atlas("export", "layer", "counties", "--format", "geojson", "-o", str(out), data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert "adcode" in pyogrio.read_dataframe(out).columns


def test_export_projects_csv_respects_filters(tiny_data_dir, tmp_path):
    out = tmp_path / "p.csv"
    atlas(
        "export",
        "layer",
        "projects",
        "--format",
        "csv",
        "-o",
        str(out),
        "--status",
        "operating",
        data_dir=tiny_data_dir,
    )
    text = out.read_bytes().decode("utf-8-sig")
    assert "smelter" in text and "wheels" not in text


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "geojson", "gpkg", "pdf", "html"])
def test_export_zone_profile_in_every_format(tiny_data_dir, tmp_path, fmt):
    out = tmp_path / f"qingzhen.{fmt}"
    result = atlas(
        "export", "zone", "qingzhen", "--format", fmt, "-o", str(out), "--lang", "en", data_dir=tiny_data_dir
    )
    assert result.returncode == 0, result.stderr
    if fmt == "xlsx":
        assert "Sources" in openpyxl.load_workbook(io.BytesIO(out.read_bytes())).sheetnames
    elif fmt == "csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    elif fmt == "pdf":
        assert len(PdfReader(out).pages) == 1
    elif fmt == "html":
        assert "<html" in out.read_text(encoding="utf-8").lower()
    else:
        assert pyogrio.list_layers(out).shape[0] >= 1


def test_map_writes_a_standalone_html_without_remote_assets(tiny_data_dir, tmp_path):
    out = tmp_path / "map.html"
    result = atlas("map", "-o", str(out), "--lang", "en", data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "leaflet" in html.lower()
    assert '<script src="http' not in html and '<link href="http' not in html


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("export", "zone", "atlantis", "--format", "csv", "-o", "x.csv"), "unknown zone 'atlantis'; valid: qingzhen"),
        (("zones", "--cluster", "steel"), "unknown cluster type 'steel'; valid: lightweight-materials"),
        (("aggregate", "--by", "planet"), "invalid choice: 'planet'"),
        (("export", "layer", "projects", "--format", "csv", "-o", "/no/such/dir/x.csv"), "does not exist"),
        (("projects", "--status", "dreaming"), "unknown status 'dreaming'; valid: operating"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_clear_line(tiny_data_dir, tmp_path, args, expected):
    args = tuple(str(tmp_path / a) if a == "x.csv" else a for a in args)
    line = assert_one_clean_error_line(atlas(*args, data_dir=tiny_data_dir))
    assert expected in line


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "atlas"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "validate" in result.stdout
