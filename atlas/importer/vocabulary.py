"""Controlled values from what people type: ids, Chinese and English labels, common synonyms, suggestions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from atlas.core.messages import Message, listing, msg
from atlas.core.model import Atlas
from atlas.core.schema import LABELS, PositionPrecision, ProjectStatus

STATUS_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    ProjectStatus.OPERATING: ("投产", "建成投产", "已建成投产", "运营", "生产", "生产中", "正常生产", "已建成", "建成",
                              "达产", "运行", "在产", "已投产运营"),
    ProjectStatus.COMMISSIONING: ("试产", "试运行", "调试", "试生产中"),
    ProjectStatus.UNDER_CONSTRUCTION: ("建设中", "在建中", "开工", "已开工", "施工", "施工中", "续建", "新开工",
                                       "开工建设"),
    ProjectStatus.SIGNED: ("签约", "已签约未开工", "签约项目", "意向", "已签订协议"),
    ProjectStatus.PLANNED: ("规划", "拟建", "计划", "前期", "前期工作", "筹建", "储备", "谋划", "规划建设"),
    ProjectStatus.SUSPENDED: ("停产", "停建", "搁置", "暂停", "关停", "缓建", "已停产"),
    ProjectStatus.UNKNOWN: ("未知", "不明"),
}
STAGE_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "bauxite-alumina": ("氧化铝", "铝土矿", "铝土矿开采", "采矿", "alumina", "bauxite"),
    "primary-aluminium": ("电解铝", "原铝", "铝冶炼", "smelting", "smelter", "primary aluminum"),
    "scrap-recycling": ("再生铝", "废铝回收", "废铝", "recycling", "recycled aluminium"),
    "supporting": ("炭素", "阳极", "预焙阳极", "配套", "carbon", "anode"),
}
CLUSTER_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "lightweight-materials": ("轻量化", "轻量化材料", "装备轻量化", "lightweight"),
    "alloy-products": ("铝合金", "合金", "铝合金制品", "中高端铝合金", "alloy", "alloys"),
    "non-metallic-materials": ("非金属", "铝基非金属", "铝基非金属材料", "non-metallic"),
}
PRECISION_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    PositionPrecision.EXACT: ("精确", "厂址", "实测", "site"),
    PositionPrecision.ZONE: ("园区",),
    PositionPrecision.TOWN: ("乡镇", "镇"),
    PositionPrecision.COUNTY: ("县域", "县", "县级"),
    PositionPrecision.PREFECTURE: ("市州", "地级", "市级", "市州级"),
    PositionPrecision.REGION: ("区域",),
}
PLACE_SUFFIXES: Final[tuple[str, ...]] = (
    "经济技术开发区", "高新技术产业开发区", "经济开发区", "产业开发区", "开发区", "经开区", "高新区", "工业园区",
    "产业园区", "产业园", "工业园", "园区", "自治县", "特区", "市", "县", "区",
)
"""Endings people leave out ("清镇经开区", "清镇"): matched once stripped, if that is unambiguous."""
PEOPLES: Final[tuple[str, ...]] = ("仡佬族", "布依族", "土家族", "苗族", "侗族", "彝族", "回族", "水族", "瑶族", "壮族",
                                   "白族", "毛南族")
"""Peoples named in Guizhou's autonomous county and prefecture names."""
PLACE_PREFIXES: Final[tuple[str, ...]] = ("贵州省", "贵州", "guizhou")
LIST_SPLIT: Final[re.Pattern[str]] = re.compile(r"[;；,，、/|]+")
_NOISE = re.compile(r"[\s\-_·・()（）\[\]【】\"'“”‘’]+")


def normalise_value(text: str) -> str:
    """Fold width and case, drop spaces, dashes and brackets: "Under construction" ≡ "under-construction"."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def strip_prefix(key: str) -> str:
    """A normalised name without the province in front ("贵州清镇经济开发区" → "清镇经济开发区")."""
    for prefix in PLACE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            return key[len(prefix) :]
    return key


def strip_suffix(key: str) -> str:
    """A normalised place name without its administrative or zone ending (never down to nothing).

    Autonomous counties also lose their peoples: "道真仡佬族苗族自治县" → "道真", as people write it.
    """
    for suffix in PLACE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            break
    else:
        return key
    while (people := next((p for p in PEOPLES if key.endswith(p) and len(key) > len(p) + 1), None)) is not None:
        key = key[: -len(people)]
    return key


@dataclass(frozen=True)
class Vocabulary:
    """The valid ids of one column and every spelling that means each of them."""

    column: str
    keys: dict[str, str]
    shown: dict[str, str]
    """id → "id (中文名)" for messages."""

    def resolve(self, text: str) -> str | None:
        """The id `text` names exactly (any spelling, with or without its ending), or None."""
        key = normalise_value(text)
        return self.keys.get(key) or self.keys.get(strip_suffix(strip_prefix(key)))

    def resolve_loosely(self, text: str) -> str | None:
        """The one id whose spelling contains `text` or is contained in it ("铝合金及制品" → alloys-and-products).

        None when no spelling or several ids match: a guess is only made when it cannot be another value.
        """
        full = strip_prefix(normalise_value(text))
        for key in dict.fromkeys([full, strip_suffix(full)]):
            if len(key) < 2:
                continue
            found = {value for spelling, value in self.keys.items()
                     if len(spelling) >= 2 and (key in spelling or spelling in key)}
            if len(found) == 1:
                return next(iter(found))
        return None

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """Ids whose spellings are closest to `text` (difflib), best first, without repeats."""
        close = difflib.get_close_matches(normalise_value(text), list(self.keys), n=n * 3, cutoff=0.5)
        ids: list[str] = []
        for key in close:
            if self.keys[key] not in ids:
                ids.append(self.keys[key])
        return ids[:n]

    def unknown_message(self, text: str, *, list_all: bool = True) -> Message:
        """ "unknown stage (did you mean …?); valid: …" for a value that does not resolve."""
        hints = self.suggest(text)
        hint = msg("did_you_mean", hints=listing((self.shown[h] for h in hints), alternatives=True)) if hints else ""
        valid = msg("valid_values", valid=listing(self.shown.values())) if list_all and len(self.shown) <= 12 else ""
        return msg("unknown_value", what=msg("what_" + self.column.replace(" ", "_")), hint=hint, valid=valid)


def _vocabulary(column: str, entries: Iterable[tuple[str, Iterable[str]]], shown: dict[str, str]) -> Vocabulary:
    keys: dict[str, str] = {}
    stripped: dict[str, set[str]] = {}
    for value, spellings in entries:
        for spelling in (value, *spellings):
            key = normalise_value(str(spelling))
            if key:
                keys.setdefault(key, value)
                stripped.setdefault(strip_suffix(strip_prefix(key)), set()).add(value)
    for key, values in stripped.items():
        if len(values) == 1:
            keys.setdefault(key, next(iter(values)))
    return Vocabulary(column, keys, shown)


def _labelled(ids: Iterable[str], names: dict[str, str] | None = None) -> dict[str, str]:
    out = {}
    for value in ids:
        name = (names or {}).get(value) or (LABELS[value][0] if value in LABELS else "")
        out[value] = f"{value} ({name})" if name and name != value else value
    return out


def _named(frame: object, id_column: str = "id") -> list[tuple[str, list[str]]]:
    rows = frame.to_dict("records")  # type: ignore[attr-defined]
    return [(str(r[id_column]), [str(r.get("name_zh", "")), str(r.get("name_en", ""))]) for r in rows]


def build_vocabularies(atlas: Atlas) -> dict[str, Vocabulary]:
    """One vocabulary per controlled project column, from the atlas's own tables and the schema labels."""
    statuses = [str(s) for s in ProjectStatus]
    precisions = [str(p) for p in PositionPrecision]
    stages = _named(atlas.stages)
    zones = _named(atlas.zones)
    clusters = _named(atlas.cluster_types)
    counties = _named(atlas.counties, "adcode")
    return {
        "status": _vocabulary(
            "status", [(s, [*LABELS[s], *STATUS_SYNONYMS.get(s, ())]) for s in statuses], _labelled(statuses)
        ),
        "position_precision": _vocabulary(
            "position_precision",
            [(p, [*LABELS[p], *PRECISION_SYNONYMS.get(p, ())]) for p in precisions],
            _labelled(precisions),
        ),
        "stage": _vocabulary(
            "stage",
            [(s, [*names, *STAGE_SYNONYMS.get(s, ())]) for s, names in stages],
            _labelled([s for s, _ in stages], {s: n[0] for s, n in stages}),
        ),
        "zone_id": _vocabulary("zone", zones, _labelled([z for z, _ in zones], {z: n[0] for z, n in zones})),
        "cluster_types": _vocabulary(
            "cluster type",
            [(c, [*names, *LABELS.get(c, ()), *CLUSTER_SYNONYMS.get(c, ())]) for c, names in clusters],
            _labelled([c for c, _ in clusters], {c: n[0] for c, n in clusters}),
        ),
        "county_adcode": _vocabulary(
            "county", counties, _labelled([c for c, _ in counties], {c: n[0] for c, n in counties})
        ),
    }
