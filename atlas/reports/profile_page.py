"""The printable one-page zone profile: a print-ready HTML page and a one-page A4 PDF with an embedded CJK font."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd

from atlas.analysis.profile import ZoneProfile
from atlas.core.i18n import column_label, t
from atlas.core.model import Atlas
from atlas.core.palette import coverage_colours
from atlas.core.safe import escape
from atlas.core.schema import Lang, label
from atlas.reports.svg_map import FONT_STACK, zone_map_svg

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
    "prefecture": ("市州质心", "prefecture centroid"),
    "region": ("多县区域质心", "centroid of a multi-county area"),
}
QUANTITY_TEXT: Final[dict[str, tuple[str, str]]] = {
    "resource": ("资源量", "resource"), "reserve": ("储量", "reserve"), "proven": ("探明", "proven"),
    "remaining": ("保有", "remaining"), "prospective": ("远景", "prospective"), "usable": ("可利用", "usable"),
}


def report_text(key: str, lang: Lang, **values: object) -> str:
    """One of the report's own phrases (`TEXT`) in `lang`, with its placeholders filled."""
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
    county_unstated: Listing
    """Projects in the zone's host county whose zone is not stated: shown apart, never as the zone's."""
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


def _project_listing(frame: pd.DataFrame, stages: dict[str, str], lang: Lang, limit: int) -> Listing:
    """Projects as (name, stage, status, capacity) rows."""
    name, status = column_label("name", lang), column_label("status", lang)
    return _listing(
        frame, (name, column_label("stage", lang), status, column_label("capacity", lang)),
        lambda r: (_name(r, lang), stages.get(str(r["stage"]), _cell(r["stage"])), label(_cell(r["status"]), lang),
                   f"{_cell(r['capacity'])} {_cell(r['capacity_unit'])}".strip() or "—"), limit)


def _listings(profile: ZoneProfile, stages: dict[str, str], lang: Lang, *, limit_projects: int,
              limit_nearby: int) -> tuple[Listing, Listing, Listing, Listing]:
    """The zone's projects, the host county's of unstated zone, and the nearby deposits and bases with
    distance ± uncertainty."""
    def distance(r: Any) -> str:
        return f"{round(float(r['distance_km']))} ± {round(float(r['distance_uncertainty_km']))} km"

    def tonnage(r: Any) -> str:
        kind = _pick(QUANTITY_TEXT, _cell(r["quantity_definition"]), lang)
        return f"{_cell(r['quantity_mt'])} Mt {kind}".strip() if _cell(r["quantity_mt"]) else "—"

    name, status = column_label("name", lang), column_label("status", lang)
    projects = _project_listing(profile.projects, stages, lang, limit_projects)
    unstated = _project_listing(profile.county_unstated, stages, lang, limit_projects)
    deposits = _listing(profile.nearby_deposits, (name, report_text("quantity", lang), report_text("distance", lang)),
                        lambda r: (_name(r, lang), tonnage(r), distance(r)), limit_nearby)
    bases = _listing(profile.nearby_recycling_bases, (name, status, report_text("distance", lang)),
                     lambda r: (_name(r, lang), label(_cell(r["status"]), lang), distance(r)), limit_nearby)
    return projects, unstated, deposits, bases


def report_content(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, today: date | None = None,
                   max_projects: int = MAX_PROJECTS, max_nearby: int = MAX_NEARBY,
                   max_sources: int = MAX_SOURCES) -> ReportContent:
    """Gather and localise everything the printed profile shows (pure: no HTML, no PDF)."""
    zone, other = profile.zone, ("en" if lang == "zh" else "zh")
    precision = _cell(zone.get("position_precision"))
    position = report_text("position_line", lang, desc=_pick(PRECISION_TEXT, precision, lang),
                   km=float(zone["uncertainty_km"]), precision=label(precision, lang),
                   lon=float(zone["lon"]), lat=float(zone["lat"]))
    figures = tuple((_within(t(k, lang), profile.nearby_km, lang) if k.startswith("nearby") else t(k, lang),
                     _cell(v) or "—") for k, v in profile.key_figures.items())
    stages = {str(k): str(v) for k, v in zip(atlas.stages["id"], atlas.stages[f"name_{lang}"], strict=True)}
    projects, unstated, deposits, bases = _listings(profile, stages, lang, limit_projects=max_projects,
                                                    limit_nearby=max_nearby)
    sources = _sources(atlas, profile, lang)
    headings = {k: t(k, lang) for k in ("key_figures", "roles", "chain", "projects", "sources")}
    headings["county_unstated"] = t("county_unstated_title", lang)
    headings["county_unstated_note"] = t("county_unstated_note", lang)
    for key in ("nearby_deposits", "nearby_recycling_bases"):
        headings[key] = _within(t(key, lang), profile.nearby_km, lang)
    footer = report_text("footer", lang, generated=t("generated", lang), today=(today or date.today()).isoformat(),
                 as_of=_cell(zone.get("as_of")) or "—")
    return ReportContent(
        lang=lang, title=_name(zone, lang), subtitle=_cell(zone.get(f"name_{other}")), position=position,
        position_note=_cell(zone.get(f"position_note_{lang}")), figures=figures, roles=_role_rows(profile, lang),
        chain=_chain_rows(profile, stages, lang), projects=projects, county_unstated=unstated, deposits=deposits,
        bases=bases, sources=tuple(sources[:max_sources]), sources_more=max(0, len(sources) - max_sources),
        footer=footer, headings=headings,
    )


def _sources(atlas: Atlas, profile: ZoneProfile, lang: Lang) -> list[tuple[str, str | None]]:
    """Policy sections first (with their titles and a note on the policy), then URLs and other citations."""
    titles = dict(zip(atlas.sections["id"], atlas.sections[f"title_{lang}"], strict=True))
    cited = [str(s) for s in profile.sources["source"]]
    policy = [(f"{report_text('policy', lang)} {s} {_cell(titles[s])}", None) for s in cited if s in titles]
    others = [(s, s if re.match(r"https?://", s, flags=re.IGNORECASE) else None) for s in cited if s not in titles]
    note = [(report_text("policy_note", lang), None)] if policy else []
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
    more = f'<p class="small">{escape(report_text("more", lang, n=listing.more))}</p>' if listing.more else ""
    return f"<table><tr>{head}</tr>{rows}</table>{more}"


def _chip(key: str, state: str) -> str:
    fill, ink = coverage_colours(key)
    return f'<span class="chip" style="background:{fill};color:{ink}">{escape(state)}</span>'


def _html_nearby(title: str, listing: Listing, km: float, lang: Lang) -> str:
    body = (_html_table(listing, lang, numeric_last=True) if listing.rows
            else f'<p class="small">{escape(report_text("none_nearby", lang, km=km))}</p>')
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def zone_profile_html(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, today: date | None = None) -> str:
    """A self-contained, print-ready one-page HTML profile (A4; no external CSS, JS, fonts or images).

    Every data string is HTML-escaped; the map is inline SVG drawn by `atlas.reports.svg_map`.
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
        sources += f"<li>{escape(report_text('more', lang, n=c.sources_more))}</li>"
    none = f'<p class="small">{escape(report_text("none", lang))}</p>'
    unstated = (f'<section><h2>{escape(c.headings["county_unstated"])}</h2>'
                f'<p class="small">{escape(c.headings["county_unstated_note"])}</p>'
                f'{_html_table(c.county_unstated, lang)}</section>') if c.county_unstated.rows else ""
    return f"""<!DOCTYPE html>
<html lang="{'zh-Hans' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(c.title)}</title><style>{CSS}</style></head><body>
<header><h1>{escape(c.title)}</h1><p class="sub">{escape(c.subtitle)}</p>
<p><b>{escape(c.position)}</b></p><p>{escape(c.position_note)}</p></header>
<div class="grid"><figure style="margin:0">{zone_map_svg(atlas, profile, lang=lang)}
<figcaption class="small">{escape(report_text("map_caption", lang))}</figcaption></figure>
<div><h2>{escape(c.headings["key_figures"])}</h2><table>{figures}</table>
<h2>{escape(c.headings["chain"])}</h2>{f"<table>{chain}</table>" if c.chain else none}</div></div>
<section><h2>{escape(c.headings["roles"])}</h2>{roles or none}</section>
<section><h2>{escape(c.headings["projects"])}</h2>{_html_table(c.projects, lang) if c.projects.rows else none}</section>
{unstated}
<div class="pair">{_html_nearby(c.headings["nearby_deposits"], c.deposits, profile.nearby_km, lang)}
{_html_nearby(c.headings["nearby_recycling_bases"], c.bases, profile.nearby_km, lang)}</div>
<section><h2>{escape(c.headings["sources"])}</h2><ul class="sources">{sources}</ul></section>
<footer>{escape(c.footer)}</footer>
</body></html>
"""
