"""Hostile data through every output: map popups and tooltips, profile HTML/PDF, CSV/XLSX exports, import reports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from atlas.analysis.profile import zone_profile
from atlas.core.model import Atlas
from atlas.core.safe import neutralise_formula
from atlas.data.load import load_atlas
from atlas.importer.project_list import import_registry
from atlas.maps.atlas_map import build_atlas_map, map_to_html
from atlas.reports.export import layer_to_bytes, profile_to_bytes, tables_to_xlsx_bytes
from atlas.reports.import_report import rejected_to_bytes, report_to_bytes
from atlas.reports.profile_page import zone_profile_html
from atlas.reports.profile_pdf import zone_profile_pdf
from tests.apptest import navigation_not_pages_folder  # noqa: F401  (fixture)
from tests.conftest import TINY_TABLES, write_table, write_tiny_data
from tests.payloads import FORMULA_PAYLOADS, XSS_MARKERS, XSS_PAYLOADS

ROOT = Path(__file__).resolve().parents[1]


def hostile_atlas(root: Path, payloads: tuple[str, ...]) -> Atlas:
    """The tiny atlas with one extra Qingzhen project per payload, the payload in every free-text field,
    and the first payload in a zone's names, notes and a role summary."""
    write_tiny_data(root)
    base = TINY_TABLES["projects"][0]
    projects = [*TINY_TABLES["projects"]] + [
        base | {"id": f"hostile-{i}", "name_zh": p, "name_en": p, "company_zh": p, "company_en": p, "notes_zh": p,
                "notes_en": p}
        for i, p in enumerate(payloads)
    ]
    write_table(root, "projects", projects)
    zones = [TINY_TABLES["zones"][0] | {"name_zh": payloads[0], "name_en": payloads[0], "notes_zh": payloads[0],
                                        "notes_en": payloads[0], "position_note_zh": payloads[0]},
             *TINY_TABLES["zones"][1:]]
    write_table(root, "zones", zones)
    roles = [TINY_TABLES["zone_roles"][0] | {"summary_zh": payloads[0], "summary_en": payloads[0]},
             *TINY_TABLES["zone_roles"][1:]]
    write_table(root, "zone_roles", roles)
    return load_atlas(root)


@pytest.fixture(scope="module")
def xss_atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return hostile_atlas(tmp_path_factory.mktemp("xss") / "data", XSS_PAYLOADS)


@pytest.fixture(scope="module")
def formula_atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return hostile_atlas(tmp_path_factory.mktemp("formula") / "data", FORMULA_PAYLOADS)


def assert_no_raw_markup(html: str) -> None:
    lowered = html.lower()
    found = [m for m in XSS_MARKERS if m.lower() in lowered]
    assert not found, found


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_every_formula_payload_is_neutralised(payload):
    assert neutralise_formula(payload) == "'" + payload


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_popups_and_tooltips_escape_every_payload(xss_atlas, lang):
    html = map_to_html(build_atlas_map(xss_atlas, lang=lang))
    assert_no_raw_markup(html)
    assert html.count("alert(1)") >= len(XSS_PAYLOADS) - 1  # the records are there, escaped, not dropped


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_zone_profile_html_escapes_every_payload(xss_atlas, lang):
    html = zone_profile_html(xss_atlas, zone_profile(xss_atlas, "qingzhen"), lang=lang)
    assert_no_raw_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_zone_profile_pdf_prints_payloads_as_text(xss_atlas):
    pdf = zone_profile_pdf(xss_atlas, zone_profile(xss_atlas, "qingzhen"), lang="zh")
    assert pdf.startswith(b"%PDF") and b"/JavaScript" not in pdf and b"/Launch" not in pdf


def test_no_page_renders_raw_html_beside_the_escaped_map():
    """Pages show data through widgets (text is escaped by Streamlit); only the map (tested above) is HTML.

    One exception: ui/layout.py hands `st.html` a fixed style sheet (no data in it) to tighten the page.
    """
    sources = [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]
    allowed = {("layout.py", "st.html(_COMPACT_CSS)")}
    offenders = [(p.name, line.strip()) for p in sources for line in p.read_text(encoding="utf-8").splitlines()
                 for needle in ("unsafe_allow_html", "st.html(", "components.html(")
                 if needle in line and (p.name, line.strip()) not in allowed]
    assert offenders == []


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


def xlsx_cells(data: bytes) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]


def fold_newlines(text: str) -> str:
    """XML (so XLSX) reads every CR or CRLF back as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def assert_payloads_inert(texts: list[str], *, stored: bool = False, xml: bool = False) -> None:
    """Every payload appears only behind an apostrophe (`stored`: as the atlas keeps it, blanks trimmed)."""
    payloads = [p.strip() for p in FORMULA_PAYLOADS] if stored else list(FORMULA_PAYLOADS)
    if xml:
        payloads, texts = [fold_newlines(p) for p in payloads], [fold_newlines(t) for t in texts]
    for payload in payloads:
        assert "'" + payload in texts, payload
        assert payload not in texts, payload


def test_csv_layer_exports_neutralise_every_formula(formula_atlas):
    assert_payloads_inert(csv_cells(layer_to_bytes(formula_atlas.projects, "csv")), stored=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_zone_profile_exports_neutralise_every_formula(formula_atlas, fmt):
    data = profile_to_bytes(zone_profile(formula_atlas, "qingzhen"), fmt, lang="zh")
    if fmt == "csv":
        assert_payloads_inert(csv_cells(data), stored=True)
        return
    cells = xlsx_cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert_payloads_inert([str(c.value) for c in cells], stored=True)


def test_a_carriage_return_in_a_cell_cannot_start_a_new_csv_row():
    import pandas as pd

    data = layer_to_bytes(pd.DataFrame({"notes": ["a\r=1+1", "b\n=2+2"]}), "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["notes"], ["a\r=1+1"], ["b\n=2+2"]]


def test_xlsx_tables_with_formula_headers_and_cells_hold_no_formula():
    import pandas as pd

    frame = pd.DataFrame({p: [p] for p in FORMULA_PAYLOADS})
    cells = xlsx_cells(tables_to_xlsx_bytes({"=sheet": frame}))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert all(str(c.value).startswith("'") for c in cells)


@pytest.fixture(scope="module")
def hostile_import(tiny_atlas_module: Atlas):
    lines = ["项目名称,经度,纬度,产业链环节,来源,备注"]
    for payload in FORMULA_PAYLOADS:
        cell = '"' + payload.replace('"', '""') + '"'
        lines.append(f"{cell},106.6,26.4,炼钢,https://example.org/x,{cell}")
    return import_registry("\r\n".join(lines).encode("utf-8"), filename="=evil.csv", crs="wgs84",
                           atlas=tiny_atlas_module)


@pytest.fixture(scope="module")
def tiny_atlas_module(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return load_atlas(write_tiny_data(tmp_path_factory.mktemp("tiny") / "data"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_reports_and_rejected_rows_neutralise_every_formula(hostile_import, fmt):
    assert len(hostile_import.rejected) == len(FORMULA_PAYLOADS)
    for data in (report_to_bytes(hostile_import, fmt), rejected_to_bytes(hostile_import, fmt)):
        if fmt == "csv":
            assert_payloads_inert(csv_cells(data))
            continue
        cells = xlsx_cells(data)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert_payloads_inert([str(c.value) for c in cells], xml=True)


@pytest.mark.usefixtures("navigation_not_pages_folder")
@pytest.mark.parametrize("page", ["pages/zones.py", "pages/map.py", "pages/registry.py", "pages/projects.py"])
def test_pages_render_hostile_data_without_error(tmp_path, monkeypatch, page):
    """Pages show payloads through Streamlit widgets (text, never HTML): they render, nothing breaks."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    hostile_atlas(tmp_path / "data", XSS_PAYLOADS + FORMULA_PAYLOADS)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        if page == "pages/zones.py":
            assert at.header[0].value == XSS_PAYLOADS[0]  # the zone's name, as plain text
    finally:
        st.cache_resource.clear()
