"""The registry's history and edits on maps: what changed since a version, and the project being re-positioned."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import folium
import pandas as pd

from atlas.core.cells import format_number
from atlas.core.schema import Lang, label
from atlas.maps.popups import cell_text, folium_location, html_tooltip, name_in, records, tooltip_html
from atlas.registry.store import RegistryStore, RegistryVersion, registry_changes

CHANGE_COLOURS: Final[dict[str, str]] = {"added": "#2ca02c", "changed": "#ff7f0e", "removed": "#7f7f7f"}
CHANGE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "added": ("新增", "added"),
    "changed": ("修改", "changed"),
    "removed": ("删除", "removed"),
}
RECORD_COLUMNS: Final[tuple[str, ...]] = ("id", "change", "columns", "name_zh", "name_en", "lon", "lat")


@dataclass(frozen=True)
class RegistryDiff:
    """`changes`: one row per id that differs (id, change, columns); `records`: those rows with names and points
    (the new row for added/changed ids, the old one for removed ids), for a table and a map."""

    changes: pd.DataFrame
    records: pd.DataFrame


def registry_diff(old: pd.DataFrame, new: pd.DataFrame) -> RegistryDiff:
    """What differs between two registry tables (text cells), with each changed record's name and position."""
    changes = registry_changes(old, new)
    old_rows = {str(r["id"]): r for r in records(old)}
    new_rows = {str(r["id"]): r for r in records(new)}
    rows = []
    for change in records(changes):
        source = old_rows if change["change"] == "removed" else new_rows
        row = source.get(str(change["id"]), {})
        rows.append({**{c: row.get(c, "") for c in ("name_zh", "name_en", "lon", "lat")}, **change})
    return RegistryDiff(changes, pd.DataFrame(rows, columns=list(RECORD_COLUMNS), dtype=object))


def changes_since(store: RegistryStore, version: str) -> RegistryDiff:
    """Everything saved after `version`, up to the current registry."""
    current, _ = store.read()
    return registry_diff(store.read_version(version), current)


def versions_frame(history: list[RegistryVersion]) -> pd.DataFrame:
    """The history as a table, newest first (for a page or a CLI listing)."""
    return pd.DataFrame(
        [{"version": v.version, "saved_at": v.saved_at, "author": v.author, "message": v.message, "rows": v.rows}
         for v in history],
        columns=["version", "saved_at", "author", "message", "rows"],
    )


def _point(record: Mapping[str, Any]) -> tuple[float, float] | None:
    try:
        lon, lat = float(record.get("lon", "")), float(record.get("lat", ""))
    except (TypeError, ValueError):
        return None
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else None


def diff_layer(diff: RegistryDiff, *, lang: Lang) -> folium.FeatureGroup:
    """The changed records as coloured points (added green, changed orange, removed grey), escaped tooltips."""
    group = folium.FeatureGroup(name="changes" if lang == "en" else "变更", control=False)
    for record in records(diff.records):
        point = _point(record)
        if point is None:
            continue
        change = str(record["change"])
        zh, en = CHANGE_LABELS.get(change, (change, change))
        lines = [zh if lang == "zh" else en, cell_text(record["columns"]), str(record["id"])]
        marker = folium.CircleMarker(
            folium_location(lon=point[0], lat=point[1]), radius=7, weight=2, color="#222",
            fill=True, fill_color=CHANGE_COLOURS.get(change, "#444"), fill_opacity=0.9,
        )
        html_tooltip(tooltip_html(name_in(record, lang), lines)).add_to(marker)
        group.add_child(marker)
    return group


def position_layer(
    record: Mapping[str, Any], *, lang: Lang, new: tuple[float, float] | None = None
) -> folium.FeatureGroup:
    """The project being moved: its stored point with its uncertainty ring, and the clicked new point if any."""
    group = folium.FeatureGroup(name="position" if lang == "en" else "位置", control=False)
    point = _point(record)
    if point is not None:
        try:
            radius_km = float(record.get("uncertainty_km") or 0.0)
        except (TypeError, ValueError):
            radius_km = 0.0
        if math.isfinite(radius_km) and radius_km > 0:
            group.add_child(folium.Circle(folium_location(lon=point[0], lat=point[1]), radius=radius_km * 1000,
                                          color="#d62728", weight=1, dash_array="4 4", fill=False,
                                          interactive=False))
        now = "现位置" if lang == "zh" else "stored position"
        precision = label(cell_text(record.get("position_precision")), lang)
        marker = folium.CircleMarker(folium_location(lon=point[0], lat=point[1]), radius=7, color="#d62728",
                                     fill=True, fill_opacity=0.8)
        html_tooltip(tooltip_html(name_in(record, lang), [now, precision])).add_to(marker)
        group.add_child(marker)
    if new is not None:
        clicked = "新位置" if lang == "zh" else "new position"
        marker = folium.CircleMarker(folium_location(lon=new[0], lat=new[1]), radius=8, color="#1f77b4",
                                     fill=True, fill_opacity=0.9)
        text = f"{format_number(round(new[0], 6))}, {format_number(round(new[1], 6))}"
        html_tooltip(tooltip_html(clicked, [text])).add_to(marker)
        group.add_child(marker)
    return group
