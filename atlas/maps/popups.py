"""Escaped HTML and script-safe JSON for the map: tooltips, popup cards and their Leaflet bindings.

Every string that comes from the data passes through `esc` (HTML text) or `script_json`
(inside ``<script>``) before it reaches the page. folium's own `Tooltip` and `Popup` are not
used: they paste raw text into JavaScript template literals (a backtick or ``${`` in a name
breaks or injects code) and `Popup` needs jQuery, which the offline map does not load.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, cast

import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from atlas.core.schema import LIST_SEPARATOR, Lang

UI_LABELS: Final[dict[str, tuple[str, str]]] = {
    "legend": ("图例", "Legend"),
    "several": ("多个集群", "several clusters"),
    "no_cluster": ("无集群归属", "no cluster"),
    "exact_symbol": ("实心：精确位置", "solid: exact site"),
    "approx_symbol": (
        "空心虚线：近似位置（园区/乡镇/县/市州/区域）",
        "hollow, dashed: approximate (zone, town, county, prefecture, region)",
    ),
    "ring_symbol": ("虚线圆：位置误差范围", "dashed circle: uncertainty radius"),
    "area_symbol": ("虚线区域：多县资源区", "dashed area: multi-county resource area"),
    "zones_n": ("园区", "zones"),
    "projects_n": ("项目", "projects"),
    "layers": ("图层", "Layers"),
    "offline_note": ("无底图：仅行政区划（离线可用）", "No basemap: admin boundaries only (works offline)"),
    "uncertainty": ("误差半径", "uncertainty radius"),
    "quantity": ("资源量", "Quantity"),
    "counties": ("涉及县（市、区）", "Counties"),
}
"""Words of the map's own interface (not of the data), in zh and en."""


def ui(key: str, lang: Lang) -> str:
    """A word of the map interface in `lang`."""
    zh, en = UI_LABELS[key]
    return zh if lang == "zh" else en


def esc(value: object) -> str:
    """HTML-escape any cell for use as element text or a quoted attribute.

    Backtick and dollar are escaped as well, because a careless consumer may still put the
    result in a JavaScript template literal (folium does); NaN and None become "".
    """
    text = cell_text(value)
    return html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;")


def cell_text(value: object) -> str:
    """A cell as display text: "" for None, NaN and empty lists; lists joined with '; '."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value if cell_text(v))
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def number_text(value: object) -> str:
    """A number without a useless ``.0``; "" when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return cell_text(value)


def name_in(record: Any, lang: Lang) -> str:
    """`record`'s name in `lang`, falling back to the other language when that one is blank."""
    first, second = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    return cell_text(record.get(first)) or cell_text(record.get(second))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts keyed by column name (pandas types the keys as Hashable)."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def folium_location(*, lon: float, lat: float) -> list[float]:
    """The one place where lon/lat become folium's ``[lat, lon]`` order."""
    return [float(lat), float(lon)]


def script_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element and compact (UTF-8, no spaces).

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so neither ``</script>`` nor ``<!--`` can
    appear; U+2028/2029 are escaped for older JS engines.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


def source_links(value: object) -> str:
    """Escaped HTML for a ``source`` cell: http(s) URLs become links, anything else text.

    Only http and https become ``href`` (never ``javascript:``); links open in a new tab
    without giving it a handle on the map page.
    """
    parts = [p.strip() for p in cell_text(value).split(LIST_SEPARATOR) if p.strip()]
    out = []
    for part in parts:
        if part.lower().startswith(("http://", "https://")):
            out.append(f'<a href="{esc(part)}" target="_blank" rel="noopener noreferrer">{esc(part)}</a>')
        else:
            out.append(esc(part))
    return "<br>".join(out)


def card(title: str, subtitle: str, rows: Iterable[tuple[str, str]]) -> str:
    """A popup card. `title`, `subtitle` and row labels are raw text; row values are HTML
    that the caller has already escaped (so links can be kept)."""
    body = "".join(
        f'<div style="margin-top:3px"><b>{esc(label)}</b>: {value}</div>' for label, value in rows if value
    )
    sub = f'<div style="color:#555">{esc(subtitle)}</div>' if subtitle and subtitle != title else ""
    return (
        '<div style="min-width:220px;max-width:340px;font-size:13px;line-height:1.4">'
        f'<div style="font-weight:bold;font-size:14px">{esc(title)}</div>{sub}{body}</div>'
    )


def tooltip_html(title: str, lines: Sequence[str] = ()) -> str:
    """A tooltip: bold title and grey lines, all raw text escaped here."""
    rest = "".join(f'<div style="color:#555">{esc(line)}</div>' for line in lines if line)
    return f"<b>{esc(title)}</b>{rest}"


class HtmlBinding(MacroElement):
    """Bind prepared HTML to the parent layer as a tooltip or popup, passed as JSON, not pasted."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.html_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(
        self, html_text: str, *, method: Literal["bindTooltip", "bindPopup"], options: dict[str, object]
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "HtmlTooltip" if method == "bindTooltip" else "HtmlPopup"
        self.method = method
        self.html = html_text
        self.html_js = script_json(html_text)
        self.options_js = script_json(options)


def html_tooltip(html_text: str) -> HtmlBinding:
    """A sticky tooltip from already-escaped HTML."""
    return HtmlBinding(html_text, method="bindTooltip", options={"sticky": True})


POPUP_MAX_HEIGHT_PX: Final[int] = 280
"""A long zone card scrolls inside its popup instead of covering the whole map (same value in the JS layers)."""


def html_popup(html_text: str) -> HtmlBinding:
    """A popup from already-escaped HTML."""
    return HtmlBinding(html_text, method="bindPopup", options={"maxWidth": 360, "maxHeight": POPUP_MAX_HEIGHT_PX})
