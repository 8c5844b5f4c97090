"""Messy registry cells → clean values: full-width numbers, units, degrees-minutes-seconds, dates, years.

Every parser returns the value and a warning (a catalogue `Message`, or None), or raises `MessageError`
(a `ValueError`) with the reason a user reads, in Chinese or English.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Final

from atlas.core.messages import Message, MessageError, msg

UNKNOWN_WORDS: Final[frozenset[str]] = frozenset(
    {"-", "--", "—", "——", "–", "/", "无", "不详", "未知", "暂无", "待定", "n/a", "na", "null", "none", "?", "？"}
)
"""Cells that say "not known": read as empty (never as 0)."""
UNKNOWN_MAX_LENGTH: Final[int] = max(len(word) for word in UNKNOWN_WORDS)

_APPROX = re.compile(r"^(约|近|超过|超|逾|大约|~|≈)|(左右|以上|余|多)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?\s*\D*$")
_LEAD = re.compile(r"^[+-]?[\d,]*\.?\d*")
_NUMBER_UNIT = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(.*)$", re.IGNORECASE)
_DMS = re.compile(
    r"^(?P<pre>[NSEW]|东经|北纬|西经|南纬)?\s*(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|′|分)\s*)?(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|′′|''|秒)\s*)?"
    r"(?P<post>[NSEW])?$",
    re.IGNORECASE,
)
_DATE = re.compile(r"^(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?$")
_YEAR = re.compile(r"^(\d{4})\s*(?:\.0+)?\s*(年.*)?$")
_PRODUCT_BEFORE_NUMBER = re.compile(r"^([\u4e00-\u9fff]{1,12})(?=\s*\d)")
_CAPACITY_WORDS = re.compile(
    r"^\s*(?:建设规模|设计产能|设计规模|生产能力|年产能|年处理能力|年处理|年加工|年回收|年利用|年生产|年产|产能|规模|新增|新建|达到)"
    r"\s*[:：为达]*\s*"
)

CAPACITY_UNITS: Final[dict[str, tuple[str, float]]] = {
    "万吨/年": ("kt/a", 10.0), "万吨": ("kt/a", 10.0), "万t/a": ("kt/a", 10.0), "万t": ("kt/a", 10.0),
    "千吨/年": ("kt/a", 1.0), "kt/a": ("kt/a", 1.0), "kt": ("kt/a", 1.0), "ktpa": ("kt/a", 1.0),
    "吨/年": ("t/a", 1.0), "吨": ("t/a", 1.0), "t/a": ("t/a", 1.0), "t": ("t/a", 1.0), "tpa": ("t/a", 1.0),
    "百万吨/年": ("Mt/a", 1.0), "百万吨": ("Mt/a", 1.0),
    "亿吨/年": ("Mt/a", 100.0), "亿吨": ("Mt/a", 100.0),
    "套/年": ("sets/a", 1.0), "台套/年": ("sets/a", 1.0), "套": ("sets/a", 1.0), "sets/a": ("sets/a", 1.0),
    "万套/年": ("sets/a", 1e4), "万套": ("sets/a", 1e4),
    "件/年": ("pieces/a", 1.0), "件": ("pieces/a", 1.0), "pieces/a": ("pieces/a", 1.0),
    "万件/年": ("pieces/a", 1e4), "万件": ("pieces/a", 1e4),
}
"""Unit text (after `fold`) → (the atlas's unit, factor). Mass goes to kt/a: 50万吨/年 = 500 kt/a.
"Mt/a" is matched case-sensitively (`ATLAS_UNITS`): folded, "mt" could be a metric tonne."""

ATLAS_UNITS: Final[tuple[str, ...]] = ("kt/a", "t/a", "Mt/a", "sets/a", "pieces/a")
"""The capacity units the shipped data use."""

INVESTMENT_UNITS: Final[dict[str, float]] = {
    "亿元": 100.0, "亿": 100.0, "亿人民币": 100.0, "千万元": 10.0, "百万元": 1.0, "百万": 1.0,
    "万元": 0.01, "万": 0.01, "元": 1e-6, "cnym": 1.0, "millioncny": 1.0, "mcny": 1.0, "million": 1.0,
    "m": 1.0, "bncny": 1000.0, "billioncny": 1000.0, "bn": 1000.0, "billion": 1000.0,
}
"""Unit text (after `fold`, spaces removed) → factor to million CNY (`investment_cny_m`)."""


def fold(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation to ASCII), case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip().casefold()


def is_unknown(text: str) -> bool:
    """Empty, or a word that means "not known"."""
    if len(text) > UNKNOWN_MAX_LENGTH + 2:  # longer than every such word, even with spaces around it
        return False
    folded = fold(text)
    return folded == "" or folded in UNKNOWN_WORDS


def split_number(text: str) -> tuple[float, str, Message | None]:
    """A cell's leading number, the text after it (a unit) and a warning for "about"/"more than" figures.

    Raises
    ------
    ValueError
        When no number starts the cell, or a comma could be a decimal comma.
    """
    folded = fold(text).replace("，", ",")
    warning = None
    if _APPROX.search(folded):
        folded = _APPROX.sub("", folded).strip()
        warning = msg("approximate_kept")
    if re.search(r"\d\s+\d", folded) and not _SPACED_THOUSANDS.match(folded):
        raise MessageError(msg("digits_spaced"))
    compact = folded.replace(" ", "")
    lead = _LEAD.match(compact)
    if lead and "," in lead.group(0):
        if not _THOUSANDS.match(lead.group(0)):
            raise MessageError(msg("comma_ambiguous"))
        compact = lead.group(0).replace(",", "") + compact[lead.end() :]
    match = _NUMBER_UNIT.match(compact)
    if match is None:
        raise MessageError(msg("cell_not_number"))
    number = float(match.group(1))
    if not math.isfinite(number):
        raise MessageError(msg("not_finite"))
    return number, match.group(2), warning


def parse_plain_number(text: str) -> tuple[float, Message | None]:
    """A bare number (no unit text after it), e.g. uncertainty or a figure whose unit is elsewhere."""
    number, rest, warning = split_number(text)
    if rest:
        raise MessageError(msg("text_after_number", rest=rest))
    return number, warning


def parse_degrees(text: str) -> float:
    """Decimal degrees, or degrees-minutes-seconds (106°19′55″E, 东经106度19分): W and S are negative.

    Raises
    ------
    ValueError
        When the cell is neither, or minutes/seconds are not below 60.
    """
    folded = unicodedata.normalize("NFKC", text).strip().replace("º", "°").replace("˚", "°")
    match = _DMS.match(folded.replace(" ", "")) if ("°" in folded or "度" in folded) else None
    if match is None:
        try:
            number, rest, _ = split_number(folded.rstrip("°"))
        except MessageError as exc:
            raise MessageError(msg("not_degrees_because", reason=exc.message)) from None
        if rest.upper() in ("", "E", "N"):
            return number
        if rest.upper() in ("W", "S"):
            return -number
        raise MessageError(msg("not_degrees"))
    minutes = float(match["min"] or 0.0)
    seconds = float(match["sec"] or 0.0)
    if minutes >= 60 or seconds >= 60:
        raise MessageError(msg("dms_over_60"))
    value = float(match["deg"]) + minutes / 60 + seconds / 3600
    hemisphere = (match["pre"] or match["post"] or "").upper()
    return -value if hemisphere in ("W", "S", "西经", "南纬") else value


def split_lonlat(text: str) -> tuple[str, str]:
    """A "lon, lat" cell (经纬度 column) as two cells; raises `ValueError` unless it holds exactly two parts."""
    parts = [p for p in re.split(r"[,，;；\s]+", unicodedata.normalize("NFKC", text).strip()) if p]
    if len(parts) != 2:
        raise MessageError(msg("lonlat_two_numbers"))
    return parts[0], parts[1]


def parse_date(text: str) -> str:
    """A date as the atlas writes it: YYYY, YYYY-MM or YYYY-MM-DD (from 2024/5/3, 2024年5月, 2024.05 …).

    Raises
    ------
    ValueError
        When the cell is not a date, or not a real one (2024-02-30).
    """
    folded = fold(text)
    folded = re.sub(r"[ t]00:00(:00)?$", "", folded)  # a date that went through Excel as a datetime
    match = _DATE.match(folded)
    if match is None:
        raise MessageError(msg("not_a_date"))
    year, month, day = match.groups()
    try:
        if day:
            return dt.date(int(year), int(month), int(day)).isoformat()
        if month:
            return dt.date(int(year), int(month), 1).isoformat()[:7]
    except ValueError:
        raise MessageError(msg("not_a_real_date")) from None
    return year


def parse_year(text: str) -> tuple[str, Message | None]:
    """A four-digit year ("2024", "2024年", "2024年底"), with a warning when words after it were dropped."""
    match = _YEAR.match(fold(text))
    if match is None:
        try:
            return parse_date(text)[:4], msg("year_of_date")
        except MessageError:
            raise MessageError(msg("not_a_year")) from None
    rest = (match.group(2) or "").removeprefix("年")
    return match.group(1), (msg("year_words_dropped", year=match.group(1), rest=rest) if rest else None)


def strip_capacity_words(text: str) -> str:
    """A capacity cell without the words before its number: "年产10万吨" → "10万吨", "产能：5万吨/年" → "5万吨/年"."""
    rest = _CAPACITY_WORDS.sub("", text, count=1)
    product = _PRODUCT_BEFORE_NUMBER.match(rest)  # "废铝20万吨": what is processed, then the figure
    if product and not _APPROX.match(product.group(1)):
        rest = rest[product.end() :]
    return rest


def capacity_unit_at_start(text: str) -> tuple[str, float, str] | None:
    """The longest known capacity unit `text` starts with, its factor, and the words after it.

    "万吨铝合金" → ("kt/a", 10.0, "铝合金"): the product named after the unit is not part of the unit.
    """
    stripped = unicodedata.normalize("NFKC", text).replace(" ", "")
    for end in range(len(stripped), 0, -1):
        known = capacity_unit(stripped[:end])
        if known is not None:
            return known[0], known[1], stripped[end:]
    return None


def capacity_unit(text: str) -> tuple[str, float] | None:
    """The atlas unit and factor for a capacity unit text, or None when it is not one we know."""
    stripped = unicodedata.normalize("NFKC", text).replace(" ", "")
    if stripped in ATLAS_UNITS:
        return stripped, 1.0
    key = fold(stripped).replace("每年", "/年").replace("/y", "/a")
    return CAPACITY_UNITS.get(key)


def investment_factor(text: str) -> float | None:
    """Factor from an investment unit text to million CNY, or None when unknown."""
    key = re.sub(r"[\s.()（）人民币]", "", fold(text)) or "?"
    return INVESTMENT_UNITS.get(key) or INVESTMENT_UNITS.get(key.removesuffix("元") + "元")


def format_number(value: float) -> str:
    """Shortest text of a number: 500 not 500.0, 0.1 not 0.1000000001 (12 significant digits)."""
    text = f"{value:.12g}"
    return text if "e" not in text else repr(value)


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
