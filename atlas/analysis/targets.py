"""Progress toward the policy's 2030 targets, and which departments answer for each policy task."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd

from atlas.core.errors import AtlasError
from atlas.core.i18n import localise_frame
from atlas.core.model import Atlas
from atlas.core.schema import Lang

PROGRESS_OPERATORS: Final[tuple[str, ...]] = (">=", ">")
"""Targets of the form "at least X" (X > 0) have a fraction of the way done; others are only met or not."""
TARGET_STATUSES: Final[tuple[str, ...]] = ("no-data", "progress", "met", "not-met")


def target_progress(atlas: Atlas) -> pd.DataFrame:
    """Every target with its latest known value and, only where that value exists, how far along it is.

    Returns
    -------
    pandas.DataFrame
        The targets' columns plus `status` (`no-data`, `progress`, `met`, `not-met`), `progress`
        (latest ÷ target, unclipped, only for "at least X" targets with X > 0 and a latest value;
        NaN otherwise) and `met` (True/False when a latest value exists, else None). Nothing is
        estimated: without a latest value the row says ``no-data``.
    """
    out = atlas.targets.copy()
    rows = [
        _assess(str(op), _number(value), _number(latest))
        for op, value, latest in zip(out["operator"], out["value"], out["latest_value"], strict=True)
    ]
    out["status"] = [r[0] for r in rows]
    out["progress"] = [r[1] for r in rows]
    out["met"] = pd.Series([r[2] for r in rows], index=out.index, dtype=object)
    return out


def _assess(operator: str, value: float, latest: float) -> tuple[str, float, bool | None]:
    if math.isnan(latest) or math.isnan(value):
        return "no-data", math.nan, None
    met = _compare(latest, operator, value)
    if operator in PROGRESS_OPERATORS and value > 0 and not met:
        return "progress", latest / value, False
    fraction = latest / value if operator in PROGRESS_OPERATORS and value > 0 else math.nan
    return ("met" if met else "not-met"), fraction, met


def _compare(latest: float, operator: str, value: float) -> bool:
    return {
        ">=": latest >= value,
        ">": latest > value,
        "<=": latest <= value,
        "<": latest < value,
        "=": math.isclose(latest, value, abs_tol=1e-9),
    }[operator]


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def responsibilities_table(atlas: Atlas, *, department: str | None = None) -> pd.DataFrame:
    """Who answers for each policy section: one row per (section, department), lead department first.

    The first department a section lists is its lead (`lead` = True), as the policy's order says.
    With `department`, only that department's rows remain: "what is my bureau responsible for?".

    Raises
    ------
    AtlasError
        For an unknown department id (the message lists the valid ones).
    """
    valid = [str(d) for d in atlas.departments["id"]]
    if department is not None and department not in valid:
        raise AtlasError(f"unknown department {department!r}; valid: {', '.join(valid)}")
    resp = atlas.responsibilities.reset_index(drop=True)
    lead = ~resp["policy_section"].duplicated()
    sections = atlas.sections.set_index("id")
    departments = atlas.departments.set_index("id")
    out = pd.DataFrame(
        {
            "policy_section": resp["policy_section"],
            "section_title_zh": resp["policy_section"].map(sections["title_zh"]),
            "section_title_en": resp["policy_section"].map(sections["title_en"]),
            "section_summary_zh": resp["policy_section"].map(sections["summary_zh"]),
            "section_summary_en": resp["policy_section"].map(sections["summary_en"]),
            "department_id": resp["department_id"],
            "department_name_zh": resp["department_id"].map(departments["name_zh"]),
            "department_name_en": resp["department_id"].map(departments["name_en"]),
            "lead": lead.to_numpy(dtype=bool),
        }
    )
    if department is not None:
        out = out[out["department_id"] == department]
    return out.reset_index(drop=True)


def department_load(atlas: Atlas) -> pd.DataFrame:
    """Per department: sections it leads and sections it shares, in departments.csv order."""
    table = responsibilities_table(atlas)
    grouped = table.groupby("department_id")
    ids = [str(d) for d in atlas.departments["id"]]
    return pd.DataFrame(
        {
            "department_id": ids,
            "leads": [int(grouped["lead"].sum().get(d, 0)) for d in ids],
            "sections": [int(grouped.size().get(d, 0)) for d in ids],
        }
    )


def responsibilities_for_display(atlas: Atlas, *, department: str | None, lang: Lang) -> pd.DataFrame:
    """`responsibilities_table` as the targets page shows it: section, its title, department, lead, with
    localised headers; one department's view adds the paraphrased task of each section in full."""
    table = responsibilities_table(atlas, department=department)
    columns = ["policy_section", f"section_title_{lang}", f"department_name_{lang}", "lead"]
    if department:
        columns.insert(2, f"section_summary_{lang}")
    return localise_frame(table[columns], lang)
