"""`atlas import` with a real-looking Chinese key-project list: place names, their words, --lang zh, any size."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from atlas.cli import main
from atlas.core import settings
from atlas.importer.options import options_from_json
from tests.test_import_places import KEY_PROJECTS, SOURCE, xlsx_list

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """A copy of the shipped data (all 88 counties) that the import may write to."""
    copy = tmp_path / "data"
    shutil.copytree(settings.REPO_ROOT / "data", copy, ignore=shutil.ignore_patterns("history", ".*"))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    return copy


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_chinese_key_project_list_imports_with_place_names_and_every_message_in_chinese(
    shipped_copy, tmp_path, capsys
):
    listing = tmp_path / "2026年重点项目清单.xlsx"
    listing.write_bytes(xlsx_list(KEY_PROJECTS))
    code, out, err = run(capsys, "import", str(listing), "--source", SOURCE, "--lang", "zh",
                         "--map-value", "stage:铝精深加工=deep-processing-products", "--author", "王敏")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("2026年重点项目清单.xlsx：读取 4 行，接受 3 行，退回 1 行")
    assert "已保存为项目库版本" in lines[0]
    assert all(HAN.search(line) for line in lines), [line for line in lines if not HAN.search(line)]
    unknown = next(line for line in lines if "火星市" in line and "错误" in line)
    assert "第 6 行" in unknown and "建设地点" in unknown
    assert "合计行" in out and "按县级精度定位" in out
    registry = (shipped_copy / "projects" / "projects.csv").read_text(encoding="utf-8")
    assert registry.count("place-name: ") == 3


def test_a_file_error_is_one_chinese_line_with_lang_zh(shipped_copy, tmp_path, capsys):
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "import", str(empty), "--lang", "zh")
    assert code == 2 and out == ""
    assert err.strip() == "atlas：错误：空.csv：文件是空的"


def test_a_local_file_has_no_size_limit_unless_the_administrator_sets_one(shipped_copy, tmp_path, capsys):
    listing = tmp_path / "list.xlsx"
    listing.write_bytes(xlsx_list(KEY_PROJECTS))
    code, out, _ = run(capsys, "import", str(listing), "--source", SOURCE, "--dry-run")
    assert code == 0 and "4 row(s) read" in out
    code, _, err = run(capsys, "import", str(listing), "--source", SOURCE, "--dry-run", "--max-bytes", "100")
    assert code == 2 and "over the import limit of 100 bytes" in err
    code, _, err = run(capsys, "import", str(listing), "--source", SOURCE, "--dry-run", "--max-rows", "3")
    assert code == 2 and "more than 3 rows" in err


def test_choices_saved_as_a_mapping_file_read_next_months_list(shipped_copy, tmp_path, capsys):
    listing = tmp_path / "list.xlsx"
    listing.write_bytes(xlsx_list(KEY_PROJECTS))
    mapping = tmp_path / "mapping.json"
    code, _, _ = run(capsys, "import", str(listing), "--dry-run", "--source", SOURCE, "--set", "status=在建",
                     "--map-value", "stage:铝精深加工=deep-processing-products", "--save-mapping", str(mapping))
    assert code == 0
    saved = options_from_json(mapping.read_bytes(), filename="mapping.json")
    assert saved.values == {"stage": {"铝精深加工": "deep-processing-products"}}
    assert (saved.defaults, saved.source) == ({"status": "在建"}, SOURCE)
    code, out, _ = run(capsys, "import", str(listing), "--dry-run", "--mapping", str(mapping), "--format", "json")
    summary = json.loads(out)
    assert (code, summary["accepted"], summary["rejected"]) == (0, 3, 1)


def test_a_bad_value_mapping_is_one_clear_line_naming_the_choice(shipped_copy, tmp_path, capsys):
    listing = tmp_path / "list.xlsx"
    listing.write_bytes(xlsx_list(KEY_PROJECTS))
    code, _, err = run(capsys, "import", str(listing), "--map-value", "stage:铝精深加工=铝箔饼干")
    assert code == 2
    assert "value mapping stage:铝精深加工=铝箔饼干" in err and "unknown stage" in err
