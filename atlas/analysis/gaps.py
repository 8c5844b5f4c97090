"""The chain-gap matrix: for each cluster type, every zone against every chain stage, and what fills each cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
from pandas.io.formats.style import Styler

from atlas.analysis.chain import assigned_cluster_types, zone_chain_coverage
from atlas.core.errors import AtlasError
from atlas.core.i18n import column_label, localise_frame, t
from atlas.core.model import Atlas
from atlas.core.palette import coverage_colours
from atlas.core.schema import Lang, label

GAP_STATES: Final[tuple[str, ...]] = (
    "operating",
    "building",
    "planned",
    "present-not-assigned",
    "assigned-empty",
    "not-assigned",
)
"""Cell states, best first. `assigned-empty` is the gap: the policy asks for the cluster, nothing covers the stage.
`present-not-assigned`: a project covers the stage although the policy does not give the zone the cluster."""

COVERED_STATES: Final[frozenset[str]] = frozenset({"operating", "building", "planned", "present-not-assigned"})
"""States with a project (or recycling plant) behind the cell, assigned or not."""

STATE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "operating": ("已投产", "operating"),
    "building": ("在建/试产", "building"),
    "planned": ("规划/签约", "planned"),
    "present-not-assigned": ("有项目（未指定）", "present, not assigned"),
    "assigned-empty": ("缺口", "GAP"),
    "not-assigned": ("未指定", "not assigned"),
}
"""Short cell labels; `planned` covers signed agreements too, `building` commissioning plants."""

STAGE_COLUMN_OFFSET: Final[int] = 2
"""Stage columns of `gap_matrix_wide` start after the zone name and the "assigned" column."""

LONG_COLUMNS: Final[tuple[str, ...]] = (
    "zone",
    "zone_name_zh",
    "zone_name_en",
    "cluster_type",
    "position",
    "stage",
    "stage_name_zh",
    "stage_name_en",
    "assigned",
    "state",
    "project_ids",
)
"""Columns of `gap_matrix_long`; `assigned` sits next to `state` because a state only means something with it."""


def check_cluster_types(atlas: Atlas, cluster_types: Sequence[str] | None) -> list[str]:
    """The requested cluster types in the atlas's order (all when None); unknown ids raise `AtlasError`."""
    valid = [str(c) for c in atlas.cluster_types["id"]]
    if cluster_types is None or len(cluster_types) == 0:
        return valid
    for cluster in cluster_types:
        if cluster not in valid:
            raise AtlasError(f"unknown cluster type {cluster!r}; valid: {', '.join(valid)}")
    return [c for c in valid if c in set(cluster_types)]


def gap_matrix_long(atlas: Atlas, *, cluster_types: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (cluster type, zone, stage): the cell's state and the records behind it.

    Every zone appears for every cluster type, so a zone with no project still shows its gaps.
    A project without a zone fills no cell (it belongs to no zone). `project_ids` lists the projects
    (and, at the scrap-recycling stage, the recycling plants and bases) tied to the zone at that stage,
    best state first; `assigned` says whether the policy gives the zone this cluster, and a project in a
    zone that is not assigned the cluster makes the cell `present-not-assigned`, never `operating` etc.

    Raises
    ------
    AtlasError
        For an unknown cluster type (the message lists the valid ones).
    """
    clusters = check_cluster_types(atlas, cluster_types)
    zones = atlas.zones[["id", "name_zh", "name_en"]]
    frames = []
    for cluster in clusters:
        for _, zone in zones.iterrows():
            coverage = zone_chain_coverage(atlas, str(zone["id"]), cluster_types=[cluster])
            assigned = cluster in assigned_cluster_types(atlas, str(zone["id"]))
            frames.append(
                coverage.assign(zone_name_zh=zone["name_zh"], zone_name_en=zone["name_en"], assigned=assigned)
            )
    if not frames:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    long = pd.concat(frames, ignore_index=True).rename(columns={"zone_id": "zone", "item_ids": "project_ids"})
    return long[list(LONG_COLUMNS)]


def gap_matrix_states(long: pd.DataFrame, cluster_type: str) -> pd.DataFrame:
    """Zones (index, atlas order) × stages (columns, chain order) of one cluster, cells = state ids."""
    rows = long[long["cluster_type"] == cluster_type]
    zones = list(dict.fromkeys(rows["zone"]))
    stages = list(rows.sort_values("position", kind="stable")["stage"].drop_duplicates())
    states = rows.pivot(index="zone", columns="stage", values="state")
    return states.reindex(index=zones, columns=stages)


def gap_matrix_wide(long: pd.DataFrame, cluster_type: str, lang: Lang) -> pd.DataFrame:
    """The matrix as people read it: zone name, one column per stage name, cells "label (n)", gap count.

    The row order is the atlas's zone order and the column order the chain's, so a selected
    (row, column) maps back with `gap_cell_at`.
    """
    rows = long[long["cluster_type"] == cluster_type]
    states = gap_matrix_states(long, cluster_type)
    cells = zip(rows["zone"], rows["stage"], rows["project_ids"], strict=True)
    counts = {(str(zone), str(stage)): len(ids) for zone, stage, ids in cells}
    zone_names = rows.drop_duplicates("zone").set_index("zone")[f"zone_name_{lang}"]
    stage_names = rows.drop_duplicates("stage").set_index("stage")[f"stage_name_{lang}"]
    assigned = rows.drop_duplicates("zone").set_index("zone")["assigned"]
    wide = pd.DataFrame(
        {
            _zone_header(lang): [str(zone_names[z]) for z in states.index],
            column_label("assigned", lang): [_yes_no(bool(assigned[z]), lang) for z in states.index],
        }
    )
    for stage in states.columns:
        wide[str(stage_names[stage])] = [
            _cell_text(str(states.at[z, stage]), counts[(str(z), str(stage))], lang) for z in states.index
        ]
    gaps = (states == "assigned-empty").sum(axis=1)
    wide[_gaps_header(lang)] = [int(gaps[z]) if assigned[z] else 0 for z in states.index]  # gaps: assigned only
    return wide


def gap_matrix_css(long: pd.DataFrame, cluster_type: str, wide: pd.DataFrame) -> pd.DataFrame:
    """CSS per cell of `wide` (`gap_matrix_wide`): each stage cell coloured by its state (`atlas.core.palette`)."""
    states = gap_matrix_states(long, cluster_type)
    css = pd.DataFrame("", index=wide.index, columns=wide.columns)
    for i, zone in enumerate(states.index):
        for j, stage in enumerate(states.columns):
            background, text = coverage_colours(str(states.at[zone, stage]))
            css.iat[i, j + STAGE_COLUMN_OFFSET] = f"background-color: {background}; color: {text}"
    return css


def styled_gap_matrix(long: pd.DataFrame, cluster_type: str, lang: Lang) -> Styler:
    """`gap_matrix_wide` with each stage cell coloured by its state, for the app's table."""
    wide = gap_matrix_wide(long, cluster_type, lang)
    css = gap_matrix_css(long, cluster_type, wide)
    return wide.style.apply(lambda _: css, axis=None)


def gap_cell_at(
    long: pd.DataFrame, cluster_type: str, *, row: int, column: str, lang: Lang
) -> dict[str, Any] | None:
    """The long-form record of the wide matrix's cell (`row` position, `column` header); None off the stages."""
    states = gap_matrix_states(long, cluster_type)
    rows = long[long["cluster_type"] == cluster_type]
    stages = rows.drop_duplicates("stage")
    by_header = dict(zip(stages[f"stage_name_{lang}"].astype(str), stages["stage"].astype(str), strict=True))
    if column not in by_header or not 0 <= row < len(states.index):
        return None
    zone, stage = states.index[row], by_header[column]
    match = rows[(rows["zone"] == zone) & (rows["stage"] == stage)]
    return {str(k): v for k, v in match.iloc[0].items()}


def items_behind(atlas: Atlas, ids: Sequence[str]) -> pd.DataFrame:
    """The projects and recycling plants/bases with these ids, in the given order, with a `layer` column."""
    columns = [
        "id",
        "name_zh",
        "name_en",
        "stage",
        "status",
        "capacity",
        "capacity_unit",
        "year",
        "zone_id",
        "position_precision",
        "source",
    ]
    projects = pd.DataFrame(atlas.projects).assign(layer="projects")
    bases = pd.DataFrame(atlas.recycling_bases).assign(layer="recycling-bases", stage="scrap-recycling")
    both = pd.concat([projects, bases], ignore_index=True)
    both = both[both["id"].isin(list(ids))].set_index("id").reindex([i for i in ids if i in set(both["id"])])
    return both.reset_index()[["layer", *columns]]


def gap_counts_by_zone(long: pd.DataFrame, cluster_type: str) -> pd.DataFrame:
    """Per zone of one cluster: whether assigned, stages covered (any project, assigned or not) and gaps.

    A gap is an assigned cell with nothing behind it, so a zone the policy does not assign the cluster
    always has 0 gaps, whatever is (or is not) there.
    """
    rows = long[long["cluster_type"] == cluster_type]
    covered = rows["state"].isin(COVERED_STATES)
    gap = (rows["state"] == "assigned-empty") & rows["assigned"].astype(bool)
    out = rows.assign(covered=covered, gap=gap).groupby("zone", sort=False)
    return pd.DataFrame(
        {
            "assigned": out["assigned"].first(),
            "stages": out.size(),
            "covered": out["covered"].sum().astype(int),
            "gaps": out["gap"].sum().astype(int),
        }
    ).reset_index()


def gap_matrix_text(long: pd.DataFrame, cluster_type: str, lang: Lang) -> str:
    """The matrix as an aligned terminal table with a title line and a legend line."""
    wide = gap_matrix_wide(long, cluster_type, lang)
    legend = t("gaps_legend", lang)
    with pd.option_context("display.max_colwidth", 40, "display.width", 250):
        body = wide.to_string(index=False)
    return f"{label(cluster_type, lang)} ({cluster_type})\n{body}\n{legend}"


def gap_matrix_tables(long: pd.DataFrame, lang: Lang) -> dict[str, pd.DataFrame]:
    """Sheets for an XLSX: one wide matrix per cluster type, then every cell in long form."""
    tables = {label(c, lang): gap_matrix_wide(long, str(c), lang) for c in dict.fromkeys(long["cluster_type"])}
    tables["cells" if lang == "en" else "明细"] = gap_cells_for_file(long, lang)
    return tables


def gap_cells_for_file(long: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The long form with localised headers, state labels and `assigned` as yes/no (是/否), for CSV/XLSX.

    `assigned` sits beside `state` in every row, so a "present, not assigned" cell reads as such even
    when the file is filtered or sorted away from the matrix.
    """
    frame = long.drop(columns=["position"]).assign(
        assigned=long["assigned"].map(lambda a: _yes_no(bool(a), lang)),
        state=long["state"].map(lambda s: state_label(s, lang)),
    )
    return localise_frame(frame.rename(columns={"stage": "stage_id"}), lang)


def state_label(state: str, lang: Lang) -> str:
    """The short zh/en label of a gap-matrix state (`STATE_LABELS`)."""
    pair = STATE_LABELS.get(state, (state, state))
    return pair[0] if lang == "zh" else pair[1]


def _cell_text(state: str, count: int, lang: Lang) -> str:
    text = state_label(state, lang)
    return f"{text} ({count})" if count else text


def _yes_no(value: bool, lang: Lang) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def _zone_header(lang: Lang) -> str:
    return t("zone", lang)


def _gaps_header(lang: Lang) -> str:
    return t("gaps_count", lang)
