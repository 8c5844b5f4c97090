"""The atlas's map layers as folium feature groups: boundaries, zones, recycling bases, deposits.

Positions are drawn as honestly as they are known: a solid marker is a surveyed site; anything
coarser is hollow and dashed, and a zone also gets a dashed ring of its uncertainty radius, so a
county-level point never looks like a plant gate. All vector layers share the map's canvas
renderer; `LayerOrder` keeps boundaries underneath when a user toggles them back on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import mapping as geometry_mapping

from atlas.core.i18n import column_label
from atlas.core.schema import (
    CLUSTER_COLOURS,
    NO_CLUSTER_COLOUR,
    PRECISION_UNCERTAINTY_KM,
    Lang,
    Layer,
    PositionPrecision,
    RoleKind,
    ZoneKind,
    label,
)
from atlas.maps.points import cluster_colour, cluster_set
from atlas.maps.popups import (
    card,
    cell_text,
    esc,
    folium_location,
    html_popup,
    html_tooltip,
    name_in,
    number_text,
    records,
    script_json,
    source_links,
    tooltip_html,
    ui,
)

RECYCLING_COLOUR: Final[str] = "#9467bd"
DEPOSIT_COLOUR: Final[str] = "#8c564b"
"""Bauxite brown, also used for the resource-area zone."""
COORD_DECIMALS: Final[int] = 5
"""Boundary vertices are rounded to 1e-5 degree (about 1 m) before they go into the page."""
LAYER_Z: Final[dict[Layer, int]] = {Layer.PROVINCE: 1, Layer.PREFECTURES: 2, Layer.COUNTIES: 3, Layer.ZONES: 4}
"""Stacking of the groups `LayerOrder` pushes back, bottom first; point layers stay above."""


def layer_name(layer: Layer, lang: Lang) -> str:
    """The LayerControl label; Leaflet inserts it as HTML, so it is escaped."""
    return esc(label(layer, lang))


def _group(layer: Layer, lang: Lang) -> folium.FeatureGroup:
    options: dict[str, Any] = {"atlas_layer": layer.value}
    if layer in LAYER_Z:
        options["atlas_z"] = LAYER_Z[layer]
    return folium.FeatureGroup(name=layer_name(layer, lang), overlay=True, control=True, **options)


class GeoJsonOutlines(MacroElement):
    """Polygons from a GeoJSON dict with one style, tooltips from ``properties.t`` (escaped HTML)
    and popups from ``properties.p``. folium's GeoJson is avoided for its raw-HTML tooltips."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON({{ this.data_js }}, {
                style: {{ this.style_js }},
                onEachFeature: function (f, layer) {
                    if (f.properties.t) { layer.bindTooltip(f.properties.t, {sticky: true}); }
                    if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 360, maxHeight: 280}); }
                }
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], style: Mapping[str, object]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "GeoJsonOutlines"
        self.data = {"type": "FeatureCollection", "features": features}
        self.data_js = script_json(self.data)
        self.style_js = script_json(dict(style))


def _rounded(geometry: Any) -> dict[str, Any]:
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, COORD_DECIMALS))
    return dict(geometry_mapping(rounded))


def boundary_style(layer: Layer, *, has_tiles: bool) -> dict[str, object]:
    """Province bold with a light fill (the map must read without tiles), prefectures medium,
    counties thin; fills are transparent but still catch the mouse for tooltips."""
    if layer == Layer.PROVINCE:
        return {"color": "#222222", "weight": 3, "fill": True, "fillColor": "#efe9d8",
                "fillOpacity": 0.12 if has_tiles else 0.6}
    if layer == Layer.PREFECTURES:
        return {"color": "#555555", "weight": 1.8, "fill": True, "fillOpacity": 0.0}
    return {"color": "#8a8a8a", "weight": 0.7, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.0}


def boundary_group(gdf: gpd.GeoDataFrame, layer: Layer, *, lang: Lang, has_tiles: bool) -> folium.FeatureGroup:
    """One admin level as outlines; tooltip = name in `lang`, the other name, adcode."""
    other: Lang = "en" if lang == "zh" else "zh"
    features = []
    for row in records(gdf):
        geometry = row.get("geometry")
        if geometry is None or geometry.is_empty:
            continue
        tip = tooltip_html(name_in(row, lang), [name_in(row, other), cell_text(row.get("adcode"))])
        features.append({"type": "Feature", "geometry": _rounded(geometry), "properties": {"t": tip}})
    group = _group(layer, lang)
    group.add_child(GeoJsonOutlines(features, boundary_style(layer, has_tiles=has_tiles)))
    return group


def uncertainty_km(row: Mapping[str, Any]) -> float:
    """The record's own radius, or the default for its precision (schema.PRECISION_UNCERTAINTY_KM)."""
    value = row.get("uncertainty_km")
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return float(value)
    try:
        return PRECISION_UNCERTAINTY_KM[PositionPrecision(cell_text(row.get("position_precision")))]
    except ValueError:
        return PRECISION_UNCERTAINTY_KM[PositionPrecision.REGION]


def is_exact(row: Mapping[str, Any]) -> bool:
    return cell_text(row.get("position_precision")) == PositionPrecision.EXACT


def position_text(row: Mapping[str, Any], lang: Lang) -> str:
    """Escaped "county · ±25 km — note" for a popup."""
    text = esc(label(cell_text(row.get("position_precision")), lang))
    if not is_exact(row):
        text += f" · ±{number_text(uncertainty_km(row))} km"
    note = cell_text(row.get(f"position_note_{lang}"))
    return text + (f" — {esc(note)}" if note else "")


def point_style(colour: str, *, exact: bool, radius: float = 6.0) -> dict[str, Any]:
    """Solid for an exact site; hollow and dashed for an approximate one."""
    if exact:
        return {"radius": radius, "color": "#222222", "weight": 1, "fill_color": colour,
                "fill_opacity": 0.9, "opacity": 1.0}
    return {"radius": radius, "color": colour, "weight": 2, "fill_color": colour, "fill_opacity": 0.12,
            "dash_array": "3 3", "opacity": 0.95}


def zone_icon_html(colours: list[str], *, exact: bool, highlighted: bool) -> str:
    """The zone marker: a disc coloured by cluster (segments when several), solid if the position
    is exact, a dashed ring with a white centre otherwise. Built from constants only."""
    size = 22 if highlighted else 16
    if len(colours) > 1:
        step = 100 / len(colours)
        stops = ", ".join(f"{c} {i * step:.1f}% {(i + 1) * step:.1f}%" for i, c in enumerate(colours))
        fill = f"conic-gradient({stops})"
    else:
        fill = colours[0] if colours else NO_CLUSTER_COLOUR
    if exact:
        background, border = fill, "2px solid #222"
    else:
        background, border = f"radial-gradient(circle, #fff 0 40%, transparent 44%), {fill}", "2px dashed #222"
    halo = "box-shadow:0 0 0 4px rgba(255,196,0,0.85);" if highlighted else ""
    precision = "exact" if exact else "approximate"
    return (
        f'<div class="atlas-zone-marker" data-precision="{precision}" style="width:{size}px;height:{size}px;'
        f'box-sizing:border-box;border-radius:50%;border:{border};background:{background};{halo}"></div>'
    )


def zone_clusters(roles: pd.DataFrame, zone_id: str) -> tuple[str, ...]:
    """The cluster types a zone is assigned by its `cluster` roles, in schema order."""
    mine = roles[(roles["zone_id"] == zone_id) & (roles["kind"] == RoleKind.CLUSTER)]
    return cluster_set([cell_text(c) for c in mine["cluster_type"] if cell_text(c)])


def _role_line(role: Mapping[str, Any], lang: Lang) -> str:
    text = label(cell_text(role.get("kind")), lang)
    cluster = cell_text(role.get("cluster_type"))
    return f"{text}：{label(cluster, lang)}" if cluster else text


def zone_area(row: Mapping[str, Any], counties: gpd.GeoDataFrame) -> Any:
    """A zone's area: its ``area_geometry`` when the loader gives one, else, for a resource area,
    the union of its counties (wuzhengdao = Wuchuan + Zheng'an + Daozhen); None for a point zone."""
    area = row.get("area_geometry")
    if area is not None and not getattr(area, "is_empty", True):
        return area
    adcodes = {str(a) for a in (row.get("county_adcodes") or [])}
    if cell_text(row.get("kind")) != ZoneKind.RESOURCE_AREA or not adcodes or "adcode" not in counties:
        return None
    parts = counties[counties["adcode"].astype(str).isin(adcodes)].geometry
    return None if parts.empty else shapely.union_all(parts.to_numpy())


def zone_group(
    zones: gpd.GeoDataFrame, roles: pd.DataFrame, *, lang: Lang, highlight_zone: str | None,
    county_names: Mapping[str, str], counties: gpd.GeoDataFrame,
) -> folium.FeatureGroup:
    """Zones: marker + uncertainty ring, the resource area drawn as a dashed area."""
    group = _group(Layer.ZONES, lang)
    for row in records(zones):
        zone_id = cell_text(row.get("id"))
        mine = records(roles[roles["zone_id"] == zone_id])
        clusters = zone_clusters(roles, zone_id)
        colours = [CLUSTER_COLOURS.get(c, NO_CLUSTER_COLOUR) for c in clusters]
        if not colours and cell_text(row.get("kind")) == ZoneKind.RESOURCE_AREA:
            colours = [DEPOSIT_COLOUR]
        ring_colour = cluster_colour(clusters) if clusters else (colours or [NO_CLUSTER_COLOUR])[0]
        highlighted = zone_id == highlight_zone
        tip = tooltip_html(name_in(row, lang), [_role_line(r, lang) for r in mine])
        popup = zone_card(row, mine, lang=lang, county_names=county_names)
        area = zone_area(row, counties)
        has_area = area is not None
        if has_area:
            style = {"color": colours[0] if colours else DEPOSIT_COLOUR, "weight": 3 if highlighted else 2.5,
                     "dashArray": "8 5", "fill": True, "fillOpacity": 0.1}
            group.add_child(GeoJsonOutlines(
                [{"type": "Feature", "geometry": _rounded(area), "properties": {"t": tip, "p": popup}}], style))
        if not np.isfinite([row.get("lon", np.nan), row.get("lat", np.nan)]).all():
            continue
        location = folium_location(lon=row["lon"], lat=row["lat"])
        exact = is_exact(row)
        if not exact and not has_area:  # an area already shows where the zone may be
            ring = folium.Circle(location=location, radius=uncertainty_km(row) * 1000, color=ring_colour,
                                 weight=3 if highlighted else 1.5, dash_array="6 4", fill=True,
                                 fill_opacity=0.06, opacity=0.8)
            ring.options["interactive"] = False  # a 25 km ring must not swallow clicks on what lies inside
            group.add_child(ring)
        size = 22 if highlighted else 16
        icon = folium.DivIcon(html=zone_icon_html(colours, exact=exact, highlighted=highlighted),
                              icon_size=(size, size), icon_anchor=(size // 2, size // 2),
                              class_name="atlas-zone-icon")
        marker = folium.Marker(location=location, icon=icon)
        html_tooltip(tip).add_to(marker)
        html_popup(popup).add_to(marker)
        group.add_child(marker)
    return group


def zone_card(row: Mapping[str, Any], roles: list[dict[str, Any]], *, lang: Lang,
              county_names: Mapping[str, str]) -> str:
    """Popup: both names, roles with policy section and summary, position, counties, sources, as_of."""
    items = []
    for role in roles:
        section = cell_text(role.get("policy_section"))
        summary = cell_text(role.get(f"summary_{lang}"))
        items.append(f"<li>{esc(_role_line(role, lang))}"
                     + (f" ({esc(section)})" if section else "")
                     + (f"<br><span style='color:#555'>{esc(summary)}</span>" if summary else "") + "</li>")
    role_html = f'<ul style="margin:2px 0 2px 16px;padding:0">{"".join(items)}</ul>' if items else ""
    counties = [county_names.get(str(a), str(a)) for a in (row.get("county_adcodes") or [])]
    sources = list(dict.fromkeys([cell_text(row.get("source"))] + [cell_text(r.get("source")) for r in roles]))
    return card(cell_text(row.get("name_zh")), cell_text(row.get("name_en")), [
        (column_label("roles", lang), role_html),
        (column_label("position_precision", lang), position_text(row, lang)),
        (ui("counties", lang), esc("、".join(counties) if lang == "zh" else ", ".join(counties))),
        (column_label("source", lang), "<br>".join(source_links(s) for s in sources if s)),
        (column_label("as_of", lang), esc(row.get("as_of"))),
    ])


def _point_group(gdf: gpd.GeoDataFrame, layer: Layer, colour: str, *, lang: Lang,
                 card_of: Any) -> folium.FeatureGroup:
    group = _group(layer, lang)
    for row in records(gdf):
        if not np.isfinite([row.get("lon", np.nan), row.get("lat", np.nan)]).all():
            continue
        marker = folium.CircleMarker(location=folium_location(lon=row["lon"], lat=row["lat"]),
                                     **point_style(colour, exact=is_exact(row)))
        kind = label(cell_text(row.get("kind")), lang)
        html_tooltip(tooltip_html(name_in(row, lang), [kind])).add_to(marker)
        html_popup(card_of(row, lang)).add_to(marker)
        group.add_child(marker)
    return group


def recycling_card(row: Mapping[str, Any], lang: Lang, zone_names: Mapping[str, str]) -> str:
    capacity = " ".join(x for x in (number_text(row.get("capacity")), cell_text(row.get("capacity_unit"))) if x)
    zone = cell_text(row.get("zone_id"))
    return card(cell_text(row.get("name_zh")), cell_text(row.get("name_en")), [
        (column_label("kind", lang), esc(label(cell_text(row.get("kind")), lang))),
        (column_label("status", lang), esc(label(cell_text(row.get("status")), lang))),
        (column_label("capacity", lang), esc(capacity)),
        (column_label("year", lang), esc(number_text(row.get("year")))),
        (column_label("zone_id", lang), esc(zone_names.get(zone, zone))),
        (column_label("policy_section", lang), esc(row.get("policy_section"))),
        (column_label("position_precision", lang), position_text(row, lang)),
        (column_label("source", lang), source_links(row.get("source"))),
        (column_label("as_of", lang), esc(row.get("as_of"))),
    ])


def deposit_card(row: Mapping[str, Any], lang: Lang, county_names: Mapping[str, str]) -> str:
    quantity = number_text(row.get("quantity_mt"))
    if quantity:
        detail = ", ".join(x for x in (cell_text(row.get("quantity_definition")),
                                       number_text(row.get("quantity_year"))) if x)
        quantity = f"{quantity} Mt" + (f" ({detail})" if detail else "")
    counties = [county_names.get(str(a), str(a)) for a in (row.get("county_adcodes") or [])]
    return card(cell_text(row.get("name_zh")), cell_text(row.get("name_en")), [
        (column_label("kind", lang), esc(label(cell_text(row.get("kind")), lang))),
        (column_label("quantity_mt", lang), esc(quantity)),
        (ui("counties", lang), esc(", ".join(counties))),
        (column_label("position_precision", lang), position_text(row, lang)),
        (column_label("source", lang), source_links(row.get("source"))),
        (column_label("as_of", lang), esc(row.get("as_of"))),
    ])


def recycling_group(gdf: gpd.GeoDataFrame, *, lang: Lang, zone_names: Mapping[str, str]) -> folium.FeatureGroup:
    """Recycling bases: small purple markers."""
    return _point_group(gdf, Layer.RECYCLING_BASES, RECYCLING_COLOUR, lang=lang,
                        card_of=lambda row, lg: recycling_card(row, lg, zone_names))


def deposit_group(gdf: gpd.GeoDataFrame, *, lang: Lang, county_names: Mapping[str, str]) -> folium.FeatureGroup:
    """Bauxite deposits: small brown markers."""
    return _point_group(gdf, Layer.DEPOSITS, DEPOSIT_COLOUR, lang=lang,
                        card_of=lambda row, lg: deposit_card(row, lg, county_names))


class LayerOrder(MacroElement):
    """On every LayerControl toggle, push the groups tagged ``atlasZ`` back, lowest at the bottom.

    All vector layers share one canvas, where a re-added layer is drawn last: without this, a
    province outline switched back on would cover (and catch the mouse over) every project.
    Works on groups added later through streamlit-folium's ``feature_group_to_add`` too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.on("overlayadd", function () {
                var groups = [];
                {{ this._parent.get_name() }}.eachLayer(function (l) {
                    if (l instanceof L.FeatureGroup && l.options && l.options.atlasZ !== undefined) {
                        groups.push(l);
                    }
                });
                groups.sort(function (a, b) { return b.options.atlasZ - a.options.atlasZ; });
                groups.forEach(function (g) { g.bringToBack(); });
            });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "LayerOrder"

