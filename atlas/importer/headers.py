"""A registry's header row → project columns: Chinese and English synonyms, units and datum hints in headers."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from atlas.core.cells import column_letter
from atlas.core.errors import AtlasError, Problem
from atlas.core.i18n_text import COLUMN_LABELS
from atlas.core.messages import msg
from atlas.core.schema import LEGACY_COLUMNS, PROJECT_COLUMNS

LONLAT: Final[str] = "lonlat"
"""Pseudo-column: one cell holding "lon, lat" (a 经纬度 / 坐标 column), split on import."""
IGNORE: Final[str] = "ignore"
"""Mapping target that drops a column on purpose (no "unknown column" warning)."""
PLACE: Final[str] = "place"
"""Pseudo-column: where a project is, as a place name (建设地点: a county, a town, an address)."""

SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("编号", "项目编号", "项目代码", "项目id", "记录编号", "code", "project id"),
    "name_zh": ("项目名称", "名称", "项目", "项目名", "中文名称", "中文名", "项目中文名称", "企业项目名称"),
    "name_en": ("英文名称", "英文名", "name", "project", "project name", "name (english)", "english name"),
    "company_zh": ("企业", "企业名称", "公司", "公司名称", "建设单位", "业主单位", "投资主体", "实施主体",
                   "项目业主", "投资方", "责任企业", "企业中文名称"),
    "company_en": ("company", "enterprise", "企业英文名称", "company name", "operator", "investor"),
    "cluster_types": ("产业集群", "集群", "所属集群", "所属产业集群", "cluster", "clusters", "cluster type"),
    "stage": ("产业链环节", "环节", "产业链", "产业环节", "所属环节", "链条环节", "chain stage"),
    "status": ("建设状态", "状态", "项目状态", "进展", "建设进度", "项目进展", "进度", "阶段"),
    "capacity": ("产能", "规模", "设计产能", "年产能", "建设规模", "生产能力", "产量"),
    "capacity_unit": ("单位", "产能单位", "计量单位", "unit", "units"),
    "investment_cny_m": ("投资", "总投资", "投资额", "计划总投资", "项目总投资", "investment"),
    "year": ("年份", "年度", "投产年份", "开工年份", "建成年份", "状态年份"),
    "zone_id": ("所属园区", "园区", "开发区", "所在园区", "所属开发区", "园区名称", "zone", "park",
                "development zone"),
    "county_adcode": ("县区", "所在县", "区县", "县（市、区）", "县(市、区)", "所在县区", "县市区", "县", "县（市）",
                      "行政区划代码", "县级行政区划代码", "区划代码", "adcode", "county", "county code"),
    PLACE: ("建设地点", "项目地点", "项目建设地点", "建设地址", "项目地址", "所在地", "项目所在地", "地点", "地址",
            "所在地区", "所在区域", "乡镇", "所在乡镇", "乡镇（街道）", "乡（镇）",
            "location", "place", "address", "site"),
    "lon": ("经度", "东经", "lng", "long", "longitude", "x", "x坐标"),
    "lat": ("纬度", "北纬", "latitude", "y", "y坐标"),
    LONLAT: ("经纬度", "坐标", "位置坐标", "地理坐标", "lonlat", "lnglat", "coordinates", "lon/lat", "经度,纬度"),
    "position_precision": ("位置精度", "精度", "定位精度", "precision"),
    "uncertainty_km": ("不确定范围", "位置误差", "误差", "位置不确定性", "uncertainty"),
    "source": ("来源", "资料来源", "数据来源", "出处", "信息来源", "来源链接", "链接", "网址", "url", "link"),
    "as_of": ("数据日期", "日期", "截至", "截至日期", "截止日期", "更新日期", "填报日期", "统计日期", "date", "as of"),
    "notes_zh": ("备注", "说明", "附注", "中文备注", "备注中文", "中文说明"),
    "notes_en": ("notes", "note", "remark", "remarks", "comment", "comments", "英文备注", "备注英文", "英文说明"),
    IGNORE: ("序号", "no", "no.", "#", "行号"),
}
"""Header spellings seen in bureau spreadsheets (after `normalise_header`), per project column.
Each column's own name (``name_zh``…) and the atlas's export labels are recognised too. A Chinese
备注 is the Chinese note and an English "notes" the English one: an import never guesses a language."""

_BRACKETS = re.compile(r"[（(\[【〔]([^）)\]】〕]*)[）)\]】〕]")
_NOISE = re.compile(r"[\s*:：_\-—–·/／、]+")
_CRS_HINTS: Final[tuple[tuple[str, str], ...]] = (
    ("gcj", "gcj02"), ("高德", "gcj02"), ("腾讯", "gcj02"), ("火星", "gcj02"), ("amap", "gcj02"),
    ("bd09", "bd09"), ("百度", "bd09"), ("baidu", "bd09"),
    ("wgs", "wgs84"), ("gps", "wgs84"), ("cgcs2000", "wgs84"), ("天地图", "wgs84"),
)


def normalise_header(text: str) -> str:
    """Fold width and case, drop brackets, spaces, ``*`` markers and separators: "*项目名称：" → "项目名称"."""
    folded = unicodedata.normalize("NFKC", text).casefold().lstrip("\ufeff")
    return _NOISE.sub("", _BRACKETS.sub("", folded))


def header_unit(text: str) -> str:
    """Text in the header's brackets, the unit or datum a column is in: "产能（万吨/年）" → "万吨/年"."""
    found = _BRACKETS.findall(unicodedata.normalize("NFKC", text))
    return " ".join(part.strip() for part in found if part.strip())


def crs_hint(text: str) -> str | None:
    """The datum a header names ("经度(高德)" → "gcj02"), or None."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return next((crs for token, crs in _CRS_HINTS if token in folded), None)


def _lookup() -> dict[str, str]:
    """Header spelling → column: the columns' own names, the export labels (a file exported by the atlas
    imports back) and `SYNONYMS`."""
    table: dict[str, str] = {}
    for column in PROJECT_COLUMNS:
        table[normalise_header(column)] = column
        for label in COLUMN_LABELS.get(column, ()):
            table.setdefault(normalise_header(label), column)
    for column, names in SYNONYMS.items():
        for name in names:
            table[normalise_header(name)] = column
    return table


HEADER_LOOKUP: Final[dict[str, str]] = _lookup()
MAP_TARGETS: Final[tuple[str, ...]] = (*PROJECT_COLUMNS, LONLAT, PLACE, IGNORE)


@dataclass(frozen=True)
class HeaderMap:
    """How each cell position of the header row is read."""

    names: tuple[str, ...]
    """The header as shown to users (original text; "column C" for a blank header)."""
    targets: dict[int, str]
    """Cell index → project column (or `LONLAT`); unknown, ignored and duplicate columns are absent."""
    units: dict[int, str] = field(default_factory=dict)
    crs_hints: dict[int, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Project column → cell index (the inverse of `targets`), looked up for every cell of every row."""

    def __post_init__(self) -> None:
        self.index.update({target: i for i, target in sorted(self.targets.items(), reverse=True)})

    def index_of(self, column: str) -> int | None:
        """Cell index read into `column`, or None when the file has no such column."""
        return self.index.get(column)


def check_column_map(column_map: Mapping[str, str] | None) -> dict[str, str]:
    """The user's header → column mapping with normalised keys; an unknown target is one clear error."""
    checked: dict[str, str] = {}
    for header, target in (column_map or {}).items():
        wanted = target.strip() or IGNORE
        wanted = LEGACY_COLUMNS.get(wanted, wanted)  # last year's mapping file names `notes`
        if wanted not in MAP_TARGETS:
            raise AtlasError(msg("mapping_unknown_target", header=header, target=target, valid=", ".join(MAP_TARGETS)))
        checked[normalise_header(header) or header] = wanted
    return checked


def _target(header: str, column_map: Mapping[str, str]) -> str | None:
    key = normalise_header(header)
    if key in column_map:
        return column_map[key]
    return HEADER_LOOKUP.get(key)


def find_header_row(rows: Sequence[Sequence[str]], column_map: Mapping[str, str], *, look: int = 10) -> int:
    """Index of the header among the first rows: the first that names ≥ 2 known columns (title rows skipped)."""
    scores = [sum(1 for cell in row if cell.strip() and _target(cell, column_map)) for row in rows[:look]]
    for i, score in enumerate(scores):
        if score >= 2:
            return i
    return max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else 0


def map_headers(header: Sequence[str], column_map: Mapping[str, str], *, filename: str, row: int) -> HeaderMap:
    """Read the header row: which cell goes to which column, with warnings for unknown and repeated headers.

    Parameters
    ----------
    header
        The header row's cells.
    column_map
        From `check_column_map`: normalised header → column, applied before the synonyms.
    filename, row
        Named in the problems (`row` is the header's spreadsheet row).
    """
    names: list[str] = []
    targets: dict[int, str] = {}
    units: dict[int, str] = {}
    hints: dict[int, str] = {}
    unknown: list[str] = []
    problems: list[Problem] = []
    used: dict[str, int] = {}
    for i, raw in enumerate(header):
        text = raw.strip()
        name = text or f"column {column_letter(i)}"
        names.append(name if name not in names else f"{name} ({column_letter(i)})")
        target = _target(text, column_map) if text else None
        if target is None:
            if text:
                unknown.append(text)
                problems.append(_unknown_problem(text, filename=filename, row=row))
            continue
        if target == IGNORE:
            continue
        if target in used:
            first = names[used[target]]
            problems.append(Problem.of(filename, msg("header_repeated", target=target, first=first), row, names[-1],
                                       text, severity="warning"))
            continue
        used[target] = i
        targets[i] = target
        if unit := header_unit(text):
            units[i] = unit
        if target in ("lon", "lat", LONLAT) and (hint := crs_hint(text)):
            hints[i] = hint
    return HeaderMap(tuple(names), targets, units, hints, tuple(unknown), tuple(problems))


def _unknown_problem(text: str, *, filename: str, row: int) -> Problem:
    key = normalise_header(text)
    close = difflib.get_close_matches(key, list(HEADER_LOOKUP), n=1, cutoff=0.6)
    suggested = HEADER_LOOKUP[close[0]] if close else IGNORE
    hint = msg("did_you_mean_column", column=suggested) if suggested != IGNORE else ""
    return Problem.of(
        filename,
        msg("header_unknown", hint=hint, text=text),
        row,
        text,
        text,
        severity="warning",
    )
