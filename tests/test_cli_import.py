"""`atlas import` as a user runs it (in-process, `tests.cli_runner`; one real process for the output on a pipe):
every path from a messy bureau file to a saved version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from atlas.core import settings
from atlas.data.load import load_atlas
from atlas.registry.startup import open_store
from tests.cli_runner import CliResult, run_atlas, run_atlas_process

FIXTURES = Path(__file__).parent / "fixtures"
MESSY = FIXTURES / "registry_messy_gbk.csv"
GOOD_CSV = (
    "项目名称,经度,纬度,产业链环节,来源,备注\r\n"
    "新轮毂厂,106.6,26.4,lightweight-materials,https://example.org/n,\r\n"
    '坏行,106.6,26.4,炼钢,https://example.org/n,"=HYPERLINK(""http://evil"",""x"")"\r\n'
)


def atlas(*args: str, data_dir: Path, process: bool = False, **env: str) -> CliResult:
    """`atlas ARGS` on `data_dir` with the file store (no ATLAS_DATABASE_URL), in-process unless `process`."""
    run = run_atlas_process if process else run_atlas
    return run(*args, env={"ATLAS_DATABASE_URL": None, "ATLAS_DATA_DIR": str(data_dir), **env})


def one_error_line(result: CliResult) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the shipped data: imports must never touch the real `data/`."""
    return Path(shutil.copytree(settings.REPO_ROOT / "data", tmp_path / "data"))


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    path.write_bytes(GOOD_CSV.encode("gbk"))
    return path


def test_a_dry_run_of_the_messy_gbk_file_reports_every_problem_and_saves_nothing(shipped_copy):
    before = (shipped_copy / "projects" / "projects.csv").read_bytes()
    result = atlas("import", str(MESSY), "--dry-run", "--format", "json", data_dir=shipped_copy)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (8, 4, 4)
    assert report["encoding"] == "gb18030" and report["dry_run"] is True and report["saved_version"] is None
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert {p["row"] for p in errors} == {5, 6, 8, 9}
    assert set(errors[0]) == {"row", "column", "value", "message", "severity"}
    messages = " | ".join(p["message"] for p in report["problems"])
    for expected in ("swapped", "projected coordinates in metres", "outside Guizhou", "did you mean",
                     "a duplicate row", "looks shifted", "converted"):
        assert expected in messages
    assert (shipped_copy / "projects" / "projects.csv").read_bytes() == before


def test_an_import_appends_the_accepted_rows_as_a_new_version(shipped_copy):
    before = load_atlas(shipped_copy).projects
    result = atlas("import", str(MESSY), "--author", "王敏", "--format", "json", data_dir=shipped_copy)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["saved_version"]
    after = load_atlas(shipped_copy).projects
    assert len(after) == len(before) + 4
    assert list(after["id"][: len(before)]) == list(before["id"])  # nothing else changed, order kept
    latest = open_store(shipped_copy).history()[0]
    assert (latest.author, latest.message) == ("王敏", "import registry_messy_gbk.csv")
    swapped = after[after["name_zh"] == "兴仁铝板带项目（虚构）"].iloc[0]
    assert (swapped["lon"], swapped["lat"], swapped["county_adcode"]) == (105.3088, 25.5328, "522302")


def test_gcj02_coordinates_are_converted_before_they_are_stored(shipped_copy):
    result = atlas("import", str(MESSY), "--crs", "gcj02", "--format", "json", data_dir=shipped_copy)
    assert result.returncode == 0, result.stderr
    assert "looks shifted" not in result.stdout
    row = load_atlas(shipped_copy).projects.set_index("name_zh").loc["高德坐标项目（虚构）"]
    assert row["position_source"] == "imported-gcj02: registry_messy_gbk.csv"
    assert row["lon"] != 106.53968


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_the_report_holds_problems_and_rejected_rows_with_formulas_neutralised(tiny_data_dir, good_csv, tmp_path,
                                                                                suffix):
    out = tmp_path / f"report.{suffix}"
    result = atlas("import", str(good_csv), "--dry-run", "--report", str(out), data_dir=tiny_data_dir)
    assert result.returncode == 0, result.stderr
    assert f"report written to {out}" in result.stdout
    if suffix == "csv":
        text = out.read_bytes().decode("utf-8-sig")
        assert "'=HYPERLINK" in text and "unknown stage" in text
        return
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["problems", "rejected"]
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in {c.value for c in cells}


def test_the_table_format_is_one_line_per_problem(tiny_data_dir, good_csv):
    # a real process: the Chinese of the report reaches a pipe as UTF-8
    result = atlas("import", str(good_csv), "--dry-run", data_dir=tiny_data_dir, process=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "list.csv: 2 row(s) read, 1 accepted, 1 rejected (coordinates read as wgs84); dry run, nothing saved"
    )
    assert any(line.startswith("  error   row 3, 产业链环节 '炼钢': unknown stage") for line in lines)


def test_a_mapping_reads_a_column_with_an_unknown_header(tiny_data_dir, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("项目名称,东西,南北,产业链环节,来源\n厂,106.6,26.4,supporting,II.(1)\n", encoding="utf-8")
    plain = json.loads(atlas("import", str(path), "--dry-run", "--format", "json", data_dir=tiny_data_dir).stdout)
    assert plain["accepted"] == 0 and plain["unknown_headers"] == ["东西", "南北"]
    mapped = atlas("import", str(path), "--dry-run", "--format", "json", "--map", "东西=lon", "--map", "南北=lat",
                   data_dir=tiny_data_dir)
    assert json.loads(mapped.stdout)["accepted"] == 1


def test_a_default_source_fills_rows_without_one(tiny_data_dir, tmp_path):
    path = tmp_path / "nosource.csv"
    path.write_text("项目名称,经度,纬度,产业链环节\n厂,106.6,26.4,supporting\n", encoding="utf-8")
    without = json.loads(atlas("import", str(path), "--dry-run", "--format", "json", data_dir=tiny_data_dir).stdout)
    assert without["accepted"] == 0
    given = atlas("import", str(path), "--source", "https://example.org/list", "--format", "json",
                  data_dir=tiny_data_dir)
    assert json.loads(given.stdout)["accepted"] == 1
    assert load_atlas(tiny_data_dir).projects.iloc[-1]["source"] == "https://example.org/list"


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (None, "missing.csv", "no such file"),
        (b"", "empty.csv", "the file is empty"),
        (b"\x00\x01\x02\x03" * 10, "blob.csv", "binary data"),
        (b"PK\x03\x04broken", "broken.xlsx", "not a readable XLSX workbook"),
        (b"%PDF-1.4\n...", "scan.csv", "a PDF document"),
        ("项目名称,经度,纬度\n".encode("gbk"), "header-only.csv", "no data rows below the header"),
    ],
)
def test_files_that_cannot_be_read_exit_2_with_one_clear_line(tiny_data_dir, tmp_path, content, name, fragment):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    line = one_error_line(atlas("import", str(path), data_dir=tiny_data_dir))
    assert line.startswith("atlas: error: ") and fragment in line


def test_a_file_over_the_administrators_limit_exits_2_before_it_is_read(tiny_data_dir, good_csv):
    line = one_error_line(atlas("import", str(good_csv), "--max-bytes", "64", data_dir=tiny_data_dir))
    assert "over the import limit of 64 bytes" in line
    # the web upload's limit (ATLAS_IMPORT_MAX_BYTES) is not the command line's
    unlimited = atlas("import", str(good_csv), "--dry-run", data_dir=tiny_data_dir, ATLAS_IMPORT_MAX_BYTES="64")
    assert unlimited.returncode == 0


def test_a_folder_is_not_a_registry(tiny_data_dir, tmp_path):
    assert "is a folder" in one_error_line(atlas("import", str(tmp_path), data_dir=tiny_data_dir))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--crs", "utm"], "invalid choice: 'utm'"),
        (["--map", "nothing"], "--map needs HEADER=column"),
        (["--map", "经度=longitude"], "unknown column 'longitude'"),
        (["--report", "out.txt"], "must end in .csv or .xlsx"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tiny_data_dir, good_csv, args, fragment):
    assert fragment in one_error_line(atlas("import", str(good_csv), *args, data_dir=tiny_data_dir))
