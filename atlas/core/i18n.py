"""UI and export labels in Chinese and English; Chinese is the users' language and the app's default."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from atlas.core.i18n_text import COLUMN_LABELS, TEXT
from atlas.core.model import Atlas
from atlas.core.schema import Lang, label

MISSING_MARK = "—"
"""What a table on screen shows for an unknown value (`st.dataframe`'s placeholder): never ``None`` or ``nan``."""


def t(key: str, lang: Lang, **values: object) -> str:
    """The UI text for `key` in `lang`, formatted with `values`; unknown keys are shown as they are."""
    pair = TEXT.get(key)
    text = key if pair is None else (pair[0] if lang == "zh" else pair[1])
    return text.format(**values) if values else text


def column_label(column: str, lang: Lang) -> str:
    """Header for a column in exports and tables ("capacity [kt/a]" keeps its unit)."""
    base, _, unit = column.partition(" [")
    pair = COLUMN_LABELS.get(base)
    if pair is None:
        return column
    text = pair[0] if lang == "zh" else pair[1]
    return f"{text} [{unit}" if unit else text


def other_language(lang: Lang) -> Lang:
    """The language a text falls back to when it is missing in `lang`."""
    return "en" if lang == "zh" else "zh"


def localised_text(record: Mapping[str, object], base: str, lang: Lang) -> str:
    """``<base>_<lang>`` of a record, else the other language's (an imported note may have one), else ""."""
    for key in (f"{base}_{lang}", f"{base}_{other_language(lang)}"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def record_labels(atlas: Atlas, lang: Lang) -> dict[str, dict[str, str]]:
    """Column -> id -> name in `lang`, for the ids a table would otherwise show raw (stage, zone, department)."""
    return {
        "stage": names_by_id(atlas.stages, lang),
        "zone_id": names_by_id(atlas.zones, lang),
        "department_id": names_by_id(atlas.departments, lang),
    }


def localise_frame(
    frame: pd.DataFrame,
    lang: Lang,
    *,
    value_columns: tuple[str, ...] = (),
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Pick `name_<lang>`/`notes_<lang>`-style columns, label controlled values and ids, translate headers.

    A ``<x>_<lang>`` cell left empty shows the other language's text (a user's import may bring a note
    in one language). `names` (column -> id -> label, e.g. `record_labels`) labels ids read from the data
    tables (stages, zones); `schema.LABELS` labels the controlled values. Unknown cells stay empty.
    """
    out = pd.DataFrame(frame.drop(columns=["geometry", "search_text"], errors="ignore")).copy()
    other = other_language(lang)
    for column in list(out.columns):
        if column.endswith(f"_{lang}"):
            base = column[: -len(lang) - 1]
            if base not in out.columns:
                if f"{base}_{other}" in out.columns:
                    out[column] = _with_fallback(out[column], out[f"{base}_{other}"])
                out = out.rename(columns={column: base})
                out = out.drop(columns=[f"{base}_{other}"], errors="ignore")
    for column in ("status", "position_precision", "position_source", "cluster_type", "kind", *value_columns):
        if column in out.columns:
            out[column] = _labelled(out[column], lang)
    for column, mapping in (names or {}).items():
        if column in out.columns:
            out[column] = _named(out[column], mapping)
    for column in out.columns:
        if holds_lists(out[column]):  # cluster types: each labelled; codes without a label stay as they are
            out[column] = out[column].map(
                lambda v: "; ".join(label(str(x), lang) for x in v) if isinstance(v, list) else v
            )
    out.columns = [column_label(str(c), lang) for c in out.columns]
    return out


def _with_fallback(primary: pd.Series, fallback: pd.Series) -> pd.Series:
    """`primary`, with its empty or missing cells taken from `fallback` (one vectorised pass)."""
    if primary.dtype != object and not pd.api.types.is_string_dtype(primary):
        return primary
    empty = (primary.isna() | (primary == "")).to_numpy(dtype=bool)
    if not empty.any():
        return primary
    return primary.astype(object).where(~empty, fallback.astype(object))


def _named(column: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """Ids replaced by their names; an id without a name stays as it is."""
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return column
    cells = column.astype(object)
    named = cells.map(dict(mapping))  # a dict lookup per cell, no Python call: a big registry stays quick
    return named.where(named.notna(), cells)


def holds_lists(column: pd.Series) -> bool:
    """Whether any cell is a list (cluster types): only an object column can hold one."""
    return column.dtype == object and any(type(v) is list for v in column.to_numpy())


def _labelled(column: pd.Series, lang: Lang) -> pd.Series:
    """Controlled values shown as their labels; each distinct value is looked up once (15,000 rows, ~10 values)."""
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return column
    try:
        distinct = column.dropna().unique()
    except TypeError:  # unhashable cells (lists): label cell by cell
        return column.map(lambda v: label(str(v), lang) if isinstance(v, str) and v else v)
    labels = {v: label(v, lang) for v in distinct if isinstance(v, str) and v}
    if not labels:
        return column
    cells = column.astype(object)
    labelled = cells.map(labels)
    return labelled.where(labelled.notna(), cells)


def names_by_id(frame: pd.DataFrame, lang: Lang, *, id_column: str = "id") -> dict[str, str]:
    """id → name in `lang` (falling back to the other language, then the id) for pickers and legends."""
    primary, fallback = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    out = {}
    for _, row in frame.iterrows():
        key = str(row[id_column])
        out[key] = str(row.get(primary) or row.get(fallback) or key)
    return out


def project_columns(lang: Lang) -> list[str]:
    """The project columns a table shows, in reading order, names in `lang`.

    Both note columns are listed: `localise_frame` shows the note in `lang`, or the other language's
    when a user's import brought only that one.
    """
    return [
        "id",
        f"name_{lang}",
        f"company_{lang}",
        "cluster_types",
        "stage",
        "status",
        "capacity",
        "capacity_unit",
        "investment_cny_m",
        "year",
        "zone_id",
        "county_adcode",
        "position_precision",
        "source",
        "as_of",
        "notes_zh",
        "notes_en",
    ]
