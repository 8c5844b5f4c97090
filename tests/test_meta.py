"""Meta-tests: the shipped data loads and validates, and its README covers every file (layout: test_architecture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.core import settings
from atlas.data.load import load_atlas_with_problems


def test_every_shipped_data_file_loads_and_validates():
    atlas, problems = load_atlas_with_problems(settings.REPO_ROOT / "data")
    errors = [str(p) for p in problems if p.severity == "error"]
    assert not errors, "\n".join(errors)
    assert atlas is not None


@pytest.mark.parametrize("relative", sorted(settings.DATA_FILES.values()))
def test_every_data_file_is_documented_in_the_data_readme(relative):
    readme = (settings.REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert Path(relative).name in readme
