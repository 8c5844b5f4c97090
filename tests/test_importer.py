"""The registry importer against the tiny atlas: what it accepts, converts, rejects, and how it says so."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import Workbook

from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.schema import PROJECT_COLUMNS
from atlas.data.load import load_atlas
from atlas.geo.datum import gcj02_to_wgs84, wgs84_to_gcj02
from atlas.importer.files import ImportFileError
from atlas.importer.project_list import ImportResult, import_registry
from atlas.registry.startup import open_store

HEADER = "项目名称,经度,纬度,所属园区,县区,建设状态,产业链环节,产能,单位,来源"
GOOD = "新轮毂厂,106.6,26.4,清镇,清镇市,在建,lightweight-materials,5,万吨/年,https://example.org/n"
TODAY = dt.date(2026, 5, 4)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def run(data: bytes, atlas, *, filename: str = "list.csv", crs: str = "wgs84", **kwargs) -> ImportResult:
    return import_registry(data, filename=filename, crs=crs, atlas=atlas, today=TODAY, **kwargs)


def errors_of(result: ImportResult, row: int) -> list[str]:
    return [p.message for p in result.problems if p.row == row and p.severity == "error"]


def warnings_of(result: ImportResult, row: int | None = None) -> list[str]:
    return [p.message for p in result.problems if p.row == row and p.severity == "warning"]


def test_a_good_row_becomes_a_record_in_the_atlas_text_format(tiny_atlas):
    result = run(csv_bytes(GOOD), tiny_atlas)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (1, 1, 0)
    record = result.accepted.iloc[0]
    assert list(result.accepted.columns) == list(PROJECT_COLUMNS)
    assert record["name_zh"] == "新轮毂厂"
    assert record["name_en"] == "Xin Lun Gu Chang"
    assert record["id"] == "xin-lun-gu-chang"
    assert (record["zone_id"], record["county_adcode"]) == ("qingzhen", "520181")
    assert record["status"] == "under-construction"
    assert (record["capacity"], record["capacity_unit"]) == ("50", "kt/a")
    assert (record["lon"], record["lat"]) == ("106.6", "26.4")
    assert (record["position_precision"], record["uncertainty_km"]) == ("exact", "0.5")
    assert (record["as_of"], record["position_as_of"]) == ("2026-05-04", "2026-05-04")
    assert record["position_source"] == "imported-wgs84: list.csv"
    assert result.accepted_rows == (2,)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_utf8_bom_gbk_and_utf16_files_read_the_same(tiny_atlas, encoding):
    result = run(csv_bytes(GOOD, encoding=encoding), tiny_atlas)
    assert list(result.accepted["name_zh"]) == ["新轮毂厂"]
    assert result.encoding == {"gbk": "gb18030"}.get(encoding, encoding)


def test_semicolon_and_tab_separated_files_are_sniffed(tiny_atlas):
    for separator in (";", "\t"):
        data = csv_bytes(GOOD.replace(",", separator), header=HEADER.replace(",", separator))
        assert len(run(data, tiny_atlas).accepted) == 1


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_chinese_headers_numbers_and_dates_is_read(tiny_atlas):
    data = xlsx_bytes([
        ["项目清单"],
        ["项目名称", "经度", "纬度", "产业链环节", "产能（万吨/年）", "投资（亿元）", "数据日期", "来源"],
        ["压铸项目", 106.61, 26.41, "alloys-and-products", 12.0, 2.5, dt.datetime(2025, 3, 1), "II.(2)"],
    ])
    result = run(data, tiny_atlas, filename="清单.xlsx")
    record = result.accepted.iloc[0]
    assert (record["capacity"], record["investment_cny_m"], record["as_of"]) == ("120", "250", "2025-03-01")
    assert (record["lon"], record["source"]) == ("106.61", "II.(2)")
    assert result.encoding == "xlsx"
    assert any("2 row(s)" not in p.message and "skipped" in p.message for p in result.problems)


def test_unknown_headers_are_reported_and_a_mapping_reads_them(tiny_atlas):
    data = csv_bytes("新轮毂厂,106.6,26.4,lightweight-materials,https://example.org/n",
                     header="项目名称,东西向,南北向,产业链环节,来源")
    unmapped = run(data, tiny_atlas)
    assert set(unmapped.unknown_headers) == {"东西向", "南北向"}
    assert len(unmapped.rejected) == 1
    assert any("has no position columns" in p.message for p in unmapped.problems)
    mapped = run(data, tiny_atlas, column_map={"东西向": "lon", "南北向": "lat"})
    assert len(mapped.accepted) == 1 and mapped.columns["东西向"] == "lon"


def test_a_mapping_onto_an_unknown_column_is_one_clear_error(tiny_atlas):
    with pytest.raises(AtlasError, match="unknown column 'longitude'; valid: id, name_zh"):
        run(csv_bytes(GOOD), tiny_atlas, column_map={"经度": "longitude"})


def test_one_lonlat_column_is_split(tiny_atlas):
    data = csv_bytes("新轮毂厂,\"106.6, 26.4\",lightweight-materials,https://example.org/n",
                     header="项目名称,经纬度,产业链环节,来源")
    assert list(run(data, tiny_atlas).accepted[["lon", "lat"]].iloc[0]) == ["106.6", "26.4"]


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"建设状态": "再建"}, "建设状态", "did you mean"),
        ({"产业链环节": "炼钢"}, "产业链环节", "unknown stage"),
        ({"所属园区": "火星园区"}, "所属园区", "unknown zone"),
        ({"县区": "海淀区"}, "县区", "is not a county or town of Guizhou"),
        ({"产能": "很多"}, "产能", "is not a number"),
        ({"产能": "-5"}, "产能", "must be ≥ 0"),
        ({"单位": ""}, "产能", "needs its unit"),
        ({"经度": "东边"}, "经度", "not a coordinate"),
        ({"经度": ""}, "经度", "a position is required"),
        ({"来源": ""}, "来源", "a source is required"),
        ({"来源": "朋友说的"}, "来源", "source must be a URL"),
        ({"项目名称": ""}, "项目名称", "a project name is required"),
        ({"产业链环节": ""}, "产业链环节", "a chain stage is required"),
        ({"经度": "106,6"}, "经度", "ambiguous"),
    ],
)
def test_bad_cells_reject_the_row_naming_file_row_column_and_value(tiny_atlas, cells, column, fragment):
    values = dict(zip(HEADER.split(","), GOOD.split(","), strict=True)) | cells
    result = run(csv_bytes(",".join(f'"{v}"' if "," in v else v for v in values.values())), tiny_atlas)
    assert len(result.rejected) == 1 and len(result.accepted) == 0
    problem = next(p for p in result.problems if p.severity == "error")
    assert (problem.file, problem.row, problem.column) == ("list.csv", 2, column)
    assert fragment in problem.message
    assert problem.value == cells.get(column, problem.value)


def test_suggestions_name_the_closest_valid_values(tiny_atlas):
    values = dict(zip(HEADER.split(","), GOOD.split(","), strict=True)) | {"建设状态": "再建"}
    message = errors_of(run(csv_bytes(",".join(values.values())), tiny_atlas), 2)[0]
    assert "under-construction (在建)" in message


def test_full_width_digits_thousands_commas_and_units_in_cells_are_read(tiny_atlas):
    data = csv_bytes("新轮毂厂,１０６．６,２６．４,lightweight-materials,\"1,200\",t/a,12.5亿元,https://example.org/n",
                     header="项目名称,经度,纬度,产业链环节,产能,单位,投资,来源")
    record = run(data, tiny_atlas).accepted.iloc[0]
    assert (record["lon"], record["capacity"], record["capacity_unit"], record["investment_cny_m"]) == (
        "106.6", "1200", "t/a", "1250")


def test_an_investment_without_a_unit_is_not_guessed(tiny_atlas):
    data = csv_bytes("新轮毂厂,106.6,26.4,lightweight-materials,12.5,https://example.org/n",
                     header="项目名称,经度,纬度,产业链环节,投资,来源")
    assert "needs its unit" in errors_of(run(data, tiny_atlas), 2)[0]


def test_swapped_latitude_and_longitude_are_fixed_with_a_warning(tiny_atlas):
    result = run(csv_bytes(GOOD.replace("106.6,26.4", "26.4,106.6")), tiny_atlas)
    assert list(result.accepted[["lon", "lat"]].iloc[0]) == ["106.6", "26.4"]
    assert any("swapped" in m for m in warnings_of(result, 2))


@pytest.mark.parametrize(
    ("lon", "lat", "fragment"),
    [("600000", "2900000", "projected coordinates in metres"), ("113.26", "23.13", "outside Guizhou"),
     ("200", "26", "not a longitude/latitude")],
)
def test_impossible_positions_are_rejected(tiny_atlas, lon, lat, fragment):
    result = run(csv_bytes(GOOD.replace("106.6,26.4", f"{lon},{lat}")), tiny_atlas)
    assert fragment in errors_of(result, 2)[0]


def test_gcj02_coordinates_are_stored_as_wgs84(tiny_atlas):
    result = run(csv_bytes(GOOD), tiny_atlas, crs="gcj02")
    expected = gcj02_to_wgs84(lon=106.6, lat=26.4)
    record = result.accepted.iloc[0]
    assert float(record["lon"]) == pytest.approx(expected.lon, abs=1e-6)
    assert float(record["lat"]) == pytest.approx(expected.lat, abs=1e-6)
    assert record["position_source"] == "imported-gcj02: list.csv"


def test_a_point_that_fits_its_county_only_as_gcj02_is_flagged_as_shifted(tiny_atlas):
    shifted = wgs84_to_gcj02(lon=106.999, lat=26.5)  # inside 清镇市 (lon < 107); its GCJ-02 copy is east of 107
    assert shifted.lon > 107
    result = run(csv_bytes(GOOD.replace("106.6,26.4", f"{shifted.lon:.6f},{shifted.lat:.6f}")), tiny_atlas)
    assert any("looks shifted" in m and "--crs gcj02" in m for m in warnings_of(result, 2))


def test_an_unknown_crs_is_one_clear_error(tiny_atlas):
    with pytest.raises(AtlasError, match="expected one of wgs84, gcj02, bd09"):
        run(csv_bytes(GOOD), tiny_atlas, crs="utm")


def test_duplicates_in_the_file_and_of_existing_records_are_rejected(tiny_atlas):
    data = csv_bytes(
        "a1," + GOOD,
        "a1,另一个厂," + GOOD.split(",", 1)[1],
        "smelter,某厂," + GOOD.split(",", 1)[1],
        "b1," + GOOD,
        "c1,清镇电解铝,106.41,26.6,,,,primary-aluminium,,,https://example.org/d",
        "d1,清镇电解铝,106.9,27.9,,,,primary-aluminium,,,https://example.org/d",
        header="编号," + HEADER,
    )
    result = run(data, tiny_atlas)
    assert "duplicate id in the file (first on row 2)" in errors_of(result, 3)[0]
    assert "already exists in the registry" in errors_of(result, 4)[0]
    assert "same name and place as row 2" in errors_of(result, 5)[0]
    assert "looks like the existing record smelter" in errors_of(result, 6)[0]
    assert errors_of(result, 7) == [] and any("same name as the existing record smelter" in m
                                              for m in warnings_of(result, 7))
    assert result.accepted_rows == (2, 7)


def test_generated_ids_are_unique(tiny_atlas):
    result = run(csv_bytes(GOOD, GOOD.replace("106.6,26.4", "106.2,26.2")), tiny_atlas)
    assert list(result.accepted["id"]) == ["xin-lun-gu-chang", "xin-lun-gu-chang-2"]


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "a.csv", "the file is empty"),
        (b"  \r\n ", "a.csv", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "a.csv", "binary data"),
        (b"%PDF-1.7 ...", "a.csv", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xls", "old .xls"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "not a readable XLSX workbook"),
        (b"just text", "a.xlsx", "not a readable XLSX workbook"),
        (HEADER.encode(), "a.csv", "no data rows below the header (row 1)"),
        (b"\xff\xfe\x00\xd8", "a.csv", "not valid UTF-16"),
        (b"\x81\x30\x81", "a.csv", "neither UTF-8 nor GBK/GB18030"),
    ],
)
def test_unreadable_files_raise_one_clear_line_naming_the_file(tiny_atlas, data, filename, fragment):
    with pytest.raises(ImportFileError) as caught:
        run(data, tiny_atlas, filename=filename)
    message = str(caught.value)
    assert message.startswith(filename) and fragment in message and "\n" not in message


def test_a_file_over_the_size_limit_is_refused_before_parsing(tiny_atlas, monkeypatch):
    with pytest.raises(ImportFileError, match="over the import limit of 100 bytes"):
        run(csv_bytes(GOOD, GOOD, GOOD), tiny_atlas, max_bytes=100)
    monkeypatch.setenv("ATLAS_IMPORT_MAX_BYTES", "50")  # the web upload's limit
    with pytest.raises(ImportFileError, match="limit of 50 bytes"):
        run(csv_bytes(GOOD), tiny_atlas, max_bytes=settings.import_max_bytes())
    assert run(csv_bytes(GOOD), tiny_atlas).rows_read == 1  # a local file has no limit unless one is given


def test_formula_and_html_cells_are_kept_as_text(tiny_atlas):
    payload = '=HYPERLINK("http://evil","x")'
    data = csv_bytes(GOOD + ',"' + payload.replace('"', '""') + '",<script>alert(1)</script>',
                     header=HEADER + ",企业,备注")
    record = run(data, tiny_atlas).accepted.iloc[0]
    assert (record["company_zh"], record["notes_zh"]) == (payload, "<script>alert(1)</script>")


def test_a_neutralised_cell_from_our_own_export_reads_back_as_its_text(tiny_atlas):
    data = csv_bytes(GOOD + ",'=1+1", header=HEADER + ",备注")
    assert run(data, tiny_atlas).accepted.iloc[0]["notes_zh"] == "=1+1"


def test_rejected_rows_keep_their_cells_under_their_own_headers_with_reasons(tiny_atlas):
    bad = GOOD.replace("在建", "再建")
    result = run(csv_bytes(GOOD, bad), tiny_atlas)
    rejected = result.rejected
    assert list(rejected.columns) == ["row", "reasons", *HEADER.split(",")]
    assert rejected.iloc[0]["row"] == 3 and rejected.iloc[0]["建设状态"] == "再建"
    assert rejected.iloc[0]["reasons"].startswith("建设状态: unknown status")


def test_accepted_rows_save_and_load_with_the_rest_of_the_atlas(tiny_data_dir):
    atlas = load_atlas(tiny_data_dir)
    store = open_store(tiny_data_dir)
    existing, version = store.read()
    result = run(csv_bytes(GOOD), atlas, existing=existing)
    store.save(pd.concat([existing, result.accepted], ignore_index=True), base_version=version, author="t",
               message="import list.csv")
    reloaded = load_atlas(tiny_data_dir)
    assert "xin-lun-gu-chang" in set(reloaded.projects["id"])
    assert len(reloaded.projects) == len(atlas.projects) + 1


def test_rows_and_problems_add_up(tiny_atlas):
    result = run(csv_bytes(GOOD, GOOD.replace("在建", "再建"), ",,,,,,,,,", "只有名字"), tiny_atlas)
    assert result.rows_read == 3  # the blank row is not a row
    assert len(result.accepted) + len(result.rejected) == result.rows_read
    assert set(result.rejected["row"]) == {p.row for p in result.problems if p.severity == "error" and p.row}
    assert codecs.BOM_UTF8 not in result.accepted.to_csv().encode()


def test_a_totals_row_is_skipped_not_rejected(tiny_atlas):
    result = run(csv_bytes(GOOD, "合计,,,,,,,55,,"), tiny_atlas)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (1, 1, 0)
    assert any("totals row" in p.message and p.row == 3 for p in result.problems)


def test_a_file_with_only_a_totals_row_has_no_data_rows(tiny_atlas):
    with pytest.raises(ImportFileError, match="no data rows"):
        run(csv_bytes("合计,,,,,,,55,,"), tiny_atlas)


def test_a_loosely_matched_zone_is_accepted_with_a_warning_naming_the_reading(tiny_atlas):
    result = run(csv_bytes(GOOD.replace(",清镇,", ",和平园区,").replace("106.6,26.4", "107.5,27.5")
                           .replace("清镇市", "播州区")), tiny_atlas)
    assert result.accepted.iloc[0]["zone_id"] == "zunyi-heping"
    assert any("read as zunyi-heping" in m for m in warnings_of(result, 2))


def test_an_unknown_county_is_not_also_guessed_from_the_point(tiny_atlas):
    result = run(csv_bytes(GOOD.replace("清镇市", "海淀区")), tiny_atlas)
    assert not any("county taken from the position" in p.message for p in result.problems)
