"""The project layer of a registry too big to send whole: the current view's points, or counts per grid cell.

Up to `settings.MAP_LARGE_POINTS` projects the map carries every project (`atlas.maps.points`, ~18 bytes
a point). Beyond that the app sends only what the view needs, recomputed from the bounds and zoom the
map reports after each pan or zoom (`view_from_map_state`):

* the projects inside the view (padded by half a view on each side, so a short pan shows points
  before the redraw arrives), as the same canvas point layer, when there are at most
  `settings.MAP_VIEW_POINTS_MAX` of them;
* otherwise counts per cell of a square grid (`bin_points`) drawn as coloured squares on the canvas.

The grid is Leaflet's own Web Mercator pixel grid at the view's zoom: cells are `MAP_BIN_CELL_PX`
screen pixels square, so they look square and stay the same size on screen at every zoom. Their
ground area shrinks with cos²(latitude) — about ±4 % across Guizhou — so a count is a count per
cell, not a density. Everything here is pure: lon/lat arrays and frames in, arrays and folium
elements out; Web Mercator appears only in `mercator_pixels`, and only for drawing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from atlas.core.i18n import t
from atlas.core.schema import Lang, Layer
from atlas.core.settings import GUIZHOU_BOUNDS, MAP_BIN_CELL_PX, MAP_LARGE_POINTS, MAP_VIEW_POINTS_MAX
from atlas.geo.datum import wgs84_to_gcj02
from atlas.maps.layers import layer_name
from atlas.maps.points import SIGNAL_DRAWN_JS, CanvasPoints, project_payload
from atlas.maps.popups import script_json

TILE_PX: Final[int] = 256
"""Leaflet's Web Mercator: the world is 256 · 2^zoom pixels wide."""
MAX_LATITUDE: Final[float] = 85.0511287798
BIN_COLOURS: Final[tuple[str, ...]] = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
"""Light to dark (ColorBrewer YlOrRd): few to many projects in a cell."""
MapMode = Literal["all", "points", "bins"]


@dataclass(frozen=True)
class MapView:
    """What the map shows: a lon/lat box (west < east, south < north) and Leaflet's zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: float

    def padded(self, fraction: float = 0.5) -> MapView:
        """The box grown by `fraction` of its width and height on every side (clamped to valid lon/lat)."""
        dx, dy = (self.east - self.west) * fraction, (self.north - self.south) * fraction
        return MapView(max(self.west - dx, -180.0), max(self.south - dy, -MAX_LATITUDE),
                       min(self.east + dx, 180.0), min(self.north + dy, MAX_LATITUDE), self.zoom)


DEFAULT_VIEW: Final[MapView] = MapView(*GUIZHOU_BOUNDS, zoom=7.0)
"""Before the map first reports its bounds: all of Guizhou."""


def view_from_map_state(state: Mapping[str, Any] | None, *, default: MapView = DEFAULT_VIEW) -> MapView:
    """The view that streamlit-folium reported (``{"bounds": {"_southWest": {...}, "_northEast": {...}}, "zoom"}``).

    Anything missing, non-numeric or degenerate (the component's placeholder before the map drew)
    gives `default`.
    """
    try:
        bounds, zoom = (state or {})["bounds"], float((state or {})["zoom"])
        south, west = float(bounds["_southWest"]["lat"]), float(bounds["_southWest"]["lng"])
        north, east = float(bounds["_northEast"]["lat"]), float(bounds["_northEast"]["lng"])
    except (KeyError, TypeError, ValueError):
        return default
    if not all(map(math.isfinite, (west, south, east, north, zoom))) or west >= east or south >= north:
        return default
    return MapView(west, south, east, north, zoom)


def in_view(lon: np.ndarray, lat: np.ndarray, view: MapView) -> np.ndarray:
    """Which points lie in the box (edges included; NaN never)."""
    result: np.ndarray = (lon >= view.west) & (lon <= view.east) & (lat >= view.south) & (lat <= view.north)
    return result


def mercator_pixels(lon: np.ndarray, lat: np.ndarray, *, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Leaflet's world pixel coordinates (EPSG:3857, 256-pixel tiles) of lon/lat at an integer zoom."""
    size = TILE_PX * 2.0**zoom
    sin = np.sin(np.radians(np.clip(lat, -MAX_LATITUDE, MAX_LATITUDE)))
    x = (lon + 180.0) / 360.0 * size
    y = (0.5 - np.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


@dataclass(frozen=True)
class Bins:
    """Counts per square cell of `cell_px` pixels of the Web Mercator grid at `zoom`; cell (ix, iy) spans
    world pixels [ix·cell_px, (ix+1)·cell_px) × [iy·cell_px, (iy+1)·cell_px)."""

    zoom: int
    cell_px: int
    ix: np.ndarray
    iy: np.ndarray
    count: np.ndarray

    @property
    def total(self) -> int:
        return int(self.count.sum())


def bin_points(lon: np.ndarray, lat: np.ndarray, *, zoom: int, cell_px: int = MAP_BIN_CELL_PX) -> Bins:
    """Count the points with finite lon/lat per grid cell (cells without a point are left out)."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    x, y = mercator_pixels(lon[finite], lat[finite], zoom=zoom)
    ix, iy = np.floor(x / cell_px).astype(np.int64), np.floor(y / cell_px).astype(np.int64)
    cells, count = np.unique(ix * (1 << 32) + iy, return_counts=True)
    return Bins(zoom, cell_px, cells >> 32, cells & 0xFFFFFFFF, count)


def choose_mode(total: int, in_view_count: int, *, large: int = MAP_LARGE_POINTS,
                view_max: int = MAP_VIEW_POINTS_MAX) -> MapMode:
    """``all`` projects when the registry is small, else ``points`` of the view when few enough, else ``bins``.

    Zooming in shrinks the view and so the count in it: low zooms get bins, high zooms points.
    """
    if total <= large:
        return "all"
    return "points" if in_view_count <= view_max else "bins"


def bin_breaks(count: np.ndarray, *, classes: int = len(BIN_COLOURS)) -> list[int]:
    """Upper bounds of `classes` colour classes, evenly spaced in log(count) from 1 to the largest count."""
    top = int(count.max()) if len(count) else 1
    bounds = np.unique(np.ceil(np.logspace(0, math.log10(max(top, 1)), classes + 1)[1:]).astype(int))
    return [int(b) for b in bounds] or [1]


def bins_payload(bins: Bins, *, lang: Lang) -> dict[str, object]:
    """JSON-ready cells for `CanvasBins`: offsets from the first cell, counts, colour classes and labels."""
    ox = int(bins.ix.min()) if len(bins.ix) else 0
    oy = int(bins.iy.min()) if len(bins.iy) else 0
    breaks = bin_breaks(bins.count)
    return {
        "z": bins.zoom, "c": bins.cell_px, "ox": ox, "oy": oy,
        "x": (bins.ix - ox).tolist(), "y": (bins.iy - oy).tolist(), "n": bins.count.tolist(),
        "b": breaks, "col": list(BIN_COLOURS[len(BIN_COLOURS) - len(breaks):]),
        "lab": t("map_bin_tooltip", lang, count="{count}"), "hint": t("map_bin_hint", lang),
    }


class CanvasBins(MacroElement):
    """Grid cells as coloured squares on the map's canvas, with the count of a cell as its tooltip.

    One `L.Path` holds all cells (as `CanvasPoints` does for points); a cell's corners are
    Leaflet world pixels of the zoom it was binned at, scaled to the current zoom, so the squares
    stay in place while a zoom animation runs and until the next view's cells arrive.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.signal_js }}
        (function () {
            var B = JSON.parse({{ this.data_js }});
            var Cells = L.Path.extend({
                initialize: function () {
                    L.setOptions(this, {interactive: true, bubblingMouseEvents: true});
                    this._n = B.n.length;
                    this._hit = -1;
                    this.on("mouseover mousemove", this._syncTooltip, this);
                },
                beforeAdd: function (map) {
                    if (!this.options.renderer && !(map.getRenderer(this) instanceof L.Canvas)) {
                        this.options.renderer = L.canvas();
                    }
                    L.Path.prototype.beforeAdd.call(this, map);
                },
                _colour: function (count) {
                    for (var k = 0; k < B.b.length; k++) { if (count <= B.b[k]) { return B.col[k]; } }
                    return B.col[B.col.length - 1];
                },
                _project: function () {
                    var map = this._map, scale = Math.pow(2, map.getZoom() - B.z), o = map.getPixelOrigin();
                    this._size = B.c * scale;
                    this._left = new Float64Array(this._n);
                    this._top = new Float64Array(this._n);
                    var b = new L.Bounds();
                    for (var i = 0; i < this._n; i++) {
                        this._left[i] = (B.ox + B.x[i]) * B.c * scale - o.x;
                        this._top[i] = (B.oy + B.y[i]) * B.c * scale - o.y;
                        b.extend([this._left[i], this._top[i]]);
                        b.extend([this._left[i] + this._size, this._top[i] + this._size]);
                    }
                    this._pxBounds = this._n ? b : null;
                },
                _update: function () { if (this._map) { this._updatePath(); } },
                _empty: function () { return !this._n || !this._pxBounds; },
                _updatePath: function () {
                    var r = this._renderer;
                    if (!r._drawing || this._empty()) { return; }
                    var ctx = r._ctx, vb = r._bounds, s = this._size;
                    ctx.globalAlpha = 0.75;
                    for (var k = 0; k < B.col.length; k++) {
                        ctx.beginPath();
                        for (var i = 0; i < this._n; i++) {
                            var x = this._left[i], y = this._top[i];
                            if (x + s < vb.min.x || x > vb.max.x || y + s < vb.min.y || y > vb.max.y) { continue; }
                            if (this._colour(B.n[i]) !== B.col[k]) { continue; }
                            ctx.rect(x, y, s, s);
                        }
                        ctx.fillStyle = B.col[k];
                        ctx.fill();
                    }
                    ctx.globalAlpha = 1;
                    if (!this._signalled) { this._signalled = true; atlasSignalDrawn(this._map, "bins", this._n); }
                },
                _containsPoint: function (p) {
                    this._hit = -1;
                    for (var i = 0; i < this._n; i++) {
                        if (p.x >= this._left[i] && p.x < this._left[i] + this._size
                            && p.y >= this._top[i] && p.y < this._top[i] + this._size) { this._hit = i; break; }
                    }
                    return this._hit >= 0;
                },
                _syncTooltip: function () {
                    if (this._hit < 0 || !this.getTooltip()) { return; }
                    var d = document.createElement("div");
                    var b = document.createElement("b");
                    b.textContent = B.lab.replace("{count}", B.n[this._hit].toLocaleString());
                    var hint = document.createElement("div");
                    hint.textContent = B.hint;
                    hint.style.color = "#555";
                    d.appendChild(b);
                    d.appendChild(hint);
                    this.setTooltipContent(d);
                }
            });
            new Cells().bindTooltip(" ", {sticky: true}).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "CanvasBins"
        self.payload = payload
        self.signal_js = SIGNAL_DRAWN_JS
        self.data_js = script_json(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True)
class ViewLayer:
    """The project layer built for one view, and what it holds (for captions and benchmarks)."""

    group: folium.FeatureGroup
    mode: MapMode
    in_view: int
    """Projects inside the padded view."""
    drawn: int
    """Points drawn, or cells drawn in ``bins`` mode."""


def project_group_for_view(projects: pd.DataFrame, view: MapView, *, lang: Lang, basemap: str = "none",
                           name: str | None = None) -> ViewLayer:
    """The projects layer for `view`: all projects (small registry), the view's points, or its cell counts.

    Parameters
    ----------
    projects
        The filtered projects (WGS84 lon/lat).
    view
        The map's current view, in the map's display coordinates (GCJ-02 on the "amap" basemap).
    lang
        Language of labels.
    basemap
        "amap" shifts positions to GCJ-02 first, as `atlas.maps.atlas_map.build_layer_groups` does.
    name
        Name of the feature group (default: the projects layer's name, as `build_layer_groups` gives it).
    """
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    if basemap == "amap":
        shifted = wgs84_to_gcj02(lon=lon, lat=lat)
        lon, lat = np.asarray(shifted.lon, dtype=float), np.asarray(shifted.lat, dtype=float)
    group = folium.FeatureGroup(name=name or layer_name(Layer.PROJECTS, lang), atlas_layer=Layer.PROJECTS.value)
    if len(projects) <= MAP_LARGE_POINTS:
        shown = projects.assign(lon=lon, lat=lat)
        group.add_child(CanvasPoints(project_payload(shown, lang=lang)))
        return ViewLayer(group, "all", len(projects), len(projects))
    inside = np.flatnonzero(in_view(lon, lat, view.padded()))
    mode = choose_mode(len(projects), len(inside))
    if mode == "points":
        shown = projects.iloc[inside].assign(lon=lon[inside], lat=lat[inside])
        group.add_child(CanvasPoints(project_payload(shown, lang=lang)))
        return ViewLayer(group, mode, len(inside), len(inside))
    bins = bin_points(lon[inside], lat[inside], zoom=max(0, round(view.zoom)))
    group.add_child(CanvasBins(bins_payload(bins, lang=lang)))
    return ViewLayer(group, mode, len(inside), len(bins.count))
