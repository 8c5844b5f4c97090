"""Words of the published site's own interface (not of the data), in Chinese and English."""

from __future__ import annotations

from typing import Final

from atlas.core.schema import Lang

TEXT: Final[dict[str, tuple[str, str]]] = {
    "title": ("贵州铝产业集群地图", "Guizhou Aluminium Cluster Atlas"),
    "nav_map": ("地图", "Map"),
    "nav_zones": ("园区概况", "Zone profiles"),
    "nav_gaps": ("产业链缺口", "Chain gaps"),
    "nav_targets": ("2030 年目标与责任部门", "2030 targets & departments"),
    "nav_sources": ("数据与来源", "Data & sources"),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "search": ("搜索项目、园区、县（中文、英文或拼音）",
               "Search projects, zones, counties (Chinese, English or pinyin)"),
    "search_hint": ("如：清镇、Qingzhen、qz", "e.g. 清镇, Qingzhen, qz"),
    "no_results": ("无结果", "No results"),
    "clusters": ("集群类型（点击筛选）", "Cluster type (click to filter)"),
    "statuses": ("项目状态（点击筛选）", "Project status (click to filter)"),
    "legend_note": ("取消勾选即在地图上隐藏；空心虚线点为近似位置，虚线圆为位置误差范围。",
                    "Untick to hide on the map; hollow dashed dots are approximate positions, dashed circles "
                    "their uncertainty."),
    "project": ("项目", "project"),
    "zone": ("园区", "zone"),
    "county": ("县（市、区）", "county"),
    "prefecture": ("市（州）", "prefecture"),
    "downloads": ("下载", "Downloads"),
    "footer_version": ("数据版本：{version}（{date}）", "Data version: {version} ({date})"),
    "gaps_intro": ("每个集群类型：各园区对照产业链各环节，颜色表示运营、在建、规划、缺口（政策已分配但无项目）。",
                   "For each cluster type, every zone against every chain stage: operating, building, planned, GAP "
                   "(assigned by the policy, nothing there)."),
    "targets_intro": ("政策的 2030 年量化目标及其最新省级数值（无数据时注明，从不估计），以及各政策条款的责任部门。",
                      "The policy's 2030 quantitative targets with the latest provincial value (\"no data\" when none, "
                      "never estimated), and the departments responsible for each policy section."),
    "targets": ("2030 年目标", "2030 targets"),
    "departments": ("部门", "Departments"),
    "responsibilities": ("责任分工", "Responsibilities"),
    "sources_intro": ("每个图层的文件、来源、日期、许可和位置精度；下方为可下载的数据文件。",
                      "Every layer's file, sources, dates, licence and position precision; the data files to download "
                      "are below."),
    "layer_file": ("{layer}（{fmt}）", "{layer} ({fmt})"),
}
"""(zh, en) per key."""


def site_text(key: str, lang: Lang, **values: object) -> str:
    """The site's text for `key` in `lang`, formatted with `values`."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
