"""A lowercase search key per record so one query finds 清镇, "Qingzhen" or "qz"."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Final

import pandas as pd
from pypinyin import Style, lazy_pinyin

SEARCHED_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "company_zh", "company_en")


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> str:
    """Pinyin of a Chinese text, joined ("qingzhen") and spaced ("qing zhen"), plus its initials ("qz")."""
    syllables = [s for s in lazy_pinyin(text, errors="ignore") if s.strip()]
    if not syllables:
        return ""
    initials = "".join(s[0] for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if s)
    return " ".join(["".join(syllables), " ".join(syllables), initials]).lower()


def normalise_query(text: str) -> str:
    """Fold width and case and drop apostrophes, so "Ｑｉｎｇｚｈｅｎ" and "Zheng'an" match."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.replace("'", "").replace("’", "").strip()


def add_search_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with a `search_text` column built from names, companies and their pinyin."""
    present = [c for c in SEARCHED_COLUMNS if c in frame.columns]

    def key(row: pd.Series) -> str:
        parts = [str(row[c]) for c in present if str(row[c])]
        parts += [pinyin_keys(str(row[c])) for c in ("name_zh", "company_zh") if c in row.index and str(row[c])]
        return normalise_query(" | ".join(parts))

    out = frame.copy()
    out["search_text"] = frame.apply(key, axis=1).astype(str) if len(frame) else pd.Series([], dtype=str)
    return out
