"""The conflict report of `atlas data upgrade`: every record both the bureau and the release changed, both values."""

from __future__ import annotations

from typing import Final

import pandas as pd

from atlas.core.safe import neutralise_frame
from atlas.reports.export import CSV_ENCODING, CSV_LINE_END, tables_to_xlsx_bytes

CONFLICT_FORMATS: Final[tuple[str, ...]] = ("csv", "xlsx")


def conflicts_to_bytes(conflicts: pd.DataFrame, fmt: str) -> bytes:
    """The conflicts (a row per id and column: base, bureau and release values) as CSV or XLSX, formulas neutralised."""
    if fmt == "xlsx":
        return tables_to_xlsx_bytes({"conflicts": conflicts})
    if fmt == "csv":
        return neutralise_frame(conflicts).to_csv(index=False, lineterminator=CSV_LINE_END).encode(CSV_ENCODING)
    raise ValueError(f"unknown report format {fmt!r}; valid: {', '.join(CONFLICT_FORMATS)}")
