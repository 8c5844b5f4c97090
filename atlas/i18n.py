"""UI and export labels in Chinese and English; Chinese is the users' language and the app's default."""

from __future__ import annotations

from typing import Final

import pandas as pd

from atlas.schema import Lang, label

TEXT: Final[dict[str, tuple[str, str]]] = {
    "app_title": ("贵州铝产业集群地图", "Guizhou Aluminium Cluster Atlas"),
    "zone": ("开发区", "Zone"),
    "zones": ("开发区", "Zones"),
    "roles": ("政策定位", "Policy roles"),
    "chain": ("产业链环节", "Chain stages"),
    "projects": ("项目与企业", "Projects and enterprises"),
    "nearby_deposits": ("周边铝土矿资源", "Nearby bauxite deposits"),
    "nearby_recycling_bases": ("周边再生铝与回收基地", "Nearby recycling bases"),
    "sources": ("资料来源", "Sources"),
    "key_figures": ("主要数据", "Key figures"),
    "position": ("位置", "Position"),
    "precision_note": ("位置精度", "Position precision"),
    "no_data": ("暂无数据", "no data"),
    "generated": ("生成时间", "Generated"),
    "within_km": ("{km:g} 公里范围内", "within {km:g} km"),
    "table": ("表", "table"),
    "operating": ("已投产项目", "operating projects"),
    "under_construction": ("在建/试产项目", "projects being built"),
    "planned": ("规划/签约项目", "planned or signed projects"),
    "investment_cny_m": ("已知投资合计（百万元）", "known investment (million CNY)"),
}

COLUMN_LABELS: Final[dict[str, tuple[str, str]]] = {
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "name_zh": ("中文名称", "Chinese name"),
    "name_en": ("英文名称", "English name"),
    "kind": ("类别", "Kind"),
    "cluster_type": ("产业集群", "Cluster type"),
    "cluster_types": ("产业集群", "Cluster types"),
    "policy_section": ("政策条款", "Policy section"),
    "summary": ("政策要求（概述）", "What the policy asks (summary)"),
    "product_focus": ("重点产品", "Product focus"),
    "company": ("企业", "Company"),
    "stage": ("产业链环节", "Chain stage"),
    "status": ("状态", "Status"),
    "state": ("覆盖情况", "Coverage"),
    "capacity": ("产能", "Capacity"),
    "capacity_unit": ("产能单位", "Capacity unit"),
    "investment_cny_m": ("投资（百万元）", "Investment (million CNY)"),
    "year": ("年份", "Year"),
    "zone_id": ("所属开发区", "Zone"),
    "county_adcode": ("县级行政区划代码", "County adcode"),
    "county_adcodes": ("县级行政区划代码", "County adcodes"),
    "prefecture_adcode": ("市州代码", "Prefecture adcode"),
    "lon": ("经度 (WGS84)", "Longitude (WGS84)"),
    "lat": ("纬度 (WGS84)", "Latitude (WGS84)"),
    "position_precision": ("位置精度", "Position precision"),
    "uncertainty_km": ("位置不确定性（公里）", "Position uncertainty (km)"),
    "distance_km": ("距离（公里，大地线）", "Distance (km, geodesic)"),
    "distance_uncertainty_km": ("距离误差（± 公里）", "Distance uncertainty (± km)"),
    "quantity_mt": ("资源/储量（百万吨）", "Tonnage (Mt)"),
    "quantity_definition": ("口径", "Definition"),
    "quantity_year": ("数据年份", "Figure year"),
    "source": ("来源", "Source"),
    "cited_by": ("引用记录", "Cited by"),
    "as_of": ("数据日期", "As of"),
    "notes": ("备注", "Notes"),
    "position_note": ("位置说明", "About the position"),
    "chain": ("产业链", "Industry chain"),
    "title": ("标题", "Title"),
    "indicator": ("指标", "Indicator"),
    "operator": ("比较", "Operator"),
    "unit": ("单位", "Unit"),
    "target_year": ("目标年份", "Target year"),
    "latest_value": ("最新值", "Latest value"),
    "latest_year": ("最新值年份", "Latest value year"),
    "latest_source": ("最新值来源", "Latest value source"),
    "latest_note": ("最新值说明", "Note on the latest value"),
    "roles": ("政策定位", "Policy roles"),
    "item_ids": ("相关项目", "Projects behind it"),
    "position": ("顺序", "Order"),
    "field": ("项目", "Field"),
    "value": ("内容", "Value"),
    "key": ("分组", "Group"),
    "projects": ("项目数", "Projects"),
    "operating": ("已投产", "Operating"),
    "building": ("在建/试产", "Building"),
    "planned": ("规划/签约", "Planned"),
    "other": ("其他", "Other"),
    "investment_known": ("有投资数据的项目数", "Projects with investment figure"),
    "zones_assigned": ("政策指定开发区数", "Zones assigned by policy"),
}


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


def localise_frame(frame: pd.DataFrame, lang: Lang, *, value_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Pick `name_<lang>`/`summary_<lang>`-style columns, label controlled values, translate headers."""
    out = pd.DataFrame(frame.drop(columns=["geometry", "search_text"], errors="ignore")).copy()
    other = "en" if lang == "zh" else "zh"
    for column in list(out.columns):
        if column.endswith(f"_{lang}"):
            base = column[: -len(lang) - 1]
            if base not in out.columns:
                out = out.rename(columns={column: base})
                out = out.drop(columns=[f"{base}_{other}"], errors="ignore")
    for column in ("status", "position_precision", "cluster_type", "kind", *value_columns):
        if column in out.columns:
            out[column] = out[column].map(lambda v: label(str(v), lang) if isinstance(v, str) and v else v)
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
    out.columns = [column_label(str(c), lang) for c in out.columns]
    return out
