"""The typed projects layer and its load problems as Arrow columns and JSON, for the registry cache.

`build_atlas` gives a projects frame whose form the rest of the atlas relies on, not only its values:
repetitive text as object cells sharing one Python string per value (`atlas.data.tables.share_repeated_text`),
other text as one-chunk Arrow strings, cluster lists shared per distinct cell (`parse_lists`), float
columns, and WGS84 points. Each of these is written so that reading it back gives that same form (shared
text as a dictionary, lists as codes into the distinct lists, points as x/y); any column of another kind
raises `CacheFormatError`, and the caller then simply does not cache.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from atlas.core import settings
from atlas.core.errors import Problem
from atlas.core.messages import Listing, Message

COLUMNS_KEY: Final[bytes] = b"atlas.columns"
"""Schema metadata key of the column descriptions (kind, pandas dtype, distinct lists)."""
_X: Final[str] = "\0x"
_Y: Final[str] = "\0y"


class CacheFormatError(ValueError):
    """A frame, problem or cache file the cache cannot represent or read back exactly."""


# --- frames -------------------------------------------------------------------------------------------


def frame_to_table(frame: gpd.GeoDataFrame) -> pa.Table:
    """`frame` (indexed 0..n-1, point geometry in `settings.STORAGE_CRS`) as one-chunk Arrow columns."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        raise CacheFormatError("the frame is not indexed 0..n-1")
    if frame.crs is None or not frame.crs.equals(settings.STORAGE_CRS):
        raise CacheFormatError(f"the frame's CRS is {frame.crs}, not {settings.STORAGE_CRS}")
    names: list[str] = []
    arrays: list[pa.Array] = []
    described: list[dict[str, Any]] = []
    for name in frame.columns:
        if not isinstance(name, str) or name in (_X, _Y):
            raise CacheFormatError(f"column name {name!r}")
        column = frame[name]
        entry: dict[str, Any] = {"name": name, "dtype": str(column.dtype)}
        if name == frame.geometry.name:
            x, y = _point_xy(column.to_numpy())
            names += [_X, _Y]
            arrays += [pa.array(x), pa.array(y)]
            entry["kind"] = "points"
        elif column.dtype == object:
            entry["kind"], array, lists = _object_column(column)
            if lists is not None:
                entry["lists"] = lists
            names.append(name)
            arrays.append(array)
        elif pd.api.types.is_string_dtype(column.dtype):
            if pd.api.types.pandas_dtype(str(column.dtype)) != column.dtype:
                raise CacheFormatError(f"column {name}: dtype {column.dtype} cannot be named")
            text = pa.array(column.array)  # the column's own Arrow array when it is one chunk: no copy
            names.append(name)
            arrays.append(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
            entry["kind"] = "text"
        elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf":
            names.append(name)
            arrays.append(pa.array(column.to_numpy()))
            entry["kind"] = "numbers"
        else:
            raise CacheFormatError(f"column {name}: dtype {column.dtype}")
        described.append(entry)
    metadata = {COLUMNS_KEY: json.dumps({"rows": len(frame), "geometry": frame.geometry.name, "columns": described},
                                        ensure_ascii=False)}
    return pa.Table.from_arrays(arrays, names=names, metadata=metadata)


def table_to_frame(table: pa.Table) -> gpd.GeoDataFrame:
    """The frame `frame_to_table` was given: same columns, dtypes, values and sharing of cells.

    Every array is made here (or is the table's own text), so nothing is copied again (`copy=False`).
    """
    try:
        layout = json.loads((table.schema.metadata or {})[COLUMNS_KEY])
        rows, geometry = int(layout["rows"]), str(layout["geometry"])
        described: list[dict[str, Any]] = layout["columns"]
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheFormatError(f"no column descriptions: {exc}") from exc
    if table.num_rows != rows:
        raise CacheFormatError(f"{table.num_rows} rows, the header says {rows}")
    columns: dict[str, Any] = {}
    for entry in described:
        name, kind = str(entry["name"]), entry["kind"]
        if kind == "points":
            columns[name] = gpd.points_from_xy(_numbers(table, _X), _numbers(table, _Y), crs=settings.STORAGE_CRS)
            continue
        array = _one_chunk(table, name)
        if kind == "shared":
            dictionary = cast(pa.DictionaryArray, array)
            distinct = np.empty(len(dictionary.dictionary), dtype=object)
            distinct[:] = dictionary.dictionary.to_pylist()
            columns[name] = pd.Series(distinct[dictionary.indices.to_numpy()], dtype=object, name=name, copy=False)
        elif kind == "lists":
            cells = np.empty(len(entry["lists"]), dtype=object)
            cells[:] = [[str(item) for item in cell] for cell in entry["lists"]]
            columns[name] = pd.Series(cells[array.to_numpy()], dtype=object, name=name, copy=False)
        elif kind == "text":
            strings: pd.api.extensions.ExtensionArray = pd.array(array, dtype=pd.api.types.pandas_dtype(entry["dtype"]))
            columns[name] = pd.Series(strings, name=name, copy=False)
        elif kind == "numbers":
            columns[name] = pd.Series(np.array(array.to_numpy(), dtype=entry["dtype"]), name=name, copy=False)
        else:
            raise CacheFormatError(f"column {name}: unknown kind {kind!r}")
    frame = pd.DataFrame(columns, copy=False)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=settings.STORAGE_CRS, copy=False)  # copying: +1 s at 10⁶


def _point_xy(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    types = shapely.get_type_id(geometries)
    if len(types) and not (types == shapely.GeometryType.POINT).all():
        raise CacheFormatError("the geometry column holds more than points")
    return shapely.get_x(geometries), shapely.get_y(geometries)


def _object_column(column: pd.Series) -> tuple[str, pa.Array, list[list[str]] | None]:
    """Shared text as a dictionary array; lists of strings as codes into the distinct lists (in order met)."""
    if pd.api.types.infer_dtype(column, skipna=False) == "string":
        codes, distinct = pd.factorize(column, use_na_sentinel=False)
        dictionary = pa.array(list(distinct), type=pa.string())
        return "shared", pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary), None
    cells = column.to_numpy(dtype=object)
    by_identity, first = pd.factorize(np.fromiter((id(c) for c in cells), dtype=np.int64, count=len(cells)))
    _, first_rows = np.unique(by_identity, return_index=True)
    by_content: dict[Hashable, int] = {}
    lists: list[list[str]] = []
    merged = np.zeros(len(first), dtype=np.int32)
    for position, row in enumerate(first_rows):
        cell = cells[row]
        if not isinstance(cell, list) or not all(isinstance(item, str) for item in cell):
            raise CacheFormatError(f"column {column.name}: a cell is neither text nor a list of text")
        merged[position] = by_content.setdefault(tuple(cell), len(by_content))
        if merged[position] == len(lists):
            lists.append(list(cell))
    return "lists", pa.array(merged[by_identity]), lists


def _one_chunk(table: pa.Table, name: str) -> pa.Array:
    try:
        column = table.column(name)
    except KeyError as exc:
        raise CacheFormatError(f"column {name} is missing") from exc
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    return np.array(_one_chunk(table, name).to_numpy(), dtype=float)  # a copy: owns its memory


# --- problems -----------------------------------------------------------------------------------------


def problems_to_json(problems: list[Problem]) -> list[Any]:
    """`problems` as JSON-ready lists, catalogue messages with their parameters (both languages survive)."""
    encoded = [[p.file, p.message, p.row, p.column, p.value, p.severity,
                None if p.localised is None else _value(p.localised)] for p in problems]
    if not problems_equal(problems_from_json(json.loads(json.dumps(encoded, ensure_ascii=False))), problems):
        raise CacheFormatError("the problems do not read back as they are")
    return encoded


def problems_from_json(encoded: object) -> list[Problem]:
    """The problems `problems_to_json` wrote; `CacheFormatError` for anything else."""
    if not isinstance(encoded, list):
        raise CacheFormatError("problems are not a list")
    try:
        problems = []
        for file, message, row, column, value, severity, localised in encoded:
            problem = Problem(str(file), str(message), None if row is None else int(row),
                              None if column is None else str(column), None if value is None else str(value),
                              str(severity), None if localised is None else _message(_decoded(localised)))
            problems.append(problem)
    except (TypeError, ValueError) as exc:
        raise CacheFormatError(f"problems: {exc}") from exc
    return problems


def problems_equal(left: list[Problem], right: list[Problem]) -> bool:
    """Equal including the catalogue messages (`Problem`'s own equality leaves them out)."""
    return left == right and [p.localised for p in left] == [p.localised for p in right]


def _value(value: object) -> list[Any]:
    """A message parameter, tagged with its type so that it reads back as the same object."""
    if isinstance(value, Message):
        return ["message", value.key, [[name, _value(v)] for name, v in value.params]]
    if isinstance(value, Listing):
        return ["listing", [_value(v) for v in value.items], value.alternatives]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, tuple):
        return ["tuple", [_value(v) for v in value]]
    if value is None:
        return ["none"]
    raise CacheFormatError(f"a message parameter of type {type(value).__name__}")


def _decoded(encoded: Any) -> object:
    tag = encoded[0]
    if tag == "message":
        return Message(str(encoded[1]), tuple((str(name), _decoded(v)) for name, v in encoded[2]))
    if tag == "listing":
        return Listing(tuple(_decoded(v) for v in encoded[1]), alternatives=bool(encoded[2]))
    if tag in ("bool", "int", "str"):
        kind: type = {"bool": bool, "int": int, "str": str}[tag]
        if type(encoded[1]) is not kind:
            raise CacheFormatError(f"a {tag} parameter holds {encoded[1]!r}")
        return encoded[1]
    if tag == "float":
        return float(encoded[1])
    if tag == "tuple":
        return tuple(_decoded(v) for v in encoded[1])
    if tag == "none":
        return None
    raise CacheFormatError(f"unknown parameter tag {tag!r}")


def _message(value: object) -> Message:
    if not isinstance(value, Message):
        raise CacheFormatError("a problem's message is not a catalogue message")
    return value
