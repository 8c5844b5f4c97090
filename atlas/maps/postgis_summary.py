"""Project counts and investment per cluster type, zone, prefecture or stage, computed inside PostGIS.

The clusters page's figures (`atlas.analysis.aggregate.summarise_projects` of the filtered projects)
without carrying a million rows out of the database. Every save keeps, per filter key (the set of
cluster types, stage, status, prefecture and zone), the number of projects and their investment
(``project_cell_keys``, migration 003, beside the map's cell counts), so a summary adds up a few
thousand key rows instead of grouping the registry. Groups and counts follow the in-memory rules:

* a project in two cluster types counts in both (and twice if its list names one twice, as pandas'
  ``explode`` counts it); one without any counts under `NO_GROUP`, as does one without a zone;
* a status counts in its `schema.STATUS_GROUP` state, any other text in ``other``;
* investment is the sum over the projects that state one (NaN when none does), ``investment_known``
  how many did. Cells hold the text the user typed: the migration casts plain decimal text (after
  dropping ``_`` digit separators and folding full-width digits, both of which Python's `float`
  accepts); a number written any other way counts as unknown here.

Sums are added in another order than pandas adds them, so they match to rounding, not bit for bit.
Filters are the map's (`atlas.maps.postgis_view.filter_clause`): free text is refused, not answered differently.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import psycopg

from atlas.analysis.aggregate import GROUP_BYS, NO_GROUP, STATES, GroupBy
from atlas.analysis.query import Filters
from atlas.core import schema
from atlas.maps.postgis_view import filter_clause

SUMMARY_COLUMNS: Final[tuple[str, ...]] = ("key", *("projects", *STATES), "investment_cny_m", "investment_known")
"""What `summarise_in_database` returns, named as `summarise_projects` names them; ``other`` is what is left."""

_GROUP_KEY: Final[dict[str, str]] = {
    "cluster-type": "coalesce(c.item, %(none)s)",
    "zone": "CASE WHEN k.zone_id = '' THEN %(none)s ELSE k.zone_id END",
    "prefecture": "k.prefecture",
    "stage": "k.stage",
}
_CLUSTER_ITEMS: Final[str] = (
    " LEFT JOIN LATERAL (SELECT btrim(i, %(blank)s) AS item FROM unnest(k.clusters) AS i"
    " WHERE btrim(i, %(blank)s) <> '') AS c ON true"
)
"""One row per item of the key's list of cluster types (Python's ``split`` then ``strip``), none for an empty list."""


def summarise_in_database(conn: psycopg.Connection[Any], filters: Filters, *, by: GroupBy) -> pd.DataFrame:
    """Per group of the projects matching `filters`: `SUMMARY_COLUMNS`, one row per group present, by key.

    The same figures as those rows of ``summarise_projects(atlas, filter_projects(atlas, filters), by=by)``
    whose ``projects`` is not 0 (that table also lists every known group, with zeros, and capacities).

    Raises
    ------
    ValueError
        For free text in `filters`, or an unknown `by`.
    """
    if by not in GROUP_BYS:
        raise ValueError(f"unknown grouping {by!r}; valid: {', '.join(GROUP_BYS)}")
    parts, params = filter_clause(filters, over_keys=True)
    states = {state: [str(s) for s, group in schema.STATUS_GROUP.items() if group == state] for state in STATES[:-1]}
    params.update(none=NO_GROUP, blank=" \t\n\r\f\v", **states)
    counted = ", ".join(f"sum(k.projects) FILTER (WHERE k.status = ANY(%({s})s::text[]))::bigint" for s in states)
    where = "WHERE " + " AND ".join(parts) if parts else ""  # bare column names: only the key table has them
    query = (
        f"SELECT {_GROUP_KEY[by]} AS key, sum(k.projects)::bigint, {counted}, sum(k.investment),"
        " sum(k.invested)::bigint"
        f" FROM project_cell_keys AS k{_CLUSTER_ITEMS if by == 'cluster-type' else ''} {where} GROUP BY 1"
    )
    rows = conn.execute(query, params).fetchall()
    frame = pd.DataFrame(rows, columns=["key", "projects", *STATES[:-1], "investment_cny_m", "investment_known"])
    frame = frame.fillna({state: 0 for state in STATES[:-1]})  # a sum over no key is NULL, not 0
    frame["other"] = frame["projects"] - frame[list(STATES[:-1])].sum(axis=1)
    frame["investment_cny_m"] = frame["investment_cny_m"].astype(float)
    frame = frame.sort_values("key", ignore_index=True)  # Python's order, whatever the database's collation
    return frame[list(SUMMARY_COLUMNS)].astype({c: int for c in ("projects", *STATES, "investment_known")})


_NUMBER: Final[str] = (
    "CASE WHEN number ~ '^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*$' THEN number::float8 END"
)
"""Plain decimal text as a number (as migration 003 reads investment), anything else unknown."""


def capacity_in_database(conn: psycopg.Connection[Any], filters: Filters, *, by: GroupBy) -> pd.Series:
    """Summed capacity per (group key, unit) of the projects matching `filters`, as `summarise_projects` sums it.

    Capacities are not among the stored per-key figures, so this groups the matching rows themselves: one
    scan of ``projects`` (about a second at 10⁶ rows), which callers keep per registry version.
    """
    if by not in GROUP_BYS:
        raise ValueError(f"unknown grouping {by!r}; valid: {', '.join(GROUP_BYS)}")
    parts, params = filter_clause(filters)
    params.update(none=NO_GROUP, blank=" \t\n\r\f\v")
    where = " AND ".join(parts) or "true"
    rows_query = (
        "SELECT string_to_array(replace(cluster_types, ' ', ''), %(sep)s) AS clusters, zone_id, stage,"
        " left(county_adcode, 4) || '00' AS prefecture, capacity_unit, amount FROM"
        f" (SELECT *, {_NUMBER} AS amount FROM"
        "  (SELECT *, translate(replace(capacity, '_', ''), '０１２３４５６７８９', '0123456789') AS number"
        f"   FROM projects WHERE {where}) AS p) AS typed WHERE amount IS NOT NULL"
    )
    query = (
        f"SELECT {_GROUP_KEY[by]} AS key, k.capacity_unit, sum(k.amount)"
        f" FROM ({rows_query}) AS k{_CLUSTER_ITEMS if by == 'cluster-type' else ''} GROUP BY 1, 2"
    )
    rows = conn.execute(query, params).fetchall()
    index = pd.MultiIndex.from_tuples([(key, unit) for key, unit, _ in rows]) if rows else \
        pd.MultiIndex.from_arrays([[], []])
    return pd.Series([float(total) for _, _, total in rows], index=index, dtype=float)
