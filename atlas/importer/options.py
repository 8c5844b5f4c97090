"""How to read one bureau's list: its headers, its own words for values, whole-file defaults — and the
mapping file that keeps those choices for next month's list.

A mapping file is UTF-8 JSON::

    {"atlas_import_mapping": 1,
     "columns": {"建设地点": "place", "东西向": "lon"},
     "values": {"stage": {"铝精深加工": "deep-processing-products"}, "status": {"续建": "under-construction"}},
     "set": {"status": "在建"},
     "source": "https://example.gov.cn/2026-list",
     "crs": "wgs84"}

`columns` maps the file's headers to project columns, `values` a column's words to the atlas's values
(any spelling the atlas understands), `set` fills a column's empty cells (and a missing column) for the
whole file; `source` and `crs` are the file's defaults. Every part is optional.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from atlas.core.errors import AtlasError
from atlas.core.messages import listing, msg
from atlas.core.schema import LEGACY_COLUMNS, PROJECT_COLUMNS
from atlas.geo.datum import SourceCrs
from atlas.importer.headers import MAP_TARGETS
from atlas.importer.vocabulary import Vocabulary, normalise_value

FORMAT_KEY: Final[str] = "atlas_import_mapping"
FORMAT_VERSION: Final[int] = 1
COLUMN_ALIASES: Final[dict[str, str]] = {
    "zone": "zone_id", "cluster": "cluster_types", "cluster_type": "cluster_types", "county": "county_adcode",
    "precision": "position_precision", "investment": "investment_cny_m", "name": "name_zh",
    **LEGACY_COLUMNS,
}
"""Short names people use on the command line (``--set zone=qingzhen``), and old column names (``notes``)."""
SETTABLE: Final[tuple[str, ...]] = (*PROJECT_COLUMNS, "place")


@dataclass(frozen=True)
class ImportOptions:
    """The choices an import is read with (see the module docstring); empty means the file speaks for itself."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    source: str = ""
    crs: str = ""
    """"" when not chosen: the import reads WGS84."""

    def merged(self, override: ImportOptions) -> ImportOptions:
        """These options with `override`'s choices on top (a flag on the command line beats the file)."""
        values = {c: dict(v) for c, v in self.values.items()}
        for column, words in override.values.items():
            values.setdefault(column, {}).update(words)
        return replace(
            self,
            columns={**self.columns, **override.columns},
            values=values,
            defaults={**self.defaults, **override.defaults},
            source=override.source or self.source,
            crs=override.crs or self.crs,
        )


def column_name(text: str) -> str:
    """A project column from what a user typed (``stage``, ``zone``, ``county_adcode``…); AtlasError if none."""
    key = text.strip()
    column = COLUMN_ALIASES.get(key, key)
    if column not in SETTABLE:
        raise AtlasError(msg("option_unknown_column", column=key, valid=listing(SETTABLE)))
    return column


def check_options(options: ImportOptions, vocabularies: Mapping[str, Vocabulary]) -> ImportOptions:
    """The options with every value checked against the atlas's vocabularies and keys normalised.

    Raises `AtlasError` naming the first choice that cannot work: an unknown column, or a mapped or
    default value that is none of the column's values.
    """
    columns = {header: LEGACY_COLUMNS.get(target, target) for header, target in options.columns.items()}
    for header, target in columns.items():  # a mapping saved before `notes` became `notes_zh`/`notes_en`
        if target not in MAP_TARGETS:
            raise AtlasError(msg("mapping_unknown_target", header=header, target=target, valid=", ".join(MAP_TARGETS)))
    values: dict[str, dict[str, str]] = {}
    for raw_column, words in options.values.items():
        column = column_name(raw_column)
        vocabulary = vocabularies.get(column)
        if vocabulary is None:
            raise AtlasError(msg("option_not_controlled", column=column, valid=listing(sorted(vocabularies))))
        for text, value in words.items():
            resolved = vocabulary.resolve(value)
            if resolved is None:
                raise AtlasError(msg("option_bad_value", column=column, text=text, value=value,
                                     problem=vocabulary.unknown_message(value)))
            values.setdefault(column, {})[normalise_value(text)] = resolved
    defaults: dict[str, str] = {}
    for raw_column, value in options.defaults.items():
        column = column_name(raw_column)
        vocabulary = vocabularies.get(column)
        if vocabulary is not None and vocabulary.resolve(value) is None:
            raise AtlasError(msg("option_bad_default", column=column, value=value,
                                 problem=vocabulary.unknown_message(value)))
        defaults[column] = value
    return replace(options, columns=columns, values=values, defaults=defaults)


def options_from_json(data: bytes, *, filename: str) -> ImportOptions:
    """Read a mapping file; anything that is not one is one clear `AtlasError` naming the file."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AtlasError(msg("mapping_file_unreadable", file=filename, detail=exc)) from None
    if not isinstance(raw, dict) or FORMAT_KEY not in raw:
        raise AtlasError(msg("mapping_file_foreign", file=filename, marker=FORMAT_KEY))
    try:
        return ImportOptions(
            columns=_strings(raw.get("columns", {})),
            values={str(c): _strings(v) for c, v in dict(raw.get("values", {})).items()},
            defaults=_strings(raw.get("set", {})),
            source=str(raw.get("source", "") or ""),
            crs=str(raw.get("crs", "") or ""),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise AtlasError(msg("mapping_file_unreadable", file=filename, detail=exc)) from None


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, found {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items()}


def options_to_json(options: ImportOptions) -> bytes:
    """The mapping file for `options` (UTF-8 JSON, Chinese kept readable)."""
    document = {
        FORMAT_KEY: FORMAT_VERSION,
        "columns": options.columns,
        "values": options.values,
        "set": options.defaults,
        "source": options.source,
        "crs": options.crs or SourceCrs.WGS84.value,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
