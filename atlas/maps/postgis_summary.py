"""Project counts and investment per cluster type, zone, prefecture or stage, computed inside PostGIS.

The clusters page's figures (`atlas.analysis.aggregate.summarise_projects` of the filtered projects)
without carrying a million rows out of the database: one grouped query over ``projects`` returns a
row per group. Groups and counts follow the in-memory rules exactly:

* a project in two cluster types counts in both (and twice if its list names one twice, as pandas'
  ``explode`` counts it); one without any counts under `NO_GROUP`, as does one without a zone;
* a status counts in its `schema.STATUS_GROUP` state, any other text in ``other``;
* investment is the sum over the projects that state one (NULL, i.e. NaN, when none does), and
  ``investment_known`` says how many did. Cells hold the text the user typed: plain decimal text
  (after dropping ``_`` digit separators and folding full-width digits, both of which Python's
  `float` accepts) is cast to float8; a number written any other way counts as unknown here.

Sums are added in the database's order, so they match the in-memory totals to rounding, not bit for bit.
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
    "zone": "CASE WHEN p.zone_id = '' THEN %(none)s ELSE p.zone_id END",
    "prefecture": "left(p.county_adcode, 4) || '00'",
    "stage": "p.stage",
}
_CLUSTER_ITEMS: Final[str] = (
    " LEFT JOIN LATERAL (SELECT btrim(i, %(blank)s) AS item"
    " FROM unnest(string_to_array(p.cluster_types, %(sep)s)) AS i WHERE btrim(i, %(blank)s) <> '') AS c ON true"
)
"""One row per item of the ``;``-joined list (Python's ``str.split`` then ``strip``), none for an empty list."""
_FULL_WIDTH_DIGITS: Final[str] = "０１２３４５６７８９"
_PLAIN_NUMBER: Final[str] = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_INVESTMENT: Final[str] = (
    "CASE WHEN translate(replace(p.investment_cny_m, '_', ''), %(wide)s, '0123456789') ~ %(plain)s"
    " THEN translate(replace(p.investment_cny_m, '_', ''), %(wide)s, '0123456789')::float8 END"
)


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
    parts, params = filter_clause(filters)
    states = {state: [str(s) for s, group in schema.STATUS_GROUP.items() if group == state] for state in STATES[:-1]}
    params.update(none=NO_GROUP, blank=" \t\n\r\f\v", wide=_FULL_WIDTH_DIGITS, plain=_PLAIN_NUMBER, **states)
    counted = ", ".join(f"count(*) FILTER (WHERE p.status = ANY(%({state})s::text[]))" for state in states)
    where = "WHERE " + " AND ".join(parts) if parts else ""  # bare column names: only ``projects`` has them
    query = (
        f"SELECT {_GROUP_KEY[by]} AS key, count(*), {counted}, sum(v.investment), count(v.investment)"
        f" FROM projects AS p{_CLUSTER_ITEMS if by == 'cluster-type' else ''}"
        f" CROSS JOIN LATERAL (SELECT {_INVESTMENT} AS investment) AS v {where}"
        " GROUP BY 1"
    )
    rows = conn.execute(query, params).fetchall()
    frame = pd.DataFrame(rows, columns=["key", "projects", *STATES[:-1], "investment_cny_m", "investment_known"])
    frame["other"] = frame["projects"] - frame[list(STATES[:-1])].sum(axis=1)
    frame["investment_cny_m"] = frame["investment_cny_m"].astype(float)
    frame = frame.sort_values("key", ignore_index=True)  # Python's order, whatever the database's collation
    return frame[list(SUMMARY_COLUMNS)].astype({c: int for c in ("projects", *STATES, "investment_known")})
