"""UI and export labels in Chinese and English; Chinese is the users' language and the app's default."""

from __future__ import annotations

from typing import Final

import pandas as pd

from atlas.core.schema import Lang, label

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
    "filters": ("筛选", "Filters"),
    "filter_cluster_types": ("产业集群", "Cluster type"),
    "filter_zones": ("开发区", "Zone"),
    "filter_prefectures": ("市州", "Prefecture"),
    "filter_stages": ("产业链环节", "Chain stage"),
    "filter_statuses": ("项目状态", "Status"),
    "filter_text": ("搜索（中文、英文或拼音）", "Search (Chinese, English or pinyin)"),
    "reset_filters": ("清除筛选", "Clear filters"),
    "language": ("语言 / Language", "语言 / Language"),
    "ignored_params": ("链接中以下参数无效，已忽略：{values}", "Ignored unknown link parameters: {values}"),
    "page_map": ("地图", "Map"),
    "page_zones": ("开发区档案", "Zone profiles"),
    "page_clusters": ("产业集群统计", "Clusters"),
    "page_projects": ("项目库", "Projects"),
    "page_data": ("数据与来源", "Data & sources"),
    "permalink": ("当前视图链接", "Link to this view"),
    "showing": (
        "显示 {zones} 个开发区、{projects} 个项目、{bases} 个回收基地、{deposits} 处矿产资源",
        "Showing {zones} zones, {projects} projects, {bases} recycling bases, {deposits} deposits",
    ),
    "data_intro": (
        "每个图层的来源、日期、许可与位置精度。所有坐标均为 WGS84（EPSG:4326）。",
        "Every layer's source, date, licence and position precision. All coordinates are WGS84 (EPSG:4326).",
    ),
    "layers": ("图层", "Layers"),
    "validation": ("数据校验", "Validation"),
    "validation_ok": ("数据校验通过（{warnings} 条提示）", "The data validates ({warnings} warnings)"),
    "validation_failed": ("数据校验发现 {n} 个问题", "Validation found {n} problems"),
    "policy_sections": ("政策条款（意译概述）", "Policy sections (paraphrased)"),
    "precision_explained": (
        "位置精度：exact 为实测厂址；zone 为园区位置；town 为乡镇点（约 ±10 公里）；"
        "county 为县域质心（可能偏离实际厂址 10–40 公里）；"
        "region 为多县区域质心。地图上的虚线圆圈表示位置的不确定范围。",
        "Position precision: exact = surveyed site; zone = the zone's location; town = a town point (about "
        "±10 km); county = the county's centroid (the real site may be 10–40 km away); region = centroid of "
        "a multi-county area. Dashed rings on the map show that uncertainty.",
    ),
    "group_by": ("分组方式", "Group by"),
    "by_cluster-type": ("产业集群", "Cluster type"),
    "by_zone": ("开发区", "Zone"),
    "by_prefecture": ("市州", "Prefecture"),
    "by_stage": ("产业链环节", "Chain stage"),
    "aggregate_notes": (
        "同时属于两个产业集群的项目在两组中均计数；产能按单位分别合计，从不跨单位相加；投资合计仅含有投资数据的项目。",
        "A project in two cluster types counts in both; capacity is summed per unit, never across units; "
        "investment totals cover only the projects with a figure.",
    ),
    "projects_count": ("筛选结果：{n} / {total} 个项目", "{n} of {total} projects match the filters"),
    "legend": ("图例（点击筛选产业集群）", "Legend (click to filter by cluster type)"),
    "legend_counts": ("{zones} 个开发区 · {projects} 个项目", "{zones} zones · {projects} projects"),
    "basemap": ("底图", "Basemap"),
    "basemap_none": ("无底图（仅行政边界，离线可用）", "None (boundaries only, works offline)"),
    "basemap_osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "basemap_tianditu": ("天地图（需密钥与联网）", "Tianditu (key + online)"),
    "basemap_amap": ("高德地图（GCJ-02，需联网）", "AMap (GCJ-02, online)"),
    "map_table": ("地图上显示的记录", "Records shown on the map"),
    "choose": ("请选择", "Choose"),
    "open_profile": ("打开开发区档案", "Open zone profile"),
    "nearby_radius": ("周边范围（公里）", "Nearby radius (km)"),
    "position_honesty": (
        "位置精度：{precision}（± {km:g} 公里）。{note}",
        "Position precision: {precision} (± {km:g} km). {note}",
    ),
    "downloads": ("下载", "Downloads"),
    "operating": ("已投产项目", "operating projects"),
    "under_construction": ("在建/试产项目", "projects being built"),
    "planned": ("规划/签约项目", "planned or signed projects"),
    "investment_cny_m": ("已知投资合计（百万元）", "known investment (million CNY)"),
    # --- scale: the map of a very large registry ---
    "map_bin_tooltip": ("{count} 个项目", "{count} projects"),
    "map_bin_hint": ("放大地图可查看单个项目", "zoom in to see single projects"),
    "map_mode_bins": (
        "项目较多（当前视野约 {count:,} 个）：按网格显示项目数量，放大后显示单个项目。",
        "Many projects (about {count:,} in view): counts per grid cell; zoom in for single projects.",
    ),
    "map_mode_points": (
        "项目较多：仅绘制当前视野内的 {count:,} 个项目，移动地图后更新。",
        "Many projects: only the {count:,} in view are drawn, updated as the map moves.",
    ),
    "map_table_truncated": (
        "表格仅列出前 {shown:,} 条（共 {total:,} 条）；完整数据请在“项目与企业”页导出。",
        "The table lists the first {shown:,} of {total:,} records; export them all from the projects page.",
    ),
    # --- planning: chain gaps, proximity, compare, targets, national context, quality flags ---
    "page_gaps": ("产业链缺口", "Chain gaps"),
    "page_compare": ("开发区对比", "Compare zones"),
    "page_targets": ("2030年目标与责任分工", "2030 targets & responsibilities"),
    "gaps_count": ("缺口数", "Gaps"),
    "gaps_legend": (
        "已投产 / 在建/试产 / 规划/签约：该环节最好的项目状态；缺口：政策指定了该集群，但该环节没有项目；"
        "未指定：政策未给该开发区指定此集群；括号内为相关项目数。",
        "operating / building / planned: the best project at that stage; GAP: the policy assigns the cluster "
        "but no project covers the stage; not assigned: the policy gives the zone no such cluster; (n) = records "
        "behind the cell.",
    ),
    "gaps_intro": (
        "每个开发区在所选产业集群各产业链环节上的覆盖情况。红色为缺口，即招商应补的薄弱和空白环节（IV.(2)）。",
        "How each zone covers each stage of the chosen cluster's chain. Red cells are gaps: the weak or missing "
        "links that investment promotion is asked to fill (IV.(2)).",
    ),
    "gaps_cluster": ("产业集群", "Cluster type"),
    "gaps_pick_cell": (
        "点击矩阵中的一个单元格，查看其背后的项目。",
        "Click a cell of the matrix to see the projects behind it.",
    ),
    "gaps_cell_title": ("{zone} · {stage}：{state}", "{zone} · {stage}: {state}"),
    "gaps_cell_empty": ("该单元格没有项目。", "No project behind this cell."),
    "gaps_map": ("缺口地图（红色：有缺口的开发区）", "Gap map (red: zones with gaps)"),
    "gap_zone_tooltip": ("{gaps} 个缺口 / {stages} 个环节", "{gaps} gaps of {stages} stages"),
    "gap_zone_not_assigned": ("未指定此集群", "cluster not assigned"),
    "compare_zones": ("选择 2–5 个开发区", "Choose 2 to 5 zones"),
    "compare_need_two": ("请至少选择 2 个开发区进行对比。", "Choose at least two zones to compare."),
    "compare_roles": ("政策定位", "Policy roles"),
    "compare_chain": ("产业链覆盖", "Chain coverage"),
    "compare_status": ("项目数（按状态）", "Projects by status"),
    "compare_capacity": (
        "各环节产能（按单位分列，不跨单位或产品相加）",
        "Capacity by stage (per unit; never added across units or products)",
    ),
    "compare_nearby": ("周边资源（{km:g} 公里内）", "Nearby resources (within {km:g} km)"),
    "proximity": ("周边范围分析", "Proximity"),
    "proximity_zone": ("中心开发区", "Centre zone"),
    "proximity_km": ("半径（公里）", "Radius (km)"),
    "proximity_note": (
        "距离为 WGS84 椭球面上的大地线距离。误差 = 两端位置不确定性之和；名义距离在半径内标为“在范围内”，"
        "名义距离超出半径但减去误差后在半径内标为“可能在范围内”。",
        "Distances are geodesic on the WGS84 ellipsoid. Uncertainty = the two ends' position uncertainties "
        "added; 'within' means the nominal distance is inside the radius (inclusive), 'possibly within' that it "
        "is outside but less than the uncertainty beyond it.",
    ),
    "match_within": ("在范围内", "within"),
    "match_possibly-within": ("可能在范围内", "possibly within"),
    "targets_intro": (
        "政策提出的2030年量化目标。仅在有全省最新值时显示进度；没有数据时显示“暂无数据”，不作估算。",
        "The policy's quantitative 2030 targets. Progress is shown only where a provincial latest value exists; "
        "otherwise 'no data' — nothing is estimated.",
    ),
    "target_progress": (
        "进度：{latest:g} / {value:g} {unit}（{year}）",
        "Progress: {latest:g} of {value:g} {unit} ({year})",
    ),
    "target_met": ("已达到：{latest:g} {unit}（{year}）", "Met: {latest:g} {unit} ({year})"),
    "target_not_met": ("未达到：{latest:g} {unit}（{year}）", "Not met: {latest:g} {unit} ({year})"),
    "responsibilities": ("责任分工", "Responsibilities"),
    "department": ("部门", "Department"),
    "all_departments": ("全部部门", "All departments"),
    "lead_department": ("牵头", "lead"),
    "national_context": (
        "国家政策背景：六项任务与本省落实条款",
        "National context: six tasks and the provincial sections",
    ),
    "national_note": (
        "国家文本（无日期，英文转载）的六项任务与本省条款的对应为本地图的解读，均为意译。",
        "The mapping of the national text's six tasks (undated, an English re-post) to provincial sections is our "
        "reading, paraphrased.",
    ),
    "quality_flags": ("数据质量标记", "Data-quality flags"),
    "quality_intro": (
        "自动标出需要核实的记录：项目不在所属开发区的县内、政策定位尚无项目、位置仅到县级或更粗、缺少产能或年份、来源为转载网站。",
        "Records to check: a project outside its zone's counties, a policy role with no project, positions "
        "at county precision or coarser, missing capacity or year, and sources that are re-posts.",
    ),
    "quality_overlay": ("显示数据质量标记", "Show data-quality flags"),
    "quality_counts": ("标记统计", "Flag counts"),
    # --- project registry page (import, position edits, history) ---------------------------------
    "page_registry": ("项目登记", "Registry"),
    "registry_intro": (
        "导入各部门的项目清单，修正项目位置，查看每次保存的版本。每次保存都会保留之前的版本，可随时撤销。",
        "Import project lists from any bureau, correct positions, and see every saved version. Every save keeps "
        "the previous version, so any change can be undone.",
    ),
    "registry_section": ("功能", "Section"),
    "registry_tab_import": ("导入项目清单", "Import a list"),
    "registry_tab_edit": ("修正位置", "Correct a position"),
    "registry_tab_history": ("版本历史", "History"),
    "registry_author": ("您的姓名（记入版本历史）", "Your name (recorded in the history)"),
    "registry_upload": (
        "项目清单（CSV 或 XLSX；GBK 编码的 Excel CSV 也可）",
        "Project list (CSV or XLSX; GBK CSV from Excel is fine)",
    ),
    "registry_crs": ("坐标取自", "Coordinates copied from"),
    "crs_wgs84": ("GPS / 天地图 / OpenStreetMap（WGS84）", "GPS / Tianditu / OpenStreetMap (WGS84)"),
    "crs_gcj02": ("高德 / 腾讯地图（GCJ-02）", "AMap / Tencent (GCJ-02)"),
    "crs_bd09": ("百度地图（BD-09）", "Baidu (BD-09)"),
    "registry_default_source": (
        "来源（用于未填来源的行：网址或政策条款号，如 II.(3)）",
        "Source for rows without one (a URL or a policy section such as II.(3))",
    ),
    "registry_mapping": ("列对应：有 {n} 个表头未识别", "Column mapping: {n} header(s) not recognised"),
    "registry_mapping_help": (
        "为每个未识别的列选择它对应的字段；选“不导入”则忽略该列。",
        "Choose the field each unrecognised column holds; “do not import” drops it.",
    ),
    "registry_ignore": ("不导入", "do not import"),
    "registry_rows_read": ("读取行数", "Rows read"),
    "registry_accepted": ("可接受", "Accepted"),
    "registry_rejected": ("退回", "Rejected"),
    "registry_report": ("校验报告", "Validation report"),
    "registry_only_errors": ("只看错误", "Errors only"),
    "registry_download_rejected": (
        "下载退回的行（修改后可重新导入）",
        "Download the rejected rows (fix them, import again)",
    ),
    "registry_download_report": ("下载完整报告", "Download the full report"),
    "registry_preview": ("将新增的记录", "Records that will be added"),
    "registry_accept": ("接受 {n} 条有效记录", "Accept {n} valid rows"),
    "registry_nothing_valid": (
        "没有可以接受的行：请按报告修改后重新上传。",
        "No row can be accepted: fix the file as the report says.",
    ),
    "registry_saved": ("已保存为版本 {version}：新增 {n} 条记录。", "Saved as version {version}: {n} records added."),
    "registry_not_saved": ("未保存：{message}", "Not saved: {message}"),
    "registry_added_map": ("新增的记录（地图）", "The records added, on the map"),
    "registry_pick_project": ("项目", "Project"),
    "registry_click_hint": (
        "在地图上点击该项目的实际位置，然后保存。",
        "Click the project's true position on the map, then save.",
    ),
    "registry_current_position": (
        "现位置：{lon}, {lat}（{precision}，± {km} 公里）",
        "Stored position: {lon}, {lat} ({precision}, ± {km} km)",
    ),
    "registry_new_position": (
        "新位置：{lon}, {lat}（WGS84，{county}）",
        "New position: {lon}, {lat} (WGS84, {county})",
    ),
    "registry_save_position": ("保存新位置", "Save the new position"),
    "registry_position_saved": ("已保存为版本 {version}。", "Saved as version {version}."),
    "registry_undo": ("撤销上次保存", "Undo the last save"),
    "registry_last_save": (
        "上次保存：版本 {version}，{author}，{when}：{message}",
        "Last save: version {version} by {author} at {when}: {message}",
    ),
    "registry_undone": ("已撤销：当前为版本 {version}。", "Undone: the registry is now version {version}."),
    "registry_versions": ("保存过的版本", "Saved versions"),
    "registry_since": ("查看自此版本以来的变更", "Show what changed since version"),
    "registry_changes": ("自版本 {version} 以来有 {n} 条记录变更", "{n} records changed since version {version}"),
    "registry_no_changes": ("自该版本以来没有变更。", "Nothing changed since that version."),
    "registry_no_history": ("尚无保存记录。", "Nothing saved yet."),
    "registry_col_version": ("版本", "Version"),
    "registry_col_saved_at": ("保存时间（UTC）", "Saved at (UTC)"),
    "registry_col_author": ("保存人", "Saved by"),
    "registry_col_message": ("说明", "Note"),
    "registry_col_rows": ("记录数", "Records"),
    "registry_col_change": ("变更", "Change"),
    "registry_col_columns": ("变更的列", "Changed columns"),
    "registry_col_reasons": ("退回原因", "Why it was held back"),
    "severity_error": ("错误", "error"),
    "severity_warning": ("警告", "warning"),
    "severity_info": ("提示", "note"),
    "registry_basemap": ("底图", "Basemap"),
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
    "stage_name": ("产业链环节", "Chain stage"),
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
    "position_source": ("位置来源", "Position source"),
    "position_as_of": ("位置日期", "Position as of"),
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
    "layer": ("图层", "Layer"),
    "file": ("文件", "File"),
    "records": ("记录数", "Records"),
    "sources": ("来源数", "Sources"),
    "as_of_min": ("最早数据日期", "Earliest as-of"),
    "as_of_max": ("最新数据日期", "Latest as-of"),
    "licence": ("许可", "Licence"),
    "precision_exact": ("精确", "exact"),
    "precision_zone": ("园区", "zone"),
    "precision_town": ("乡镇", "town"),
    "precision_county": ("县域", "county"),
    "precision_region": ("区域", "region"),
    "message": ("问题", "Problem"),
    "severity": ("级别", "Severity"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
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
    # --- planning ---
    "zone": ("开发区编号", "Zone ID"),
    "stage_id": ("环节编号", "Stage ID"),
    "zone_name": ("开发区", "Zone"),
    "assigned": ("政策指定", "Assigned by policy"),
    "project_ids": ("相关项目", "Projects behind it"),
    "match": ("是否在范围内", "Within radius"),
    "flag": ("标记", "Flag"),
    "detail": ("说明", "Detail"),
    "progress": ("进度", "Progress"),
    "met": ("是否达到", "Met"),
    "department_id": ("部门编号", "Department ID"),
    "department_name": ("部门", "Department"),
    "lead": ("牵头部门", "Lead department"),
    "section_title": ("条款", "Section"),
    "section_summary": ("条款内容（意译）", "What the section asks (paraphrased)"),
    "national_task_id": ("任务编号", "Task ID"),
    "national_section": ("国家文本序号", "National section"),
    "national_title": ("国家任务", "National task"),
    "national_summary": ("国家任务（意译）", "National task (paraphrased)"),
    "why": ("对应理由（意译）", "Why (paraphrased)"),
    "item": ("项目", "Item"),
    "section": ("部分", "Section"),
    "count": ("数量", "Count"),
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
    for column in ("status", "position_precision", "position_source", "cluster_type", "kind", *value_columns):
        if column in out.columns:
            out[column] = _labelled(out[column], lang)
    for column in out.columns:
        if holds_lists(out[column]):  # cluster types: each labelled; codes without a label stay as they are
            out[column] = out[column].map(
                lambda v: "; ".join(label(str(x), lang) for x in v) if isinstance(v, list) else v
            )
    out.columns = [column_label(str(c), lang) for c in out.columns]
    return out


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
    """The project columns a table shows, in reading order, names in `lang`."""
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
    ]
