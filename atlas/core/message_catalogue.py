"""The message catalogue: every text the atlas tells a user about their input, as (Chinese, English).

Templates use ``str.format`` fields; a field may be another message (`atlas.core.messages`). Keys are
grouped by where the problem is found. Chinese is the users' language: it is written first and reads
as a Chinese office user would say it, not as a word-for-word translation.
"""

from __future__ import annotations

from typing import Final

WHERE: Final[dict[str, tuple[str, str]]] = {
    "where_file": ("{file}", "{file}"),
    "where_row": ("{where}，第 {row} 行", "{where}, row {row}"),
    "where_column": ("{where}，列“{column}”", "{where}, column {column_quoted}"),
    "where_message": ("{where}：{message}", "{where}: {message}"),
    "with_value": ("{line}（值：“{value}”）", "{line} (value {value_quoted})"),
    "severity_error": ("错误", "error"),
    "severity_warning": ("警告", "warning"),
    "severity_info": ("提示", "info"),
}

TABLES: Final[dict[str, tuple[str, str]]] = {
    "table_file_missing": ("文件不存在", "file is missing"),
    "table_not_utf8": ("不是 UTF-8 文本（{reason}）", "not UTF-8 text ({reason})"),
    "table_not_csv": ("不是可读的 CSV：{detail}", "not a readable CSV: {detail}"),
    "table_column_missing": ("缺少必需的列（应有：{columns}）", "required column is missing (expected columns: {columns})"),
    "value_not_number": ("不是数字（未知时请留空）", "is not a number (leave empty when unknown)"),
    "value_below_minimum": ("必须 ≥ {minimum}", "must be ≥ {minimum}"),
    "value_required": ("不能为空", "must not be empty"),
    "value_not_allowed": ("未知的值；有效值：{valid}", "unknown value; valid values: {valid}"),
    "id_duplicate": ("编号重复（第 {row} 行已用过）", "duplicate id (first used on row {row})"),
    "note_one_language": (
        "“{present}”有内容而“{missing}”为空：整理数据的备注须中英文齐全（或都留空）",
        "{present} is filled but {missing} is empty: a curated record's note needs both Chinese and English "
        "(or neither)",
    ),
    "as_of_format": ("日期应写成 YYYY、YYYY-MM 或 YYYY-MM-DD", "must be YYYY, YYYY-MM or YYYY-MM-DD"),
    "stage_not_in_chain": (
        "环节“{stage}”不在“{cluster}”产业链上（{stages}）",
        "stage {stage_quoted} is not in the {cluster} chain ({stages})",
    ),
    "position_source_unknown": (
        "未知的位置来源；有效值：{valid}（可在冒号后写明由谁定位）",
        "unknown position source; valid: {valid} (optionally ': who')",
    ),
    "position_source_undated": ("位置来源需要日期", "a position source needs its date"),
    "capacity_needs_unit": ("产能需要单位", "a capacity needs its unit"),
    "year_not_whole": ("年份必须是整数年", "year must be a whole year"),
    "position_outside_county": (
        "位置在所属县 {codes} 以外 {km} 公里（不确定范围 {radius} 公里）",
        "position is {km} km outside its county {codes} (uncertainty {radius} km)",
    ),
    "source_section_unknown": ("sections.csv 中没有这一政策条目", "policy section not in sections.csv"),
    "source_not_citable": (
        "来源必须是网址或政策条目编号（如 II.(3)）",
        "source must be a URL or a policy section id such as II.(3)",
    ),
    "synthetic_records": (
        "{n} 条记录是合成的基准测试数据，不是真实项目",
        "{n} record(s) are synthetic benchmark data, not real projects",
    ),
    "lonlat_look_swapped": ("经度和纬度似乎填反了", "lon and lat look swapped"),
    "outside_guizhou_box": ("位置在贵州范围 {box} 以外", "position is outside Guizhou {box}"),
}

CELLS: Final[dict[str, tuple[str, str]]] = {
    "approximate_kept": ("约数（约/以上/…）按其数字记录", "an approximate figure (约/以上/…) was kept as its number"),
    "digits_spaced": ("数字中间有空格：请写成一个数（如 106.33）", "has spaces between digits: write one number (106.33)"),
    "comma_ambiguous": (
        "有歧义：请用小数点（如 106.33），不要用千位分隔逗号",
        "is ambiguous: write a decimal point (106.33) and no thousands comma",
    ),
    "cell_not_number": ("不是数字（未知时请留空）", "is not a number (leave the cell empty when unknown)"),
    "not_finite": ("不是有限的数字", "is not a finite number"),
    "text_after_number": ("不是数字（数字后面多了“{rest}”）", "is not a number (unexpected {rest_quoted} after it)"),
    "not_degrees_because": (
        "{reason}（不是以度为单位的坐标，例如 106.63 或 106°37′48″）",
        "{reason} (not a coordinate in degrees, e.g. 106.63 or 106°37′48″)",
    ),
    "not_degrees": (
        "不是以度为单位的坐标（例如 106.63 或 106°37′48″）",
        "is not a coordinate in degrees (e.g. 106.63 or 106°37′48″)",
    ),
    "dms_over_60": ("分或秒达到或超过 60", "has minutes or seconds of 60 or more"),
    "lonlat_two_numbers": (
        "需要恰好两个数：经度和纬度（如 106.33,26.68）",
        "needs exactly two numbers, longitude and latitude (e.g. 106.33,26.68)",
    ),
    "not_a_date": ("不是日期（请写成 YYYY、YYYY-MM 或 YYYY-MM-DD）", "is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)"),
    "not_a_real_date": ("不是真实存在的日期", "is not a real date"),
    "year_of_date": ("取了完整日期中的年份", "the year of a full date was used"),
    "not_a_year": ("不是年份（例如 2024）", "is not a year (write e.g. 2024)"),
    "year_words_dropped": ("读作 {year}（舍去了“{rest}”）", "read as {year} ({rest_quoted} dropped)"),
}

FILES: Final[dict[str, tuple[str, str]]] = {
    "file_too_big": (
        "{file}：文件大小 {size} 字节，超过导入上限 {limit} 字节（{setting}）",
        "{file}: the file is {size} bytes, over the import limit of {limit} bytes ({setting})",
    ),
    "file_empty": ("{file}：文件是空的", "{file}: the file is empty"),
    "file_is": ("{file}：这是{what}", "{file}: this is {what}"),
    "kind_xls": ("旧版 .xls（或设了密码的）工作簿：请另存为 .xlsx 或 CSV",
                 "an old .xls (or password-protected) workbook: save it as .xlsx or CSV"),
    "kind_pdf": ("PDF 文档，不是表格", "a PDF document, not a table"),
    "kind_png": ("PNG 图片，不是表格", "a PNG image, not a table"),
    "kind_jpeg": ("JPEG 图片，不是表格", "a JPEG image, not a table"),
    "kind_gif": ("GIF 图片，不是表格", "a GIF image, not a table"),
    "kind_gzip": ("gzip 压缩包：请先解压", "a gzip archive: unpack it first"),
    "kind_rar": ("RAR 压缩包：请先解压", "a RAR archive: unpack it first"),
    "kind_7z": ("7-Zip 压缩包：请先解压", "a 7-Zip archive: unpack it first"),
    "kind_sqlite": ("SQLite/GeoPackage 数据库，不是表格", "an SQLite/GeoPackage database, not a table"),
    "file_binary_nul": (
        "{file}：二进制数据（含 NUL 字节），不是 CSV 文本或 XLSX 工作簿",
        "{file}: binary data (NUL bytes), not a CSV text file or an XLSX workbook",
    ),
    "file_undecodable": (
        "{file}：既不是 UTF-8 也不是 GBK/GB18030 文本（第 {offset} 字节 0x{byte} 无法解码）；请另存为“CSV UTF-8”或 XLSX",
        "{file}: neither UTF-8 nor GBK/GB18030 text (undecodable byte 0x{byte} at offset {offset}); "
        "save it as CSV UTF-8 or XLSX",
    ),
    "file_binary": ("{file}：二进制数据，不是 CSV 文本或 XLSX 工作簿",
                    "{file}: binary data, not a CSV text file or an XLSX workbook"),
    "file_bad_bom": (
        "{file}：开头像 {encoding} 文本，但第 {offset} 字节不是有效的 {encoding}",
        "{file}: starts like {encoding} text but byte {offset} is not valid {encoding}",
    ),
    "file_too_many_rows": ("{file}：超过 {limit} 行；请拆分文件", "{file}: more than {limit} rows; split the file"),
    "file_csv_unreadable": ("{file}，第 {row} 行：无法按 CSV 读取（{detail}）",
                            "{file}, row {row}: not readable as CSV ({detail})"),
    "file_no_cells": ("{file}：文件是空的（没有填写的单元格）", "{file}: the file is empty (no filled cells)"),
    "xlsx_unreadable": ("{file}：不是可读的 XLSX 工作簿（{detail}）", "{file}: not a readable XLSX workbook ({detail})"),
    "xlsx_no_cells": ("{file}：工作簿里没有填写的单元格", "{file}: the workbook has no filled cells"),
    "file_missing": ("{file}：文件不存在", "{file}: no such file"),
    "file_is_folder": ("{file}：这是文件夹，不是文件", "{file}: is a folder, not a file"),
    "file_unreadable": ("{file}：无法读取（{reason}）", "{file}: cannot read it ({reason})"),
    "report_suffix": ("--report {path}：文件名必须以 .csv 或 .xlsx 结尾",
                      "--report {path}: the file name must end in .csv or .xlsx"),
}

HEADERS: Final[dict[str, tuple[str, str]]] = {
    "mapping_unknown_target": (
        "映射 {header}={target}：未知的列“{target}”；有效：{valid}",
        "mapping {header}={target}: unknown column {target_quoted}; valid: {valid}",
    ),
    "header_repeated": (
        "也对应 {target}；只读取第一个这样的列（{first}）",
        "also maps to {target}; only the first such column ({first}) is read",
    ),
    "header_unknown": (
        "未知的列，未导入{hint}；可用 --map '{text}=<列名>' 或在页面的“列对应”一步中指定",
        "unknown column, not imported{hint}; map it with --map '{text}=<column>' or in the app's mapping step",
    ),
    "did_you_mean_column": ("（是不是 {column}？）", " (did you mean {column}?)"),
    "read_as": ("按{kind}读取；表头在第 {row} 行", "read as {kind}; header on row {row}"),
    "kind_utf8": ("UTF-8 文本", "UTF-8 text"),
    "kind_utf8_bom": ("带 BOM 的 UTF-8 文本", "UTF-8 text with BOM"),
    "kind_gb18030": ("GBK/GB18030 文本（中文 Excel 的 CSV）", "GBK/GB18030 text (Chinese Excel's CSV)"),
    "kind_utf16": ("UTF-16 文本（Excel 的“Unicode 文本”）", "UTF-16 text (Excel's 'Unicode text')"),
    "kind_xlsx": ("XLSX 工作簿的工作表“{sheet}”{first}", "XLSX workbook, sheet {sheet_quoted}{first}"),
    "first_filled_of": ("（{n} 个工作表中第一个有内容的）", " (the first filled one of {n})"),
    "titles_skipped": ("表头上方的 {n} 行已跳过（标题）", "{n} row(s) above the header were skipped (titles)"),
    "header_names_crs": (
        "表头写的是 {named}，但文件按 {crs} 导入；如果坐标来自该地图，请用 --crs {hint} 导入",
        "the header names {named} but the file is imported as {crs}; "
        "import with --crs {hint} if the coordinates come from that map",
    ),
    "required_missing": (
        "文件没有{what}：任何一行都无法接受；请把文件中的某一列对应到它",
        "the file has no {what}: no row can be accepted; map one of its columns to it",
    ),
    "required_name": ("名称列（项目名称 / name_zh / name_en）", "name column (项目名称 / name_zh / name_en)"),
    "required_position": (
        "位置列（经度 + 纬度、经纬度，或 建设地点 等地名列）",
        "position columns (经度 + 纬度, one 经纬度 column, or a place such as 建设地点)",
    ),
    "required_stage": ("产业链环节列（产业链环节 / stage），也可用 --set stage=… 为整个文件指定",
                       "chain stage column (产业链环节 / stage), or one stage for the file with --set stage=…"),
    "no_column_default": ("没有 {column} 列：{what}", "no {column} column: {what}"),
    "header_unit_converted": ("以 {unit} 为单位的数字已换算为 {change}", "figures in {unit} are converted {change}"),
    "change_capacity": ("{unit}（× {factor}）", "to {unit} (× {factor})"),
    "change_investment": ("百万元（× {factor}）", "to million CNY (× {factor})"),
    "totals_skipped": ("合计行（{word}），不是项目：已跳过", "a totals row ({word}), not a project: skipped"),
    "no_data_rows": ("{file}：表头（第 {row} 行）下面没有数据行", "{file}: no data rows below the header (row {row})"),
    "option_unknown_column": ("未知的列“{column}”；可用：{valid}", "unknown column {column_quoted}; valid: {valid}"),
    "option_not_controlled": ("“{column}”列不是有固定取值的列；可映射取值的列：{valid}",
                              "{column_quoted} has no fixed values to map; columns with values: {valid}"),
    "option_bad_value": ("取值映射 {column}:{text}={value}：{problem}", "value mapping {column}:{text}={value}: {problem}"),
    "option_bad_default": ("整表默认值 {column}={value}：{problem}", "default {column}={value}: {problem}"),
    "mapping_file_unreadable": ("{file}：不是可读的映射文件（{detail}）", "{file}: not a readable mapping file ({detail})"),
    "mapping_file_foreign": ("{file}：不是本图集的映射文件（缺少“{marker}”）", "{file}: not an atlas mapping file (no {marker_quoted})"),
    "default_applied": ("整表默认值：{column} 为空的行取“{value}”", "default for the file: empty {column} cells read as {value_quoted}"),
    "unknown_crs": ("未知的坐标系“{crs}”；应为 wgs84、gcj02、bd09 之一",
                    "unknown coordinate system {crs_quoted}; expected one of wgs84, gcj02, bd09"),
}

ROWS: Final[dict[str, tuple[str, str]]] = {
    "default_id": ("编号由名称生成（拼音）", "ids are generated from the names (pinyin)"),
    "default_name_en": ("英文名称取中文名称的拼音", "English names are the pinyin of the Chinese names"),
    "default_status": ("状态记为“未知”", "status is recorded as unknown"),
    "default_as_of": ("数据日期设为导入日期", "as_of is set to the import date"),
    "default_county": ("县取自位置", "counties are taken from the positions"),
    "default_precision": (
        "点位按精确厂址（实测或在地图上拾取）处理；如果点位只代表县、乡镇或园区，请填写 县级/乡镇/园区",
        "points are taken as exact sites (surveyed or picked on a map); "
        "give 县级/乡镇/园区 if a point only stands for a county, town or zone",
    ),
    "empty_default": ("为空：{what}", "empty: {what}"),
    "cell_right_of_header": ("最后一个表头列右边的单元格未导入", "cell right of the last header column is not imported"),
    "name_required": ("必须有项目名称（项目名称）", "a project name is required (项目名称)"),
    "note_one_language_row": (
        "备注只有“{present}”：“{missing}”留空，不做翻译",
        "note in {present} only: {missing} is left empty, not translated",
    ),
    "note_one_language_file": (
        "文件只有一种语言的备注（{present}）：导入的记录可以只有一种语言的备注，“{missing}”留空，不做翻译",
        "the file has notes in one language only ({present}): an imported record may carry a note in one "
        "language, so {missing} is left empty, not translated",
    ),
    "name_zh_from_en": ("没有中文名称：使用英文名称", "no Chinese name: the English name is used"),
    "name_en_pinyin": ("没有英文名称：使用中文名称的拼音（{pinyin}）",
                       "no English name: the pinyin of the Chinese name is used ({pinyin})"),
    "source_required": (
        "必须有来源：网址或政策条目编号，如 II.(3)（添加“来源”列，或用 --source 为整个文件指定一个来源）",
        "a source is required: a URL or a policy section id such as II.(3) "
        "(add a 来源 column, or give one source for the whole file)",
    ),
    "status_unknown_default": ("没有状态：记为“未知”", "no status: recorded as unknown"),
    "stage_required": ("必须有产业链环节；有效值：{valid}", "a chain stage is required; valid: {valid}"),
    "read_loosely": ("读作 {value}：请确认", "read as {value}: check this is meant"),
    "mapped_value": ("按映射读作 {value}", "read as {value} (value mapping)"),
    "capacity_needs_unit_cell": (
        "产能需要单位（如 50万吨/年，或在“单位”列填 kt/a）",
        "a capacity needs its unit (e.g. 50万吨/年, or a 单位 column with kt/a)",
    ),
    "capacity_unit_unknown": (
        "单位“{unit}”不是本图集认识的单位（kt/a、t/a、Mt/a、sets/a、pieces/a）；按原样保留",
        "unit {unit_quoted} is not one the atlas knows (kt/a, t/a, Mt/a, sets/a, pieces/a); kept as written",
    ),
    "capacity_words_dropped": ("单位按“{unit}”读取，后面的“{words}”未计入单位", "unit read as {unit_quoted}; {words_quoted} after it is not part of the unit"),
    "capacity_converted": ("已把 {value} {unit} 换算为 {converted} {atlas_unit}",
                           "converted {value} {unit} to {converted} {atlas_unit}"),
    "must_be_non_negative": ("必须 ≥ 0", "must be ≥ 0"),
    "investment_needs_unit": (
        "投资需要单位：写成 12.5亿元，或在表头注明（投资（亿元）/ 投资（万元））{unknown}",
        "an investment needs its unit: write 12.5亿元 or name it in the header (投资（亿元）/ 投资（万元）){unknown}",
    ),
    "unknown_unit_suffix": ("；未知单位“{unit}”", "; unknown unit {unit_quoted}"),
    "investment_converted": ("已把 {value} {unit} 换算为 {converted} 百万元",
                             "converted {value} {unit} to {converted} million CNY"),
    "as_of_default": ("没有日期：数据日期设为导入日期 {today}", "no date: as_of set to the import date {today}"),
    "position_required": (
        "必须有位置：以度为单位的经度和纬度，或一个地名（建设地点）",
        "a position is required: longitude and latitude in degrees, or a place (建设地点)",
    ),
    "unknown_value": ("未知的{what}{hint}{valid}", "unknown {what}{hint}{valid}"),
    "did_you_mean": ("（是不是 {hints}？）", " (did you mean {hints}?)"),
    "valid_values": ("；有效值：{valid}", "; valid: {valid}"),
    "what_status": ("状态", "status"),
    "what_position_precision": ("位置精度", "position_precision"),
    "what_stage": ("产业链环节", "stage"),
    "what_zone": ("园区", "zone"),
    "what_cluster_type": ("产业集群", "cluster type"),
    "what_county": ("县", "county"),
    "id_exists": (
        "编号 {id} 已在项目库中（{name}）；导入只添加新记录，请直接修改那条记录",
        "id {id} already exists in the registry ({name}); an import only adds new records, edit that record instead",
    ),
    "id_repeated_in_file": ("文件中编号重复（第 {row} 行已用过）", "duplicate id in the file (first on row {row})"),
    "id_generated": ("没有编号：已生成 {id}", "no id: generated {id}"),
    "duplicate_row": ("名称和位置与第 {row} 行相同：重复的行", "same name and place as row {row}: a duplicate row"),
    "looks_like_existing": (
        "与已有记录 {id} 像是同一个项目（名称相同，相距 {km} 公里）；导入只添加新记录",
        "looks like the existing record {id} (same name, {km} km apart); an import only adds new records",
    ),
    "same_name_far": (
        "与已有记录 {id} 同名，相距 {km} 公里：请确认是另一个项目",
        "same name as the existing record {id}, {km} km away: check it is another project",
    ),
}

POSITIONS: Final[dict[str, tuple[str, str]]] = {
    "crs_wgs84": ("WGS84（GPS、OpenStreetMap、天地图）", "WGS84 (GPS, OpenStreetMap, Tianditu)"),
    "crs_gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (AMap/高德, Tencent/腾讯)"),
    "crs_bd09": ("BD-09（百度）", "BD-09 (Baidu/百度)"),
    "lonlat_swapped": ("经度和纬度填反了（已读作经度 {lon}、纬度 {lat}）",
                       "longitude and latitude were swapped (read as lon {lon}, lat {lat})"),
    "projected_metres": (
        "看起来是以米为单位的投影坐标（x={x}，y={y}），不是度：请填写以度为单位的经纬度",
        "looks like projected coordinates in metres (x={x}, y={y}), not degrees: give longitude/latitude in degrees",
    ),
    "not_lonlat": ("{lon}, {lat} 不是以度为单位的经纬度", "{lon}, {lat} is not a longitude/latitude in degrees"),
    "outside_guizhou": ("{lon}, {lat}（WGS84）在贵州省以外", "{lon}, {lat} (WGS84) is outside Guizhou"),
    "in_no_county": ("该点不在贵州的任何一个县内", "the point lies in no Guizhou county"),
    "county_from_position": ("县取自位置：{county}", "county taken from the position: {county}"),
    "place_unknown": ("“{place}”不是贵州的县（市、区）或乡镇{hint}", "{place_quoted} is not a county or town of Guizhou{hint}"),
    "place_only_prefecture": (
        "“{place}”只写了市（州），按市州精度定位；如知道在哪个县，请写明（{counties}）",
        "{place_quoted} names only a prefecture: placed at prefecture precision; give the county if known ({counties})",
    ),
    "place_ambiguous": ("“{place}”可能是几个县：{counties}；请写明是哪一个", "{place_quoted} could be several counties: {counties}; say which"),
    "place_town_unknown": (
        "没有可离线使用的乡镇位置数据：“{town}”按县级精度定位在 {county}",
        "no town positions are available offline: {town_quoted} is placed at county precision in {county}",
    ),
    "place_position": ("位置取自地名“{place}”（{precision}，± {km} 公里）", "position from the place name {place_quoted} ({precision}, ± {km} km)"),
    "place_outside": (
        "坐标在地名所指的 {county} 以外（约 {km} 公里）：请核对坐标或地名",
        "the coordinates lie outside {county}, the place named ({km} km away): check the coordinates or the place",
    ),
    "place_county_conflict": ("地名“{place}”在 {place_county}，但县（市、区）列写的是 {county}",
                              "the place {place_quoted} is in {place_county}, but the county column says {county}"),
    "precision_town": ("乡镇级", "town precision"),
    "precision_county": ("县级", "county precision"),
    "precision_prefecture": ("市州级", "prefecture precision"),
    "looks_shifted": (
        "疑似坐标偏移：按 {crs} 在所属县 {county} 以外，但若坐标是 {datums} 则在县内；如果坐标抄自这类地图，请用 {flags} 导入",
        "looks shifted: outside its county {county} as {crs}, but inside it if the coordinates are {datums}; "
        "if they were copied from such a map, import with {flags}",
    ),
}

CLI: Final[dict[str, tuple[str, str]]] = {
    "cli_error": ("atlas：错误：{text}", "atlas: error: {text}"),
    "import_summary": (
        "{file}：读取 {rows} 行，接受 {accepted} 行，退回 {rejected} 行（坐标按 {crs} 读取）",
        "{file}: {rows} row(s) read, {accepted} accepted, {rejected} rejected (coordinates read as {crs})",
    ),
    "import_dry_run": ("；试运行，未保存", "; dry run, nothing saved"),
    "import_saved": ("；已保存为项目库版本 {version}", "; saved as registry version {version}"),
    "import_nothing_to_save": ("；没有可保存的记录", "; nothing to save"),
    "import_line": ("  {severity} {where}{column}{value}：{message}", "  {severity:<7} {where}{column}{value}: {message}"),
    "line_file": ("文件", "file"),
    "line_row": ("第 {row} 行", "row {row}"),
    "line_column": ("，{column}", ", {column}"),
    "line_value": (" “{value}”", " {value_quoted}"),
    "report_written": ("报告已写入 {path}", "report written to {path}"),
}

REGISTRY: Final[dict[str, tuple[str, str]]] = {
    "registry_conflict": (
        "项目库在您读取之后已被修改：{what}，由 {who}{when}保存{why}。未写入任何内容：请重新载入，再做一次修改后保存。",
        "the project registry changed since you read it: {what}, saved by {who}{when}{why}. "
        "Nothing was written: reload, re-apply your edit and save again.",
    ),
    "conflict_versions": ("您是从版本 {base} 开始的，现在已是版本 {current}",
                          "you started from version {base}, but it is now version {current}"),
    "conflict_when": ("于 {when} ", " at {when}"),
    "conflict_why": ("（说明：“{why}”）", " ({why_quoted})"),
    "unknown_author": ("未知的人", "an unknown author"),
    "conflict_outside": ("第 {rows} 行在版本 {head} 之后被绕过本图集改写", "rows {rows} were written outside the atlas after version {head}"),
}

RELEASES: Final[dict[str, tuple[str, str]]] = {
    "release_unreadable": ("{file}：不是可读的数据版本清单（{reason}）", "{file}: not a readable data release manifest ({reason})"),
    "release_status": (
        "项目库（{where}）基于数据版本 {base}，当前为版本 {version}；本单位新增 {added} 条、修改 {changed} 条、删除 {removed} 条交付记录。",
        "the registry ({where}) is based on data release {base}, now at version {version}; the bureau added "
        "{added}, changed {changed} and removed {removed} shipped record(s).",
    ),
    "release_newer": ("有新的交付数据版本 {release}：运行 atlas data upgrade 合并。",
                      "a newer shipped data release {release} is available: run `atlas data upgrade` to merge it."),
    "release_current": ("已是交付数据的最新版本 {release}。", "the registry has the shipped data release {release}."),
    "release_in_place": (
        "项目库是数据文件夹 {folder} 自带的文件（工作副本）：版本合并只用于状态文件夹中的项目库（设置 ATLAS_STATE_DIR）。",
        "the registry is the data folder's own file in {folder} (a working copy): releases merge into a registry "
        "kept in a state folder (set ATLAS_STATE_DIR).",
    ),
    "upgrade_summary": (
        "数据版本 {base} → {release}：更新 {updated} 条、新增 {added} 条、停用 {retired} 条；冲突 {conflicts} 条（保留本单位的值）",
        "data release {base} → {release}: {updated} updated, {added} added, {retired} retired; "
        "{conflicts} conflict(s) (kept as the bureau has them)",
    ),
    "upgrade_saved": ("；已保存为项目库版本 {version}", "; saved as registry version {version}"),
    "upgrade_dry_run": ("；试运行，未保存", "; dry run, nothing saved"),
    "upgrade_nothing": ("项目库已基于数据版本 {release}，无需合并。", "the registry is already based on data release {release}: nothing to merge."),
    "upgrade_no_base": (
        "找不到项目库所基于的数据版本 {release} 的交付记录：无法区分本单位的修改与交付的修改。",
        "the shipped records of data release {release}, which the registry is based on, are not kept: "
        "the bureau's edits cannot be told from the release's.",
    ),
    "conflict_line": ("  冲突 {id}：{what}", "  conflict {id}: {what}"),
    "backup_written": ("备份已写入 {file}：项目库版本 {version}，{rows} 条记录，{versions} 个历史版本{accounts}",
                       "backup written to {file}: registry version {version}, {rows} record(s), {versions} version(s) "
                       "of history{accounts}"),
    "backup_accounts": ("，含 {accounts} 个账户（仅密码哈希）", ", with {accounts} account(s) (password hashes only)"),
    "backup_refused": ("{file}：不是可恢复的本图集备份（{reason}）；未做任何更改。",
                       "{file}: not a restorable atlas backup ({reason}); nothing was changed."),
    "restore_done": ("已从 {file} 恢复：项目库版本 {version}（备份于 {taken_at} 的版本 {backup_version}，{rows} 条记录）；"
                     "原有历史全部保留。",
                     "restored from {file}: registry version {version} (version {backup_version} backed up at "
                     "{taken_at}, {rows} record(s)); every earlier version stays in the history."),
    "restore_history": ("已从 {file} 恢复到空的项目库：{versions} 个历史版本原样恢复，当前版本 {version}。",
                        "restored from {file} into an empty registry: {versions} version(s) of history as they "
                        "were, current version {version}."),
    "restore_accounts_added": ("恢复的账户：{names}", "accounts restored: {names}"),
    "restore_accounts_kept": ("已存在的账户保持不变（未用备份覆盖）：{names}",
                              "accounts already here, left as they are (not overwritten from the backup): {names}"),
    "restore_unchanged": ("{file}：备份内容与当前项目库（版本 {version}）相同，未做任何更改。",
                          "{file}: the backup holds what the registry (version {version}) holds; nothing was changed."),
}

ACCOUNTS: Final[dict[str, tuple[str, str]]] = {
    "account_name_invalid": ("账户名“{name}”无效：应为 1 至 {most} 个字符，不含控制字符或换行", "account name {name_quoted} is not valid: 1 to {most} characters, no control characters or line breaks"),
    "account_prefecture_invalid": ("市州代码无效：{codes}（应为 52xx00 形式的六位代码，如 520100）", "not a prefecture adcode: {codes} (six digits 52xx00, e.g. 520100)"),
    "account_password_short": ("密码太短：至少 {most} 个字符", "the password is too short: {most} characters at least"),
    "account_password_missing": ("未读到密码：请用 --password-stdin 从标准输入提供（一行）", "no password read: give one line on standard input with --password-stdin"),
    "account_role_invalid": ("未知的角色“{role}”；应为 {valid}", "unknown role {role_quoted}; valid: {valid}"),
    "account_unknown": ("没有名为“{name}”的账户", "there is no account called {name_quoted}"),
    "account_exists": ("已有名为“{name}”的账户：改密码请用 atlas users passwd", "an account called {name_quoted} exists already: use atlas users passwd to change its password"),
    "accounts_unreadable": ("无法读取账户文件 {path}：{reason}", "cannot read the accounts file {path}: {reason}"),
    "accounts_unwritable": ("无法写入账户文件 {path}：{reason}", "cannot write the accounts file {path}: {reason}"),
    "rights_read_only": ("账户“{name}”只能查看，不能修改项目库；请以编辑人员账户登录", "account {name_quoted} may read but not change the registry: sign in as an editor"),
    "rights_outside_scope": ("账户“{name}”只能修改 {prefectures} 的项目，此次保存涉及其他市州的记录：{rows}{more}。未写入任何内容", "account {name_quoted} may change projects in {prefectures} only, and this save touches rows of another prefecture: {rows}{more}. Nothing was written"),
    "rights_more_rows": ("，另有 {n} 条", " and {n} more"),
}

SITE: Final[dict[str, tuple[str, str]]] = {
    "site_not_folder": ("无法写入网站：{path} 是文件，不是文件夹", "cannot write the site: {path} is a file, not a folder"),
    "site_folder_not_empty": (
        "无法写入网站：文件夹 {path} 不为空，且不是本图集生成的网站；请选择空文件夹或新文件夹",
        "cannot write the site: the folder {path} is not empty and is not a site the atlas wrote; "
        "choose an empty or new folder",
    ),
    "site_write_failed": ("无法写入 {path}：{reason}", "cannot write {path}: {reason}"),
    "site_unknown_lang": ("未知语言“{value}”；可用：{valid}", "unknown language {value_quoted}; valid: {valid}"),
    "site_written": (
        "网站已写入 {path}：{files} 个文件，{mb} MB，{seconds} 秒（{changed} 个已更新，{kept} 个未变）",
        "wrote the site to {path}: {files} files, {mb} MB in {seconds} s ({changed} written, {kept} unchanged)",
    ),
}

CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    **WHERE, **TABLES, **CELLS, **FILES, **HEADERS, **ROWS, **POSITIONS, **CLI, **REGISTRY, **RELEASES, **ACCOUNTS, **SITE
}
"""Every message key → (Chinese template, English template)."""
