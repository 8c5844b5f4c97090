"""Synthetic registries and data folders for the benchmark, all under `OUT` (outside the checkout)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from atlas.core import settings

OUT = settings.work_dir() / "bench"
"""What the benchmarks make: ``$ATLAS_WORK_DIR/bench`` (default ``~/.cache/guizhou-aluminium-atlas/work/bench``)."""
SCRIPT = settings.REPO_ROOT / "scripts" / "make_synthetic_registry.py"
SEED = 1


def registry_csv(n: int) -> tuple[Path, float | None]:
    """The synthetic registry of `n` projects (made once, then reused) and the seconds it took to make now."""
    path = OUT / f"projects-{n}-{SEED}.csv"
    if path.exists() and path.stat().st_mtime >= SCRIPT.stat().st_mtime:
        return path, None
    start = time.perf_counter()
    subprocess.run([sys.executable, str(SCRIPT), "--n", str(n), "--seed", str(SEED), "-o", str(path)],
                   check=True, capture_output=True, timeout=900)
    return path, time.perf_counter() - start


def data_dir_with(n: int) -> Path:
    """A copy of data/ whose projects.csv is the synthetic registry of `n` projects (a symbolic link to it)."""
    registry, _ = registry_csv(n)
    target = OUT / f"data-{n}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(settings.REPO_ROOT / "data", target)
    projects = target / settings.DATA_FILES["projects"]
    projects.unlink()
    projects.symlink_to(registry)
    return target
