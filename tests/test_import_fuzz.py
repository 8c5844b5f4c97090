"""Property tests of the importer over hostile input: only the documented error escapes, and rows add up.

Quick by default (~100 examples per property, in `make test`); `make fuzz` runs 10,000 each
(``ATLAS_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import csv
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.core.schema import PROJECT_COLUMNS
from atlas.data.load import load_atlas
from atlas.importer.project_list import ImportResult, import_registry
from atlas.importer.validation import validation_problems
from atlas.reports.import_report import report_to_bytes
from tests.conftest import write_tiny_data
from tests.payloads import FORMULA_PAYLOADS, XSS_PAYLOADS

EXAMPLES = int(os.environ.get("ATLAS_FUZZ_EXAMPLES", "100"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.data_too_large])

KNOWN_HEADERS = ["项目名称", "名称", "name_en", "经度", "纬度", "lon", "lat", "经纬度", "所属园区", "县区", "建设状态",
                 "产业链环节", "stage", "产能", "单位", "产能（万吨/年）", "投资（亿元）", "投资", "年份", "来源",
                 "备注", "企业", "编号", "序号", "数据日期", "位置精度", "cluster_types", "uncertainty_km"]
TYPICAL_CELLS = ["", " ", "106.6", "26.4", "１０６．６", "２６．４", "26.4,106.6", "600000", "2900000", "约50", "1,200",
                 "106,6", "abc", "在建", "再建", "投产", "清镇", "清镇市", "520181", "520304", "lightweight-materials",
                 "primary-aluminium", "电解铝", "万吨/年", "kt/a", "12.5亿元", "https://example.org/x", "II.(1)",
                 "2024年5月", "2024-13-40", "106°30′", "26°24′N", "-", "不详", "轻量化;合金", "县级", "0.5", "nan",
                 "inf", "1e308", "-0", "smelter", "清镇电解铝", "'=1+1"]
CELL = st.one_of(
    st.sampled_from(TYPICAL_CELLS),
    st.sampled_from(FORMULA_PAYLOADS + XSS_PAYLOADS),
    st.text(max_size=24),
    st.floats().map(str),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
HEADER = st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=10))
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]


@pytest.fixture(scope="module")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return load_atlas(write_tiny_data(tmp_path_factory.mktemp("fuzz") / "data"))


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    """A header row (known and random names) over ragged rows of messy cells, maybe under a title row."""
    headers = draw(st.lists(HEADER, min_size=1, max_size=9))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(headers) + 2), min_size=0, max_size=7))
    title = draw(st.lists(st.sampled_from(["2025年项目清单", "", "说明：示例"]), max_size=2))
    return [title, headers, *rows] if title else [headers, *rows]


def csv_bytes(table: list[list[str]], *, delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(table: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append([_xlsx_cell(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(text: str) -> object:
    """Numbers as numbers (as Excel stores them), other text without the control characters XML cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    try:
        return float(text) if text.strip() and text.strip().lstrip("-").replace(".", "", 1).isdigit() else \
            ILLEGAL_CHARACTERS_RE.sub("", text)
    except ValueError:
        return ILLEGAL_CHARACTERS_RE.sub("", text)


def import_or_refuse(data: bytes, atlas: Atlas, *, filename: str, crs: str = "wgs84") -> ImportResult | None:
    """The import, or None when it raised the documented one-line `AtlasError` naming the file."""
    try:
        return import_registry(data, filename=filename, crs=crs, atlas=atlas, max_bytes=200_000)
    except AtlasError as exc:
        message = str(exc)
        assert message.startswith(filename) and "\n" not in message, message
        return None


def check_invariants(result: ImportResult, atlas: Atlas) -> None:
    assert len(result.accepted) + len(result.rejected) == result.rows_read
    assert list(result.accepted.columns) == list(PROJECT_COLUMNS)
    assert all(isinstance(v, str) for v in result.accepted.to_numpy().ravel())
    error_rows = {p.row for p in result.problems if p.severity == "error" and p.row is not None}
    rejected_rows = set(result.rejected["row"])
    assert rejected_rows <= error_rows  # every rejected row is reported with at least one error
    assert not set(result.accepted_rows) & error_rows  # and no accepted row has one
    assert all(r for r in result.rejected["reasons"])
    assert validation_problems(result.accepted.to_dict("records"), atlas) == {}
    for cell in result.accepted[["name_zh", "notes_zh", "notes_en", "company_zh"]].to_numpy().ravel():
        assert "\r" not in cell and not any(ord(ch) < 32 and ch not in "\t\n" for ch in cell)
    assert report_to_bytes(result, "csv")[:3] == b"\xef\xbb\xbf"


@fuzz
@given(data=st.binary(max_size=3000), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe",
                                                              "项目名称,经度\n".encode("gbk")]))
def test_arbitrary_bytes_either_import_or_raise_the_documented_error(atlas, data, prefix):
    for filename in ("x.csv", "x.xlsx"):
        result = import_or_refuse(prefix + data, atlas, filename=filename)
        if result is not None:
            check_invariants(result, atlas)


@fuzz
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(ENCODINGS),
       crs=st.sampled_from(["wgs84", "gcj02", "bd09"]))
def test_messy_csv_tables_keep_every_row_accounted_for(atlas, table, delimiter, encoding, crs):
    result = import_or_refuse(csv_bytes(table, delimiter=delimiter, encoding=encoding), atlas, filename="t.csv",
                              crs=crs)
    if result is not None:
        check_invariants(result, atlas)


@fuzz
@given(table=tables())
def test_messy_xlsx_tables_keep_every_row_accounted_for(atlas, table):
    result = import_or_refuse(xlsx_bytes(table), atlas, filename="t.xlsx")
    if result is not None:
        check_invariants(result, atlas)


@fuzz
@given(payload=st.sampled_from(FORMULA_PAYLOADS + XSS_PAYLOADS)
       # control characters are left to the properties above: many of them make a file "binary", by design
       | st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40),
       encoding=st.sampled_from(ENCODINGS))
def test_any_text_in_a_valid_row_is_kept_as_text(atlas, payload, encoding):
    table = [["项目名称", "经度", "纬度", "产业链环节", "来源", "备注"],
             ["新厂", "106.6", "26.4", "supporting", "https://example.org/x", payload]]
    result = import_or_refuse(csv_bytes(table, delimiter=",", encoding=encoding), atlas, filename="t.csv")
    assert result is not None and len(result.accepted) == 1
    check_invariants(result, atlas)
    kept = result.accepted.iloc[0]["notes_zh"]  # a 备注 column is the Chinese note
    assert kept == kept.strip() and set(kept) <= set(payload.replace("\r", "\n")) | {"?"}
