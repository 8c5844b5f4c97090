"""Run the atlas's own validation on candidate project rows, so an accepted row is one a save will take."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from atlas.core import settings
from atlas.core.errors import Problem
from atlas.core.model import Atlas, RawData
from atlas.core.schema import PROJECT_COLUMNS
from atlas.data.load import TABLE_COLUMNS
from atlas.data.tables import FIRST_DATA_ROW
from atlas.data.validate import validate_projects_table


def _ids_only(ids: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame({c: [""] * len(ids) for c in columns}, dtype=object)
    frame["id"] = [str(i) for i in ids]
    return frame


def _reference_tables(atlas: Atlas, projects: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Text tables holding just what project rows are checked against (ids, chains), beside the candidates."""
    tables = {name: pd.DataFrame({c: [] for c in columns}, dtype=object) for name, columns in TABLE_COLUMNS.items()}
    for name in ("zones", "stages", "cluster_types", "sections", "departments"):
        tables[name] = _ids_only(getattr(atlas, name)["id"], TABLE_COLUMNS[name])
    chains = atlas.chains[["cluster_type", "position", "stage"]].astype(str)
    tables["chains"] = chains.assign(source="", as_of="")
    tables["projects"] = projects
    return tables


def validation_problems(records: Sequence[dict[str, str]], atlas: Atlas) -> dict[int, list[Problem]]:
    """Problems `atlas.data.validate` finds in `records` (as if they were projects.csv), by record index.

    Only problems of the projects file count: the reference tables here are partial on purpose.
    """
    if not records:
        return {}
    projects = pd.DataFrame(list(records), columns=list(PROJECT_COLUMNS), dtype=object).fillna("")
    raw = RawData(
        boundaries={"province": atlas.province, "prefectures": atlas.prefectures, "counties": atlas.counties},
        tables=_reference_tables(atlas, projects),
    )
    label = settings.DATA_FILES["projects"]
    found: dict[int, list[Problem]] = {}
    for problem in validate_projects_table(raw):
        if problem.file == label and problem.row is not None and problem.severity == "error":
            found.setdefault(problem.row - FIRST_DATA_ROW, []).append(problem)
    return found
