"""Map layers for planning: zones coloured by their chain gaps, proximity rings, and data-quality flags.

Each builder returns one `folium.FeatureGroup` that the app hands to streamlit-folium beside the
base map (`feature_group_to_add`), or that `build_atlas_map`'s map can take with ``add_child``.
They draw with the vendored Leaflet only (no icon fonts, no CDN); every text from the data goes
through `atlas.maps.popups` (escaped HTML, script-safe JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import mapping as geometry_mapping

from atlas.analysis.gaps import gap_counts_by_zone
from atlas.analysis.proximity import geodesic_circle, position_uncertainty_km
from atlas.analysis.quality import flag_label
from atlas.core.i18n import t
from atlas.core.model import Atlas
from atlas.core.schema import Lang, Layer, label
from atlas.geo.geodesy import GEOD
from atlas.maps.layers import DEPOSIT_COLOUR, RECYCLING_COLOUR, GeoJsonOutlines
from atlas.maps.popups import (
    cell_text,
    esc,
    folium_location,
    html_tooltip,
    name_in,
    records,
    script_json,
    tooltip_html,
)

GAP_COLOUR: Final[str] = "#d73027"
COVERED_COLOUR: Final[str] = "#1a9850"
NOT_ASSIGNED_COLOUR: Final[str] = "#9e9e9e"
FLAG_COLOUR: Final[str] = "#ff7f00"
RING_COLOUR: Final[str] = "#08519c"
PROXIMITY_COLOURS: Final[dict[str, str]] = {
    "deposits": DEPOSIT_COLOUR,
    "recycling-bases": RECYCLING_COLOUR,
    "projects": "#1f77b4",
    "zones": "#222222",
}


class FitOnAdd(MacroElement):
    """Zoom the map to `bounds` ([[south, west], [north, east]]) once the parent group is on a map.

    The group may be created before it is added (streamlit-folium adds `feature_group_to_add`
    groups to an existing map), so the fit waits for the group's ``add`` event if needed.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (group) {
                function fit() { group._map.fitBounds({{ this.bounds_js }}, {animate: false, padding: [12, 12]}); }
                if (group._map) { fit(); } else { group.once("add", fit); }
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "FitOnAdd"
        self.bounds_js = script_json(bounds)


def gap_zone_group(atlas: Atlas, long: pd.DataFrame, cluster_type: str, *, lang: Lang) -> folium.FeatureGroup:
    """Each zone as a disc: red with its gap count when the cluster is assigned and has gaps, green
    when assigned and every stage is covered, grey when the policy does not assign the cluster.

    Only assigned cells count as gaps; a grey zone's tooltip says how many stages have projects
    anyway ("present, not assigned"), so a plant outside the plan is neither hidden nor read as a fill.
    """
    counts = {str(r["zone"]): r for r in records(gap_counts_by_zone(long, cluster_type))}
    rows = long[long["cluster_type"] == cluster_type]
    group = folium.FeatureGroup(name=esc(t("gaps_map", lang)), atlas_layer="gaps")
    for zone in records(atlas.zones):
        zone_id = cell_text(zone.get("id"))
        if zone_id not in counts or not np.isfinite([zone["lon"], zone["lat"]]).all():
            continue
        count = counts[zone_id]
        gaps, stages, assigned = int(count["gaps"]), int(count["stages"]), bool(count["assigned"])
        colour = NOT_ASSIGNED_COLOUR if not assigned else (GAP_COLOUR if gaps else COVERED_COLOUR)
        if assigned:
            missing = rows[(rows["zone"] == zone_id) & (rows["state"] == "assigned-empty")][f"stage_name_{lang}"]
            lines = [t("gap_zone_tooltip", lang, gaps=gaps, stages=stages)] + [f"— {name}" for name in missing]
        else:
            lines = [t("gap_zone_not_assigned", lang)]
            if int(count["covered"]):
                lines.append(t("gap_zone_present", lang, stages=int(count["covered"])))
        text = str(gaps) if assigned and gaps else ""
        icon = folium.DivIcon(
            html=(
                f'<div class="atlas-gap-zone" data-gaps="{gaps}" data-assigned="{str(assigned).lower()}" '
                f'style="width:24px;height:24px;border-radius:50%;background:{colour};border:2px solid #222;'
                f'box-sizing:border-box;color:#fff;font:bold 12px/20px sans-serif;text-align:center">{text}</div>'
            ),
            icon_size=(24, 24),
            icon_anchor=(12, 12),
            class_name="atlas-gap-icon",
        )
        marker = folium.Marker(location=folium_location(lon=zone["lon"], lat=zone["lat"]), icon=icon)
        html_tooltip(tooltip_html(name_in(zone, lang), lines)).add_to(marker)
        group.add_child(marker)
    return group


def proximity_group(atlas: Atlas, zone_id: str, found: pd.DataFrame, *, km: float, lang: Lang) -> folium.FeatureGroup:
    """A geodesic ring of `km` around the zone's point, its uncertainty disc dashed, and the items
    `atlas.analysis.proximity.nearby_zone` found: filled when within, hollow when only possibly within."""
    zone = atlas.zones[atlas.zones["id"] == zone_id].iloc[0]
    group = folium.FeatureGroup(name=esc(t("proximity", lang)), atlas_layer="proximity")
    lon, lat = float(zone["lon"]), float(zone["lat"])
    uncertainty = float(position_uncertainty_km(zone.to_frame().T).iloc[0])
    ring_tip = tooltip_html(name_in(zone, lang), [t("within_km", lang, km=km)])
    rings = [
        (geodesic_circle(lon=lon, lat=lat, km=km), {"color": RING_COLOUR, "weight": 2.5, "fill": False}, ring_tip),
        (
            geodesic_circle(lon=lon, lat=lat, km=uncertainty),
            {"color": RING_COLOUR, "weight": 1, "dashArray": "4 4", "fill": True, "fillOpacity": 0.05},
            "",
        ),
    ]
    for polygon, style, tip in rings:
        feature = {"type": "Feature", "geometry": dict(geometry_mapping(polygon)), "properties": {"t": tip}}
        group.add_child(GeoJsonOutlines([feature], style | {"className": "atlas-proximity-ring"}))
    north_lon, north_lat, _ = GEOD.fwd(lon, lat, 0.0, km * 1000.0)
    label_icon = folium.DivIcon(
        html=(
            f'<div class="atlas-proximity-label" style="transform:translate(-50%,-100%);white-space:nowrap;'
            f"font:bold 12px sans-serif;color:{RING_COLOUR};background:rgba(255,255,255,0.85);padding:0 3px;"
            f'border-radius:3px">{esc(f"{km:g} km")}</div>'
        ),
        icon_size=(0, 0),
        class_name="atlas-proximity-icon",
    )
    group.add_child(folium.Marker(location=folium_location(lon=north_lon, lat=north_lat), icon=label_icon))
    west, south, east, north = rings[0][0].bounds
    group.add_child(FitOnAdd([[south, west], [north, east]]))
    for item in records(found):
        colour = PROXIMITY_COLOURS.get(cell_text(item.get("layer")), "#555555")
        within = item.get("match") == "within"
        marker = folium.CircleMarker(
            location=folium_location(lon=item["lon"], lat=item["lat"]),
            radius=6,
            color=colour,
            weight=2,
            fill=True,
            fill_color=colour,
            fill_opacity=0.85 if within else 0.1,
            dash_array=None if within else "3 3",
        )
        distance = f"{item['distance_km']:.1f} ± {item['uncertainty_km']:.1f} km"
        lines = [label(cell_text(item.get("layer")), lang), distance, t(f"match_{item['match']}", lang)]
        html_tooltip(tooltip_html(name_in(item, lang), lines)).add_to(marker)
        group.add_child(marker)
    return group


def quality_group(flags: pd.DataFrame, *, lang: Lang, names: Mapping[str, str] | None = None) -> folium.FeatureGroup:
    """One orange diamond per flagged position; its tooltip lists every record there with its flags.

    Many records share a county centroid, so markers are per position, not per record (one marker
    per record would stack them and show only the top one). `names` maps ``"<layer>/<id>"`` to a
    display name (the id is shown when missing).
    """
    group = folium.FeatureGroup(name=esc(t("quality_flags", lang)), atlas_layer="quality")
    placed = flags.dropna(subset=["lon", "lat"])
    placed = placed.assign(_lon=placed["lon"].astype(float).round(5), _lat=placed["lat"].astype(float).round(5))
    for _, here in placed.groupby(["_lon", "_lat"], sort=False):
        lines = []
        for (layer, record_id), rows in here.groupby(["layer", "id"], sort=False):
            title = (names or {}).get(f"{layer}/{record_id}", str(record_id))
            kinds = ", ".join(flag_label(str(f), lang) for f in rows["flag"])
            lines.append(f"{title} ({label(str(layer), lang)}): {kinds}")
        icon = folium.DivIcon(
            html=(
                f'<div class="atlas-quality-flag" data-records="{len(lines)}" style="width:14px;height:14px;'
                f"transform:rotate(45deg);background:{FLAG_COLOUR};border:1.5px solid #222;"
                'box-sizing:border-box"></div>'
            ),
            icon_size=(14, 14),
            icon_anchor=(7, 7),
            class_name="atlas-quality-icon",
        )
        marker = folium.Marker(location=folium_location(lon=here["_lon"].iloc[0], lat=here["_lat"].iloc[0]), icon=icon)
        html_tooltip(tooltip_html(t("quality_flags", lang), lines)).add_to(marker)
        group.add_child(marker)
    return group


def record_names(atlas: Atlas, lang: Lang) -> dict[str, str]:
    """``"<layer>/<id>"`` → name in `lang`, for the point layers a flag can sit on."""
    out = {}
    for layer, frame in (
        (Layer.ZONES, atlas.zones),
        (Layer.PROJECTS, atlas.projects),
        (Layer.RECYCLING_BASES, atlas.recycling_bases),
        (Layer.DEPOSITS, atlas.deposits),
    ):
        for row in records(frame):
            out[f"{layer.value}/{cell_text(row.get('id'))}"] = name_in(row, lang)
    return out
