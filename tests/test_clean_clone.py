"""A deployed clone as an administrator runs it: edits never touch the checkout, a new release merges, backups restore.

End to end in a temporary `git clone` of this repository, with default settings (no ATLAS_DATA_DIR,
ATLAS_STATE_DIR or ATLAS_CACHE_DIR: only the home folders are temporary), through real `atlas` processes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.core import settings

MESSY = settings.REPO_ROOT / "tests" / "fixtures" / "registry_messy_gbk.csv"
MOVE = """
import datetime as dt
from atlas.registry.positions import save_moved_position
from atlas.registry.startup import open_store
store = open_store()
print(save_moved_position(store, {record!r}, lon=106.41, lat=26.61, base_version=store.read()[1], author="王敏",
                          today=dt.date(2026, 12, 5)))
"""

pytestmark = pytest.mark.skipif(shutil.which("git") is None or not (settings.REPO_ROOT / ".git").exists(),
                                reason="needs git and a git checkout")


def git(clone: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True)
    return done.stdout


def home_env(home: Path, clone: Path) -> dict[str, str]:
    """Default settings for a user whose home folders are under `home`, running the clone's code."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ATLAS_") and k not in ("XDG_DATA_HOME", "XDG_CACHE_HOME")}
    return {**env, "HOME": str(home), "PYTHONPATH": str(clone), "ATLAS_RELOAD_CHECK_S": "0"}


def run(clone: Path, env: dict[str, str], *args: str) -> str:
    """`python -m atlas ARGS` (or `python -c CODE`) in the clone; fails the test with stderr on a non-zero exit."""
    command = [sys.executable, *(args if args[0] == "-c" else ("-m", "atlas", *args))]
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def registry(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The registry file in the state folder, by id."""
    path = Path(env["HOME"]) / ".local/share" / settings.STATE_DIR_NAME / "registry" / "projects.csv"
    return {row["id"]: row for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


def ship_release(clone: Path, *, changed: str, conflicting: str) -> None:
    """A release commit: one record changed, one changed where the bureau changed it, one added; release id bumped."""
    path = clone / "data/projects/projects.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    for row in rows:
        if row["id"] == changed:
            row["notes_en"] = "updated by release 2099.1"
        if row["id"] == conflicting:
            row["lon"] = str(round(float(row["lon"]) + 0.01, 4))
    rows.append({**rows[0], "id": "release-new-project", "name_en": "A project new in 2099.1"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    manifest = json.loads((clone / "data/release.json").read_text(encoding="utf-8"))
    (clone / "data/release.json").write_text(json.dumps({**manifest, "release": "2099.1"}), encoding="utf-8")
    git(clone, "-c", "user.name=release", "-c", "user.email=r@example.org", "commit", "-qam", "data release 2099.1")


def test_a_deployed_clone_keeps_the_bureau_edits_out_of_git_merges_a_release_and_restores_a_backup(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(settings.REPO_ROOT), str(clone)], check=True, capture_output=True)
    env = home_env(tmp_path / "home", clone)

    run(clone, env, "import", str(MESSY), "--author", "王敏")
    text = (clone / "data/projects/projects.csv").read_text(encoding="utf-8")
    shipped = [row["id"] for row in csv.DictReader(io.StringIO(text))]
    moved, untouched = shipped[0], shipped[1]
    run(clone, env, "-c", MOVE.format(record=moved))
    run(clone, env, "export", "layer", "projects", "--format", "csv", "-o", str(tmp_path / "projects.csv"))
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    before = registry(env)
    registry_ids = list(before)
    assert len(registry_ids) == len(shipped) + 4 and before[moved]["lon"] == "106.41"

    ship_release(clone, changed=untouched, conflicting=moved)
    assert "2099.1" in run(clone, env, "data", "status")
    out = run(clone, env, "data", "upgrade", "--report", str(tmp_path / "conflicts.csv"))

    after = registry(env)
    assert after[moved]["lon"] == "106.41"  # the bureau's correction is kept...
    conflicts = list(csv.DictReader(io.StringIO((tmp_path / "conflicts.csv").read_text(encoding="utf-8-sig"))))
    lon = [(c["id"], c["bureau"]) for c in conflicts if c["column"] == "lon"]
    assert lon == [(moved, "106.41")]
    assert f"conflict {moved}" in out  # ...and listed with the release's value
    assert after[untouched]["notes_en"] == "updated by release 2099.1"
    assert "release-new-project" in after
    assert set(registry_ids) <= set(after)  # every imported row kept
    status = json.loads(run(clone, env, "data", "status", "--format", "json"))
    assert (status["base_release"], status["upgrade_available"]) == ("2099.1", False)

    run(clone, env, "backup", "-o", str(tmp_path / "backup.zip"))
    elsewhere = home_env(tmp_path / "home2", clone)
    assert "history" in run(clone, elsewhere, "restore", str(tmp_path / "backup.zip"), "--format", "json")
    assert registry(elsewhere) == after
    history = [json.loads(run(clone, e, "data", "status", "--format", "json"))["version"] for e in (env, elsewhere)]
    assert history[0] == history[1]
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
