"""The index map's data as compact script files: layers, projects (all, or binned counts plus viewport tiles), search.

A page opened from ``file://`` cannot ``fetch()`` a file beside it (Chromium and Firefox refuse), but it can
load ``<script src>``: every file here is JavaScript that hands one JSON value to the page,
``atlasData("name", JSON.parse("…"))`` (``JSON.parse`` of a string is much faster than a large literal; the
string is `script_json`, so no ``</script>`` or ``<!--`` can appear in it).

Projects, at most `ALL_POINTS_MAX` of them: one `atlas.maps.points.project_payload` (about 18 bytes a point),
drawn whole and filtered in the browser. Beyond that: counts per `BIN_DEG` grid cell and per (cluster set,
status) for the zoomed-out map, and the points themselves cut into `TILE_DEG` tiles that the page loads
(`<script>` elements added on demand) once zoomed in to `TILE_ZOOM`, so the first draw reads about a
megabyte at any registry size.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping as geometry_mapping

from atlas.core.model import Atlas
from atlas.core.palette import STATUS_ORDER
from atlas.core.schema import CLUSTER_COLOURS, NO_CLUSTER_COLOUR, ClusterType, Lang, Layer, label
from atlas.core.settings import MAP_LARGE_POINTS
from atlas.data.search_keys import normalise_query, pinyin_keys
from atlas.maps.layers import (
    DEPOSIT_COLOUR,
    RECYCLING_COLOUR,
    deposit_card,
    is_exact,
    recycling_card,
    uncertainty_km,
    zone_area,
    zone_card,
    zone_clusters,
)
from atlas.maps.points import COORD_SCALE, cluster_set, names_in, project_payload
from atlas.maps.popups import cell_text, esc, name_in, records, script_json, tooltip_html
from atlas.maps.scale import BIN_COLOURS

ALL_POINTS_MAX: Final[int] = MAP_LARGE_POINTS
"""Up to this many drawable projects the index carries every point; beyond, bins and tiles."""
BIN_DEG: Final[float] = 0.05
"""Grid cell of the binned layer, in degrees (about 5 km): 20,000 cells cover Guizhou."""
TILE_DEG: Final[float] = 0.25
"""Point tiles, in degrees: at 10⁶ projects about 2,500 points (45 kB) a tile."""
TILE_ZOOM: Final[int] = 10
"""From this Leaflet zoom on, the large map shows the points of the tiles in view instead of bins."""
SEARCH_PROJECTS_MAX: Final[int] = ALL_POINTS_MAX
"""Project names are searchable up to this many; beyond, the search covers zones, places and project ids."""
COORD_DECIMALS: Final[int] = 4
SIMPLIFY_DEG: Final[float] = 0.001
"""Boundary simplification (about 100 m): invisible at the zooms a province map is read at, a third of the bytes."""


def data_script(name: str, value: object) -> str:
    """A script that hands `value` to the page as ``atlasData(name, value)``."""
    literal = script_json(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    return f"atlasData({script_json(name)},JSON.parse({literal}));\n"


def ordered_projects(projects: pd.DataFrame) -> pd.DataFrame:
    """The drawable projects (finite lon/lat) in the order `project_payload` gives them, so index i means
    the same project in the payload, the search data and the tiles."""
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    drawable = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    xi = np.rint(lon[drawable] * COORD_SCALE).astype(np.int64)
    yi = np.rint(lat[drawable] * COORD_SCALE).astype(np.int64)
    return projects.iloc[drawable[np.lexsort((yi, xi))]]


def _geometry(geom: Any) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    simple = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, COORD_DECIMALS))
    return dict(geometry_mapping(rounded))


def _outlines(frame: pd.DataFrame, lang: Lang) -> list[dict[str, Any]]:
    other: Lang = "en" if lang == "zh" else "zh"
    features = []
    for row in records(frame):
        geometry = _geometry(row.get("geometry"))
        if geometry is not None:
            tip = tooltip_html(name_in(row, lang), [name_in(row, other), cell_text(row.get("adcode"))])
            features.append({"type": "Feature", "geometry": geometry, "properties": {"t": tip}})
    return features


def _zones(atlas: Atlas, lang: Lang, zone_pages: Mapping[str, str]) -> list[dict[str, Any]]:
    county_names = {cell_text(r["adcode"]): name_in(r, lang) for r in records(atlas.counties)}
    out = []
    for row in records(atlas.zones):
        zone_id = cell_text(row.get("id"))
        roles = records(atlas.zone_roles[atlas.zone_roles["zone_id"] == zone_id])
        clusters = list(zone_clusters(atlas.zone_roles, zone_id))
        colours = [CLUSTER_COLOURS.get(c, NO_CLUSTER_COLOUR) for c in clusters] or [DEPOSIT_COLOUR]
        page = zone_pages.get(zone_id, "")
        link = f'<div style="margin-top:6px"><a class="atlas-zone-link" href="{esc(page)}">{esc(_profile_word(lang))}' \
               "</a></div>" if page else ""
        area = zone_area(row, atlas.counties)
        lon, lat = float(row.get("lon", math.nan)), float(row.get("lat", math.nan))
        out.append({
            "id": zone_id, "name": name_in(row, lang), "clusters": clusters, "colours": colours,
            "lon": lon if math.isfinite(lon) else None, "lat": lat if math.isfinite(lat) else None,
            "km": uncertainty_km(row), "exact": is_exact(row), "page": page,
            "area": _geometry(area) if area is not None else None,
            "tip": tooltip_html(name_in(row, lang), [label(c, lang) for c in clusters]),
            "card": zone_card(row, roles, lang=lang, county_names=county_names) + link,
        })
    return out


def _profile_word(lang: Lang) -> str:
    return "打开园区概况页 →" if lang == "zh" else "Open the zone profile →"


def _points(frame: pd.DataFrame, lang: Lang, colour: str, card: Callable[[dict[str, Any]], str]) -> list[Any]:
    out = []
    for row in records(frame):
        lon, lat = float(row.get("lon", math.nan)), float(row.get("lat", math.nan))
        if math.isfinite(lon) and math.isfinite(lat):
            tip = tooltip_html(name_in(row, lang), [label(cell_text(row.get("kind")), lang)])
            out.append({"lon": lon, "lat": lat, "exact": is_exact(row), "colour": colour, "tip": tip,
                        "card": card(row)})
    return out


def base_layers(atlas: Atlas, *, lang: Lang, zone_pages: Mapping[str, str]) -> dict[str, Any]:
    """Boundaries, zones, deposits and recycling bases, each with escaped tooltip and card HTML."""
    county_names = {cell_text(r["adcode"]): name_in(r, lang) for r in records(atlas.counties)}
    zone_names = {cell_text(r["id"]): name_in(r, lang) for r in records(atlas.zones)}
    west, south, east, north = (float(v) for v in atlas.province.total_bounds) if len(atlas.province) else (
        103.6, 24.6, 109.6, 29.2)
    return {
        "bounds": [[south, west], [north, east]],
        "names": {str(layer): label(layer, lang) for layer in Layer},
        "province": _outlines(atlas.province, lang),
        "prefectures": _outlines(atlas.prefectures, lang),
        "counties": _outlines(atlas.counties, lang),
        "zones": _zones(atlas, lang, zone_pages),
        "deposits": _points(atlas.deposits, lang, DEPOSIT_COLOUR,
                            lambda row: deposit_card(row, lang, county_names)),
        "bases": _points(atlas.recycling_bases, lang, RECYCLING_COLOUR,
                         lambda row: recycling_card(row, lang, zone_names)),
        "clusters": [{"id": c.value, "label": label(c, lang), "colour": CLUSTER_COLOURS[c]} for c in ClusterType]
        + [{"id": "", "label": "无集群归属" if lang == "zh" else "no cluster", "colour": NO_CLUSTER_COLOUR}],
        "binColours": list(BIN_COLOURS),
    }


def projects_mode(ordered: pd.DataFrame, *, all_points_max: int = ALL_POINTS_MAX) -> str:
    """"all" (every point in one file) or "tiles" (bins zoomed out, point tiles zoomed in)."""
    return "all" if len(ordered) <= all_points_max else "tiles"


LABEL_KEYS: Final[tuple[str, ...]] = ("c", "st", "p", "lab")
"""The language-dependent part of a payload; everything else is the same in every language."""


def all_points(ordered: pd.DataFrame, *, lang: Lang) -> tuple[dict[str, object], dict[str, object]]:
    """Every drawable project as one payload, split into the arrays (shared by the languages) and the labels of
    `lang`; names are in the search data."""
    payload = project_payload(ordered, lang=lang, names=False)
    payload["mode"] = "all"
    return split_labels(payload)


def split_labels(payload: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """(language-neutral part, labels) of a payload."""
    return ({k: v for k, v in payload.items() if k not in LABEL_KEYS},
            {k: v for k, v in payload.items() if k in LABEL_KEYS})


def _combo_status(ordered: pd.DataFrame) -> tuple[list[list[str]], list[str], np.ndarray, np.ndarray]:
    combos_text = pd.Series(["|".join(cluster_set(v)) for v in ordered["cluster_types"]], dtype=object)
    combo_codes, combos = pd.factorize(combos_text, use_na_sentinel=False)
    statuses_text = ordered["status"].astype("string").fillna("").replace("", "unknown")
    present = set(statuses_text)
    statuses = [s for s in STATUS_ORDER if s in present] + [s for s in pd.unique(statuses_text)
                                                            if s not in STATUS_ORDER]  # life-cycle order for the legend
    status_codes = pd.Categorical(statuses_text, categories=statuses).codes
    return ([[v for v in str(c).split("|") if v] for c in combos], [str(s) for s in statuses],
            np.asarray(combo_codes), np.asarray(status_codes))


def binned_labels(ordered: pd.DataFrame, *, lang: Lang) -> dict[str, object]:
    """The status labels of `binned_points`, in `lang`."""
    return {"st": [label(s, lang) for s in _combo_status(ordered)[1]]}


def binned_points(ordered: pd.DataFrame) -> dict[str, object]:
    """Counts per `BIN_DEG` cell and (cluster set, status), so the browser's filter can sum what it shows.

    Cells are in plain lon/lat degrees (``ix = floor(lon / BIN_DEG)``); the page draws each as the
    rectangle it covers.
    """
    combos, statuses, combo_codes, status_codes = _combo_status(ordered)
    ix = np.floor(ordered["lon"].to_numpy(dtype=float) / BIN_DEG).astype(np.int64)
    iy = np.floor(ordered["lat"].to_numpy(dtype=float) / BIN_DEG).astype(np.int64)
    key = combo_codes.astype(np.int64) * max(len(statuses), 1) + status_codes
    frame = pd.DataFrame({"ix": ix, "iy": iy, "key": key})
    counts = frame.groupby(["ix", "iy", "key"], sort=True).size().reset_index(name="n")
    ox, oy = (int(counts["ix"].min()), int(counts["iy"].min())) if len(counts) else (0, 0)
    return {
        "mode": "tiles", "deg": BIN_DEG, "ox": ox, "oy": oy, "tileDeg": TILE_DEG, "tileZoom": TILE_ZOOM,
        "x": (counts["ix"] - ox).tolist(), "y": (counts["iy"] - oy).tolist(),
        "k": counts["key"].tolist(), "n": counts["n"].tolist(), "ns": max(len(statuses), 1),
        "cid": combos, "sid": statuses,
        "total": len(ordered), "tiles": sorted(tile_ids(ordered)),
    }


def _tile_keys(ordered: pd.DataFrame) -> np.ndarray:
    tx = np.floor(ordered["lon"].to_numpy(dtype=float) / TILE_DEG).astype(np.int64)
    ty = np.floor(ordered["lat"].to_numpy(dtype=float) / TILE_DEG).astype(np.int64)
    return np.char.add(np.char.add(tx.astype(str), "_"), ty.astype(str))


def tile_ids(ordered: pd.DataFrame) -> set[str]:
    """The ids (``tx_ty``) of the tiles holding at least one project."""
    return set(np.unique(_tile_keys(ordered)).tolist()) if len(ordered) else set()


def point_tiles(ordered: pd.DataFrame, *, lang: Lang) -> dict[str, dict[str, object]]:
    """{tile id: the `project_payload` of its projects}."""
    keys = pd.Series(_tile_keys(ordered), index=ordered.index)
    return {str(tile): project_payload(ordered.loc[rows.index], lang=lang, names=False)
            for tile, rows in keys.groupby(keys, sort=True)}


def search_data(atlas: Atlas, ordered: pd.DataFrame, *, named: bool = True) -> dict[str, object]:
    """What the search box looks in: zones, counties and prefectures, and project names when not too many.

    Each entry has a folded key (`normalise_query` of both names and the pinyin of the Chinese one, so
    清镇, "Qingzhen", "qing zhen" and "qz" match) and both names. Project entries are aligned with the
    payload's point order; in tile mode they carry their own position.
    """
    places = []
    for layer, frame in (("zone", atlas.zones), ("county", atlas.counties), ("prefecture", atlas.prefectures)):
        for row in records(frame):
            point = row.get("geometry")
            lon, lat = float(row.get("lon", math.nan)), float(row.get("lat", math.nan))
            if not (math.isfinite(lon) and math.isfinite(lat)) and point is not None and not point.is_empty:
                centre = point.representative_point()
                lon, lat = centre.x, centre.y
            if not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            zh, en = cell_text(row.get("name_zh")), cell_text(row.get("name_en"))
            key = normalise_query(" | ".join([zh, en, pinyin_keys(zh), cell_text(row.get("id"))]))
            places.append([layer, cell_text(row.get("id") or row.get("adcode")), zh, en, key,
                           round(lon, 5), round(lat, 5)])
    named = named and len(ordered) <= SEARCH_PROJECTS_MAX
    out: dict[str, object] = {"places": places, "named": named}
    if named:
        out.update(name_templates(names_in(ordered, "zh"), names_in(ordered, "en")))
    return out


_DIGITS: Final[re.Pattern[str]] = re.compile(r"[0-9]+")
HOLE: Final[str] = "\x01"
"""Where a run of digits was taken out of a name template."""


_PART_BREAK: Final[re.Pattern[str]] = re.compile(r"(\s+|[·・()（）\[\]【】#,，、/])")


def name_templates(zh: list[str], en: list[str]) -> dict[str, object]:
    """Project names, compactly: words are stored once, with their pinyin; a name is a list of word numbers and
    its digit runs.

    Registries repeat their wording (a county, a company, "年产 … 万吨", "project") and differ in numbers:
    each name's digit runs are taken out (`HOLE`), the rest is cut into words at spaces and punctuation, and
    each distinct (Chinese, English) pair of word lists is stored once. 10⁵ synthetic names (20 MB as text)
    take about 2 MB. The page puts the words and digits back together.

    Returns
    -------
    dict
        ``w``: the distinct words, newline-joined; ``wp``: each word's pinyin keys (empty for non-Chinese
        words), newline-joined; ``t``: per pair "zh words<TAB>en words" as base-36 numbers joined by ",",
        newline-joined; ``r``: per project "pair (base 36);zh digits[;en digits]" (digit runs joined by ",",
        the English ones only when they differ), newline-joined.
    """
    words: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    rows = []

    def encode(template: str) -> str:
        parts = [p for p in _PART_BREAK.split(template) if p]
        return ",".join(_base36(words.setdefault(p, len(words))) for p in parts)

    for name_zh, name_en in zip(zh, en, strict=True):
        zh_runs, en_runs = _DIGITS.findall(name_zh), _DIGITS.findall(name_en)
        key = (_DIGITS.sub(HOLE, name_zh), _DIGITS.sub(HOLE, name_en))
        index = pairs.get(key)
        if index is None:
            index = pairs[key] = len(pairs)
        row = f"{_base36(index)};{','.join(zh_runs)}"
        rows.append(row if en_runs == zh_runs else f"{row};{','.join(en_runs)}")
    templates = [f"{encode(a)}\t{encode(b)}" for a, b in pairs]
    word_list = list(words)
    return {
        "w": "\n".join(w.replace("\n", " ") for w in word_list),
        "wp": "\n".join(_joined_pinyin(w) for w in word_list),
        "t": "\n".join(templates),
        "r": "\n".join(rows),
    }


def _joined_pinyin(word: str) -> str:
    """"qingzhenshi qzs": the joined syllables and the initials (the spaced form adds nothing to a substring
    search over joined words)."""
    keys = pinyin_keys(word.replace(HOLE, " ")).split(" ")
    return f"{keys[0]} {keys[-1]}" if keys[0] else ""


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out
