"""Bureau lists as they really are: place names instead of coordinates, their own words, Chinese messages."""

from __future__ import annotations

import datetime as dt
import io
import re
import string

import pytest
import shapely
from openpyxl import Workbook

from atlas.core.message_catalogue import CATALOGUE
from atlas.core.messages import Message
from atlas.core.schema import PositionPrecision
from atlas.importer.options import ImportOptions, options_from_json, options_to_json
from atlas.importer.places import build_places, resolve_place
from atlas.importer.project_list import ImportResult, import_registry

TODAY = dt.date(2026, 5, 4)
SOURCE = "https://example.gov.cn/2026-key-projects"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def places(shipped_atlas):
    return build_places(shipped_atlas)


@pytest.mark.parametrize(
    ("text", "county", "precision"),
    [
        ("黔西南州兴仁市", "522302", "county"),
        ("兴仁", "522302", "county"),
        ("凯里市炉山镇", "522601", "county"),  # no offline town positions: the town's county
        ("贵州省黔东南州凯里市炉山镇工业园区", "522601", "county"),
        ("遵义市播州区鸭溪镇", "520304", "county"),
        ("道真县", "520325", "county"),
        ("务川仡佬族苗族自治县大坪镇", "520326", "county"),
        ("六枝特区", "520203", "county"),
        ("520181", "520181", "county"),
        ("项目位于清镇市王庄乡", "520181", "county"),  # a place inside a longer text
        ("贵阳市", "520100", "prefecture"),  # only a prefecture: its precision, with a warning
    ],
)
def test_a_place_name_resolves_to_its_county_written_any_way(places, text, county, precision):
    match = resolve_place(places, text)
    assert not isinstance(match, Message), match.text("en")
    assert (match.county, match.precision.value) == (county, precision)


def test_the_point_of_a_place_lies_inside_it_and_its_radius_covers_it(places, shipped_atlas):
    match = resolve_place(places, "黔西南州兴仁市")
    assert not isinstance(match, Message)
    polygon = shipped_atlas.counties.set_index("adcode").geometry["522302"]
    assert polygon.contains(shapely.Point(match.lon, match.lat))
    assert 20 < match.uncertainty_km < 100


def test_a_place_outside_guizhou_is_a_message_with_a_suggestion(places):
    unknown = resolve_place(places, "北京市朝阳区")
    assert isinstance(unknown, Message)
    assert "not a county or town of Guizhou" in unknown.text("en") and "不是贵州" in unknown.text("zh")
    typo = resolve_place(places, "兴人市")
    assert isinstance(typo, Message) and "兴仁市" in typo.text("zh")


def xlsx_list(rows: list[list[object]], *, title: str = "2026年全省铝产业重点项目清单") -> bytes:
    """A bureau's 重点项目清单: a title row, 序号, place names, their own words, a 合计 row."""
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(["序号", "项目名称", "建设单位", "建设地点", "产业链环节", "建设状态", "建设规模", "总投资（亿元）"])
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", "", "", "", "", "", "", 16.7])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KEY_PROJECTS = [
    [1, "兴仁铝精深加工项目（虚构）", "某铝业有限公司", "黔西南州兴仁市", "铝精深加工", "在建", "年产10万吨", 12.5],
    [2, "炉山再生铝项目（虚构）", "某再生资源公司", "凯里市炉山镇", "再生铝", "续建", "10万吨/年", 3.2],
    [3, "清镇铝土矿开采（虚构）", "某矿业公司", "清镇市王庄乡", "铝土矿开采", "拟建", "5000吨", ""],
    [4, "火星铝厂（虚构）", "某公司", "火星市", "铝精深加工", "在建", "年产1万吨", 1],
]


def import_list(data: bytes, atlas, **kwargs) -> ImportResult:
    return import_registry(data, filename="清单.xlsx", crs="wgs84", atlas=atlas, today=TODAY,
                           default_source=SOURCE, **kwargs)


def test_a_key_project_list_with_place_names_only_places_rows_in_their_counties(shipped_atlas):
    result = import_list(xlsx_list(KEY_PROJECTS), shipped_atlas,
                         value_map={"stage": {"铝精深加工": "deep-processing-products"}})
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (4, 3, 1)
    counties = shipped_atlas.counties.set_index("adcode").geometry
    for record in result.accepted.to_dict("records"):
        assert record["position_precision"] == PositionPrecision.COUNTY
        assert counties[record["county_adcode"]].contains(shapely.Point(float(record["lon"]), float(record["lat"])))
        assert record["position_source"].startswith("place-name: ")
    by_name = result.accepted.set_index("name_zh")
    assert by_name.loc["兴仁铝精深加工项目（虚构）", "stage"] == "deep-processing-products"
    assert tuple(by_name.loc["兴仁铝精深加工项目（虚构）", ["capacity", "capacity_unit"]]) == ("100", "kt/a")
    assert by_name.loc["兴仁铝精深加工项目（虚构）", "investment_cny_m"] == "1250"
    assert tuple(by_name.loc["清镇铝土矿开采（虚构）", ["capacity", "capacity_unit", "stage"]]) == (
        "5000", "t/a", "bauxite-alumina")
    assert by_name.loc["炉山再生铝项目（虚构）", "status"] == "under-construction"
    totals = [p for p in result.problems if p.localised is not None and p.localised.key == "totals_skipped"]
    assert [(p.row, p.severity) for p in totals] == [(7, "info")]


def test_an_unknown_place_is_rejected_naming_row_column_and_value_with_suggestions(shipped_atlas):
    result = import_list(xlsx_list(KEY_PROJECTS), shipped_atlas)
    problem = next(p for p in result.problems if p.row == 6 and p.column == "建设地点")
    assert (problem.severity, problem.value) == ("error", "火星市")
    assert "不是贵州的县" in problem.text("zh")


def test_their_own_word_for_a_stage_is_reported_with_a_suggestion_until_mapped(shipped_atlas):
    unmapped = import_list(xlsx_list(KEY_PROJECTS[:1]), shipped_atlas)
    assert len(unmapped.rejected) == 1
    assert unmapped.unknown_values["stage"]["铝精深加工"][0] == "deep-processing-products"
    assert unmapped.rows_with_unknown["stage"]["铝精深加工"] == 1
    mapped = import_list(xlsx_list(KEY_PROJECTS[:1]), shipped_atlas,
                         value_map={"stage": {"铝精深加工": "精深加工终端产品"}})  # any spelling of the value
    assert mapped.accepted.iloc[0]["stage"] == "deep-processing-products"


def test_a_missing_stage_column_is_filled_by_a_whole_file_default(shipped_atlas):
    rows = [[1, "再生铝项目（虚构）", "某公司", "凯里市", "在建", ""]]
    book = Workbook()
    book.active.append(["序号", "项目名称", "建设单位", "建设地点", "建设状态", "建设规模"])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    without = import_list(buffer.getvalue(), shipped_atlas)
    assert without.missing and "chain stage column" in without.missing[0].text("en")
    assert len(without.accepted) == 0
    with_default = import_list(buffer.getvalue(), shipped_atlas, defaults={"stage": "再生铝"})
    assert with_default.missing == ()
    assert with_default.accepted.iloc[0]["stage"] == "scrap-recycling"


def test_coordinates_win_over_a_place_but_a_point_outside_it_is_a_warning(shipped_atlas):
    header = "项目名称,经度,纬度,建设地点,产业链环节,来源"
    data = "\r\n".join([header, f"某项目（虚构）,106.45,26.55,黔西南州兴仁市,再生铝,{SOURCE}"]).encode("utf-8")
    result = import_registry(data, filename="list.csv", crs="wgs84", atlas=shipped_atlas, today=TODAY)
    record = result.accepted.iloc[0]
    assert (record["lon"], record["lat"], record["position_precision"]) == ("106.45", "26.55", "exact")
    warning = next(p for p in result.problems if p.severity == "warning" and p.column == "建设地点")
    assert "兴仁市" in warning.text("zh")


def test_every_problem_of_a_messy_list_reads_in_chinese(shipped_atlas):
    result = import_list(xlsx_list(KEY_PROJECTS), shipped_atlas)
    untranslated = [p.message for p in result.problems if p.localised is None or not HAN.search(p.text("zh"))]
    assert untranslated == []
    summary = result.summary("zh")
    assert all(HAN.search(p["message"]) for p in summary["problems"])


def test_every_catalogue_message_has_both_languages_with_the_same_fields():
    formatter = string.Formatter()
    for key, (zh, en) in CATALOGUE.items():
        zh_fields = {f for _, f, _, _ in formatter.parse(zh) if f}
        en_fields = {f.removesuffix("_quoted") for _, f, _, _ in formatter.parse(en) if f}
        zh_fields = {f.removesuffix("_quoted") for f in zh_fields}
        assert zh.strip() and en.strip(), key
        assert zh_fields == en_fields, key


def test_a_mapping_file_round_trips_and_a_foreign_file_is_refused():
    options = ImportOptions(columns={"建设地点": "place"}, values={"stage": {"铝精深加工": "deep-processing-products"}},
                            defaults={"status": "在建"}, source=SOURCE, crs="gcj02")
    assert options_from_json(options_to_json(options), filename="m.json") == options
    with pytest.raises(Exception, match="not an atlas mapping file"):
        options_from_json(b'{"columns": {}}', filename="other.json")


def test_a_file_read_in_chunks_gives_what_it_gives_read_at_once(shipped_atlas, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(xlsx_list(KEY_PROJECTS * 3))
    whole = import_list(path.read_bytes(), shipped_atlas)
    chunked = import_list(path, shipped_atlas, chunk_rows=2)
    assert chunked.accepted.equals(whole.accepted)
    assert [p.describe() for p in chunked.problems] == [p.describe() for p in whole.problems]


def test_rows_read_by_worker_processes_give_what_one_process_gives(shipped_atlas, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(xlsx_list(KEY_PROJECTS * 5))
    alone = import_list(path, shipped_atlas, chunk_rows=3)
    parallel = import_list(path, shipped_atlas, chunk_rows=3, workers=2)
    assert parallel.accepted.equals(alone.accepted)
    assert [p.describe("zh") for p in parallel.problems] == [p.describe("zh") for p in alone.problems]
