"""The atlas's vocabulary: column names and the controlled values, each with zh and en labels."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")


class ClusterType(StrEnum):
    """The three target clusters of policy section II."""

    LIGHTWEIGHT = "lightweight-materials"
    ALLOY = "alloy-products"
    NON_METALLIC = "non-metallic-materials"


class PositionPrecision(StrEnum):
    """How much a stored point can be trusted, from a surveyed site to a multi-county area.

    `PREFECTURE` is for a record whose source names only the prefecture-level city (贵阳, 安顺…):
    its point is the prefecture's centroid and its `county_adcode` the prefecture's code.
    """

    EXACT = "exact"
    ZONE = "zone"
    TOWN = "town"
    COUNTY = "county"
    PREFECTURE = "prefecture"
    REGION = "region"


class ProjectStatus(StrEnum):
    """Life-cycle of a project or plant, as far as a source tells it."""

    OPERATING = "operating"
    COMMISSIONING = "commissioning"
    UNDER_CONSTRUCTION = "under-construction"
    SIGNED = "signed"
    PLANNED = "planned"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


class PositionSource(StrEnum):
    """How a point was set after curation: digitised on the map, or imported in a given datum.

    A `position_source` cell is one of these, optionally followed by ": " and who or which file
    (``digitised: 王敏``, ``imported-gcj02: 2024清单.xlsx``); curated rows leave it empty.
    """

    DIGITISED = "digitised"
    IMPORTED_WGS84 = "imported-wgs84"
    IMPORTED_GCJ02 = "imported-gcj02"
    IMPORTED_BD09 = "imported-bd09"
    PLACE_NAME = "place-name"
    """Placed at the county or town a place name (建设地点) resolved to: ``place-name: 凯里市炉山镇 (…)``."""


class RoleKind(StrEnum):
    """What the policy assigns a zone to do."""

    CLUSTER = "cluster"
    RECYCLED_ALUMINIUM = "recycled-aluminium"
    RECYCLING_BASE = "recycling-base"
    RESOURCE_AREA = "resource-area"


class ZoneKind(StrEnum):
    ZONE = "zone"
    RESOURCE_AREA = "resource-area"


class Layer(StrEnum):
    """Layers a user can export, filter or draw."""

    PROVINCE = "province"
    PREFECTURES = "prefectures"
    COUNTIES = "counties"
    ZONES = "zones"
    PROJECTS = "projects"
    RECYCLING_BASES = "recycling-bases"
    DEPOSITS = "deposits"


LABELS: Final[dict[str, tuple[str, str]]] = {
    # cluster types (policy II.(1)–(3))
    ClusterType.LIGHTWEIGHT: ("铝及铝合金装备轻量化材料产业集群", "Lightweight aluminium materials for equipment"),
    ClusterType.ALLOY: ("中高端铝合金制品产业集群", "Mid- to high-end aluminium alloy products"),
    ClusterType.NON_METALLIC: ("铝基非金属材料产业集群", "Aluminium-based non-metallic materials"),
    # precision
    PositionPrecision.EXACT: ("精确位置", "exact site"),
    PositionPrecision.ZONE: ("园区位置", "zone"),
    PositionPrecision.TOWN: ("乡镇位置", "town"),
    PositionPrecision.COUNTY: ("县级位置", "county"),
    PositionPrecision.PREFECTURE: ("市州位置", "prefecture"),
    PositionPrecision.REGION: ("区域位置", "region"),
    # status
    ProjectStatus.OPERATING: ("已投产", "operating"),
    ProjectStatus.COMMISSIONING: ("试生产", "commissioning"),
    ProjectStatus.UNDER_CONSTRUCTION: ("在建", "under construction"),
    ProjectStatus.SIGNED: ("已签约", "agreement signed"),
    ProjectStatus.PLANNED: ("规划中", "planned"),
    ProjectStatus.SUSPENDED: ("停产/搁置", "suspended"),
    ProjectStatus.UNKNOWN: ("不详", "unknown"),
    # position sources
    PositionSource.DIGITISED: ("地图上标定", "digitised on the map"),
    PositionSource.IMPORTED_WGS84: ("导入（WGS84）", "imported (WGS84)"),
    PositionSource.PLACE_NAME: ("按地名定位", "from a place name"),
    PositionSource.IMPORTED_GCJ02: ("导入（高德/腾讯 GCJ-02，已转换）", "imported (GCJ-02, converted)"),
    PositionSource.IMPORTED_BD09: ("导入（百度 BD-09，已转换）", "imported (BD-09, converted)"),
    # role kinds
    RoleKind.CLUSTER: ("产业集群", "cluster"),
    RoleKind.RECYCLED_ALUMINIUM: ("再生铝项目布局", "recycled-aluminium projects"),
    RoleKind.RECYCLING_BASE: ("废铝回收预处理基地", "scrap recycling pre-treatment base"),
    RoleKind.RESOURCE_AREA: ("铝资源富集区", "aluminium resource area"),
    # zone, deposit and recycling-base kinds
    ZoneKind.ZONE: ("开发区", "development zone"),
    "district": ("矿区", "district"),
    "deposit": ("矿床", "deposit"),
    "pretreatment-base": ("废铝回收预处理基地（规划）", "scrap pre-treatment base (planned)"),
    "recycled-aluminium-plant": ("再生铝企业", "recycled-aluminium plant"),
    # chain coverage states (gap matrix)
    "building": ("在建/试产", "building"),
    "assigned-empty": ("政策指定但无项目", "assigned, no project"),
    "present-not-assigned": ("有项目（未指定）", "present, not assigned"),
    "not-assigned": ("未指定", "not assigned"),
    # layers
    Layer.PROVINCE: ("省界", "province"),
    Layer.PREFECTURES: ("市州", "prefectures"),
    Layer.COUNTIES: ("县（市、区）", "counties"),
    Layer.ZONES: ("开发区", "development zones"),
    Layer.PROJECTS: ("项目与企业", "projects and enterprises"),
    Layer.RECYCLING_BASES: ("再生铝与回收基地", "recycling bases"),
    Layer.DEPOSITS: ("铝土矿资源", "bauxite deposits"),
}

PRECISION_UNCERTAINTY_KM: Final[dict[PositionPrecision, float]] = {
    PositionPrecision.EXACT: 0.5,
    PositionPrecision.ZONE: 3.0,
    PositionPrecision.TOWN: 10.0,
    PositionPrecision.COUNTY: 30.0,
    PositionPrecision.PREFECTURE: 75.0,
    PositionPrecision.REGION: 60.0,
}
"""Default radius drawn around a point when a record gives no `uncertainty_km` of its own."""

STATUS_GROUP: Final[dict[ProjectStatus, str]] = {
    ProjectStatus.OPERATING: "operating",
    ProjectStatus.COMMISSIONING: "building",
    ProjectStatus.UNDER_CONSTRUCTION: "building",
    ProjectStatus.SIGNED: "planned",
    ProjectStatus.PLANNED: "planned",
    ProjectStatus.SUSPENDED: "other",
    ProjectStatus.UNKNOWN: "other",
}
"""Statuses folded into the three states of the chain-gap matrix (operating / building / planned)."""


def status_group(status: str) -> str:
    """`operating`, `building`, `planned` or `other` for any status text (unknown text is `other`)."""
    try:
        return STATUS_GROUP[ProjectStatus(status)]
    except ValueError:
        return "other"


CLUSTER_COLOURS: Final[dict[str, str]] = {
    ClusterType.LIGHTWEIGHT: "#1f77b4",
    ClusterType.ALLOY: "#d62728",
    ClusterType.NON_METALLIC: "#2ca02c",
}
"""Colour-blind-distinguishable enough for three classes; grey is "no cluster"."""
NO_CLUSTER_COLOUR: Final[str] = "#7f7f7f"


def label(value: str, lang: Lang) -> str:
    """The zh or en label of a controlled value; unknown values are shown as they are."""
    pair = LABELS.get(value)
    if pair is None:
        return str(value)
    return pair[0] if lang == "zh" else pair[1]


# --- Columns -----------------------------------------------------------------------------------

LIST_SEPARATOR: Final[str] = ";"
"""Separator of multi-valued cells (county_adcodes, cluster_types) in the CSV files."""

RECORD_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "source", "as_of")
POINT_COLUMNS: Final[tuple[str, ...]] = ("lon", "lat", "position_precision", "uncertainty_km")

BOUNDARY_COLUMNS: Final[tuple[str, ...]] = (
    "adcode",
    "name_zh",
    "name_en",
    "parent_adcode",
    "source",
    "as_of",
    "position_precision",
)

ZONE_COLUMNS: Final[tuple[str, ...]] = (
    *RECORD_COLUMNS,
    "kind",
    "county_adcodes",
    "prefecture_adcode",
    *POINT_COLUMNS,
    "position_note_zh",
    "position_note_en",
    "notes_zh",
    "notes_en",
)

ZONE_ROLE_COLUMNS: Final[tuple[str, ...]] = (
    "zone_id",
    "kind",
    "cluster_type",
    "policy_section",
    "summary_zh",
    "summary_en",
    "product_focus_zh",
    "product_focus_en",
    "source",
    "as_of",
)

PROJECT_COLUMNS: Final[tuple[str, ...]] = (
    *RECORD_COLUMNS,
    "company_zh",
    "company_en",
    "cluster_types",
    "stage",
    "status",
    "capacity",
    "capacity_unit",
    "investment_cny_m",
    "year",
    "zone_id",
    "county_adcode",
    *POINT_COLUMNS,
    "notes_zh",
    "notes_en",
    "position_source",
    "position_as_of",
)
"""`position_source`/`position_as_of`: provenance of a point set after curation (digitised or imported)."""

PROJECT_OPTIONAL_COLUMNS: Final[tuple[str, ...]] = ("notes_zh", "position_source", "position_as_of")
"""Project columns added after the first release: a projects.csv without them still loads (cells empty)."""

LEGACY_COLUMNS: Final[dict[str, str]] = {"notes": "notes_en"}
"""Old column name -> its name now: a registry written before notes were bilingual had one English `notes`."""

NOTE_PAIRS: Final[dict[str, tuple[str, str]]] = {
    "zones": ("notes_zh", "notes_en"),
    "deposits": ("notes_zh", "notes_en"),
    "projects": ("notes_zh", "notes_en"),
    "recycling_bases": ("notes_zh", "notes_en"),
    "targets": ("latest_note_zh", "latest_note_en"),
}
"""Each table's note columns: curated records carry a note in both languages or in neither."""

RECYCLING_BASE_COLUMNS: Final[tuple[str, ...]] = (
    *RECORD_COLUMNS,
    "kind",
    "status",
    "capacity",
    "capacity_unit",
    "year",
    "zone_id",
    "county_adcode",
    *POINT_COLUMNS,
    "policy_section",
    "notes_zh",
    "notes_en",
)

DEPOSIT_COLUMNS: Final[tuple[str, ...]] = (
    *RECORD_COLUMNS,
    "kind",
    "county_adcodes",
    "quantity_mt",
    "quantity_definition",
    "quantity_year",
    *POINT_COLUMNS,
    "notes_zh",
    "notes_en",
)

CLUSTER_TYPE_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "name_zh",
    "name_en",
    "policy_section",
    "chain_zh",
    "chain_en",
    "source",
    "as_of",
)
STAGE_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "description_en", "source", "as_of")
CHAIN_COLUMNS: Final[tuple[str, ...]] = ("cluster_type", "position", "stage", "source", "as_of")
PRODUCT_COLUMNS: Final[tuple[str, ...]] = (
    "cluster_type",
    "product_zh",
    "product_en",
    "policy_section",
    "source",
    "as_of",
)
TARGET_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "indicator_zh",
    "indicator_en",
    "operator",
    "value",
    "unit",
    "target_year",
    "policy_section",
    "latest_value",
    "latest_year",
    "latest_source",
    "latest_note_zh",
    "latest_note_en",
    "source",
    "as_of",
)
SECTION_COLUMNS: Final[tuple[str, ...]] = ("id", "title_zh", "title_en", "summary_zh", "summary_en", "source", "as_of")
DEPARTMENT_COLUMNS: Final[tuple[str, ...]] = ("id", "name_zh", "name_en", "source", "as_of")
RESPONSIBILITY_COLUMNS: Final[tuple[str, ...]] = ("policy_section", "department_id", "source", "as_of")
NATIONAL_TASK_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "section",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "source",
    "as_of",
)
"""The national policy's six tasks, paraphrased; `section` is the task's ordinal in the national text (1–6)."""
NATIONAL_LINK_COLUMNS: Final[tuple[str, ...]] = (
    "national_task_id",
    "policy_section",
    "why_zh",
    "why_en",
    "source",
    "as_of",
)
"""National task -> provincial section that implements it, with a short paraphrased reason."""

DEPOSIT_QUANTITY_DEFINITIONS: Final[tuple[str, ...]] = (
    "resource",
    "reserve",
    "proven",
    "remaining",
    "prospective",
    "usable",
)
"""How a bauxite tonnage is defined (resource ≠ reserve): never add figures of different kinds."""

TARGET_OPERATORS: Final[tuple[str, ...]] = (">=", ">", "<=", "<", "=")
