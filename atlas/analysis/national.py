"""The national policy's six tasks next to the provincial sections that carry them out."""

from __future__ import annotations

import pandas as pd

from atlas.core.model import Atlas


def national_tasks_table(atlas: Atlas) -> pd.DataFrame:
    """The six national tasks with their section ordinal, title and paraphrase (columns prefixed `national_`)."""
    return atlas.national_tasks.rename(
        columns={
            "id": "national_task_id",
            "section": "national_section",
            "title_zh": "national_title_zh",
            "title_en": "national_title_en",
            "summary_zh": "national_summary_zh",
            "summary_en": "national_summary_en",
        }
    ).drop(columns=["source", "as_of"])


def national_context_table(atlas: Atlas) -> pd.DataFrame:
    """One row per (national task, provincial section) link, in task order, with both sides' titles.

    Columns: `national_task_id`, `national_section`, `national_title_zh/en`, `national_summary_zh/en`,
    `policy_section`, `section_title_zh/en`, `why_zh/en`. A task without a link still appears once,
    with empty provincial columns, so "the province does nothing on this" stays visible.
    """
    tasks = national_tasks_table(atlas)
    links = atlas.national_links.drop(columns=["source", "as_of"])
    sections = atlas.sections[["id", "title_zh", "title_en"]].rename(
        columns={"id": "policy_section", "title_zh": "section_title_zh", "title_en": "section_title_en"}
    )
    merged = tasks.merge(links, on="national_task_id", how="left").merge(sections, on="policy_section", how="left")
    columns = [
        "national_task_id",
        "national_section",
        "national_title_zh",
        "national_title_en",
        "national_summary_zh",
        "national_summary_en",
        "policy_section",
        "section_title_zh",
        "section_title_en",
        "why_zh",
        "why_en",
    ]
    return merged[columns].fillna("").reset_index(drop=True)
