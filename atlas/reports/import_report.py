"""An import's validation report and its rejected rows as CSV/XLSX, formulas neutralised, ready to fix."""

from __future__ import annotations

import csv
import io
from typing import Final, Literal

import pandas as pd

from atlas.core.i18n import localise_frame
from atlas.core.messages import msg
from atlas.core.safe import neutralise_formula, neutralise_frame
from atlas.core.schema import Lang
from atlas.importer.project_list import ImportResult
from atlas.reports.export import CSV_ENCODING, CSV_LINE_END, tables_to_xlsx_bytes

ReportFormat = Literal["csv", "xlsx"]
REPORT_FORMATS: Final[tuple[str, ...]] = ("csv", "xlsx")
PROBLEM_COLUMNS: Final[tuple[str, ...]] = ("row", "column", "value", "severity", "message")
SEVERITY_ORDER: Final[dict[str, int]] = {"error": 0, "warning": 1, "info": 2}


def problems_frame(result: ImportResult, lang: Lang = "en") -> pd.DataFrame:
    """Every problem as a table: file-level ones first, then by row; errors before warnings within a row.

    Messages are in `lang`; the column names stay the ids (`localise_frame` labels them for people).
    """
    records = [{c: p.text(lang) if c == "message" else getattr(p, c) for c in PROBLEM_COLUMNS} for p in result.problems]
    frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS), dtype=object)
    if frame.empty:
        return frame
    order = frame["row"].map(lambda r: -1 if r is None else int(r))
    rank = frame["severity"].map(lambda s: SEVERITY_ORDER.get(str(s), 3))
    return (
        frame.assign(_row=order, _rank=rank)
        .sort_values(["_row", "_rank"], kind="stable")
        .drop(columns=["_row", "_rank"])
        .reset_index(drop=True)
    )


def rejected_to_bytes(result: ImportResult, fmt: ReportFormat) -> bytes:
    """The held-back rows under their own headers (plus `row` and `reasons`): fix them and import the file again."""
    if fmt == "xlsx":
        return tables_to_xlsx_bytes({"rejected": result.rejected})
    if fmt == "csv":
        return neutralise_frame(result.rejected).to_csv(index=False, lineterminator=CSV_LINE_END).encode(CSV_ENCODING)
    raise ValueError(f"unknown report format {fmt!r}; valid: {', '.join(REPORT_FORMATS)}")


def report_to_bytes(result: ImportResult, fmt: ReportFormat, *, lang: Lang = "en") -> bytes:
    """The whole report: every problem, then the rejected rows (XLSX: two sheets; CSV: one under the other).

    Problem messages, severities and the problem table's headers are in `lang`; the rejected rows keep
    the file's own headers and cells, so they can be fixed and imported again.
    """
    problems = problems_frame(result, lang)
    problems = problems.assign(severity=problems["severity"].map(lambda s: msg(f"severity_{s}").text(lang)))
    shown = localise_frame(problems, lang) if lang == "zh" else problems  # English keeps the ids as headers
    names = ("problems", "rejected") if lang == "en" else ("问题", "退回的行")
    tables = {names[0]: shown, names[1]: result.rejected}
    if fmt == "xlsx":
        return tables_to_xlsx_bytes(tables)
    if fmt != "csv":
        raise ValueError(f"unknown report format {fmt!r}; valid: {', '.join(REPORT_FORMATS)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    for name, table in tables.items():
        safe = neutralise_frame(table)
        writer.writerow([neutralise_formula(name)])
        writer.writerow([str(c) for c in safe.columns])
        for row in safe.itertuples(index=False):
            writer.writerow(["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row])
        writer.writerow([])
    return buffer.getvalue().encode(CSV_ENCODING)
