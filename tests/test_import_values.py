"""Cell parsers and header/value vocabularies of the importer: case tables of what people type."""

from __future__ import annotations

import pytest

from atlas.core.cells import (
    capacity_unit,
    investment_factor,
    is_unknown,
    parse_date,
    parse_degrees,
    parse_year,
    split_number,
)
from atlas.importer.files import cell_text, sniff_delimiter
from atlas.importer.headers import HEADER_LOOKUP, LONLAT, crs_hint, header_unit, normalise_header
from atlas.importer.vocabulary import build_vocabularies


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [("500", 500.0, ""), ("１２３．５", 123.5, ""), ("1,200", 1200.0, ""), ("1，200.5", 1200.5, ""),
     ("50万吨/年", 50.0, "万吨/年"), ("12.5 亿元", 12.5, "亿元"), ("1e3", 1000.0, ""), ("-3", -3.0, ""),
     ("约50", 50.0, ""), ("100以上", 100.0, "")],
)
def test_numbers_are_read_from_what_people_type(text, number, unit):
    value, rest, _ = split_number(text)
    assert (value, rest) == (number, unit)


def test_an_approximate_figure_carries_a_warning_in_both_languages():
    warning = split_number("约50")[2]
    assert warning is not None and "approximate" in str(warning) and "约数" in warning.text("zh")


@pytest.mark.parametrize("text", ["abc", "106,33", "1,2,3", "nan", "inf", "", "--5"])
def test_non_numbers_and_decimal_commas_are_refused(text):
    with pytest.raises(ValueError):
        split_number(text)


@pytest.mark.parametrize("text", ["", " ", "-", "—", "无", "不详", "N/A", "？"])
def test_words_for_unknown_read_as_empty(text):
    assert is_unknown(text)


@pytest.mark.parametrize(
    ("text", "degrees"),
    [("106.5", 106.5), ("106°30′", 106.5), ("106°30'00\"E", 106.5), ("东经106度30分", 106.5), ("26°30′N", 26.5),
     ("106°19′55″", 106.33194444444445), ("１０６．５", 106.5), ("106.5E", 106.5), ("10.5W", -10.5)],
)
def test_degrees_decimal_or_sexagesimal(text, degrees):
    assert parse_degrees(text) == pytest.approx(degrees)


@pytest.mark.parametrize("text", ["106°75′", "east", "106 30", "106°30′61″"])
def test_bad_degrees_are_refused(text):
    with pytest.raises(ValueError):
        parse_degrees(text)


@pytest.mark.parametrize(
    ("text", "date"),
    [("2024", "2024"), ("2024-5", "2024-05"), ("2024/5/3", "2024-05-03"), ("2024.05", "2024-05"),
     ("2024年5月", "2024-05"), ("2024年5月3日", "2024-05-03"), ("2024-05-03 00:00:00", "2024-05-03")],
)
def test_dates_become_iso_text(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "last year", "24/5/3"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_years_drop_words_with_a_warning():
    assert parse_year("2024") == ("2024", None)
    assert parse_year("2024年底")[0] == "2024" and "dropped" in str(parse_year("2024年底")[1])
    assert parse_year("2024-05-03")[0] == "2024"


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("万吨/年", ("kt/a", 10.0)), ("万吨", ("kt/a", 10.0)), ("kt/a", ("kt/a", 1.0)), ("Mt/a", ("Mt/a", 1.0)),
     ("吨/年", ("t/a", 1.0)), ("万件/年", ("pieces/a", 10000.0)), ("MT", None), ("桶", None)],
)
def test_capacity_units_map_to_the_atlas_units(unit, expected):
    assert capacity_unit(unit) == expected


@pytest.mark.parametrize(("unit", "factor"), [("亿元", 100.0), ("万元", 0.01), ("百万元", 1.0), ("million CNY", 1.0),
                                              ("美元", None)])
def test_investment_units_convert_to_million_cny(unit, factor):
    assert investment_factor(unit) == factor


@pytest.mark.parametrize(
    ("header", "column"),
    [("项目名称", "name_zh"), ("*项目名称：", "name_zh"), ("经度（高德）", "lon"), ("Latitude", "lat"),
     ("经纬度", LONLAT), ("所属园区", "zone_id"), ("建设状态", "status"), ("产能（万吨/年）", "capacity"),
     ("投资（百万元）", "investment_cny_m"), ("数据日期", "as_of"), ("来源", "source"), ("ＮＯＴＥＳ", "notes_en"),
     ("备注", "notes_zh"), ("英文备注", "notes_en"), ("Remarks", "notes_en"),
     ("序号", "ignore"), ("county_adcode", "county_adcode"), ("Chinese name", "name_zh")],
)
def test_header_synonyms_in_chinese_and_english(header, column):
    assert HEADER_LOOKUP[normalise_header(header)] == column


def test_headers_carry_units_and_datum_hints():
    assert header_unit("产能（万吨/年）") == "万吨/年"
    assert crs_hint("经度(高德)") == "gcj02" and crs_hint("lat (Baidu)") == "bd09" and crs_hint("经度") is None


@pytest.mark.parametrize(("text", "delimiter"), [("a,b\n1,2", ","), ("a;b;c", ";"), ("a\tb", "\t"),
                                                 ('"x,y";z;w', ";"), ("名称，经度，纬度", "，"), ("one", ",")])
def test_the_delimiter_is_sniffed_from_the_header_line(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_xlsx_cells_read_as_the_text_a_user_typed():
    import datetime as dt

    assert [cell_text(v) for v in (None, 2024.0, 106.3319, True, dt.datetime(2024, 5, 3), "x")] == [
        "", "2024", "106.3319", "TRUE", "2024-05-03", "x"]


@pytest.mark.parametrize(
    ("column", "typed", "value"),
    [("status", "在建", "under-construction"), ("status", "Under construction", "under-construction"),
     ("status", "投产", "operating"), ("status", "规划中", "planned"), ("zone_id", "清镇经开区", "qingzhen"),
     ("zone_id", "贵州清镇经济开发区", "qingzhen"), ("zone_id", "Qingzhen ED Zone", "qingzhen"),
     ("county_adcode", "清镇市", "520181"), ("county_adcode", "清镇", "520181"), ("county_adcode", "520181", "520181"),
     ("cluster_types", "轻量化", "lightweight-materials"), ("position_precision", "县级", "county")],
)
def test_controlled_values_resolve_from_ids_labels_and_synonyms(tiny_atlas, column, typed, value):
    assert build_vocabularies(tiny_atlas)[column].resolve(typed) == value


@pytest.mark.parametrize(
    ("typed", "stripped"),
    [("道真仡佬族苗族自治县", "道真"), ("威宁彝族回族苗族自治县", "威宁"), ("清镇市", "清镇"), ("六枝特区", "六枝"),
     ("清镇经济开发区", "清镇"), ("市", "市")],
)
def test_place_endings_and_peoples_are_stripped_as_people_write_names(typed, stripped):
    from atlas.importer.vocabulary import normalise_value, strip_suffix

    assert strip_suffix(normalise_value(typed)) == stripped


def test_loose_matching_guesses_only_when_one_value_fits(tiny_atlas):
    zones = build_vocabularies(tiny_atlas)["zone_id"]
    assert zones.resolve("和平经开区") is None
    assert zones.resolve_loosely("和平") == "zunyi-heping"
    assert zones.resolve_loosely("开发区") is None  # every zone is one
