"""Exports: every format opens in the tool a user would use, in the chosen language, safely."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pyogrio
import pytest

from atlas.analysis.profile import zone_profile
from atlas.core.errors import AtlasError
from atlas.reports.export import layer_to_bytes, profile_to_bytes, write_bytes_atomically


def test_xlsx_profile_has_a_sheet_per_table_with_frozen_headers(tiny_atlas):
    data = profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "xlsx", lang="zh")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"开发区", "政策定位", "产业链环节", "项目与企业", "资料来源"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    projects = book["项目与企业"]
    assert projects["B1"].value == "名称"
    assert "清镇电解铝" in [c.value for c in projects["B"]]


def test_xlsx_in_english_uses_english_names_and_labels(tiny_atlas):
    data = profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "xlsx", lang="en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "Policy roles" in book.sheetnames
    values = [c.value for row in book["Projects and enterprises"].iter_rows() for c in row]
    assert "Qingzhen smelter" in values and "operating" in values


@pytest.mark.parametrize(
    ("lang", "cluster", "header"),
    [
        ("zh", "中高端铝合金制品产业集群", "位置来源"),
        ("en", "Mid- to high-end aluminium alloy products", "Position source"),
    ],
)
def test_xlsx_projects_show_cluster_types_and_headers_in_the_users_language(tiny_atlas, lang, cluster, header):
    data = profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "xlsx", lang=lang)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[4]
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert any(cluster in str(v) for v in values)
    assert "alloy-products" not in values
    assert header in [c.value for c in sheet[1]]


def test_profile_csv_has_a_bom_and_every_table(tiny_atlas):
    data = profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "csv", lang="zh")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    for title in ("开发区", "政策定位", "资料来源", "周边铝土矿资源"):
        assert title in text


def test_formula_in_data_is_neutralised_in_csv_and_xlsx(tiny_atlas):
    data = layer_to_bytes(tiny_atlas.projects, "csv")
    assert "'=HYPERLINK" in data.decode("utf-8-sig")
    view = tiny_atlas.projects.assign(zone_id="qingzhen")
    from dataclasses import replace

    profile = zone_profile(replace(tiny_atlas, projects=view), "qingzhen")
    book = openpyxl.load_workbook(io.BytesIO(profile_to_bytes(profile, "xlsx", lang="en")))
    cells = [c for row in book["Projects and enterprises"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geo_profiles_open_with_gdal(tmp_path: Path, tiny_atlas, fmt):
    path = tmp_path / f"p.{fmt}"
    path.write_bytes(profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), fmt, lang="en"))
    layers = [name for name, _ in pyogrio.list_layers(path)]
    if fmt == "gpkg":
        assert {"zone", "projects", "deposits", "recycling_bases", "roles", "sources"} <= set(layers)
    frame = pyogrio.read_dataframe(path, layer=layers[0])
    assert len(frame) >= 1


def test_geojson_layer_is_rfc7946_lon_lat(tiny_atlas):
    collection = json.loads(layer_to_bytes(tiny_atlas.zones, "geojson", layer_name="zones"))
    first = collection["features"][0]
    assert first["geometry"]["coordinates"] == [106.5, 26.5]
    assert first["properties"]["county_adcodes"] == "520181"
    assert "crs" not in collection  # RFC 7946: WGS84 implied


def test_writing_over_a_file_keeps_a_backup(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    write_bytes_atomically(target, lambda: b"new")
    assert target.read_text() == "new"
    assert (tmp_path / "out.csv.bak").read_text() == "old"


def test_a_failed_export_leaves_the_old_file_intact(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def explode() -> bytes:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_bytes_atomically(target, explode)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_unwritable_destination_is_one_clear_error(tmp_path: Path):
    with pytest.raises(AtlasError, match="does not exist"):
        write_bytes_atomically(tmp_path / "no" / "such" / "dir.csv", lambda: b"x")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.geteuid() != 0:  # root may write anywhere; the check below only binds ordinary users
            with pytest.raises(AtlasError, match="permission denied"):
                write_bytes_atomically(locked / "x.csv", lambda: b"x")
    finally:
        locked.chmod(0o700)


def _qingzhen_with_foil_in_its_county(tiny_atlas):
    """Qingzhen's profile with the fixture's zone-less foil moved into Qingzhen's county (zone not stated)."""
    from dataclasses import replace

    projects = tiny_atlas.projects.copy()
    projects.loc[projects["id"] == "foil", "county_adcode"] = "520181"
    return zone_profile(replace(tiny_atlas, projects=projects), "qingzhen")


@pytest.mark.parametrize(
    ("lang", "sheet", "in_zone", "unstated"),
    [
        ("zh", "所在县项目（未说明是否在区内）", "区内项目", "所在县项目（未说明是否在区内）"),
        ("en", "Host county, zone not stated", "projects in the zone", "in host county, zone not stated"),
    ],
)
def test_xlsx_profile_lists_host_county_projects_of_unstated_zone_on_their_own_sheet(
    tiny_atlas, lang, sheet, in_zone, unstated
):
    book = openpyxl.load_workbook(io.BytesIO(profile_to_bytes(_qingzhen_with_foil_in_its_county(tiny_atlas), "xlsx",
                                                              lang=lang)))
    names = book.sheetnames
    assert names.index(sheet) == names.index("项目与企业" if lang == "zh" else "Projects and enterprises") + 1
    rows = list(book[sheet].iter_rows(values_only=True))
    assert len(rows) == 2 and "foil" in rows[1]
    name = "<script>alert(1)</script>" if lang == "zh" else "'=HYPERLINK(\"http://x\")"  # neutralised formula
    assert name in rows[1]
    assert not any(c.data_type == "f" for row in book[sheet].iter_rows() for c in row)
    figures = dict(list(book.worksheets[1].iter_rows(values_only=True))[1:])
    assert (figures[in_zone], figures[unstated]) == ("2", "1")
    own = [r[0] for r in list(book["项目与企业" if lang == "zh" else "Projects and enterprises"].iter_rows(
        values_only=True))[1:]]
    assert sorted(own) == ["smelter", "wheels"]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_profile_csv_has_the_host_county_block_and_both_counts(tiny_atlas):
    rows = _csv_rows(profile_to_bytes(_qingzhen_with_foil_in_its_county(tiny_atlas), "csv", lang="en"))
    assert ["projects in the zone", "2"] in rows and ["in host county, zone not stated", "1"] in rows
    start = rows.index(["Host county, zone not stated"])
    assert rows[start + 1][0] == "ID" and rows[start + 2][0] == "foil" and rows[start + 3] == []
    assert rows.index(["Projects and enterprises"]) < start
    empty = _csv_rows(profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "csv", lang="zh"))
    assert ["所在县项目（未说明是否在区内）"] in empty and ["所在县项目（未说明是否在区内）", "0"] in empty


def test_geo_profiles_keep_host_county_projects_of_unstated_zone_in_a_layer_of_their_own(tmp_path: Path, tiny_atlas):
    profile = _qingzhen_with_foil_in_its_county(tiny_atlas)
    collection = json.loads(profile_to_bytes(profile, "geojson", lang="en"))
    layers = {f["properties"]["id"]: f["properties"]["layer"] for f in collection["features"]}
    assert layers["foil"] == "projects_county_unstated"
    assert layers["smelter"] == layers["wheels"] == "projects"
    path = tmp_path / "p.gpkg"
    path.write_bytes(profile_to_bytes(profile, "gpkg", lang="en"))
    assert list(pyogrio.read_dataframe(path, layer="projects_county_unstated")["id"]) == ["foil"]
    assert sorted(pyogrio.read_dataframe(path, layer="projects")["id"]) == ["smelter", "wheels"]
    empty = tmp_path / "empty.gpkg"  # a zone with none still has the layer, empty
    empty.write_bytes(profile_to_bytes(zone_profile(tiny_atlas, "zunyi-heping"), "gpkg", lang="en"))
    assert len(pyogrio.read_dataframe(empty, layer="projects_county_unstated")) == 0


@pytest.fixture
def umask_022():
    """A colleague's normal setting: new files readable by group and others."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_an_exported_file_is_readable_by_colleagues_also_after_replacing_one(tmp_path: Path, umask_022):
    target = tmp_path / "profile.csv"
    write_bytes_atomically(target, lambda: b"new")
    assert target.stat().st_mode & 0o777 == 0o644
    write_bytes_atomically(target, lambda: b"newer")  # the atomic replace keeps the umask's mode too
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_stricter_umask_is_respected(tmp_path: Path):
    old = os.umask(0o077)
    try:
        target = tmp_path / "private.csv"
        write_bytes_atomically(target, lambda: b"x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o600


def test_geopackages_are_version_1_2_which_older_gdal_reads_without_a_warning(tmp_path: Path, tiny_atlas):
    path = tmp_path / "qingzhen.gpkg"
    path.write_bytes(profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "gpkg", lang="zh"))
    header = path.read_bytes()[:100]
    assert header[68:72] == b"GPKG"  # application_id
    assert int.from_bytes(header[60:64], "big") == 10200  # user_version: 1.2.0


def test_debian_gdal_opens_the_geopackage_without_a_version_warning(tmp_path: Path, tiny_atlas):
    path = tmp_path / "qingzhen.gpkg"
    path.write_bytes(profile_to_bytes(zone_profile(tiny_atlas, "qingzhen"), "gpkg", lang="en"))
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "Debian's gdal-bin (GDAL 3.6 on Debian 12) is installed by `make system-deps`"
    run = subprocess.run([ogrinfo, "-ro", "-so", str(path)], capture_output=True, text=True, check=True)
    assert "partially supported" not in run.stdout + run.stderr
    assert "projects" in run.stdout


@pytest.mark.parametrize(
    ("lang", "stage", "note", "other_language_note", "zone_note"),
    [
        ("zh", "铝土矿/氧化铝", "2008年12月26日经国家发展改革委核准", "Approved by the NDRC", "主战场"),
        ("en", "bauxite / alumina", "Approved by the NDRC 2008-12-26", "国家发展改革委", "main battlefield"),
    ],
)
def test_a_zone_workbook_shows_stages_and_notes_in_the_users_language(
    shipped_atlas, lang, stage, note, other_language_note, zone_note
):
    """Issue 18: a Chinese zone workbook showed stage ids (`bauxite-alumina`) and English notes."""
    stage_ids = set(shipped_atlas.stages["id"])
    book = openpyxl.load_workbook(io.BytesIO(profile_to_bytes(zone_profile(shipped_atlas, "qingzhen"), "xlsx",
                                                               lang=lang)))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows(min_row=2) for c in row
             if c.value is not None]
    assert not stage_ids & set(cells)  # no stage is shown by its id, on any sheet
    assert any(stage in c for c in cells)
    notes = [c for c in cells if note in c]
    assert notes, "the host county's alumina refinery keeps its note"
    assert not any(other_language_note in c for c in cells)
    zone_sheet = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row]
    assert any(zone_note in c for c in zone_sheet)  # the zone's own note, in the same language
