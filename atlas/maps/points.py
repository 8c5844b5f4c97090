"""The project layer as one compact JSON payload drawn by a small batched canvas layer.

Designed for 100 000 points: a `folium.Marker` per point would emit ~1 kB of JavaScript each,
and even 100 000 `L.circleMarker`s are too slow to paint (see `CanvasPoints`). Instead the
payload holds parallel arrays, and one custom `L.Path` in the map's canvas renderer
(``preferCanvas``) draws them all, with one tooltip and one popup whose content is built on
demand from the payload (text is escaped or set with ``textContent``, never trusted as HTML).

Payload (see `project_payload`):

``s``, ``ox``, ``oy``
    Coordinates are quantised to 1/``s`` degree (``s`` = 10 000, about 11 m); a point's
    longitude is ``(ox + X) / s`` and latitude ``(oy + y) / s``. Points are sorted by longitude
    and ``x`` holds the *differences* of X (small numbers, 1–2 digits). This JS is where the
    payload's lon/lat become Leaflet's ``[lat, lng]``.
``k``, ``keys``
    Per point, an index into ``keys``: the distinct (cluster set, status, precision) triples,
    most frequent first, each an index into ``c`` (colour, label), ``st`` (status label) and
    ``p`` (precision label, is-exact flag).
``ip``, ``i``, ``n``
    Ids as a shared prefix plus per-point remainders; names in the map language.
``r``, ``lab``
    Dot radius in pixels; field labels of the popup.
``cid``, ``sid``
    The cluster ids of each ``c`` entry and the status id of each ``st`` entry, for filters applied in the
    browser (the static site's legend, `atlas.site`).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from atlas.analysis.project_index import factorize_cells
from atlas.core.i18n import column_label
from atlas.core.palette import status_colour
from atlas.core.schema import (
    CLUSTER_COLOURS,
    NO_CLUSTER_COLOUR,
    ClusterType,
    Lang,
    PositionPrecision,
    label,
)
from atlas.core.settings import MAP_NAMED_POINTS_MAX
from atlas.maps.popups import cell_text, script_json, ui

COORD_SCALE: Final[int] = 10_000
"""Quantisation of payload coordinates: 1e-4 degree, about 11 m, finer than any stored position."""
POINT_RADIUS_PX: Final[float] = 4.5
"""Radius of a project dot on screen."""
MULTI_CLUSTER_COLOUR: Final[str] = "#444444"
"""Dark grey for a record in several clusters (points cannot show segments; zone markers do)."""


def cluster_set(value: object) -> tuple[str, ...]:
    """The cluster types of a cell, in the schema's order, unknown ones last (as given)."""
    items = value if isinstance(value, list | tuple) else ([] if not cell_text(value) else [value])
    return _ordered_clusters(tuple(str(v) for v in items))


@functools.cache
def _ordered_clusters(items: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: 100 000 projects share a handful of distinct cluster lists.
    known = [c.value for c in ClusterType if c.value in items]
    return (*known, *sorted(set(items) - set(known)))


def names_in(frame: pd.DataFrame, lang: Lang) -> list[str]:
    """Vectorised `name_in`: each row's name in `lang`, else in the other language, on one line."""
    first, second = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")

    def column(name: str) -> pd.Series:
        values = frame[name] if name in frame.columns else pd.Series("", index=frame.index)
        return values.astype("string").fillna("").str.replace(r"\s+", " ", regex=True).str.strip()

    chosen, fallback = column(first), column(second)
    return [str(v) for v in chosen.where(chosen != "", fallback)]


def cluster_colour(clusters: tuple[str, ...]) -> str:
    """One cluster: its colour; several: dark grey; none or unknown: light grey."""
    if len(clusters) > 1:
        return MULTI_CLUSTER_COLOUR
    if clusters:
        return CLUSTER_COLOURS.get(clusters[0], NO_CLUSTER_COLOUR)
    return NO_CLUSTER_COLOUR


def _codes(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct values in order of first appearance, and each row's index into them."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return [str(v) for v in uniques], codes


def _per_value(column: pd.Series, function: Callable[[object], str]) -> np.ndarray:
    """`function` of every cell, evaluated once per distinct cell (an object array, row-aligned)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return np.asarray([function(v) for v in uniques], dtype=object)[codes] if len(codes) else np.zeros(0, object)


def _by_frequency(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct codes, most frequent first (ties: first seen first, as `Counter.most_common`), and each row's
    index into them."""
    first_seen, distinct = pd.factorize(codes)
    counts = np.bincount(first_seen, minlength=len(distinct))
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.asarray(distinct, dtype=np.int64)[order], rank[first_seen]


def _texts(column: pd.Series) -> list[str]:
    """`cell_text` of each cell; a column without missing values is stripped in one vectorised pass."""
    if len(column) and not column.isna().any():
        return column.astype(str).str.strip().tolist()
    return [str(v) for v in _per_value(column, cell_text)]


def project_payload(projects: pd.DataFrame, *, lang: Lang, names: bool | None = None) -> dict[str, object]:
    """Encode the drawable projects (finite lon/lat) as the compact payload described above.

    Parameters
    ----------
    projects
        Rows with PROJECT_COLUMNS; ``cluster_types`` cells are lists.
    lang
        Language of names and labels.
    names
        Carry the names for tooltips and popups (``n``). None (default): only up to
        `atlas.core.settings.MAP_NAMED_POINTS_MAX` points, because names cost 30–60 bytes a point
        against ~18 for everything else; without them the tooltip and popup show the id, and the
        app's card (a click) shows the whole record.

    Returns
    -------
    dict
        JSON-ready payload; ``n`` is empty-safe (a map with no projects gets empty arrays).
    """
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    drawable = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    xi = np.rint(lon[drawable] * COORD_SCALE).astype(np.int64)
    yi = np.rint(lat[drawable] * COORD_SCALE).astype(np.int64)
    order = np.lexsort((yi, xi))
    used = [c for c in ("id", "name_zh", "name_en", "cluster_types", "status", "position_precision") if c in projects]
    rows, xi, yi = pd.DataFrame(projects[used]).iloc[drawable[order]], xi[order], yi[order]
    ox = int(xi.min()) if len(xi) else 0
    oy = int(yi.min()) if len(yi) else 0

    cell_codes, cells = factorize_cells(rows["cluster_types"].to_numpy(dtype=object))
    cell_combos = np.asarray(["|".join(cluster_set(cell)) for cell in cells], dtype=object)
    combos, combo_of = _codes(cell_combos[cell_codes] if len(cell_codes) else np.zeros(0, object))
    statuses, status_of = _codes(_per_value(rows["status"], lambda v: cell_text(v) or "unknown"))
    precisions, precision_of = _codes(
        _per_value(rows["position_precision"], lambda v: cell_text(v) or PositionPrecision.REGION.value))
    triple = (combo_of.astype(np.int64) * len(statuses) + status_of) * len(precisions) + precision_of
    key_codes, key_of = _by_frequency(triple)
    keys = np.column_stack([key_codes // (len(statuses) * len(precisions)),
                            key_codes // len(precisions) % len(statuses), key_codes % len(precisions)])

    ids = _texts(rows["id"])
    # Character-wise on purpose: "prj-000123" and "prj-000999" share "prj-000".
    prefix = os.path.commonprefix(ids) if len(ids) > 1 else ""  # noqa: RUF071
    with_names = len(rows) <= MAP_NAMED_POINTS_MAX if names is None else names
    return {
        "s": COORD_SCALE,
        "r": POINT_RADIUS_PX,
        "ox": ox,
        "oy": oy,
        "x": np.diff(xi - ox, prepend=0).tolist(),
        "y": (yi - oy).tolist(),
        "k": key_of.tolist(),
        "keys": keys.tolist(),
        "c": [_combo_entry(c, lang) for c in combos],
        "cid": [[v for v in c.split("|") if v] for c in combos],
        "st": [label(s, lang) for s in statuses],
        "sc": [status_colour(s) for s in statuses],
        "sid": statuses,
        "p": [[label(p, lang), p == PositionPrecision.EXACT] for p in precisions],
        "ip": prefix,
        "i": [i[len(prefix):] for i in ids],
        "n": names_in(rows, lang) if with_names else [],
        "lab": {key: column_label(key, lang) for key in ("id", "cluster_types", "status", "position_precision")},
    }


def _combo_entry(combo: str, lang: Lang) -> list[str]:
    clusters = tuple(c for c in combo.split("|") if c)
    text = "；".join(label(c, lang) for c in clusters) if lang == "zh" else "; ".join(
        label(c, lang) for c in clusters)
    return [cluster_colour(clusters), text or ui("no_cluster", lang)]


class CanvasPoints(MacroElement):
    """Draw a `project_payload` into the parent feature group as one batched canvas layer.

    One `L.Path` subclass holds every point and lives in the map's shared canvas renderer (so
    it pans, zooms, animates and stacks with the boundaries like any vector layer), but draws
    all points of a style with a single fill and stroke and finds the point under the mouse in
    a pixel grid. Measured in headless Chromium without GPU, 100 000 `L.circleMarker`s took
    10–13 s to first paint and 1–2 s per redraw; this layer draws them in a fraction of that.
    Leaflet's own events carry the hovered point: ``getLatLng`` returns it, so clicks report the
    point's position (not the mouse's) to popups and to streamlit-folium.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.signal_js }}
        (function () {
            var P = JSON.parse({{ this.data_js }});
            P.n = {{ this.names_js }}.split("\\n");
            P.i = {{ this.ids_js }}.split("\\n");
            function esc(s) {
                return String(s).replace(/[&<>"']/g, function (c) {
                    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
                });
            }
            function nameOf(i) { return P.n[i] || (P.ip + P.i[i]); }  // large layers carry ids only
            function el(tag, text, css) {
                var e = document.createElement(tag);
                if (text !== null) { e.textContent = text; }
                if (css) { e.style.cssText = css; }
                return e;
            }
            var CELL = 16;
            var Cloud = L.Path.extend({
                initialize: function () {
                    L.setOptions(this, {interactive: true, bubblingMouseEvents: true});
                    var n = P.y.length, x = 0, i;
                    this._n = n;
                    this._lat = new Float64Array(n);
                    this._lng = new Float64Array(n);
                    for (i = 0; i < n; i++) {
                        x += P.x[i];
                        this._lat[i] = (P.oy + P.y[i]) / P.s;
                        this._lng[i] = (P.ox + x) / P.s;
                    }
                    this._styles = P.keys.map(function (k) {
                        var exact = P.p[k[2]][1], colour = P.c[k[0]][0];
                        return {fill: colour, fillOpacity: exact ? 0.9 : 0.15,
                                stroke: exact ? "#222222" : colour, weight: exact ? 0.8 : 1.6};
                    });
                    this._byStyle = this._styles.map(function () { return []; });
                    for (i = 0; i < n; i++) { this._byStyle[P.k[i]].push(i); }
                    this._hit = -1;
                    this._shown = -1;
                    this.on("mouseover mousemove", this._syncTooltip, this);
                    this.on("click", this._syncPopup, this);
                },
                beforeAdd: function (map) {
                    if (!this.options.renderer && !(map.getRenderer(this) instanceof L.Canvas)) {
                        this.options.renderer = L.canvas();
                    }
                    L.Path.prototype.beforeAdd.call(this, map);
                },
                getLatLng: function () {
                    var i = this._hit;
                    return i < 0 ? null : L.latLng(this._lat[i], this._lng[i]);
                },
                getBounds: function () {
                    var b = L.latLngBounds([]);
                    for (var i = 0; i < this._n; i++) { b.extend([this._lat[i], this._lng[i]]); }
                    return b;
                },
                _project: function () {
                    var map = this._map, n = this._n, i, p;
                    var px = this._px = new Float64Array(n), py = this._py = new Float64Array(n);
                    var grid = this._grid = new Map(), b = new L.Bounds();
                    for (i = 0; i < n; i++) {
                        p = map.latLngToLayerPoint([this._lat[i], this._lng[i]]);
                        px[i] = p.x; py[i] = p.y;
                        b.extend(p);
                        var key = Math.floor(p.x / CELL) + "," + Math.floor(p.y / CELL);
                        var cell = grid.get(key);
                        if (cell) { cell.push(i); } else { grid.set(key, [i]); }
                    }
                    var pad = P.r + 2;
                    this._pxBounds = n ? L.bounds(b.min.subtract([pad, pad]), b.max.add([pad, pad])) : null;
                },
                _update: function () { if (this._map) { this._updatePath(); } },
                _empty: function () { return !this._n || !this._pxBounds; },
                _sprite: function (st, m) {
                    // Each style pre-drawn once, as the list of its non-transparent pixels at the canvas's
                    // device scale `m`; points are stamped into the canvas's pixels in one pass below.
                    var cache = this._sprites || (this._sprites = {});
                    var key = [st.fill, st.fillOpacity, st.stroke, st.weight, m].join("|");
                    if (cache[key]) { return cache[key]; }
                    var css = Math.ceil(2 * (P.r + st.weight) + 2), size = Math.ceil(css * m);
                    var c = document.createElement("canvas");
                    c.width = c.height = size;
                    var g = c.getContext("2d");
                    g.scale(m, m);
                    g.beginPath();
                    g.arc(css / 2, css / 2, P.r, 0, Math.PI * 2);
                    g.globalAlpha = st.fillOpacity;
                    g.fillStyle = st.fill;
                    g.fill();
                    g.globalAlpha = 0.95;
                    g.lineWidth = st.weight;
                    g.strokeStyle = st.stroke;
                    g.stroke();
                    var px = g.getImageData(0, 0, size, size).data, cells = [];
                    for (var i = 0; i < size * size; i++) {
                        if (px[4 * i + 3]) {
                            cells.push(i % size, Math.floor(i / size), px[4 * i], px[4 * i + 1], px[4 * i + 2],
                                       px[4 * i + 3] / 255);
                        }
                    }
                    return (cache[key] = {cells: cells, half: size / 2});
                },
                _updatePath: function () {
                    var r = this._renderer;
                    if (!r._drawing || this._empty()) { return; }
                    // Stamping 10^5 points as pixels (source-over, by hand) into the part of the canvas being
                    // redrawn takes a fraction of the time of 10^5 drawImage or arc calls on a software canvas.
                    var ctx = r._ctx, b = r._bounds, m = ctx.canvas.width / Math.max(b.getSize().x, 1);
                    var region = r._redrawBounds || b, W = ctx.canvas.width, H = ctx.canvas.height;
                    var x0 = Math.max(0, Math.floor((region.min.x - b.min.x) * m));
                    var y0 = Math.max(0, Math.floor((region.min.y - b.min.y) * m));
                    var x1 = Math.min(W, Math.ceil((region.max.x - b.min.x) * m));
                    var y1 = Math.min(H, Math.ceil((region.max.y - b.min.y) * m));
                    if (x1 <= x0 || y1 <= y0) { return; }
                    var w = x1 - x0, img = ctx.getImageData(x0, y0, w, y1 - y0), d = img.data;
                    for (var s = 0; s < this._styles.length; s++) {
                        var idx = this._byStyle[s], sp = this._sprite(this._styles[s], m), cells = sp.cells;
                        var reach = sp.half + 1;
                        for (var j = 0; j < idx.length; j++) {
                            var cx = (this._px[idx[j]] - b.min.x) * m, cy = (this._py[idx[j]] - b.min.y) * m;
                            if (cx < x0 - reach || cx > x1 + reach || cy < y0 - reach || cy > y1 + reach) { continue; }
                            var ox = Math.round(cx - sp.half) - x0, oy = Math.round(cy - sp.half) - y0;
                            for (var k = 0; k < cells.length; k += 6) {
                                var X = ox + cells[k], Y = oy + cells[k + 1];
                                if (X < 0 || Y < 0 || X >= w || Y >= y1 - y0) { continue; }
                                var o = 4 * (Y * w + X), a = cells[k + 5], da = d[o + 3];
                                if (da === 0 || a === 1) {  // nothing under it, or it covers: a copy
                                    d[o] = cells[k + 2]; d[o + 1] = cells[k + 3]; d[o + 2] = cells[k + 4];
                                    d[o + 3] = a * 255;
                                    continue;
                                }
                                var keep = da / 255 * (1 - a), out = a + keep;
                                d[o] = (cells[k + 2] * a + d[o] * keep) / out;
                                d[o + 1] = (cells[k + 3] * a + d[o + 1] * keep) / out;
                                d[o + 2] = (cells[k + 4] * a + d[o + 2] * keep) / out;
                                d[o + 3] = out * 255;
                            }
                        }
                    }
                    ctx.putImageData(img, x0, y0);
                    if (!this._signalled) { this._signalled = true; atlasSignalDrawn(this._map, "points", this._n); }
                },
                _containsPoint: function (p) {
                    if (!this._grid) { return false; }
                    var cx = Math.floor(p.x / CELL), cy = Math.floor(p.y / CELL);
                    var best = -1, bestD = (P.r + 3) * (P.r + 3);
                    for (var dx = -1; dx <= 1; dx++) {
                        for (var dy = -1; dy <= 1; dy++) {
                            var cell = this._grid.get((cx + dx) + "," + (cy + dy));
                            if (!cell) { continue; }
                            for (var j = 0; j < cell.length; j++) {
                                var i = cell[j], ddx = this._px[i] - p.x, ddy = this._py[i] - p.y;
                                var d = ddx * ddx + ddy * ddy;
                                if (d <= bestD) { bestD = d; best = i; }
                            }
                        }
                    }
                    this._hit = best;
                    return best >= 0;
                },
                _syncTooltip: function () {
                    if (this._hit === this._shown || this._hit < 0 || !this.getTooltip()) { return; }
                    this._shown = this._hit;
                    var i = this._hit, k = P.keys[P.k[i]];
                    this.setTooltipContent("<b>" + esc(nameOf(i)) + '</b><div style="color:#555">'
                                           + esc(P.c[k[0]][1]) + "</div>");
                },
                _syncPopup: function () {
                    if (this._hit < 0 || !this.getPopup()) { return; }
                    var i = this._hit, k = P.keys[P.k[i]];
                    var d = el("div", null, "min-width:200px;max-width:340px;font-size:13px;line-height:1.4");
                    d.appendChild(el("div", nameOf(i), "font-weight:bold;font-size:14px"));
                    [[P.lab.id, P.ip + P.i[i]], [P.lab.cluster_types, P.c[k[0]][1]],
                     [P.lab.status, P.st[k[1]], P.sc[k[1]]],
                     [P.lab.position_precision, P.p[k[2]][0]]].forEach(function (r) {
                        var row = el("div", null, "margin-top:3px");
                        row.appendChild(el("b", r[0] + ": ", ""));
                        if (r[2]) {  /* the status's colour, as in the charts and the gap matrix */
                            row.appendChild(el("span", "", "display:inline-block;width:.75em;height:.75em;"
                                + "border-radius:50%;margin-right:4px;vertical-align:-1px;border:1px solid #555;"
                                + "background:" + r[2]));
                        }
                        row.appendChild(document.createTextNode(r[1]));
                        d.appendChild(row);
                    });
                    this.setPopupContent(d);
                }
            });
            new Cloud()
                .bindTooltip(" ", {sticky: true})
                .bindPopup(" ", {maxWidth: 360, maxHeight: 280})
                .addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "CanvasPoints"
        self.payload = payload
        self.signal_js = SIGNAL_DRAWN_JS
        # Numbers and tables go through JSON.parse of a string: V8 parses a multi-megabyte array
        # *literal* in seconds, the same JSON in milliseconds. Names and ids are plain string
        # literals joined by newlines (2 bytes per item instead of JSON's quotes and commas).
        tables = {key: value for key, value in payload.items() if key not in ("n", "i")}
        self.data_js = script_json(json.dumps(tables, ensure_ascii=False, separators=(",", ":")))
        self.names_js = script_json(_lines(payload["n"]))  # type: ignore[arg-type]
        self.ids_js = script_json(_lines(payload["i"]))  # type: ignore[arg-type]


SIGNAL_DRAWN_JS: Final[str] = """
if (!window.atlasSignalDrawn) {
    // A layer's first complete draw, after the browser painted it (the next animation frame): tests and
    // `make bench` wait for this. The map container counts draws in data-atlas-draws and names the last layer.
    window.atlasSignalDrawn = function (map, kind, count) {
        requestAnimationFrame(function () {
            var c = map.getContainer();
            c.dataset.atlasDraws = String((+c.dataset.atlasDraws || 0) + 1);
            c.dataset.atlasLastDraw = kind + ":" + count;
            window.atlasLastDrawnAt = performance.now();
        });
    };
}
"""
"""Defines ``atlasSignalDrawn(map, kind, count)`` once per page; each canvas layer calls it after its first draw."""


_OTHER_LINE_BREAKS: Final[re.Pattern[str]] = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _lines(values: list[object]) -> str:
    """The values joined by newlines, each on one line (`_one_line`), joined directly when none holds a break."""
    joined = "\n".join(str(v) for v in values)
    if joined.count("\n") == max(len(values) - 1, 0) and _OTHER_LINE_BREAKS.search(joined) is None:
        return joined
    return "\n".join(_one_line(v) for v in values)


def _one_line(value: object) -> str:
    return " ".join(str(value).splitlines())
