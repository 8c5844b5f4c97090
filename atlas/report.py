"""The printable one-page zone profile: a print-ready HTML page and a one-page A4 PDF with an embedded CJK font."""

from __future__ import annotations

import functools
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import pandas as pd

from atlas.errors import AtlasError
from atlas.i18n import column_label, t
from atlas.model import Atlas
from atlas.profile import ZoneProfile
from atlas.safe import escape
from atlas.schema import Lang, label
from atlas.static_map import FONT_STACK, zone_map_svg

MAX_PROJECTS: Final[int] = 10
MAX_NEARBY: Final[int] = 6
MAX_SOURCES: Final[int] = 16
"""Rows shown per list so the profile stays on one page; longer lists end in "… and N more"."""

TEXT: Final[dict[str, tuple[str, str]]] = {
    "position_line": ("位置：{desc}，±{km:g} 公里（精度：{precision}）；WGS84 经度 {lon:.4f}，纬度 {lat:.4f}",
                      "Position: {desc}, ±{km:g} km (precision: {precision}); WGS84 lon {lon:.4f}, lat {lat:.4f}"),
    "more": ("… 另有 {n} 项未列出（完整列表见 XLSX/CSV 导出）", "… and {n} more (full list in the XLSX/CSV export)"),
    "none_nearby": ("{km:g} 公里范围内无", "none within {km:g} km"),
    "none": ("无", "none"),
    "map_caption": ("开发区无公开边界，图中以所在县表示；红色圆点为存储位置，红色虚线圆为位置不确定范围。",
                    "No source gives the zone's boundary: its counties stand in for it. The red dot is the stored "
                    "point, the dashed red ring its uncertainty."),
    "policy_note": ("政策条款：贵州省推动铝产业高质量发展的指导意见（征求意见稿），意译概述。",
                    "Policy sections: Guizhou's Guiding Opinions on the High-Quality Development of the Aluminium "
                    "Industry (draft), paraphrased."),
    "footer": ("{generated}：{today} · 坐标 WGS84（EPSG:4326） · 开发区数据日期：{as_of} · "
               "距离为大地线距离，± 为两处位置不确定性之和",
               "{generated}: {today} · coordinates WGS84 (EPSG:4326) · zone data as of {as_of} · distances are "
               "geodesic, ± is the sum of both positions' uncertainty"),
    "quantity": ("储量/资源量", "Tonnage"), "distance": ("距离", "Distance"), "policy": ("政策", "Policy"),
}
PRECISION_TEXT: Final[dict[str, tuple[str, str]]] = {
    "exact": ("实测厂址", "surveyed site"), "zone": ("园区位置点", "a point on the zone"),
    "town": ("乡镇点位", "town point"), "county": ("县域质心", "county centroid"),
    "region": ("多县区域质心", "centroid of a multi-county area"),
}
QUANTITY_TEXT: Final[dict[str, tuple[str, str]]] = {
    "resource": ("资源量", "resource"), "reserve": ("储量", "reserve"), "proven": ("探明", "proven"),
    "remaining": ("保有", "remaining"), "prospective": ("远景", "prospective"), "usable": ("可利用", "usable"),
}
STATE_COLOURS: Final[dict[str, tuple[str, str]]] = {
    "operating": ("#1a9850", "#ffffff"), "building": ("#f29b38", "#222222"), "planned": ("#9ecae1", "#222222"),
    "assigned-empty": ("#f2f2f2", "#b2182b"), "not-assigned": ("#ffffff", "#777777"),
}
"""(fill, text) per chain-coverage state: green operating, orange building, blue planned, red-text gap."""


def _tx(key: str, lang: Lang, **values: object) -> str:
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def _pick(pair: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    return pair[key][0 if lang == "zh" else 1] if key in pair else key


def _cell(value: Any) -> str:
    """Display text of a cell: '' for None/NaN, lists joined, numbers without trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    return str(value)


def _name(record: Any, lang: Lang) -> str:
    """Name in `lang`, falling back to the other language, then the id."""
    other = "en" if lang == "zh" else "zh"
    return _cell(record.get(f"name_{lang}")) or _cell(record.get(f"name_{other}")) or _cell(record.get("id"))


@dataclass(frozen=True)
class Listing:
    """A table of display rows, cut to its limit; `more` rows were left out."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    more: int


@dataclass(frozen=True)
class ReportContent:
    """Every string of the one-page profile, localised but not yet escaped; both renderers draw this."""

    lang: Lang
    title: str
    subtitle: str
    position: str
    position_note: str
    figures: tuple[tuple[str, str], ...]
    roles: tuple[tuple[str, str], ...]
    chain: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]
    """(cluster, ((stage, state key, state label), …)) in chain order."""
    projects: Listing
    deposits: Listing
    bases: Listing
    sources: tuple[tuple[str, str | None], ...]
    """(text, http(s) URL or None)."""
    sources_more: int
    footer: str
    headings: dict[str, str]


def _listing(frame: pd.DataFrame, header: tuple[str, ...], row: Any, limit: int) -> Listing:
    rows = tuple(tuple(row(r)) for _, r in frame.head(limit).iterrows())
    return Listing(header=header, rows=rows, more=max(0, len(frame) - limit))


def _within(text: str, km: float, lang: Lang) -> str:
    within = t("within_km", lang, km=km)
    return f"{text}（{within}）" if lang == "zh" else f"{text} ({within})"


def _role_rows(profile: ZoneProfile, lang: Lang) -> tuple[tuple[str, str], ...]:
    """(section · kind · cluster, summary) per policy role of the zone."""
    other = "en" if lang == "zh" else "zh"
    out = []
    for _, r in profile.roles.iterrows():
        parts = [_cell(r["policy_section"]), label(_cell(r["kind"]), lang), label(_cell(r["cluster_type"]), lang)]
        summary = _cell(r.get(f"summary_{lang}")) or _cell(r.get(f"summary_{other}"))
        out.append((" · ".join(p for p in parts if p), summary))
    return tuple(out)


def _chain_rows(profile: ZoneProfile, stages: dict[str, str], lang: Lang) -> tuple[Any, ...]:
    """Per cluster (in the atlas's order), its stages in chain order with their coverage state."""
    return tuple(
        (label(str(cluster), lang),
         tuple((stages.get(str(r["stage"]), str(r["stage"])), str(r["state"]), label(str(r["state"]), lang))
               for _, r in rows.iterrows()))
        for cluster, rows in profile.chain.groupby("cluster_type", sort=False))


def _listings(profile: ZoneProfile, stages: dict[str, str], lang: Lang, *, limit_projects: int,
              limit_nearby: int) -> tuple[Listing, Listing, Listing]:
    """Projects (name, stage, status, capacity) and the nearby deposits and bases with distance ± uncertainty."""
    def distance(r: Any) -> str:
        return f"{round(float(r['distance_km']))} ± {round(float(r['distance_uncertainty_km']))} km"

    def tonnage(r: Any) -> str:
        kind = _pick(QUANTITY_TEXT, _cell(r["quantity_definition"]), lang)
        return f"{_cell(r['quantity_mt'])} Mt {kind}".strip() if _cell(r["quantity_mt"]) else "—"

    name, status = column_label("name", lang), column_label("status", lang)
    projects = _listing(
        profile.projects, (name, column_label("stage", lang), status, column_label("capacity", lang)),
        lambda r: (_name(r, lang), stages.get(str(r["stage"]), _cell(r["stage"])), label(_cell(r["status"]), lang),
                   f"{_cell(r['capacity'])} {_cell(r['capacity_unit'])}".strip() or "—"), limit_projects)
    deposits = _listing(profile.nearby_deposits, (name, _tx("quantity", lang), _tx("distance", lang)),
                        lambda r: (_name(r, lang), tonnage(r), distance(r)), limit_nearby)
    bases = _listing(profile.nearby_recycling_bases, (name, status, _tx("distance", lang)),
                     lambda r: (_name(r, lang), label(_cell(r["status"]), lang), distance(r)), limit_nearby)
    return projects, deposits, bases


def report_content(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, today: date | None = None,
                   max_projects: int = MAX_PROJECTS, max_nearby: int = MAX_NEARBY,
                   max_sources: int = MAX_SOURCES) -> ReportContent:
    """Gather and localise everything the printed profile shows (pure: no HTML, no PDF)."""
    zone, other = profile.zone, ("en" if lang == "zh" else "zh")
    precision = _cell(zone.get("position_precision"))
    position = _tx("position_line", lang, desc=_pick(PRECISION_TEXT, precision, lang),
                   km=float(zone["uncertainty_km"]), precision=label(precision, lang),
                   lon=float(zone["lon"]), lat=float(zone["lat"]))
    figures = tuple((_within(t(k, lang), profile.nearby_km, lang) if k.startswith("nearby") else t(k, lang),
                     _cell(v) or "—") for k, v in profile.key_figures.items())
    stages = {str(k): str(v) for k, v in zip(atlas.stages["id"], atlas.stages[f"name_{lang}"], strict=True)}
    projects, deposits, bases = _listings(profile, stages, lang, limit_projects=max_projects, limit_nearby=max_nearby)
    sources = _sources(atlas, profile, lang)
    headings = {k: t(k, lang) for k in ("key_figures", "roles", "chain", "projects", "sources")}
    for key in ("nearby_deposits", "nearby_recycling_bases"):
        headings[key] = _within(t(key, lang), profile.nearby_km, lang)
    footer = _tx("footer", lang, generated=t("generated", lang), today=(today or date.today()).isoformat(),
                 as_of=_cell(zone.get("as_of")) or "—")
    return ReportContent(
        lang=lang, title=_name(zone, lang), subtitle=_cell(zone.get(f"name_{other}")), position=position,
        position_note=_cell(zone.get(f"position_note_{lang}")), figures=figures, roles=_role_rows(profile, lang),
        chain=_chain_rows(profile, stages, lang), projects=projects, deposits=deposits, bases=bases,
        sources=tuple(sources[:max_sources]), sources_more=max(0, len(sources) - max_sources), footer=footer,
        headings=headings,
    )


def _sources(atlas: Atlas, profile: ZoneProfile, lang: Lang) -> list[tuple[str, str | None]]:
    """Policy sections first (with their titles and a note on the policy), then URLs and other citations."""
    titles = dict(zip(atlas.sections["id"], atlas.sections[f"title_{lang}"], strict=True))
    cited = [str(s) for s in profile.sources["source"]]
    policy = [(f"{_tx('policy', lang)} {s} {_cell(titles[s])}", None) for s in cited if s in titles]
    others = [(s, s if re.match(r"https?://", s, flags=re.IGNORECASE) else None) for s in cited if s not in titles]
    note = [(_tx("policy_note", lang), None)] if policy else []
    return policy + note + others


# --- HTML ------------------------------------------------------------------------------------------------------

CSS: Final[str] = f"""
@page {{ size: A4; margin: 9mm 11mm; }}
html {{ font-family: {FONT_STACK}; font-size: 7.9pt; line-height: 1.28; color: #222; }}
body {{ margin: 0; }}
@media screen {{ body {{ max-width: 188mm; margin: 8mm auto; }} }}
h1 {{ font-size: 15pt; margin: 0; line-height: 1.2; }} .sub {{ color: #555; font-size: 9.5pt; margin: 0 0 0.6mm; }}
h2 {{ font-size: 9pt; margin: 1.6mm 0 0.6mm; color: #7a3b12; border-bottom: 0.3mm solid #a0522d; }}
p {{ margin: 0.3mm 0; }} .small {{ font-size: 6.8pt; color: #555; }}
.grid {{ display: grid; grid-template-columns: 90mm 1fr; gap: 4mm; break-inside: avoid; }}
.grid svg {{ width: 90mm; height: auto; display: block; }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 0 1mm; border-bottom: 0.15mm solid #e4e4e4; }}
th {{ background: #f1ece4; }} td.num {{ text-align: right; white-space: nowrap; }}
.chip {{ display: inline-block; min-width: 28mm; text-align: center; border-radius: 0.6mm; }}
.sources {{ font-size: 6.6pt; line-height: 1.2; margin: 0; padding-left: 4mm; }}
.sources li {{ word-break: break-all; }}
footer {{ font-size: 6.6pt; color: #555; margin-top: 1.2mm; border-top: 0.2mm solid #ccc; }}
"""


def _html_table(listing: Listing, lang: Lang, *, numeric_last: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in listing.header)
    rows = "".join("<tr>" + "".join(
        f'<td{" class=num" if numeric_last and i == len(row) - 1 else ""}>{escape(c)}</td>'
        for i, c in enumerate(row)) + "</tr>" for row in listing.rows)
    more = f'<p class="small">{escape(_tx("more", lang, n=listing.more))}</p>' if listing.more else ""
    return f"<table><tr>{head}</tr>{rows}</table>{more}"


def _chip(key: str, state: str) -> str:
    fill, ink = STATE_COLOURS.get(key, ("#ffffff", "#222222"))
    return f'<span class="chip" style="background:{fill};color:{ink}">{escape(state)}</span>'


def _html_nearby(title: str, listing: Listing, km: float, lang: Lang) -> str:
    body = (_html_table(listing, lang, numeric_last=True) if listing.rows
            else f'<p class="small">{escape(_tx("none_nearby", lang, km=km))}</p>')
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def zone_profile_html(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, today: date | None = None) -> str:
    """A self-contained, print-ready one-page HTML profile (A4; no external CSS, JS, fonts or images).

    Every data string is HTML-escaped; the map is inline SVG drawn by `atlas.static_map`.
    """
    c = report_content(atlas, profile, lang=lang, today=today)
    figures = "".join(f"<tr><td>{escape(k)}</td><td class=num>{escape(v)}</td></tr>" for k, v in c.figures)
    chain = "".join(f"<tr><th colspan=2>{escape(cluster)}</th></tr>" + "".join(
        f'<tr><td>{escape(stage)}</td><td>{_chip(key, state)}</td></tr>' for stage, key, state in stages)
        for cluster, stages in c.chain)
    roles = "".join(f"<p><b>{escape(head)}</b>：{escape(text)}</p>" if lang == "zh" else
                    f"<p><b>{escape(head)}</b>: {escape(text)}</p>" for head, text in c.roles)
    sources = "".join(f'<li><a href="{escape(url)}">{escape(text)}</a></li>' if url else f"<li>{escape(text)}</li>"
                      for text, url in c.sources)
    if c.sources_more:
        sources += f"<li>{escape(_tx('more', lang, n=c.sources_more))}</li>"
    none = f'<p class="small">{escape(_tx("none", lang))}</p>'
    return f"""<!DOCTYPE html>
<html lang="{'zh-Hans' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(c.title)}</title><style>{CSS}</style></head><body>
<header><h1>{escape(c.title)}</h1><p class="sub">{escape(c.subtitle)}</p>
<p><b>{escape(c.position)}</b></p><p>{escape(c.position_note)}</p></header>
<div class="grid"><figure style="margin:0">{zone_map_svg(atlas, profile, lang=lang)}
<figcaption class="small">{escape(_tx("map_caption", lang))}</figcaption></figure>
<div><h2>{escape(c.headings["key_figures"])}</h2><table>{figures}</table>
<h2>{escape(c.headings["chain"])}</h2>{f"<table>{chain}</table>" if c.chain else none}</div></div>
<section><h2>{escape(c.headings["roles"])}</h2>{roles or none}</section>
<section><h2>{escape(c.headings["projects"])}</h2>{_html_table(c.projects, lang) if c.projects.rows else none}</section>
<div class="pair">{_html_nearby(c.headings["nearby_deposits"], c.deposits, profile.nearby_km, lang)}
{_html_nearby(c.headings["nearby_recycling_bases"], c.bases, profile.nearby_km, lang)}</div>
<section><h2>{escape(c.headings["sources"])}</h2><ul class="sources">{sources}</ul></section>
<footer>{escape(c.footer)}</footer>
</body></html>
"""


# --- PDF -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CjkFont:
    """A CJK font file the PDF can embed, the family name it goes by, and the Debian package that ships it."""

    family: str
    regular: Path
    bold: Path | None
    package: str


CJK_FONTS: Final[tuple[CjkFont, ...]] = (
    CjkFont("Noto Sans CJK SC", Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), "fonts-noto-cjk"),
    CjkFont("WenQuanYi Zen Hei", Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), None, "fonts-wqy-zenhei"),
    CjkFont("WenQuanYi Micro Hei", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), None, "fonts-wqy-microhei"),
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
        bold = font.bold if font.bold is not None and font.bold.is_file() else font.regular
        for style, path in (("", font.regular), ("B", bold)):
            self.pdf.add_font(font.family, style, path, collection_font_number=_face_index(path, font.family))
        self.pdf.set_margins(MARGIN_X, MARGIN_Y, MARGIN_X)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(title)
        self.pdf.set_lang("zh-CN" if lang == "zh" else "en")
        self.pdf.add_page()
        self.ink(34, 34, 34)

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def ink(self, r: int, g: int, b: int) -> None:
        self.pdf.set_text_color(r, g, b)

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
            self.row((_tx("more", lang, n=listing.more),), (sum(widths),), x=x)


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
            fill, ink = STATE_COLOURS.get(key, ("#ffffff", "#222222"))
            sheet.pdf.set_fill_color(*(int(fill[i:i + 2], 16) for i in (1, 3, 5)))
            y = sheet.pdf.get_y()
            sheet.pdf.set_xy(x + width - 34, y + 0.2)
            sheet.ink(*(int(ink[i:i + 2], 16) for i in (1, 3, 5)))
            sheet.pdf.cell(33, LINE - 0.4, sheet.fit(state, 32), fill=True, align="C")
            sheet.ink(34, 34, 34)
            sheet.pdf.set_y(y)
            sheet.row(("  " + stage,), (width - 34,), x=x)
    if not c.chain:
        sheet.row((_tx("none", c.lang),), (width,), x=x)


def _pdf_map(sheet: _Sheet, atlas: Atlas, profile: ZoneProfile, lang: Lang, *, top: float) -> float:
    """The static SVG map as vectors (fpdf2 draws its labels with our font), its caption; returns the bottom."""
    svg = re.sub(r"<title>[^<]*</title>", "", zone_map_svg(atlas, profile, lang=lang))  # fpdf2 logs on <title>
    info = sheet.pdf.image(io.BytesIO(svg.encode("utf-8")), x=MARGIN_X, y=top, w=MAP_W)
    sheet.font(6.4)
    sheet.pdf.set_xy(MARGIN_X, top + float(info.rendered_height) + 0.6)
    for line in sheet.wrap(_tx("map_caption", lang), MAP_W, 3):
        sheet.row((line,), (MAP_W,), x=MARGIN_X, height=2.8)
    return float(sheet.pdf.get_y())


def _pdf_body(sheet: _Sheet, c: ReportContent, *, nearby_km: float) -> None:
    """Roles, projects, nearby items side by side, as many sources as fit, footer: as dense as needed for one page."""
    lang, footer_y, half = c.lang, PAGE_H - MARGIN_Y - 3.4, (CONTENT_W - 4) / 2
    sheet.font(7.8)
    for lines, n_projects, n_nearby in DENSITIES:
        summaries = [sheet.wrap(text, CONTENT_W - 4, lines) if lines else [] for _, text in c.roles]
        projects, deposits, bases = _cut(c.projects, n_projects), _cut(c.deposits, n_nearby), _cut(c.bases, n_nearby)
        rows = sum(1 + len(s) for s in summaries) + _lines(projects) + max(_lines(deposits), _lines(bases))
        if sheet.pdf.get_y() + 4 * HEAD + rows * LINE + 6 * SOURCE_LINE <= footer_y:
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
        sheet.row((_tx("none", lang),), (CONTENT_W,), x=MARGIN_X)
    top, bottoms = sheet.pdf.get_y(), []
    for i, (key, listing) in enumerate((("nearby_deposits", deposits), ("nearby_recycling_bases", bases))):
        x = MARGIN_X + i * (half + 4)
        sheet.pdf.set_xy(x, top)
        sheet.heading(c.headings[key], x=x, width=half)
        sheet.table(listing, (half - 54, 27, 27), x=x, lang=lang) if listing.rows else \
            sheet.row((_tx("none_nearby", lang, km=nearby_km),), (half,), x=x)
        bottoms.append(sheet.pdf.get_y())
    sheet.pdf.set_xy(MARGIN_X, max(bottoms))
    sheet.heading(c.headings["sources"], x=MARGIN_X, width=CONTENT_W)
    sheet.font(6.8)
    room = int((footer_y - 0.5 - sheet.pdf.get_y()) / SOURCE_LINE)
    shown = c.sources if len(c.sources) <= room else c.sources[: max(0, room - 1)]
    for text, url in shown:
        sheet.row((text,), (CONTENT_W,), x=MARGIN_X, link=url, height=SOURCE_LINE)
    if len(shown) < len(c.sources):
        sheet.row((_tx("more", lang, n=len(c.sources) - len(shown)),), (CONTENT_W,), x=MARGIN_X, height=SOURCE_LINE)
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
