"""A lowercase search key per record so one query finds 清镇, "Qingzhen" or "qz"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

SEARCHED_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "company_zh", "company_en")
PINYIN_COLUMNS: Final[tuple[str, ...]] = ("name_zh", "company_zh")

_HAN_RUN: Final[re.Pattern[str]] = re.compile(RE_HANS.pattern.removeprefix("^").removesuffix("$"))
"""A maximal run of characters that have pinyin: pypinyin segments and converts each run on its own."""


@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[tuple[str, ...], str]:
    syllables = tuple(s for s in lazy_pinyin(run, errors="ignore") if s.strip())
    initials = "".join(s[0] for s in lazy_pinyin(run, style=Style.FIRST_LETTER, errors="ignore") if s)
    return syllables, initials


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> str:
    """Pinyin of a Chinese text, joined ("qingzhen") and spaced ("qing zhen"), plus its initials ("qz").

    pypinyin converts each run of Chinese characters separately and ignores the rest, so runs are
    converted (and cached) one by one: a million names that share a few dozen runs ("[合成] 清镇市
    鑫源铝型材项目 #123") cost a few dozen conversions, with the same result as converting each name.
    """
    syllables: list[str] = []
    initials: list[str] = []
    for run in _HAN_RUN.findall(text):
        run_syllables, run_initials = _run_pinyin(run)
        syllables += run_syllables
        initials.append(run_initials)
    if not syllables:
        return ""
    return " ".join(["".join(syllables), " ".join(syllables), "".join(initials)]).lower()


def normalise_query(text: str) -> str:
    """Fold width and case and drop apostrophes, so "Ｑｉｎｇｚｈｅｎ" and "Zheng'an" match."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.replace("'", "").replace("’", "").strip()


def add_search_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with a `search_text` column built from names, companies and their pinyin.

    Per row: the non-empty searched cells, then the pinyin keys of each non-empty Chinese name and
    company, joined by " | " and normalised (`normalise_query`). Built column by column in Arrow,
    with Python only once per distinct non-ASCII value, so a million-row registry takes seconds; and
    `_ROWS` rows at a time, handing Arrow's freed buffers back after each, so its temporaries stay small.
    """
    out = frame.copy(deep=False)  # copy-on-write: the new column never touches `frame`
    if not len(frame):
        out["search_text"] = pd.Series([], dtype=str)
        return out
    keys = []
    for start in range(0, len(frame), _ROWS):
        keys.append(_keys(frame.iloc[start:start + _ROWS]))
        pa.default_memory_pool().release_unused()
    joined = pa.concat_arrays(keys) if len(keys) > 1 else keys[0]  # one chunk: see `atlas.data.tables.one_chunk`
    del keys
    pa.default_memory_pool().release_unused()
    out["search_text"] = pd.Series(pd.array(joined, dtype=str), index=frame.index)
    return out


def key_contains(frame: pd.DataFrame, word: str) -> np.ndarray:
    """Rows whose full search key contains `word` (normalised, without whitespace), as ``word in key`` decides.

    The `search_text` column leaves out the parts of shared-text columns (`_in_column`); they are
    decided here once per distinct value. A whitespace-free word lies inside one part of the key
    or is the "|" of a " | " between two parts, so checking the parts one by one gives the same rows.
    """
    found = frame["search_text"].str.contains(word, regex=False).to_numpy(dtype=bool, copy=True)
    shared = [c for c in SEARCHED_COLUMNS if c in frame.columns and not _in_column(frame, c)]
    if not shared:
        return found
    parts = np.zeros(len(frame), dtype=np.int64)
    for c in shared:
        codes, distinct = pd.factorize(frame[c], use_na_sentinel=False)
        text = _arrow_text(pd.Series(distinct, dtype=object))
        present = (pc.not_equal(text, "")).to_numpy(zero_copy_only=False)
        folded = [_folded(text)] + ([_folded(_per_distinct(text, pinyin_keys))] if c in PINYIN_COLUMNS else [])
        for values in folded:
            found |= np.asarray([word in v for v in values.to_pylist()], dtype=bool)[codes]
            parts += present[codes]
    if word == "|":
        columns = [c for c in SEARCHED_COLUMNS if c in frame.columns and _in_column(frame, c)]
        in_column = sum((_present_parts(frame, c) for c in columns), np.zeros(len(frame), dtype=np.int64))
        found |= in_column + parts >= 2
    return found


def _in_column(frame: pd.DataFrame, column: str) -> bool:
    """Whether `column`'s parts are in the `search_text` column: not for shared text (`atlas.data.tables`), whose
    pointers cost 8 bytes a row where its repeated key parts would cost ~150 (a million projects: 150 MB)."""
    return bool(frame[column].dtype != object)


def _present_parts(frame: pd.DataFrame, column: str) -> np.ndarray:
    present = (frame[column].astype(str) != "").to_numpy(dtype=np.int64)
    return present * (2 if column in PINYIN_COLUMNS else 1)


def _keys(frame: pd.DataFrame) -> pa.Array:
    parts = []
    for c in SEARCHED_COLUMNS:
        if c in frame.columns and _in_column(frame, c):
            text = _arrow_text(frame[c])
            parts.append((text, _folded(text)))
    for c in PINYIN_COLUMNS:
        if c in frame.columns and _in_column(frame, c):
            text = _arrow_text(frame[c])
            parts.append((text, _folded(_per_distinct(text, pinyin_keys))))
    text = pa.large_string()
    if not parts:
        return pa.array([""] * len(frame), type=text)
    present = [pc.not_equal(source, "") for source, _ in parts]
    columns = [pc.if_else(mask, part, pa.scalar(None, text)) for mask, (_, part) in zip(present, parts, strict=True)]
    # Arrow 26 drops a row whose items are all null when skipping nulls: a row without any part gets one "".
    anything = present[0]
    for mask in present[1:]:
        anything = pc.or_(anything, mask)
    columns.append(pc.if_else(anything, pa.scalar(None, text), pa.scalar("", text)))
    joined = pc.binary_join_element_wise(*columns, pa.scalar(" | ", text), null_handling="skip")
    if len(joined) != len(frame):
        raise AssertionError(f"Arrow joined {len(joined)} search keys for {len(frame)} rows")
    return _stripped(joined)


def _arrow_text(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype(str))
    return (array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array).cast(pa.large_string())


def _per_distinct(values: pa.Array, function: Callable[[str], str]) -> pa.Array:
    """`function` applied once per distinct value (dictionary encoding), spread back to every row."""
    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    # In slices: a million distinct names never exist as Python strings all at once (peak memory).
    mapped = [pa.array([function(v) for v in distinct.slice(start, _SLICE).to_pylist()], type=pa.large_string())
              for start in range(0, len(distinct), _SLICE)]
    table = pa.concat_arrays(mapped) if mapped else pa.array([], type=pa.large_string())
    return pc.take(table, encoded.indices)


_SLICE: Final[int] = 50_000
_ROWS: Final[int] = 100_000


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("'", "").replace("’", "")


def _folded(values: pa.Array) -> pa.Array:
    """`normalise_query` without its final strip.

    ASCII text is lower-cased in Arrow (NFKC leaves ASCII alone and casefolds it to lower case);
    anything else goes through Python once per distinct value. Folding each part before joining
    them with " | " gives the same key as folding the joined text: NFKC, casefolding and dropping
    apostrophes never act across an ASCII space.
    """
    ascii_only = pc.string_is_ascii(values)
    fast = pc.replace_substring(pc.ascii_lower(values), "'", "")
    if pc.all(ascii_only).as_py():
        return fast
    other = pc.invert(ascii_only)
    return pc.replace_with_mask(fast, other, _per_distinct(pc.filter(values, other), _fold))


_WHITESPACE: Final[str] = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
_EDGE_SPACE: Final[str] = f"^[{re.escape(_WHITESPACE)}]|[{re.escape(_WHITESPACE)}]$"


def _stripped(values: pa.Array) -> pa.Array:
    """Python's `str.strip`, applied in Python only to the rare rows that start or end with whitespace."""
    edges = pc.match_substring_regex(values, _EDGE_SPACE)
    if not pc.any(edges).as_py():
        return values
    return pa.array([v.strip() for v in values.to_pylist()], type=values.type)
