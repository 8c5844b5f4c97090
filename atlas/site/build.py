"""Build the static site: one folder, opened from disk or served by any web server, in every language asked for.

Layout (the first language's pages at the root, every other language's under ``<lang>/``)::

    index.html  gaps.html  targets.html  sources.html  zones/<zone>.html      first language
    en/index.html  en/gaps.html  ...  en/zones/<zone>.html                   other languages
    assets/          Leaflet (vendored), site.js, site.css
    data/            layers as GeoJSON, GeoPackage, CSV; the chain-gap matrix as XLSX/CSV
    data/map/        the index map's data as scripts (see `atlas.site.mapdata`)
    downloads/       each zone's profile as XLSX, CSV, PDF (per language), GeoJSON, GeoPackage

In the GeoJSON and GeoPackage files a point's position is its geometry only: the `lon`/`lat` columns that CSV and
XLSX carry are left out where they repeat the point exactly (`without_copied_position`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import shapely

from atlas.analysis.gaps import gap_matrix_long
from atlas.analysis.inventory import data_inventory
from atlas.analysis.profile import ZoneProfile, zone_profile
from atlas.analysis.targets import responsibilities_for_display, target_progress
from atlas.core import settings
from atlas.core.errors import AtlasError
from atlas.core.messages import listing, msg
from atlas.core.model import Atlas
from atlas.core.palette import STATUS_ORDER
from atlas.core.schema import LANGS, ClusterType, Lang, Layer, label
from atlas.maps.popups import cell_text, name_in, records
from atlas.reports.export import LayerFormat, flat_for_file, gap_matrix_to_bytes, layer_to_bytes, profile_to_bytes
from atlas.reports.profile_page import zone_profile_html
from atlas.reports.profile_pdf import zone_profile_pdf
from atlas.site import mapdata, pages
from atlas.site.texts import site_text
from atlas.site.writer import SiteWriter

SITE_FORMAT: Final[str] = "4"
"""Part of every reuse key: raise it when the pages or downloads change shape, so the next build redoes them."""
ASSETS: Final[Path] = Path(__file__).with_name("static")
LAYER_FRAMES: Final[tuple[tuple[Layer, str], ...]] = (
    (Layer.PROVINCE, "province"), (Layer.PREFECTURES, "prefectures"), (Layer.COUNTIES, "counties"),
    (Layer.ZONES, "zones"), (Layer.PROJECTS, "projects"), (Layer.RECYCLING_BASES, "recycling_bases"),
    (Layer.DEPOSITS, "deposits"),
)
LAYER_FORMATS: Final[tuple[LayerFormat, ...]] = ("geojson", "gpkg", "csv")
_UNSAFE_NAME: Final[re.Pattern[str]] = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DataVersion:
    """What the footer names: the registry's version token and the date it was saved."""

    token: str
    date: str


@dataclass(frozen=True)
class SiteReport:
    """What a build did: files in the site, how many were (re)written or left as they were, bytes, seconds."""

    path: Path
    files: int
    changed: int
    kept: int
    bytes: int
    seconds: float
    map_mode: str
    projects: int


def check_langs(langs: Sequence[str]) -> tuple[Lang, ...]:
    """The languages asked for, in order, without repeats; AtlasError naming the valid ones."""
    out: list[Lang] = []
    for value in langs:
        if value not in LANGS:
            raise AtlasError(msg("site_unknown_lang", value=value, valid=listing(LANGS)))
        if value not in out:
            out.append(value)
    if not out:
        raise AtlasError(msg("site_unknown_lang", value="", valid=listing(LANGS)))
    return tuple(out)


def file_stem(value: object) -> str:
    """A zone id as a file name: ids are slugs already, anything else is replaced by "_"."""
    return _UNSAFE_NAME.sub("_", cell_text(value)) or "_"


class _Site:
    """One build: the atlas, the languages and the writer; each method writes one part of the site."""

    def __init__(self, atlas: Atlas, writer: SiteWriter, langs: tuple[Lang, ...], version: DataVersion,
                 today: date, nearby_km: float, say: Callable[[str], None], all_points_max: int) -> None:
        self.atlas, self.w, self.langs, self.version, self.today = atlas, writer, langs, version, today
        self.nearby_km, self.say, self.all_points_max = nearby_km, say, all_points_max
        self.zone_ids = [cell_text(z) for z in atlas.zones["id"]]

    def lang_dir(self, lang: Lang) -> str:
        return "" if lang == self.langs[0] else f"{lang}/"

    def context(self, lang: Lang, page_path: str) -> pages.PageContext:
        """The context of the page at `page_path` (relative to its language's folder, e.g. "zones/x.html")."""
        depth = page_path.count("/") + (0 if lang == self.langs[0] else 1)
        root = "../" * depth
        lang_root = "../" * page_path.count("/")
        others = tuple((other, root + self.lang_dir(other) + page_path) for other in self.langs if other != lang)
        zones = tuple((file_stem(r["id"]), name_in(r, lang)) for r in records(self.atlas.zones))
        return pages.PageContext(lang=lang, root=root, lang_root=lang_root, other_langs=others,
                                 version=self.version.token, version_date=self.version.date, zones=zones)

    def assets(self) -> None:
        leaflet = settings.STATIC_DIR / "leaflet"
        for path in sorted(p for p in leaflet.rglob("*") if p.is_file() and not p.name.endswith(".map")):
            self.w.write(f"assets/leaflet/{path.relative_to(leaflet).as_posix()}", path.read_bytes())
        for name in ("site.js", "site.css"):
            self.w.write(f"assets/{name}", (ASSETS / name).read_bytes())

    def layers(self) -> list[tuple[str, str]]:
        """data/<layer>.<fmt> (zipped when large); returns (label, path) per language-neutral file."""
        files = []
        for layer, attribute in LAYER_FRAMES:
            frame = getattr(self.atlas, attribute)
            key = frame_key(frame)
            geo_frame = without_copied_position(frame)
            for fmt in LAYER_FORMATS:
                produce = functools.partial(layer_to_bytes, frame if fmt == "csv" else geo_frame, fmt,
                                            layer_name=layer.value, spatial_index=False)
                path = self.w.write_download(f"data/{layer.value}.{fmt}", produce, key=key)
                files.append((f"{layer.value}|{fmt}", path))
        return files

    def map_data(self, lang: Lang, zone_pages: dict[str, str], ordered: pd.DataFrame) -> dict[str, object]:
        """The index map's scripts for `lang`; returns the config handed to site.js."""
        self.w.write(f"data/map/base.{lang}.js",
                     mapdata.data_script("base", mapdata.base_layers(self.atlas, lang=lang, zone_pages=zone_pages)))
        mode = mapdata.projects_mode(ordered, all_points_max=self.all_points_max)
        first = lang == self.langs[0]
        if mode == "all":
            shared, labels = mapdata.all_points(ordered, lang=lang)
        else:
            shared, labels = mapdata.binned_points(ordered) if first else {}, mapdata.binned_labels(ordered, lang=lang)
            for tile, tile_payload in mapdata.point_tiles(ordered, lang=lang).items():
                self.w.write(f"data/map/tiles/{lang}/{tile}.js", mapdata.data_script(f"tile:{tile}", tile_payload))
        if first:
            self.w.write("data/map/projects.js", mapdata.data_script("projects", shared))
        self.w.write(f"data/map/labels.{lang}.js", mapdata.data_script("labels", labels))
        return {"mode": mode}

    def zone(self, zone_id: str, lang: Lang) -> list[tuple[str, str]]:
        """One zone's page in `lang` and its downloads (geo files shared by the languages)."""
        profile = zone_profile(self.atlas, zone_id, nearby_km=self.nearby_km)
        stem = file_stem(zone_id)
        csv_bytes = profile_to_bytes(profile, "csv", lang=lang)
        # reuse keys: the CSV holds every table of the profile; the date is printed on the PDF
        key = hashlib.sha256(SITE_FORMAT.encode() + self.today.isoformat().encode() + csv_bytes).hexdigest()
        geo_key = hashlib.sha256(SITE_FORMAT.encode() + profile_to_bytes(profile, "csv", lang="en")).hexdigest()
        download = self.w.write_download
        geo = _geo_profile(profile)
        files = [
            download(f"downloads/{stem}.{lang}.xlsx", functools.partial(profile_to_bytes, profile, "xlsx", lang=lang),
                     key=key),
            download(f"downloads/{stem}.{lang}.csv", lambda: csv_bytes, key=key),
            download(f"downloads/{stem}.geojson", functools.partial(profile_to_bytes, geo, "geojson", lang=lang),
                     key=geo_key),
            download(f"downloads/{stem}.gpkg",
                     functools.partial(profile_to_bytes, geo, "gpkg", lang=lang, spatial_index=False), key=geo_key),
            download(f"downloads/{stem}.{lang}.pdf",
                     functools.partial(zone_profile_pdf, self.atlas, profile, lang=lang, today=self.today), key=key),
        ]
        named = [(_download_label(path), path) for path in files]
        page_path = f"zones/{stem}.html"
        ctx = self.context(lang, page_path)
        relative = [(text, ctx.root + path) for text, path in named]
        html = pages.zone_page(ctx, zone_profile_html(self.atlas, profile, lang=lang, today=self.today), relative)
        self.w.write(self.lang_dir(lang) + page_path, html)
        return named

    def gaps(self, lang: Lang) -> None:
        long = gap_matrix_long(self.atlas)
        files = [(_download_label(p), p) for p in (
            self.w.write_download(f"data/gaps.{lang}.{fmt}",
                                  functools.partial(gap_matrix_to_bytes, long, fmt, lang=lang))
            for fmt in ("xlsx", "csv"))]
        ctx = self.context(lang, "gaps.html")
        self.w.write(self.lang_dir(lang) + "gaps.html", pages.gaps_page(
            ctx, long, [c.value for c in ClusterType], [(t, ctx.root + p) for t, p in files]))

    def targets(self, lang: Lang) -> None:
        ctx = self.context(lang, "targets.html")
        html = pages.targets_page(ctx, target_progress(self.atlas),
                                  responsibilities_for_display(self.atlas, department=None, lang=lang),
                                  self.atlas.departments)
        self.w.write(self.lang_dir(lang) + "targets.html", html)

    def sources(self, lang: Lang, layer_files: list[tuple[str, str]]) -> None:
        ctx = self.context(lang, "sources.html")
        files = []
        for name, path in layer_files:
            layer = name.split("|")[0]
            files.append((site_text("layer_file", lang, layer=label(layer, lang), fmt=_download_label(path)),
                          ctx.root + path))
        self.w.write(self.lang_dir(lang) + "sources.html", pages.sources_page(ctx, data_inventory(self.atlas), files))

    def index(self, lang: Lang, config: dict[str, object]) -> None:
        ctx = self.context(lang, "index.html")
        root = ctx.root
        full = {**config, "lang": lang, "status_order": list(STATUS_ORDER),
                "search": f"{root}data/map/search.js", "tiles": f"{root}data/map/tiles/{lang}/",
                "text": {k: site_text(k, lang) for k in ("clusters", "statuses", "legend_note", "no_results",
                                                          "project", "zone", "county", "prefecture")}}
        scripts = [f"{root}assets/leaflet/leaflet.js", f"{root}data/map/base.{lang}.js",
                   f"{root}data/map/projects.js", f"{root}data/map/labels.{lang}.js", f"{root}assets/site.js"]
        self.w.write(self.lang_dir(lang) + "index.html", pages.index_page(ctx, config=full, scripts=scripts))

    def build(self) -> str:
        self.say("assets and layers")
        self.assets()
        layer_files = self.layers()
        ordered = mapdata.ordered_projects(self.atlas.projects)
        self.say("search")
        named = mapdata.projects_mode(ordered, all_points_max=self.all_points_max) == "all"
        self.w.write("data/map/search.js",
                     mapdata.data_script("search", mapdata.search_data(self.atlas, ordered, named=named)))
        mode = "all"
        for lang in self.langs:
            self.say(f"map data ({lang})")
            zone_pages = {z: f"zones/{file_stem(z)}.html" for z in self.zone_ids}  # relative to the index
            config = self.map_data(lang, zone_pages, ordered)
            mode = str(config["mode"])
            self.index(lang, config)
            self.gaps(lang)
            self.targets(lang)
            self.sources(lang, layer_files)
            for zone_id in self.zone_ids:
                self.say(f"zone {zone_id} ({lang})")
                self.zone(zone_id, lang)
        return mode


def frame_key(frame: pd.DataFrame) -> str:
    """A digest of a layer's content (cells as written to files, geometry as WKB): 3 s for 10⁵ projects, against
    25 s to write their three files, which an unchanged layer therefore skips."""
    flat = flat_for_file(frame)
    digest = hashlib.sha256(SITE_FORMAT.encode() + "\0".join(map(str, flat.columns)).encode())
    table = pd.DataFrame(flat.drop(columns="geometry", errors="ignore"))
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    if "geometry" in flat.columns:
        digest.update(b"".join(shapely.to_wkb(flat.geometry.to_numpy())))
    return digest.hexdigest()


def without_copied_position(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without `lon`/`lat` when every row's geometry is exactly the point (lon, lat), or missing with them.

    Eight bytes of binary float per coordinate hardly compress: the copies were a sixth of the zipped projects
    GeoPackage (1.6 of 9.3 MB for 10⁵ projects). A layer whose lon/lat say something else (a zone's
    centre beside its outline) keeps them.
    """
    if not {"lon", "lat", "geometry"} <= set(frame.columns):
        return frame
    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    point = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    with np.errstate(invalid="ignore"):
        same = point & (shapely.get_x(geoms) == lon) & (shapely.get_y(geoms) == lat)
    unplaced = shapely.is_missing(geoms) & np.isnan(lon) & np.isnan(lat)
    return frame.drop(columns=["lon", "lat"]) if bool(np.all(same | unplaced)) else frame


def _geo_profile(profile: ZoneProfile) -> ZoneProfile:
    """The profile as its GeoJSON and GeoPackage show it: point layers without their copied lon/lat."""
    return dataclasses.replace(
        profile, projects=without_copied_position(profile.projects),
        county_unstated=without_copied_position(profile.county_unstated),
        nearby_deposits=without_copied_position(profile.nearby_deposits),
        nearby_recycling_bases=without_copied_position(profile.nearby_recycling_bases))


def _download_label(path: str) -> str:
    """"XLSX", "GeoJSON, zipped" … from a download's file name."""
    name = path.removesuffix(".zip")
    fmt = {"xlsx": "XLSX", "csv": "CSV", "geojson": "GeoJSON", "gpkg": "GeoPackage", "pdf": "PDF"}.get(
        name.rsplit(".", 1)[-1], name.rsplit(".", 1)[-1])
    return f"{fmt} (zip)" if path.endswith(".zip") else fmt


def build_site(
    atlas: Atlas,
    out_dir: Path,
    *,
    version: DataVersion,
    langs: Sequence[str] = LANGS,
    nearby_km: float = settings.NEARBY_KM_DEFAULT,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    all_points_max: int = mapdata.ALL_POINTS_MAX,
) -> SiteReport:
    """Write the static site of `atlas` (possibly a filtered view) into `out_dir`, incrementally.

    Parameters
    ----------
    atlas
        What to publish; every page, map and download shows exactly this.
    out_dir
        A new or empty folder, or one an earlier build wrote (its unchanged files are kept as they are).
    version
        The registry version token and date, named in every page's footer.
    langs
        Languages, the first one at the site's root ("zh", "en").
    nearby_km
        Radius of "nearby" in the zone profiles.
    today
        The date printed on profiles (default: today).
    progress
        Called with a short note as each part starts.
    all_points_max
        Above this many drawable projects the index shows binned counts and loads point tiles when zoomed in.

    Returns
    -------
    SiteReport

    Raises
    ------
    AtlasError
        For an unknown language, a non-empty folder that is not a site, or a file that cannot be written.
    """
    began = time.perf_counter()
    chosen = check_langs(langs)
    out = Path(out_dir).expanduser()
    writer = SiteWriter(out)
    site = _Site(atlas, writer, chosen, version, today or date.today(), nearby_km, progress or (lambda _: None),
                 all_points_max)
    try:
        mode = site.build()
    except BaseException:
        if not writer.written and out.exists() and not any(out.iterdir()):
            shutil.rmtree(out, ignore_errors=True)
        raise
    size = writer.finish()
    return SiteReport(path=out, files=len(writer.written), changed=writer.changed, kept=writer.kept, bytes=size,
                      seconds=time.perf_counter() - began, map_mode=mode, projects=len(atlas.projects))
