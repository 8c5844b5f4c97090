"""Paths, coordinate systems and tunable constants, in one typed place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

PACKAGE_DIR: Final[Path] = Path(__file__).resolve().parent.parent
"""The `atlas` package folder."""

REPO_ROOT: Final[Path] = PACKAGE_DIR.parent
"""The checkout (or installed tree) that holds `data/`."""

STATIC_DIR: Final[Path] = PACKAGE_DIR / "maps" / "static"
"""Vendored JS/CSS (Leaflet and plugins): the map never loads an asset from a CDN."""

STORAGE_CRS: Final[str] = "EPSG:4326"
"""Every stored geometry is WGS84 lon/lat (CGCS2000 / EPSG:4490 agrees to within a metre)."""

EQUAL_AREA_CRS: Final[str] = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
"""Albers equal-area conic for China (standard parallels 25°N and 47°N): areas are computed here."""

GEOD_ELLIPSOID: Final[str] = "WGS84"
"""Ellipsoid for geodesic distances (`pyproj.Geod`)."""

GUIZHOU_BOUNDS: Final[tuple[float, float, float, float]] = (103.5, 24.5, 109.7, 29.3)
"""Loose lon/lat box (west, south, east, north) around Guizhou for plausibility checks."""

PROVINCE_ADCODE: Final[str] = "520000"

NEARBY_KM_DEFAULT: Final[float] = 50.0
"""Radius of a zone profile's "nearby" deposits and recycling bases."""


def data_dir() -> Path:
    """The data folder: ``$ATLAS_DATA_DIR`` when set (tests, a broken copy), else ``REPO_ROOT/data``."""
    override = os.environ.get("ATLAS_DATA_DIR")
    return Path(override).expanduser().resolve() if override else REPO_ROOT / "data"


STATE_DIR_NAME: Final[str] = "guizhou-aluminium-atlas"
"""The atlas's folder under the user's data folder (``$XDG_DATA_HOME`` or ``~/.local/share``)."""
REGISTRY_DIR_NAME: Final[str] = "registry"
"""The registry's folder inside the state folder: ``projects.csv``, ``history/``, the shipped releases it merged."""


def state_dir() -> Path:
    """The bureau's own state (registry and history, accounts): never inside the checkout, which upgrades replace.

    ``$ATLAS_STATE_DIR`` when set, else ``$XDG_DATA_HOME/guizhou-aluminium-atlas`` or
    ``~/.local/share/guizhou-aluminium-atlas`` (the XDG convention, written out here like `cache_dir`).
    """
    override = os.environ.get("ATLAS_STATE_DIR", "").strip()
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / STATE_DIR_NAME


def is_shipped_data(folder: Path) -> bool:
    """Whether `folder` is the checkout's own ``data/`` (reference data that only a release changes)."""
    return Path(folder).expanduser().resolve() == (REPO_ROOT / "data").resolve()


def registry_dir(data_folder: Path | None = None) -> Path:
    """The one place that says which folder holds the registry of `data_folder` (default `data_dir()`).

    - ``$ATLAS_STATE_DIR`` set: ``$ATLAS_STATE_DIR/registry``, whatever the data folder;
    - the shipped ``data/``: ``state_dir()/registry``, seeded from ``data/projects/projects.csv`` on first use;
    - another data folder (``$ATLAS_DATA_DIR`` pointing at a copy: tests, benchmarks, a scratch copy): the
      copy's own ``projects/`` folder, as a working copy holds its registry.

    Files that belong beside the registry (its history, the accounts file) go in this folder too.
    """
    root = data_folder or data_dir()
    if os.environ.get("ATLAS_STATE_DIR", "").strip() or is_shipped_data(root):
        return state_dir() / REGISTRY_DIR_NAME
    return Path(root) / "projects"


def database_url() -> str | None:
    """``$ATLAS_DATABASE_URL`` (a ``postgresql://`` URL) or None for the embedded file store."""
    return os.environ.get("ATLAS_DATABASE_URL") or None


RELOAD_CHECK_S_DEFAULT: Final[float] = 3.0
"""How often a running app asks the registry whether it changed (a file ``stat`` or one one-row query)."""


def reload_check_seconds() -> float:
    """``$ATLAS_RELOAD_CHECK_S`` or `RELOAD_CHECK_S_DEFAULT`: a save elsewhere shows within this plus a load."""
    raw = os.environ.get("ATLAS_RELOAD_CHECK_S", "")
    try:
        value = float(raw) if raw.strip() else RELOAD_CHECK_S_DEFAULT
    except ValueError:
        value = RELOAD_CHECK_S_DEFAULT
    return max(0.0, value)


CACHE_DIR_NAME: Final[str] = "guizhou-aluminium-atlas"
"""The atlas's folder under the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
CACHE_OFF_WORDS: Final[frozenset[str]] = frozenset({"off", "none", "no", "0", "false"})
"""Values of ``$ATLAS_CACHE_DIR`` that switch the registry cache off."""


def cache_dir() -> Path | None:
    """Where derived files (the registry cache, `atlas.registry.cache`) go, or None when caching is off.

    ``$ATLAS_CACHE_DIR`` when set (``off`` switches caching off), else ``$XDG_CACHE_HOME/guizhou-aluminium-atlas``
    or ``~/.cache/guizhou-aluminium-atlas``: never inside the checkout, which may be read-only or shared.
    """
    override = os.environ.get("ATLAS_CACHE_DIR", "").strip()
    if override.lower() in CACHE_OFF_WORDS:
        return None
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"  # XDG: relative paths are invalid
    return base / CACHE_DIR_NAME


WORK_DIR_NAME: Final[str] = "work"


def work_dir() -> Path:
    """Where tests and benchmarks put what they make (screenshots, server logs, synthetic registries, data copies).

    ``$ATLAS_WORK_DIR`` when set, else ``work/`` in the atlas's user cache folder (``$XDG_CACHE_HOME`` or
    ``~/.cache``): never the checkout, so a run leaves ``git status`` as it found it.
    """
    override = os.environ.get("ATLAS_WORK_DIR", "").strip()
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / CACHE_DIR_NAME / WORK_DIR_NAME


LOCAL_METRIC_CRS: Final[str] = "EPSG:32648"
"""UTM 48N: metric plausibility checks (a point's distance to its stated county) to ~0.2 % scale error.
Reported distances never use it: they are geodesic (`atlas.geo.geodesy`)."""

DATA_FILES: Final[dict[str, str]] = {
    "province": "geo/province.geojson",
    "prefectures": "geo/prefectures.geojson",
    "counties": "geo/counties.geojson",
    "zones": "geo/zones.csv",
    "deposits": "geo/deposits.csv",
    "projects": "projects/projects.csv",
    "recycling_bases": "projects/recycling_bases.csv",
    "cluster_types": "policy/cluster_types.csv",
    "stages": "policy/stages.csv",
    "chains": "policy/chains.csv",
    "products": "policy/products.csv",
    "zone_roles": "policy/zone_roles.csv",
    "targets": "policy/targets.csv",
    "sections": "policy/sections.csv",
    "departments": "policy/departments.csv",
    "responsibilities": "policy/responsibilities.csv",
    "national_tasks": "policy/national_tasks.csv",
    "national_links": "policy/national_links.csv",
}
"""Every shipped data file, relative to the data folder; problems name files by these paths."""

# --- Scale: how the map stays fast with 10⁵–10⁶ projects ----------------------------------

MAP_NAMED_POINTS_MAX: Final[int] = 20_000
"""Project layers up to this size carry names for tooltips; bigger ones carry ids only (~18 bytes a point)."""
MAP_LARGE_POINTS: Final[int] = 200_000
"""A filtered view with more projects is too big to send whole: the app's map then draws what the current view
shows (`atlas.maps.scale`), redrawn on every pan and zoom from the bounds the map reports."""
MAP_VIEW_POINTS_MAX: Final[int] = 50_000
"""In that large mode, a view holding at most this many projects gets points; more, and it gets counts per cell."""
MAP_BIN_CELL_PX: Final[int] = 24
"""Side of a count cell on screen, in pixels (a square of the Web Mercator grid at the view's zoom)."""
MAP_TABLE_MAX_ROWS: Final[int] = 2_000
"""Rows shown in the table under the map; the exports on the projects page hold every row."""
MIRROR_HOSTS: Final[dict[str, str]] = {
    "yu-yang.com.cn": "re-posts 中国粉体网 (cnpowder) articles without being their publisher",
    "adcg.com.cn": "re-posts 中国粉体网 (cnpowder) articles without being their publisher",
    "renjio.com": "re-posts government and official-media articles (e.g. 遵义 reports)",
    "mengjiyuan.cn": "re-posts 遵义市人民政府网 documents such as district plan reports",
    "lyredcross.com": "re-posts 中国产业经济信息网 articles; unrelated to the industry",
    "jingsongyx.com": "re-posts industry news without naming a date or an original publisher",
    "b529.cn": "aggregator re-posting news articles",
    "wearcomp974.com": "aggregator re-posting news articles",
    "360elib.com": "a library's copy of a local newspaper article, not the newspaper's own site",
    "mycoal.cn": "a coal-industry portal re-posting a 经济日报 report",
    "pinglualuminium.com": "a company blog re-posting an undated English text of the national policy",
    "haobaobe.cn": "a domain unrelated to GAL (广铝) carrying GAL's own 2011 project statement, written as '我司'",
    "usllm.cn": "an industry news portal carrying a bylined 2011 report (郭书) without naming its original outlet",
    "shpa18.com": "re-posts a 粉体圈 compilation (credited at its foot) with images from 百家号",
    "chaguwang.cn": "a stock-information site re-posting 中证网 (cs.com.cn) reports, the source it names",
    "86079.cn": "a petrochemical portal (中华石化网) whose compiled report (综合消息) copies a Chalco item",
    "kcrb.cn": "a drive-technology portal (传动网) re-posting a 2011 新华网 report, also on chinanews.com",
}
"""Hosts that republish others' texts (non-government, non-original), with why each is listed.

A fact sourced only from one of these should be checked against the original before it is published;
`atlas.analysis.quality` flags every record citing one. Matching is on the URL's host or any subdomain of it."""

IMPORT_MAX_BYTES: Final[int] = 10 * 1024 * 1024
"""Largest registry file `atlas import` and the registry page accept (a bureau's list is a few hundred
kB; a bigger file is more likely a wrong file than a registry). ``$ATLAS_IMPORT_MAX_BYTES`` overrides."""

IMPORT_MAX_ROWS: Final[int] = 50_000
"""Data rows read from one import file at most (an XLSX "zip bomb" expands to millions of empty rows)."""


def import_max_bytes() -> int:
    """The import size limit: ``$ATLAS_IMPORT_MAX_BYTES`` (bytes) when set to a positive integer, else the default."""
    raw = os.environ.get("ATLAS_IMPORT_MAX_BYTES", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else IMPORT_MAX_BYTES


REGISTRY_CACHE_MIN_BYTES: Final[int] = 8 * 1024 * 1024
"""Registries (``projects.csv``) from this size on are cached as validated columns (`atlas.registry.cache`).

8 MB is roughly 20,000-50,000 projects, where parsing, validating and building the search keys start to take
seconds; a smaller registry loads in about a second, less than its cache would save. ``$ATLAS_CACHE_MIN_BYTES``
overrides (0 caches every registry)."""


def registry_cache_min_bytes() -> int:
    """The cache threshold: ``$ATLAS_CACHE_MIN_BYTES`` (bytes) when set to a whole number >= 0, else the default."""
    raw = os.environ.get("ATLAS_CACHE_MIN_BYTES", "").strip()
    return int(raw) if raw.isdigit() else REGISTRY_CACHE_MIN_BYTES

# --- Sign-in and rights (atlas.registry.accounts) ------------------------------------------

PASSWORD_MIN_CHARS: Final[int] = 8
"""Shortest password an account may be given."""
LOCKOUT_MINUTES_DEFAULT: Final[float] = 15.0
"""How long an account stays locked after `atlas.registry.accounts.LOCKOUT_FAILURES` failed sign-ins in a row."""
SESSION_HOURS_DEFAULT: Final[float] = 8.0
"""How long a sign-in in the app lasts (a working day); signing out or closing the tab ends it sooner."""
SIGN_IN_WORDS: Final[frozenset[str]] = frozenset({"1", "true", "yes", "on", "required"})
"""Values of ``$ATLAS_SIGN_IN_REQUIRED`` that make the whole atlas sign-in only."""


def _positive_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def lockout_minutes() -> float:
    """``$ATLAS_LOCKOUT_MINUTES`` (a positive number) or `LOCKOUT_MINUTES_DEFAULT`."""
    return _positive_float("ATLAS_LOCKOUT_MINUTES", LOCKOUT_MINUTES_DEFAULT)


def session_hours() -> float:
    """``$ATLAS_SESSION_HOURS`` (a positive number) or `SESSION_HOURS_DEFAULT`."""
    return _positive_float("ATLAS_SESSION_HOURS", SESSION_HOURS_DEFAULT)


def sign_in_required() -> bool:
    """``$ATLAS_SIGN_IN_REQUIRED``: every page asks for a sign-in first (default: reading is open to all)."""
    return os.environ.get("ATLAS_SIGN_IN_REQUIRED", "").strip().lower() in SIGN_IN_WORDS
