"""The zone profile as a one-page A4 PDF with an embedded CJK font (HTML page: `atlas.reports.profile_page`)."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

from atlas.analysis.profile import ZoneProfile
from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.core.palette import coverage_colours
from atlas.core.schema import Lang
from atlas.reports.profile_page import Listing, ReportContent, report_content, report_text
from atlas.reports.svg_map import zone_map_svg

# --- PDF -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CjkFont:
    """A CJK font file the PDF can embed, the family name it goes by, and the Debian package that ships it."""

    family: str
    regular: Path
    package: str


CJK_FONTS: Final[tuple[CjkFont, ...]] = (
    CjkFont("Noto Sans CJK SC", Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), "fonts-noto-cjk"),
    CjkFont("WenQuanYi Zen Hei", Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), "fonts-wqy-zenhei"),
    CjkFont("WenQuanYi Micro Hei", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), "fonts-wqy-microhei"),
)
"""Searched in order; each family is in the SVG map's font stack, so fpdf2 draws the map's labels with it too.
fpdf2 ≥ 2.8 embeds Noto's CFF outlines (FontFile3) from the .ttc collection."""


def find_cjk_font(candidates: tuple[CjkFont, ...] = CJK_FONTS) -> CjkFont:
    """The first installed CJK font of `candidates`.

    Raises
    ------
    AtlasError
        When none is installed; the message names the Debian package to install.
    """
    for font in candidates:
        if font.regular.is_file():
            return font
    wanted = candidates[0].package if candidates else "fonts-noto-cjk"
    raise AtlasError(f"no CJK font for the PDF: install the Debian package {wanted} "
                     f"(apt-get install {wanted}); looked for {', '.join(str(f.regular) for f in candidates)}")


@functools.lru_cache(maxsize=8)
def _face_index(path: Path, family: str) -> int:
    """Index of `family` in a .ttc collection (Noto ships JP, KR, SC, TC and HK faces in one file), else 0."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection  # a dependency of fpdf2

    collection = TTCollection(str(path), lazy=True)
    try:
        names = [str(face["name"].getDebugName(1)) for face in collection.fonts]
    finally:
        collection.close()
    return names.index(family) if family in names else 0


PAGE_H, MARGIN_X, MARGIN_Y, CONTENT_W, MAP_W = 297.0, 12.0, 10.0, 186.0, 92.0
LINE, HEAD, SOURCE_LINE, PAD = 3.9, 6.4, 3.1, 1.2
BOLD_STROKE_MM_PER_PT, RULE_MM = 0.011, 0.2
"""Heights in mm (PAD: a cell's inner margin). Every row is one line, so the body's height is known before
it is drawn."""
DENSITIES: Final[tuple[tuple[int, int, int], ...]] = ((3, 10, 6), (2, 8, 5), (2, 6, 4), (1, 5, 3), (1, 3, 2), (0, 2, 1))
"""(summary lines per role, projects, nearby rows per list), tried in turn until the page fits."""
_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+\s*|\s+")


class _Sheet:
    """One A4 fpdf2 page whose every text goes through the embedded CJK font, with one-line rows."""

    def __init__(self, font: CjkFont, title: str, lang: Lang) -> None:
        from fpdf import FPDF

        self.pdf, self.family = FPDF(orientation="P", unit="mm", format="A4"), font.family
        self.pdf.add_font(font.family, "", font.regular, collection_font_number=_face_index(font.regular, font.family))
        for embedded in self.pdf.fonts.values():
            if isinstance(embedded, TTFFont):
                # fpdf2 embeds the subset's CFF table only: bounds recomputed for the discarded whole font are wasted
                embedded.ttfont.recalcBBoxes = False
        self.pdf.set_margins(MARGIN_X, MARGIN_Y, MARGIN_X)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(title)
        self.pdf.set_lang("zh-CN" if lang == "zh" else "en")
        self.pdf.add_page()
        self.ink(34, 34, 34)

    def font(self, size: float, *, bold: bool = False) -> None:
        """Bold is the regular face filled and outlined: one embedded CJK face, half the PDF's build time."""
        self.pdf.set_font(self.family, "", size)
        self.pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        self.pdf.set_line_width(size * BOLD_STROKE_MM_PER_PT if bold else RULE_MM)

    def ink(self, r: int, g: int, b: int) -> None:
        self.pdf.set_text_color(r, g, b)
        self.pdf.set_draw_color(r, g, b)  # the outline of bold text, and the rules drawn under this ink

    def fit(self, text: str, width: float) -> str:
        """`text` cut to `width` with a trailing '…' when it does not fit."""
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def wrap(self, text: str, width: float, max_lines: int) -> list[str]:
        """Greedy line breaks (after any CJK character, between Latin words); a cut-off last line ends in '…'."""
        lines, current = [], ""
        for token in _TOKENS.findall(text):
            if current.strip() and self.pdf.get_string_width(current + token.rstrip()) > width - PAD:
                lines.append(current.rstrip())
                current, token = "", token.lstrip()
            current += token
        lines += [current.rstrip()] if current.strip() else []
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            if lines:
                lines[-1] = self.fit(lines[-1] + "…", width)
        return [self.fit(line, width - PAD) for line in lines]  # a single word longer than a line is cut

    def row(self, cells: tuple[str, ...], widths: tuple[float, ...], *, x: float, fill: bool = False,
            link: str | None = None, height: float = LINE) -> None:
        for i, (text, w) in enumerate(zip(cells, widths, strict=True)):
            self.pdf.set_x(x + sum(widths[:i]))
            self.pdf.cell(w, height, self.fit(text, w - PAD), fill=fill, link=link or "")
        self.pdf.set_xy(x, self.pdf.get_y() + height)

    def heading(self, text: str, *, x: float, width: float) -> None:
        self.font(9.4, bold=True)
        self.ink(122, 59, 18)
        self.pdf.set_xy(x, self.pdf.get_y() + 1.2)
        self.pdf.cell(width, HEAD - 1.8, self.fit(text, width), border="B")
        self.pdf.set_xy(x, self.pdf.get_y() + HEAD - 1.2)
        self.ink(34, 34, 34)
        self.font(8)

    def table(self, listing: Listing, widths: tuple[float, ...], *, x: float, lang: Lang) -> None:
        self.pdf.set_fill_color(241, 236, 228)
        self.row(listing.header, widths, x=x, fill=True)
        for cells in listing.rows:
            self.row(cells, widths, x=x)
        if listing.more:
            self.row((report_text("more", lang, n=listing.more),), (sum(widths),), x=x)


def _lines(listing: Listing) -> int:
    return 1 + len(listing.rows) + (1 if listing.more else 0) if listing.rows else 1


def _cut(listing: Listing, limit: int) -> Listing:
    return Listing(listing.header, listing.rows[:limit], listing.more + max(0, len(listing.rows) - limit))


def _pdf_header(sheet: _Sheet, c: ReportContent) -> None:
    sheet.font(15, bold=True)
    sheet.row((c.title,), (CONTENT_W,), x=MARGIN_X, height=7.5)
    sheet.font(9)
    sheet.ink(85, 85, 85)
    sheet.row((c.subtitle,), (CONTENT_W,), x=MARGIN_X, height=5.0)
    sheet.ink(34, 34, 34)
    sheet.font(8.2, bold=True)
    for line in sheet.wrap(c.position, CONTENT_W, 2):
        sheet.row((line,), (CONTENT_W,), x=MARGIN_X)
    sheet.font(7.8)
    for line in sheet.wrap(c.position_note, CONTENT_W, 3):
        sheet.row((line,), (CONTENT_W,), x=MARGIN_X)


def _pdf_side(sheet: _Sheet, c: ReportContent, *, x: float, width: float) -> None:
    """Key figures and chain coverage, beside the map."""
    sheet.heading(c.headings["key_figures"], x=x, width=width)
    for key, value in c.figures:
        sheet.row((key, value), (width - 22, 22), x=x)
    sheet.heading(c.headings["chain"], x=x, width=width)
    for cluster, stages in c.chain:
        sheet.font(8, bold=True)
        sheet.row((cluster,), (width,), x=x)
        sheet.font(8)
        for stage, key, state in stages:
            fill, ink = coverage_colours(key)
            sheet.pdf.set_fill_color(*(int(fill[i:i + 2], 16) for i in (1, 3, 5)))
            y = sheet.pdf.get_y()
            sheet.pdf.set_xy(x + width - 34, y + 0.2)
            sheet.ink(*(int(ink[i:i + 2], 16) for i in (1, 3, 5)))
            sheet.pdf.cell(33, LINE - 0.4, sheet.fit(state, 32), fill=True, align="C")
            sheet.ink(34, 34, 34)
            sheet.pdf.set_y(y)
            sheet.row(("  " + stage,), (width - 34,), x=x)
    if not c.chain:
        sheet.row((report_text("none", c.lang),), (width,), x=x)


def _pdf_map(sheet: _Sheet, atlas: Atlas, profile: ZoneProfile, lang: Lang, *, top: float) -> float:
    """The static SVG map as vectors (fpdf2 draws its labels with our font), its caption; returns the bottom."""
    svg = re.sub(r"<title>[^<]*</title>", "", zone_map_svg(atlas, profile, lang=lang))  # fpdf2 logs on <title>
    info = sheet.pdf.image(io.BytesIO(svg.encode("utf-8")), x=MARGIN_X, y=top, w=MAP_W)
    sheet.font(6.4)
    sheet.pdf.set_xy(MARGIN_X, top + float(info.rendered_height) + 0.6)
    for line in sheet.wrap(report_text("map_caption", lang), MAP_W, 3):
        sheet.row((line,), (MAP_W,), x=MARGIN_X, height=2.8)
    return float(sheet.pdf.get_y())


def _pdf_body(sheet: _Sheet, c: ReportContent, *, nearby_km: float) -> None:
    """Roles, projects (the zone's, then the host county's of unstated zone, if any), nearby items side by side,
    as many sources as fit, footer: as dense as needed for one page."""
    lang, footer_y, half = c.lang, PAGE_H - MARGIN_Y - 3.4, (CONTENT_W - 4) / 2
    sheet.font(7.8)
    note = sheet.wrap(c.headings["county_unstated_note"], CONTENT_W, 2) if c.county_unstated.rows else []
    for lines, n_projects, n_nearby in DENSITIES:
        summaries = [sheet.wrap(text, CONTENT_W - 4, lines) if lines else [] for _, text in c.roles]
        projects, deposits, bases = _cut(c.projects, n_projects), _cut(c.deposits, n_nearby), _cut(c.bases, n_nearby)
        unstated = _cut(c.county_unstated, n_projects)
        rows = sum(1 + len(s) for s in summaries) + _lines(projects) + max(_lines(deposits), _lines(bases))
        heads = 4
        if unstated.rows:
            rows, heads = rows + len(note) + _lines(unstated), heads + 1
        if sheet.pdf.get_y() + heads * HEAD + rows * LINE + 6 * SOURCE_LINE <= footer_y:
            break
    sheet.heading(c.headings["roles"], x=MARGIN_X, width=CONTENT_W)
    for (head, _), summary in zip(c.roles, summaries, strict=True):
        sheet.font(8, bold=True)
        sheet.row((head,), (CONTENT_W,), x=MARGIN_X)
        sheet.font(7.8)
        for line in summary:
            sheet.row((line,), (CONTENT_W - 4,), x=MARGIN_X + 4)
    sheet.heading(c.headings["projects"], x=MARGIN_X, width=CONTENT_W)
    sheet.table(projects, (82, 46, 28, CONTENT_W - 156), x=MARGIN_X, lang=lang) if projects.rows else \
        sheet.row((report_text("none", lang),), (CONTENT_W,), x=MARGIN_X)
    if unstated.rows:
        sheet.heading(c.headings["county_unstated"], x=MARGIN_X, width=CONTENT_W)
        sheet.font(7.8)
        for line in note:
            sheet.row((line,), (CONTENT_W,), x=MARGIN_X)
        sheet.font(8)
        sheet.table(unstated, (82, 46, 28, CONTENT_W - 156), x=MARGIN_X, lang=lang)
    top, bottoms = sheet.pdf.get_y(), []
    for i, (key, listing) in enumerate((("nearby_deposits", deposits), ("nearby_recycling_bases", bases))):
        x = MARGIN_X + i * (half + 4)
        sheet.pdf.set_xy(x, top)
        sheet.heading(c.headings[key], x=x, width=half)
        sheet.table(listing, (half - 54, 27, 27), x=x, lang=lang) if listing.rows else \
            sheet.row((report_text("none_nearby", lang, km=nearby_km),), (half,), x=x)
        bottoms.append(sheet.pdf.get_y())
    sheet.pdf.set_xy(MARGIN_X, max(bottoms))
    sheet.heading(c.headings["sources"], x=MARGIN_X, width=CONTENT_W)
    sheet.font(6.8)
    room = int((footer_y - 0.5 - sheet.pdf.get_y()) / SOURCE_LINE)
    shown = c.sources if len(c.sources) <= room else c.sources[: max(0, room - 1)]
    for text, url in shown:
        sheet.row((text,), (CONTENT_W,), x=MARGIN_X, link=url, height=SOURCE_LINE)
    if len(shown) < len(c.sources):
        more = report_text("more", lang, n=len(c.sources) - len(shown))
        sheet.row((more,), (CONTENT_W,), x=MARGIN_X, height=SOURCE_LINE)
    sheet.font(6.5)
    sheet.ink(85, 85, 85)
    sheet.pdf.set_xy(MARGIN_X, footer_y)
    sheet.pdf.cell(CONTENT_W, 3.4, sheet.fit(c.footer, CONTENT_W), border="T")


def zone_profile_pdf(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, today: date | None = None,
                     fonts: tuple[CjkFont, ...] = CJK_FONTS) -> bytes:
    """The profile as a one-page A4 PDF with an embedded (subset) CJK font and the static map as vectors.

    Lists are shortened until the page is full and then end in "… and N more"; sources take the space left.

    Raises
    ------
    AtlasError
        When no CJK font is installed (the message names the Debian package).
    """
    font = find_cjk_font(fonts)
    c = report_content(atlas, profile, lang=lang, today=today, max_sources=10_000)
    sheet = _Sheet(font, c.title, lang)
    _pdf_header(sheet, c)
    top = sheet.pdf.get_y() + 1.5
    map_bottom = _pdf_map(sheet, atlas, profile, lang, top=top)
    sheet.pdf.set_y(top - 1)
    _pdf_side(sheet, c, x=MARGIN_X + MAP_W + 4, width=CONTENT_W - MAP_W - 4)
    sheet.pdf.set_xy(MARGIN_X, max(map_bottom, sheet.pdf.get_y()) + 1)
    _pdf_body(sheet, c, nearby_km=profile.nearby_km)
    return bytes(sheet.pdf.output())
