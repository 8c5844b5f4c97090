"""A small static SVG map of one zone for the printed profile: outlines, uncertainty ring, nearby sites, scale.

Drawn by our own code (no tiles, no network, no JavaScript) so that the same SVG goes into the HTML page
and, through fpdf2's SVG renderer, into the PDF. Coordinates are projected to an azimuthal equidistant
projection centred on the zone: distances from the zone are true, north is up at the centre, and a
scale bar in km is honest over the ~100 km the map shows. Raw degrees are never used as x/y.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from atlas.analysis.profile import ZoneProfile
from atlas.core import settings
from atlas.core.model import Atlas
from atlas.core.safe import escape
from atlas.core.schema import Lang
from atlas.geo.geodesy import GEOD

FONT_STACK: Final[str] = ("'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei', "
                          "sans-serif")
"""CJK-capable families first; the PDF registers its embedded font under one of these names."""

RING_VERTICES: Final[int] = 120
"""Vertices of a geodesic circle: at 50 km radius the chord error is under 20 m, far below a pixel."""
SCALE_STEPS_KM: Final[tuple[float, ...]] = (1, 2, 5, 10, 20, 25, 50, 100, 200)
MAX_HALF_SIZE_KM: Final[float] = 150.0
"""Cap on the map's half-width so that one far-off item cannot shrink the zone to a dot."""

COLOURS: Final[dict[str, str]] = {
    "county": "#b8b8b8", "prefecture_fill": "#f3ead8", "own_fill": "#f7c873", "own_stroke": "#a0522d",
    "prefecture": "#6e6e6e", "province": "#222222", "zone": "#c0392b", "deposit": "#7b4a12",
    "base": "#1b7837", "nearby": "#7f7f7f",
}

LEGEND: Final[dict[str, tuple[str, str]]] = {
    "zone": ("开发区位置（存储点）", "Zone position (stored point)"),
    "ring": ("位置不确定范围 ±{km:g} 公里", "Position uncertainty ±{km:g} km"),
    "deposit": ("铝土矿资源", "Bauxite deposit"),
    "base": ("再生铝与回收基地", "Recycling base"),
    "own": ("开发区所在县", "Zone's county"),
    "prefecture": ("所在市州其他县", "Rest of the prefecture"),
    "nearby": ("{km:g} 公里范围", "{km:g} km radius"),
    "scale": ("{km:g} 公里", "{km:g} km"),
    "north": ("北", "N"),
    "projection": ("等距方位投影，以开发区为中心", "Azimuthal equidistant projection centred on the zone"),
    "title": ("{name}位置图", "Location map of {name}"),
}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(key: str, lang: Lang, **values: object) -> str:
    zh, en = LEGEND[key]
    return (zh if lang == "zh" else en).format(**values)


def _xml_text(value: object) -> str:
    """Escaped text without the control characters XML forbids (a stray one would break the PDF's SVG parser)."""
    return _CONTROL.sub("", escape(value))


@dataclass(frozen=True)
class _Frame:
    """Local projection and the affine map from its metres to SVG pixels (y down)."""

    crs: str
    half_x_m: float
    half_y_m: float
    width_px: int
    height_px: int

    @property
    def px_per_m(self) -> float:
        return self.width_px / (2 * self.half_x_m)

    def px(self, *, x_m: float, y_m: float) -> tuple[float, float]:
        return (self.width_px / 2 + x_m * self.px_per_m, self.height_px / 2 - y_m * self.px_per_m)


def local_crs(*, lon: float, lat: float) -> str:
    """Azimuthal equidistant projection centred on (lon, lat), metres, WGS84."""
    return f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"


def geodesic_circle_lonlat(*, lon: float, lat: float, radius_km: float) -> tuple[list[float], list[float]]:
    """Vertices (lons, lats) of the geodesic circle of `radius_km` around a point, via `Geod.fwd`."""
    azimuths = np.linspace(0.0, 360.0, RING_VERTICES, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(RING_VERTICES, lon), np.full(RING_VERTICES, lat), azimuths,
                             np.full(RING_VERTICES, radius_km * 1000.0))
    return [float(v) for v in lons], [float(v) for v in lats]


def _frame(atlas: Atlas, profile: ZoneProfile, *, width_px: int, height_px: int) -> _Frame:
    """Centre on the zone; show the nearby radius, the ring, the nearby items and the zone's counties."""
    zone = profile.zone
    crs = local_crs(lon=float(zone["lon"]), lat=float(zone["lat"]))
    reach_km = max(profile.nearby_km, _km(zone["uncertainty_km"]))
    items = [profile.nearby_deposits, profile.nearby_recycling_bases]
    xs, ys = _project(crs, lons=[float(v) for g in items for v in g["lon"]],
                      lats=[float(v) for g in items for v in g["lat"]])
    reach_km = max([reach_km, *(abs(v) / 1000 for v in [*xs, *ys])])
    footprint = _projected(atlas.counties[atlas.counties["adcode"].isin(set(zone["county_adcodes"]))], crs)
    if len(footprint):
        minx, miny, maxx, maxy = footprint.total_bounds
        reach_km = max([reach_km, *(abs(float(v)) / 1000 for v in (minx, miny, maxx, maxy))])
    half = min(reach_km * 1.08, MAX_HALF_SIZE_KM) * 1000.0
    aspect = width_px / height_px
    half_x, half_y = (half * aspect, half) if aspect >= 1 else (half, half / aspect)
    return _Frame(crs=crs, half_x_m=half_x, half_y_m=half_y, width_px=width_px, height_px=height_px)


def _km(value: object) -> float:
    number = float(value) if isinstance(value, int | float | str) and str(value).strip() else math.nan
    return 0.0 if math.isnan(number) else number


@functools.lru_cache(maxsize=32)
def _transformer(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(settings.STORAGE_CRS, crs, always_xy=True)


def _project(crs: str, *, lons: list[float], lats: list[float]) -> tuple[list[float], list[float]]:
    """WGS84 lon/lat → local metres (the one place this map turns degrees into x/y)."""
    if not lons:
        return [], []
    xs, ys = _transformer(crs).transform(lons, lats)
    return [float(v) for v in xs], [float(v) for v in ys]


def _projected(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    return frame.to_crs(crs) if len(frame) else frame


def _path_data(geom: BaseGeometry, frame: _Frame) -> str:
    """SVG path data of a projected (multi)polygon or line, clipped to the frame and simplified to ~½ px."""
    clipped = shapely.clip_by_rect(geom, -frame.half_x_m, -frame.half_y_m, frame.half_x_m, frame.half_y_m)
    simple = shapely.simplify(clipped, 0.5 / frame.px_per_m, preserve_topology=True)
    parts = []
    for ring in _rings(simple):
        coords = [frame.px(x_m=float(x), y_m=float(y)) for x, y in np.asarray(ring.coords)[:, :2]]
        if len(coords) >= 2:
            closed = ring.geom_type == "LinearRing"
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + ("Z" if closed else ""))
    return "".join(parts)


def _rings(geom: BaseGeometry) -> Iterable[BaseGeometry]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom.exterior, *geom.interiors]  # type: ignore[attr-defined]
    if geom.geom_type in ("LineString", "LinearRing"):
        return [geom]
    return [r for part in getattr(geom, "geoms", []) for r in _rings(part)]


def _outline_layers(atlas: Atlas, profile: ZoneProfile, frame: _Frame, lang: Lang) -> list[str]:
    zone = profile.zone
    own = set(zone["county_adcodes"])
    counties = _projected(atlas.counties, frame.crs)
    out = []
    for _, county in counties.iterrows():
        adcode = str(county["adcode"])
        if adcode in own:
            fill, stroke, width = COLOURS["own_fill"], COLOURS["own_stroke"], 1.2
        elif str(county["parent_adcode"]) == str(zone["prefecture_adcode"]):
            fill, stroke, width = COLOURS["prefecture_fill"], COLOURS["county"], 0.6
        else:
            fill, stroke, width = "none", COLOURS["county"], 0.6
        data = _path_data(county.geometry, frame)
        if data:
            out.append(f'<path d="{data}" fill="{fill}" stroke="{stroke}" stroke-width="{width}" '
                       'fill-rule="evenodd"/>')
    for layer, colour, width in ((atlas.prefectures, COLOURS["prefecture"], 1.1),
                                 (atlas.province, COLOURS["province"], 1.8)):
        for geom in _projected(layer, frame.crs).geometry:
            data = _path_data(geom.boundary, frame)
            if data:
                out.append(f'<path d="{data}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    for _, county in counties[counties["adcode"].isin(own)].iterrows():
        out += _label(county.geometry, frame, str(county.get(f"name_{lang}") or county["adcode"]))
    return out


def _label(geom: BaseGeometry, frame: _Frame, text: str) -> list[str]:
    """A county name at a point inside its visible part, white halo drawn under it (no paint-order)."""
    visible = shapely.clip_by_rect(geom, -frame.half_x_m, -frame.half_y_m, frame.half_x_m, frame.half_y_m)
    if visible.is_empty:
        return []
    point = visible.representative_point()
    x, y = frame.px(x_m=float(point.x), y_m=float(point.y))
    cx, cy = frame.px(x_m=0.0, y_m=0.0)
    if math.dist((x, y), (cx, cy)) < 24:  # a county centroid is often the zone point: keep the marker clear
        x, y = cx, cy + 7
    # Below the point: sites stored at a county centroid sit right on it.
    common = f'x="{x:.1f}" y="{y + 14:.1f}" font-size="10" text-anchor="middle"'
    return [f'<text {common} fill="#ffffff" stroke="#ffffff" stroke-width="3">{_xml_text(text)}</text>',
            f'<text {common} fill="{COLOURS["own_stroke"]}">{_xml_text(text)}</text>']


def _circle_path(frame: _Frame, *, lon: float, lat: float, radius_km: float) -> str:
    lons, lats = geodesic_circle_lonlat(lon=lon, lat=lat, radius_km=radius_km)
    xs, ys = _project(frame.crs, lons=lons, lats=lats)
    points = (frame.px(x_m=x, y_m=y) for x, y in zip(xs, ys, strict=True))
    return "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z"


def _symbols(profile: ZoneProfile, frame: _Frame, lang: Lang) -> list[str]:
    zone = profile.zone
    lon, lat, radius = float(zone["lon"]), float(zone["lat"]), _km(zone["uncertainty_km"])
    out = [f'<path id="nearby-radius" d="{_circle_path(frame, lon=lon, lat=lat, radius_km=profile.nearby_km)}" '
           f'fill="none" stroke="{COLOURS["nearby"]}" stroke-width="0.8" stroke-dasharray="2 3"/>']
    if radius > 0:
        out.append(f'<path id="uncertainty-ring" d="{_circle_path(frame, lon=lon, lat=lat, radius_km=radius)}" '
                   f'fill="{COLOURS["zone"]}" fill-opacity="0.08" stroke="{COLOURS["zone"]}" stroke-width="1.4" '
                   'stroke-dasharray="5 3"/>')
    # The zone marker is a ring drawn under the items: a deposit or base stored at the same point stays visible.
    cx, cy = frame.px(x_m=0.0, y_m=0.0)
    out.append(f'<circle id="zone-point" cx="{cx:.1f}" cy="{cy:.1f}" r="6.5" fill="#ffffff" '
               f'stroke="{COLOURS["zone"]}" stroke-width="2.2"/>')
    out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="{COLOURS["zone"]}"/>')
    for table, kind in ((profile.nearby_deposits, "deposit"), (profile.nearby_recycling_bases, "base")):
        xs, ys = _project(frame.crs, lons=[float(v) for v in table["lon"]], lats=[float(v) for v in table["lat"]])
        for (x, y), name in zip((frame.px(x_m=a, y_m=b) for a, b in zip(xs, ys, strict=True)),
                                table.get(f"name_{lang}", table["id"]), strict=True):
            out.append(f'<g class="{kind}"><title>{_xml_text(name)}</title>{_glyph(kind, x, y, size=4.2)}</g>')
    return out


def _glyph(kind: str, x: float, y: float, size: float = 5.0) -> str:
    if kind == "deposit":
        pts = f"{x:.1f},{y - size:.1f} {x + size:.1f},{y + size * 0.8:.1f} {x - size:.1f},{y + size * 0.8:.1f}"
        return f'<polygon points="{pts}" fill="{COLOURS["deposit"]}" stroke="#ffffff" stroke-width="0.8"/>'
    s = size * 0.85
    return (f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" '
            f'fill="{COLOURS["base"]}" stroke="#ffffff" stroke-width="0.8"/>')


def _text_width_px(text: str, size: float) -> float:
    """Rough advance width: CJK glyphs are one em, Latin about 0.56 em (enough to size a legend box)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.56 for ch in text)


def _furniture(profile: ZoneProfile, frame: _Frame, lang: Lang) -> list[str]:
    """Scale bar (bottom left), north arrow (top right), legend (top left), projection note."""
    out = []
    target_km = (2 * frame.half_x_m / 1000) / 4
    bar_km = max([s for s in SCALE_STEPS_KM if s <= target_km] or [SCALE_STEPS_KM[0]])
    bar_px = bar_km * 1000 * frame.px_per_m
    note = _text("projection", lang)
    x0, y0 = 12.0, frame.height_px - 20.0
    box_w = max(bar_px + 50, _text_width_px(note, 7.5) + 10)
    out.append(f'<rect x="{x0 - 6}" y="{y0 - 12}" width="{box_w:.1f}" height="30" fill="#ffffff" '
               'fill-opacity="0.85"/>')
    out.append(f'<line id="scale-bar" data-km="{bar_km:g}" x1="{x0}" y1="{y0}" x2="{x0 + bar_px:.2f}" y2="{y0}" '
               'stroke="#222222" stroke-width="2.5"/>')
    out += [f'<line x1="{x:.2f}" y1="{y0 - 5}" x2="{x:.2f}" y2="{y0 + 1}" stroke="#222222" stroke-width="1"/>'
            for x in (x0, x0 + bar_px / 2, x0 + bar_px)]
    out.append(f'<text x="{x0 + bar_px + 5:.1f}" y="{y0 + 3}" font-size="10" fill="#222222">'
               f'{_xml_text(_text("scale", lang, km=bar_km))}</text>')
    nx, ny = frame.width_px - 18.0, 12.0
    out.append(f'<polygon points="{nx},{ny} {nx + 6},{ny + 16} {nx},{ny + 12} {nx - 6},{ny + 16}" fill="#222222"/>')
    out.append(f'<text x="{nx}" y="{ny + 28}" font-size="10" text-anchor="middle" fill="#222222">'
               f'{_xml_text(_text("north", lang))}</text>')
    out.append(f'<text x="{x0 - 2}" y="{y0 + 13}" font-size="7.5" fill="#555555">{_xml_text(note)}</text>')
    return out + _legend(profile, lang)


def _legend(profile: ZoneProfile, lang: Lang) -> list[str]:
    radius = _km(profile.zone["uncertainty_km"])
    entries = [("zone", _text("zone", lang)), ("ring", _text("ring", lang, km=radius)),
               ("own", _text("own", lang)), ("prefecture", _text("prefecture", lang)),
               ("nearby", _text("nearby", lang, km=profile.nearby_km))]
    if len(profile.nearby_deposits):
        entries.append(("deposit", _text("deposit", lang)))
    if len(profile.nearby_recycling_bases):
        entries.append(("base", _text("base", lang)))
    size, line = 9.0, 13.0
    width = 30 + max(_text_width_px(text, size) for _, text in entries)
    out = [f'<rect x="4" y="4" width="{width:.1f}" height="{8 + line * len(entries):.1f}" fill="#ffffff" '
           'fill-opacity="0.88" stroke="#999999" stroke-width="0.6"/>']
    for i, (key, text) in enumerate(entries):
        y = 4 + 4 + line * i + line / 2
        out.append(_legend_key(key, 16.0, y))
        out.append(f'<text x="28" y="{y + 3.2:.1f}" font-size="{size:g}" fill="#222222">{_xml_text(text)}</text>')
    return out


def _legend_key(key: str, x: float, y: float) -> str:
    if key == "zone":
        return (f'<circle cx="{x}" cy="{y:.1f}" r="4.2" fill="#ffffff" stroke="{COLOURS["zone"]}" stroke-width="1.6"/>'
                f'<circle cx="{x}" cy="{y:.1f}" r="1.5" fill="{COLOURS["zone"]}"/>')
    if key in ("deposit", "base"):
        return _glyph(key, x, y, size=4.0)
    if key in ("ring", "nearby"):
        colour, dash = (COLOURS["zone"], "4 2") if key == "ring" else (COLOURS["nearby"], "2 2")
        return (f'<line x1="{x - 8}" y1="{y:.1f}" x2="{x + 8}" y2="{y:.1f}" stroke="{colour}" stroke-width="1.4" '
                f'stroke-dasharray="{dash}"/>')
    fill, stroke = ((COLOURS["own_fill"], COLOURS["own_stroke"]) if key == "own"
                    else (COLOURS["prefecture_fill"], COLOURS["county"]))
    return f'<rect x="{x - 7}" y="{y - 4.5:.1f}" width="14" height="9" fill="{fill}" stroke="{stroke}"/>'


def zone_map_svg(atlas: Atlas, profile: ZoneProfile, *, lang: Lang, width_px: int = 400, height_px: int = 340) -> str:
    """A self-contained SVG map of one zone and its surroundings for print.

    Parameters
    ----------
    atlas
        The atlas (boundaries are taken from it).
    profile
        The zone's profile (`zone_profile`): its point, uncertainty and nearby items.
    lang
        Language of labels and legend.
    width_px, height_px
        Size of the SVG canvas; the map keeps a true aspect ratio (one scale in x and y).

    Returns
    -------
    str
        An ``<svg>`` element with every data string HTML-escaped, no external references.
    """
    if width_px < 100 or height_px < 100:
        raise ValueError(f"a map needs at least 100×100 px; got {width_px}×{height_px}")
    frame = _frame(atlas, profile, width_px=width_px, height_px=height_px)
    name = str(profile.zone.get(f"name_{lang}") or profile.zone["id"])
    title = _xml_text(_text("title", lang, name=name))
    body = [*_outline_layers(atlas, profile, frame, lang), *_symbols(profile, frame, lang),
            *_furniture(profile, frame, lang)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
            f'viewBox="0 0 {width_px} {height_px}" font-family="{FONT_STACK}">'
            f'<title>{title}</title>'
            + "".join(body)
            + f'<rect x="0.5" y="0.5" width="{width_px - 1}" height="{height_px - 1}" fill="none" stroke="#888888"/>'
            "</svg>")
