"""The table under the map: exactly the point records the map draws, one row each, in the chosen language."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from atlas.core.i18n import names_by_id
from atlas.core.model import Atlas
from atlas.core.schema import Lang, Layer, label

LISTED: tuple[tuple[Layer, str], ...] = (
    (Layer.ZONES, "zones"),
    (Layer.PROJECTS, "projects"),
    (Layer.RECYCLING_BASES, "recycling_bases"),
    (Layer.DEPOSITS, "deposits"),
)
LISTING_COLUMNS: tuple[str, ...] = (
    "layer",
    "id",
    "name",
    "kind",
    "status",
    "position_precision",
    "uncertainty_km",
    "lon",
    "lat",
    "source",
    "as_of",
)


def map_listing(atlas: Atlas, layers: Collection[Layer], *, lang: Lang, limit: int | None = None) -> pd.DataFrame:
    """One row per drawn record of the point layers in `layers` (boundaries are not listed).

    `limit` keeps at most that many rows per layer (the first ones): a table of a million rows would
    cost the page seconds and the browser its memory, and nobody reads past a few thousand.
    """
    blocks = []
    stage_names = names_by_id(atlas.stages, lang)
    for layer, attribute in LISTED:
        if layer not in layers:
            continue
        records = getattr(atlas, attribute)
        records = records if limit is None else records.iloc[:limit]
        frame = pd.DataFrame(records.drop(columns=["geometry", "search_text"], errors="ignore"))
        if frame.empty:
            continue
        kind = (
            frame["stage"].map(stage_names).fillna(frame["stage"])
            if "stage" in frame.columns
            else frame.get("kind", pd.Series("", index=frame.index)).map(lambda v: label(str(v), lang))
        )
        blocks.append(
            pd.DataFrame(
                {
                    "layer": label(layer, lang),
                    "id": frame["id"],
                    "name": frame[f"name_{lang}"].where(frame[f"name_{lang}"] != "", frame["name_zh"]),
                    "kind": kind,
                    "status": frame.get("status", pd.Series("", index=frame.index)).map(
                        lambda v: label(str(v), lang) if v else ""
                    ),
                    "position_precision": frame["position_precision"].map(lambda v: label(str(v), lang)),
                    "uncertainty_km": frame["uncertainty_km"],
                    "lon": frame["lon"],
                    "lat": frame["lat"],
                    "source": frame["source"],
                    "as_of": frame["as_of"],
                }
            )
        )
    if not blocks:
        return pd.DataFrame(columns=list(LISTING_COLUMNS))
    return pd.concat(blocks, ignore_index=True)[list(LISTING_COLUMNS)]
