"""One row of download buttons; files are produced only when clicked (deferred callables)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from atlas.analysis.profile import ZoneProfile
from atlas.core.model import Atlas
from atlas.core.safe import safe_filename
from atlas.core.schema import Lang

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
    "html": "text/html",
}


@dataclass(frozen=True)
class Download:
    fmt: str
    produce: Callable[[], bytes]


def download_row(downloads: Sequence[Download], *, basename: str, key: str, per_row: int | None = None) -> None:
    """A button per format, named `<basename>.<fmt>` (sanitised), side by side (`per_row` to a line)."""
    width = per_row or len(downloads)
    for start in range(0, len(downloads), width):
        row = downloads[start:start + width]
        for column, item in zip(st.columns(width), row, strict=False):
            with column:
                st.download_button(
                    item.fmt.upper(),
                    data=item.produce,
                    file_name=f"{safe_filename(basename)}.{item.fmt}",
                    mime=MIME.get(item.fmt, "application/octet-stream"),
                    key=f"{key}-{item.fmt}",
                    on_click="ignore",
                    width="stretch",
                )


def report_downloads(atlas: Atlas, profile: ZoneProfile, lang: Lang) -> list[Download]:
    """The printable one-page profile as PDF (embedded CJK font) and print-ready HTML."""
    from atlas.reports.profile_page import zone_profile_html
    from atlas.reports.profile_pdf import zone_profile_pdf  # fpdf2 + fonts only when a profile is shown

    return [
        Download("pdf", lambda: zone_profile_pdf(atlas, profile, lang=lang)),
        Download("html", lambda: zone_profile_html(atlas, profile, lang=lang).encode("utf-8")),
    ]
