"""Build the atlas map (folium/Leaflet) that works offline: admin boundaries are the base layer.

Three entry points:

* `build_atlas_map` — the whole map: base, every requested layer, a LayerControl. For the CLI
  (with `map_to_html`) and for a page that re-sends the map on each change.
* `build_base_map` + `build_layer_groups` — for streamlit-folium without re-sending the map
  on every filter change::

      m = build_base_map(atlas, lang=lang)                      # may be cached in ui/ ...
      groups = build_layer_groups(view, lang=lang, layers=chosen)
      st_folium(copy.deepcopy(m), key="atlas-map",              # ... but never passed as is:
                feature_group_to_add=list(groups.values()),     # st_folium adds the groups to
                returned_objects=["last_object_clicked"])       # the map object it receives

  A click on a project, zone, base or deposit reports that record's own lon/lat as
  ``last_object_clicked`` (not the mouse position), so it can be looked up exactly.

  The base map already carries the vendored Leaflet as ``data:`` URIs (see `atlas.maps.offline`
  for why and for the ``app/static`` alternative, which the app uses: ui/map_view.py); the groups
  need no asset of their own.

No basemap tiles are loaded unless asked for ("osm", "tianditu" with a key, "amap"); those are
the only remote requests the map can ever make.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Collection
from typing import Final, Literal, get_args
from urllib.parse import quote

import folium
from branca.element import MacroElement
from folium.map import FitBounds
from folium.template import Template

from atlas.core.errors import AtlasError
from atlas.core.model import Atlas
from atlas.core.schema import CLUSTER_COLOURS, LANGS, NO_CLUSTER_COLOUR, ClusterType, Lang, Layer, label
from atlas.core.settings import GUIZHOU_BOUNDS
from atlas.geo.datum import shift_geometries_to_gcj02
from atlas.geo.geodesy import GEOD
from atlas.maps.layers import (
    DEPOSIT_COLOUR,
    RECYCLING_COLOUR,
    LayerOrder,
    boundary_group,
    deposit_group,
    layer_name,
    recycling_group,
    uncertainty_km,
    zone_area,
    zone_clusters,
    zone_group,
)
from atlas.maps.offline import standalone_html, use_vendored_assets
from atlas.maps.points import MULTI_CLUSTER_COLOUR, CanvasPoints, cluster_set, project_payload
from atlas.maps.popups import cell_text, esc, name_in, records, script_json, ui

logger = logging.getLogger(__name__)

Basemap = Literal["none", "osm", "tianditu", "amap"]
BASEMAPS: Final[tuple[str, ...]] = get_args(Basemap)
MAP_TITLE: Final[str] = "贵州铝产业集群地图 · Guizhou Aluminium Cluster Atlas"

_OSM_URL: Final[str] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTR: Final[str] = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_TIANDITU_URL: Final[str] = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
_AMAP_URL: Final[str] = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
)


def _check(atlas: Atlas, *, lang: str, basemap: str, highlight_zone: str | None) -> None:
    if lang not in LANGS:
        raise AtlasError(f"unknown map language {lang!r}; valid: {', '.join(LANGS)}")
    if basemap not in BASEMAPS:
        raise AtlasError(f"unknown basemap {basemap!r}; valid: {', '.join(BASEMAPS)}")
    if highlight_zone is not None and highlight_zone not in set(atlas.zones["id"].astype(str)):
        raise AtlasError(f"highlight_zone {highlight_zone!r} is not a zone id; valid: "
                         f"{', '.join(sorted(atlas.zones['id'].astype(str)))}")


def _layers(layers: Collection[Layer | str] | None) -> set[Layer]:
    if layers is None:
        return set(Layer)
    try:
        return {Layer(v) for v in layers}
    except ValueError as err:
        raise AtlasError(f"{err}; valid layers: {', '.join(v.value for v in Layer)}") from None


def display_atlas(atlas: Atlas, basemap: str) -> Atlas:
    """The atlas as drawn: WGS84 as stored, or shifted to GCJ-02 to sit on AMap's tiles."""
    if basemap != "amap":
        return atlas
    shifted = {f.name: shift_geometries_to_gcj02(getattr(atlas, f.name))
               for f in dataclasses.fields(atlas) if f.name in {v.value.replace("-", "_") for v in Layer}}
    return dataclasses.replace(atlas, **shifted)


DRAW_ORDER: Final[tuple[Layer, ...]] = (
    Layer.PROVINCE, Layer.PREFECTURES, Layer.COUNTIES, Layer.ZONES, Layer.DEPOSITS, Layer.RECYCLING_BASES,
    Layer.PROJECTS,
)
"""Bottom layer first: boundaries under points, the (many) projects on top."""


def build_layer_groups(
    atlas: Atlas,
    *,
    lang: Lang = "zh",
    basemap: str = "none",
    layers: Collection[Layer | str] | None = None,
    highlight_zone: str | None = None,
) -> dict[Layer, folium.FeatureGroup]:
    """One named FeatureGroup per requested layer, bottom layer first.

    Parameters
    ----------
    atlas
        The (possibly filtered) atlas, WGS84.
    lang
        "zh" or "en": names, labels and the layer names shown in the LayerControl.
    basemap
        Only "amap" matters here: geometries are then shifted to GCJ-02.
    layers
        Layers to build (`Layer` values); None for all. Layers not asked for are omitted,
        not hidden, so a filtered-out 100k-point layer costs nothing.
    highlight_zone
        Zone id drawn larger with a halo.

    Returns
    -------
    dict
        Insertion-ordered {Layer: FeatureGroup}, in drawing order (boundaries first).

    Raises
    ------
    AtlasError
        For an unknown language, basemap, layer or zone id.
    """
    _check(atlas, lang=lang, basemap=basemap, highlight_zone=highlight_zone)
    wanted = _layers(layers)
    shown = display_atlas(atlas, basemap)
    tiles = basemap != "none"
    county_names = {cell_text(r["adcode"]): name_in(r, lang) for r in records(shown.counties)}
    zone_names = {cell_text(r["id"]): name_in(r, lang) for r in records(shown.zones)}
    groups: dict[Layer, folium.FeatureGroup] = {}
    for layer, gdf in ((Layer.PROVINCE, shown.province), (Layer.PREFECTURES, shown.prefectures),
                       (Layer.COUNTIES, shown.counties)):
        if layer in wanted:
            groups[layer] = boundary_group(gdf, layer, lang=lang, has_tiles=tiles)
    if Layer.ZONES in wanted:
        groups[Layer.ZONES] = zone_group(shown.zones, shown.zone_roles, lang=lang,
                                         highlight_zone=highlight_zone, county_names=county_names,
                                         counties=shown.counties)
    if Layer.DEPOSITS in wanted:
        groups[Layer.DEPOSITS] = deposit_group(shown.deposits, lang=lang, county_names=county_names)
    if Layer.RECYCLING_BASES in wanted:
        groups[Layer.RECYCLING_BASES] = recycling_group(shown.recycling_bases, lang=lang, zone_names=zone_names)
    if Layer.PROJECTS in wanted:
        group = folium.FeatureGroup(name=layer_name(Layer.PROJECTS, lang), atlas_layer=Layer.PROJECTS.value)
        group.add_child(CanvasPoints(project_payload(shown.projects, lang=lang)))
        groups[Layer.PROJECTS] = group
    return groups


def _tile_layers(basemap: str, *, lang: Lang, tianditu_key: str | None) -> list[folium.TileLayer]:
    if basemap == "osm":
        return [folium.TileLayer(_OSM_URL, attr=_OSM_ATTR, name="OpenStreetMap", max_zoom=19)]
    if basemap == "amap":
        url = _AMAP_URL.replace("{lang}", "zh_cn" if lang == "zh" else "en")
        return [folium.TileLayer(url, attr="&copy; 高德地图 AutoNavi (GCJ-02)", name="高德地图 AMap",
                                 subdomains="1234", max_zoom=18)]
    if basemap == "tianditu":
        if not tianditu_key:
            logger.warning("basemap 'tianditu' needs a key (tianditu_key=...); drawing without tiles")
            return []
        key = quote(tianditu_key, safe="")
        label_layer = "cva" if lang == "zh" else "eva"
        attr = "&copy; 天地图 Tianditu"
        return [
            folium.TileLayer(_TIANDITU_URL.replace("{layer}", "vec").replace("{key}", key), attr=attr,
                             name="天地图 Tianditu", subdomains="01234567", max_zoom=18),
            folium.TileLayer(_TIANDITU_URL.replace("{layer}", label_layer).replace("{key}", key), attr=attr,
                             name="天地图注记 Tianditu labels", subdomains="01234567", max_zoom=18,
                             overlay=True),
        ]
    return []


def _bounds(atlas: Atlas, highlight_zone: str | None) -> list[list[float]]:
    """[[south, west], [north, east]]: Guizhou, or the highlighted zone's uncertainty disc."""
    if highlight_zone is not None:
        row = atlas.zones[atlas.zones["id"].astype(str) == highlight_zone].iloc[0].to_dict()
        area = zone_area(row, atlas.counties)
        if area is not None:
            west, south, east, north = area.bounds
            return [[south, west], [north, east]]
        if math.isfinite(row["lon"]) and math.isfinite(row["lat"]):
            # the disc's north/east/south/west points, walked geodesically from the zone's point
            metres = max(uncertainty_km(row), 15.0) * 1000
            lons, lats, _ = GEOD.fwd([row["lon"]] * 4, [row["lat"]] * 4, [0, 90, 180, 270], [metres] * 4)
            return [[min(lats), min(lons)], [max(lats), max(lons)]]
    if len(atlas.province) and not atlas.province.geometry.is_empty.all():
        west, south, east, north = (float(v) for v in atlas.province.total_bounds)
    else:
        west, south, east, north = GUIZHOU_BOUNDS
    return [[south, west], [north, east]]


def build_base_map(
    atlas: Atlas,
    *,
    lang: Lang = "zh",
    basemap: str = "none",
    highlight_zone: str | None = None,
    tianditu_key: str | None = None,
    legend_counts: bool = True,
) -> folium.Map:
    """The map without data layers: optional tiles, legend, scale, view on Guizhou, offline assets.

    Parameters are as in `build_atlas_map`; `legend_counts=False` leaves counts out of the in-map legend,
    for a base map that outlives filter changes (the app shows live counts beside the map instead); that
    legend starts folded in the bottom-right corner, so it hides no zone.
    """
    _check(atlas, lang=lang, basemap=basemap, highlight_zone=highlight_zone)
    shown = display_atlas(atlas, basemap)
    bounds = _bounds(shown, highlight_zone)
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=centre, zoom_start=7, tiles=None, prefer_canvas=True, control_scale=True,
                   zoom_snap=0.25)
    for tile_layer in _tile_layers(basemap, lang=lang, tianditu_key=tianditu_key):
        m.add_child(tile_layer)
    m.add_child(LayerOrder())
    m.add_child(Legend(legend_html(atlas, lang=lang, basemap=basemap, counts=legend_counts, folded=not legend_counts),
                       position="bottomleft" if legend_counts else "bottomright"))
    fit = FitBounds(bounds, padding=(8, 8))
    fit.options["animate"] = False  # no zoom animation at load: screenshots and first paint are final
    m.add_child(fit)
    return use_vendored_assets(m)


def build_atlas_map(
    atlas: Atlas,
    *,
    lang: Lang = "zh",
    basemap: str = "none",
    layers: Collection[Layer | str] | None = None,
    highlight_zone: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """The complete atlas map, readable with no tiles at all.

    Parameters
    ----------
    atlas
        The atlas (or a filtered view of it), WGS84.
    lang
        "zh" (default) or "en".
    basemap
        "none" (default: admin boundaries only, no remote request), "osm", "tianditu" (needs
        `tianditu_key`; WGS84 ``vec_w`` tiles plus labels) or "amap" (GCJ-02 tiles; every
        geometry is shifted with `atlas.geo.datum.shift_geometries_to_gcj02` to sit on them).
    layers
        `Layer` values to draw; None for all.
    highlight_zone
        A zone id to emphasise and zoom to.
    tianditu_key
        Tianditu API key; without it the "tianditu" basemap is left out.

    Returns
    -------
    folium.Map
        Loading only the vendored Leaflet (``data:`` URIs); `map_to_html` inlines it instead.

    Raises
    ------
    AtlasError
        For an unknown language, basemap, layer or zone id.
    """
    m = build_base_map(atlas, lang=lang, basemap=basemap, highlight_zone=highlight_zone,
                       tianditu_key=tianditu_key)
    for group in build_layer_groups(atlas, lang=lang, basemap=basemap, layers=layers,
                                    highlight_zone=highlight_zone).values():
        m.add_child(group)
    m.add_child(folium.LayerControl(collapsed=False))
    return m


def map_to_html(m: folium.Map) -> str:
    """A standalone HTML document of `m` that works from disk with the network off."""
    return standalone_html(m, title=MAP_TITLE)


class Legend(MacroElement):
    """A Leaflet control holding prepared, escaped legend HTML (no external CSS)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({position: {{ this.position_js }}});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "atlas-legend");
                    div.innerHTML = {{ this.html_js }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, position: str = "bottomleft") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "Legend"
        self.html = html_text
        self.html_js = script_json(html_text)
        self.position_js = script_json(position)


def _swatch(background: str, *, border: str = "1px solid #222") -> str:
    return (f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:5px;'
            f'vertical-align:-1px;box-sizing:border-box;border:{border};background:{background}"></span>')


def legend_html(atlas: Atlas, *, lang: Lang, basemap: str, counts: bool = True, folded: bool = False) -> str:
    """Cluster colours (with zone and project counts when `counts`), precision symbols, other layers (escaped)."""
    zone_sets = [zone_clusters(atlas.zone_roles, str(z)) for z in atlas.zones["id"]]
    project_sets = [cluster_set(v) for v in atlas.projects["cluster_types"]]  # cached per distinct list
    # <details>: the reader can fold the legend away (or open it, when `folded`) on a small map.
    rows = [f'<summary style="font-weight:bold;cursor:pointer">{esc(ui("legend", lang))}</summary>']
    for cluster in ClusterType:
        zones = sum(cluster in s for s in zone_sets)
        projects = sum(cluster in s for s in project_sets)
        tally = f"{zones} {ui('zones_n', lang)} · {projects} {ui('projects_n', lang)}"
        shown = f' <span style="color:#555">({esc(tally)})</span>' if counts else ""
        rows.append(f"<div>{_swatch(CLUSTER_COLOURS[cluster])}{esc(label(cluster, lang))}{shown}</div>")
    segments = ", ".join(f"{CLUSTER_COLOURS[c]} {i * 120}deg {(i + 1) * 120}deg" for i, c in enumerate(ClusterType))
    rows.append(f"<div>{_swatch(f'conic-gradient({segments})')}{_swatch(MULTI_CLUSTER_COLOUR)}"
                f"{esc(ui('several', lang))}</div>")
    rows.append(f"<div>{_swatch(NO_CLUSTER_COLOUR)}{esc(ui('no_cluster', lang))}</div>")
    rows.append('<hr style="margin:4px 0;border:0;border-top:1px solid #ccc">')
    hollow = "radial-gradient(circle, #fff 0 40%, transparent 44%), #777"
    rows.append(f"<div>{_swatch('#777')}{esc(ui('exact_symbol', lang))}</div>")
    rows.append(f"<div>{_swatch(hollow, border='2px dashed #222')}{esc(ui('approx_symbol', lang))}</div>")
    rows.append(f"<div>{_swatch('transparent', border='1.5px dashed #555')}{esc(ui('ring_symbol', lang))}</div>")
    rows.append(f'<div><span style="display:inline-block;width:14px;height:9px;margin-right:5px;'
                f'border:2px dashed {DEPOSIT_COLOUR}"></span>{esc(ui("area_symbol", lang))}</div>')
    rows.append('<hr style="margin:4px 0;border:0;border-top:1px solid #ccc">')
    rows.append(f"<div>{_swatch(RECYCLING_COLOUR)}{esc(label(Layer.RECYCLING_BASES, lang))}</div>")
    rows.append(f"<div>{_swatch(DEPOSIT_COLOUR)}{esc(label(Layer.DEPOSITS, lang))}</div>")
    if basemap == "none":
        rows.append(f'<div style="color:#555;margin-top:3px">{esc(ui("offline_note", lang))}</div>')
    opened = "" if folded else " open"
    return (f'<details{opened} style="background:rgba(255,255,255,0.93);padding:6px 9px;border-radius:4px;'
            'box-shadow:0 1px 4px rgba(0,0,0,0.35);font-size:12px;line-height:1.55;max-width:300px">'
            + "".join(rows) + "</details>")
