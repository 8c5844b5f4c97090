"""The printable zone profile: self-contained, escaped HTML and a one-page A4 PDF with an embedded CJK font."""

from __future__ import annotations

import dataclasses
import io
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader

from atlas.analysis.profile import ZoneProfile, zone_profile
from atlas.core.errors import AtlasError
from atlas.core.i18n import t
from atlas.core.model import Atlas
from atlas.core.safe import escape
from atlas.core.schema import Lang
from atlas.data.load import load_atlas
from atlas.reports.profile_page import zone_profile_html
from atlas.reports.profile_pdf import CjkFont, find_cjk_font, zone_profile_pdf
from atlas.reports.svg_map import zone_map_svg
from tests.conftest import write_tiny_data

HOSTILE = "<script>alert(1)</script>"
TODAY = date(2025, 1, 31)
REMOTE_LOAD = re.compile(
    r"<(script|link|img|image|iframe|embed|object|source|audio|video|use)\b[^>]*\b(src|href|xlink:href)\s*=\s*"
    r"[\"']?\s*(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    """The tiny fixture atlas, loaded once for the module (PDFs take a second or two each)."""
    return load_atlas(write_tiny_data(tmp_path_factory.mktemp("report") / "data"))


@pytest.fixture(scope="module")
def hostile_profile(atlas: Atlas) -> ZoneProfile:
    """Qingzhen's profile with the fixture's hostile project (zh name `<script>…`) moved into its projects."""
    profile = zone_profile(atlas, "qingzhen")
    foil = atlas.projects[atlas.projects["id"] == "foil"]
    return dataclasses.replace(profile, projects=pd.concat([profile.projects, foil], ignore_index=True))


@pytest.fixture(scope="module")
def pdfs(atlas: Atlas, hostile_profile: ZoneProfile) -> dict[Lang, PdfReader]:
    return {lang: PdfReader(io.BytesIO(zone_profile_pdf(atlas, hostile_profile, lang=lang, today=TODAY)))
            for lang in ("zh", "en")}


def _text(reader: PdfReader) -> str:
    """Extracted text of every page.

    fpdf2 writes Noto's CFF font with an embedded CMap as /Encoding; pypdf does not read such a CMap and
    takes the codes as one byte each, so every character comes out behind a NUL. The /ToUnicode map
    itself is right (pdftotext extracts clean text), so the NULs are dropped here.
    """
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def _embedded_font_files(reader: PdfReader) -> list[str]:
    """The font-file keys (FontFile, FontFile2, FontFile3) of every font the first page uses."""
    found = []
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        font: Any = ref.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None:
                found += [k for k in descriptor.get_object() if str(k).startswith("/FontFile")]
    return found


def test_html_profile_names_the_zone_in_both_languages(atlas: Atlas, hostile_profile: ZoneProfile) -> None:
    zh = zone_profile_html(atlas, hostile_profile, lang="zh", today=TODAY)
    en = zone_profile_html(atlas, hostile_profile, lang="en", today=TODAY)
    assert "<title>清镇经济开发区</title>" in zh and "Qingzhen ED Zone" in zh
    assert "<h1>Qingzhen ED Zone</h1>" in en and "清镇经济开发区" in en
    assert '<html lang="zh-Hans">' in zh and '<html lang="en">' in en


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_profile_escapes_a_hostile_project_name(atlas: Atlas, hostile_profile: ZoneProfile, lang: Lang) -> None:
    html = zone_profile_html(atlas, hostile_profile, lang=lang, today=TODAY)
    if lang == "zh":
        assert escape(HOSTILE) in html
    assert HOSTILE not in html
    assert "<script" not in html.lower()


def test_html_profile_loads_no_script_style_or_image_from_the_network(atlas: Atlas, hostile_profile: ZoneProfile
                                                                      ) -> None:
    html = zone_profile_html(atlas, hostile_profile, lang="zh", today=TODAY)
    assert REMOTE_LOAD.search(html) is None
    assert not re.search(r"url\(\s*[\"']?\s*(https?:)?//|@import|@font-face", html, re.IGNORECASE)
    assert '<a href="https://example.org/source">' in html  # sources stay clickable links, not loads


def test_html_profile_embeds_the_static_map_and_a_cjk_font_stack(atlas: Atlas, hostile_profile: ZoneProfile) -> None:
    html = zone_profile_html(atlas, hostile_profile, lang="zh", today=TODAY)
    assert html.count("<svg") == 1 and 'id="uncertainty-ring"' in html
    assert "@page { size: A4" in html
    for family in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi", "sans-serif"):
        assert family in html


def test_html_profile_states_position_precision_and_distance_uncertainty(atlas: Atlas,
                                                                         hostile_profile: ZoneProfile) -> None:
    zh = zone_profile_html(atlas, hostile_profile, lang="zh", today=TODAY)
    en = zone_profile_html(atlas, hostile_profile, lang="en", today=TODAY)
    assert "县域质心，±25 公里" in zh and "county centroid, ±25 km" in en
    deposit = hostile_profile.nearby_deposits.iloc[0]
    expected = f"{round(deposit['distance_km'])} ± {round(deposit['distance_uncertainty_km'])} km"
    assert expected in zh and expected == "15 ± 35 km"
    assert "WGS84" in en and "Generated: 2025-01-31" in en


def test_pdf_profile_is_one_a4_page_with_the_chinese_name_extractable(pdfs: dict[Lang, PdfReader]) -> None:
    reader = pdfs["zh"]
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _text(reader)
    assert "清镇经济开发区" in text and "猫场铝土矿" in text and HOSTILE in text


def test_pdf_profile_embeds_its_cjk_font(pdfs: dict[Lang, PdfReader]) -> None:
    files = _embedded_font_files(pdfs["zh"])
    assert files and set(files) <= {"/FontFile2", "/FontFile3"}


def test_english_pdf_profile_contains_the_english_name(pdfs: dict[Lang, PdfReader]) -> None:
    reader = pdfs["en"]
    assert len(reader.pages) == 1
    text = _text(reader)
    assert "Qingzhen ED Zone" in text and "清镇经济开发区" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("zone_id", ["qingzhen", "zunyi-heping"])
def test_every_zone_renders_on_one_page_in_both_languages(atlas: Atlas, zone_id: str, lang: Lang) -> None:
    profile = zone_profile(atlas, zone_id)
    html = zone_profile_html(atlas, profile, lang=lang, today=TODAY)
    reader = PdfReader(io.BytesIO(zone_profile_pdf(atlas, profile, lang=lang, today=TODAY)))
    name = str(profile.zone[f"name_{lang}"])
    assert escape(name) in html and len(reader.pages) == 1 and name in _text(reader)


def test_pdf_profile_cuts_long_lists_to_one_page_and_says_how_many_it_left_out(
        atlas: Atlas, hostile_profile: ZoneProfile) -> None:
    many = dataclasses.replace(hostile_profile, projects=pd.concat([hostile_profile.projects] * 20, ignore_index=True),
                               sources=pd.concat([hostile_profile.sources] * 15, ignore_index=True))
    reader = PdfReader(io.BytesIO(zone_profile_pdf(atlas, many, lang="en", today=TODAY)))
    text = _text(reader)
    assert len(reader.pages) == 1
    left_out = [int(n) for n in re.findall(r"… and (\d+) more", text)]
    assert len(left_out) == 2 and left_out[0] == len(many.projects) - 10


def test_missing_cjk_font_raises_an_error_naming_the_debian_package(atlas: Atlas, hostile_profile: ZoneProfile,
                                                                    tmp_path: Path) -> None:
    absent = (CjkFont("Noto Sans CJK SC", tmp_path / "missing.ttc", "fonts-noto-cjk"),)
    with pytest.raises(AtlasError, match="fonts-noto-cjk"):
        find_cjk_font(absent)
    with pytest.raises(AtlasError, match="apt-get install fonts-noto-cjk"):
        zone_profile_pdf(atlas, hostile_profile, lang="zh", fonts=absent)


def test_static_map_ring_has_the_stated_radius_on_the_scale_bar(atlas: Atlas, hostile_profile: ZoneProfile) -> None:
    """In the zone-centred azimuthal equidistant projection the geodesic ring is a true circle of radius r km."""
    svg = zone_map_svg(atlas, hostile_profile, lang="en", width_px=400, height_px=340)
    bar = re.search(r'id="scale-bar" data-km="([\d.]+)" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', svg)
    ring = re.search(r'id="uncertainty-ring" d="M([^"]+)Z"', svg)
    centre = re.search(r'id="zone-point" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert bar and ring and centre
    px_per_km = (float(bar[3]) - float(bar[2])) / float(bar[1])
    cx, cy = float(centre[1]), float(centre[2])
    radii = [math.dist((cx, cy), tuple(map(float, p.split(",")))) for p in ring[1].split("L")]
    expected = float(hostile_profile.zone["uncertainty_km"]) * px_per_km
    assert max(abs(r - expected) for r in radii) < 0.2  # coordinates are written to 0.1 px


def test_static_map_escapes_names_and_references_nothing_external(atlas: Atlas, hostile_profile: ZoneProfile) -> None:
    hostile = hostile_profile.nearby_deposits.assign(name_zh=HOSTILE + "\x01")
    svg = zone_map_svg(atlas, dataclasses.replace(hostile_profile, nearby_deposits=hostile), lang="zh")
    assert HOSTILE not in svg and escape(HOSTILE) in svg and "\x01" not in svg
    assert REMOTE_LOAD.search(svg) is None and "<image" not in svg


@pytest.fixture(scope="module")
def county_profile(atlas: Atlas) -> ZoneProfile:
    """Qingzhen's profile with the fixture's zone-less hostile foil moved into Qingzhen's county (zone not stated)."""
    projects = atlas.projects.copy()
    projects.loc[projects["id"] == "foil", "county_adcode"] = "520181"
    return zone_profile(dataclasses.replace(atlas, projects=projects), "qingzhen")


def _figures(html: str) -> dict[str, str]:
    table = html.split("</h2><table>", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r"<tr><td>([^<]*)</td><td class=num>([^<]*)</td></tr>", table))


@pytest.mark.parametrize(
    ("lang", "in_zone", "unstated", "heading"),
    [
        ("zh", "区内项目", "所在县项目（未说明是否在区内）", "所在县项目（未说明是否在区内）"),
        ("en", "projects in the zone", "in host county, zone not stated", "Host county, zone not stated"),
    ],
)
def test_html_profile_shows_host_county_projects_of_unstated_zone_apart_from_the_zones_own(
        atlas: Atlas, county_profile: ZoneProfile, lang: Lang, in_zone: str, unstated: str, heading: str) -> None:
    html = zone_profile_html(atlas, county_profile, lang=lang, today=TODAY)
    figures = _figures(html)
    assert (figures[in_zone], figures[unstated]) == ("2", "1")
    own, _, rest = html.partition(f"<h2>{heading}</h2>")
    assert rest, "no section for the host county's projects"
    assert "smelter" not in rest and ("清镇电解铝" in own or "Qingzhen smelter" in own)
    section = rest.split("</section>", 1)[0]
    assert escape(t("county_unstated_note", lang)) in section
    foil = escape(HOSTILE) if lang == "zh" else escape('=HYPERLINK("http://x")')
    assert foil in section and HOSTILE not in html


def test_html_profile_without_such_projects_says_zero_and_has_no_empty_section(atlas: Atlas) -> None:
    html = zone_profile_html(atlas, zone_profile(atlas, "qingzhen"), lang="en", today=TODAY)
    assert _figures(html)["in host county, zone not stated"] == "0"
    assert "<h2>Host county, zone not stated</h2>" not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_profile_lists_host_county_projects_of_unstated_zone_on_its_one_page(
        atlas: Atlas, county_profile: ZoneProfile, lang: Lang) -> None:
    reader = PdfReader(io.BytesIO(zone_profile_pdf(atlas, county_profile, lang=lang, today=TODAY)))
    text = _text(reader)
    assert len(reader.pages) == 1
    assert t("county_unstated_title", lang) in text and t("projects_in_zone", lang) in text
    assert (HOSTILE if lang == "zh" else '=HYPERLINK("http://x")') in text
    assert text.rindex(t("county_unstated_title", lang)) > text.index(t("projects", lang))  # after the zone's own


def test_pdf_profile_cuts_a_long_host_county_list_and_says_how_many_it_left_out(
        atlas: Atlas, county_profile: ZoneProfile) -> None:
    many = dataclasses.replace(county_profile, county_unstated=pd.concat([county_profile.county_unstated] * 30,
                                                                          ignore_index=True))
    reader = PdfReader(io.BytesIO(zone_profile_pdf(atlas, many, lang="en", today=TODAY)))
    assert len(reader.pages) == 1
    left_out = [int(n) for n in re.findall(r"… and (\d+) more", _text(reader))]
    assert left_out and left_out[0] == 30 - 10
